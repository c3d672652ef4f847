"""A sign plainly denied is no report; anything less plain still is (finding 4, session 36).

Before, "I haven't wet myself" typed during the exercises stopped them for the warning-sign
questions as a bladder report, and "my leg isn't numb" at "Shall we start the exercises now?"
as a numb leg: the coach read no denial at all, and the screening had its own list of denying
words (conversation.NEGATIONS, any of them anywhere) used only at the red-flag questions, while
the fever report carried its own denial runs ("no fever", "don't have a fever" ...). Now one
content list, ``denials:`` in exercises.yaml, is read by the coach and the screening alike: a
sign said plainly denied ("no numbness", "my leg isn't numb", "I haven't wet myself") is no
report; a hedge, a denying word inside the sign's own words, or a time that puts the sign at
another moment leaves it a report ("I think my leg is numb", "I can't feel my leg", "my leg is
no longer numb"). At a red-flag question a denial stays what it was: not understood.

Kept as reports on purpose: "my leg fell asleep" (numbness in everyday words) and "my legs feel
like jelly" (weakness): these report the sign, they do not deny it.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import pytest

import voiceskill
from tests.coach.harness import coach
from tests.coach.test_nerve_signs import SITUATIONS, typed
from tests.dialog.test_flags import converse
from voiceskill.conversation import Conversation, build_conversation, sign_report
from voiceskill.events import Goto, Heard, Record, Say

DENIALS = ["I haven't wet myself", "my leg isn't numb", "no numbness", "my leg is not numb",
           "no numbness or tingling", "I don't feel numb", "I have not wet myself",
           "my knee didn't give way", "my bladder isn't leaking", "I don't have a fever",
           "no fever", "neither numb nor weak", "it doesn't tingle", "my foot isn't dragging",
           "I haven't had a fall", "I haven't lost control of my bladder"]

STILL_REPORTS = ["I think my leg is numb", "I can't feel my leg", "I'm not sure my leg is numb",
                 "my leg is no longer numb", "it isn't numb any more", "not really numb",
                 "No, numbness in my leg", "no I wet myself", "no my bottom is numb",
                 "I can't pee", "I can't hold my bladder", "no fever but my leg is numb",
                 "I'm not numb, I'm tingling", "I have no feeling in my leg",
                 "I don't think so, my leg is numb", "my leg fell asleep",
                 "my legs feel like jelly", "no, my knee gave way", "no pins and needles"]


@cache
def conversation() -> Conversation:
    return build_conversation(voiceskill.DIALOGS_DIR)


@pytest.mark.parametrize("where", ["move", "hold", "paused"])
@pytest.mark.parametrize("text", DENIALS)
def test_a_plain_denial_during_the_exercises_is_no_report(where: str, text: str) -> None:
    state = SITUATIONS[where]
    state, actions = coach().step(state, typed(state.listen, text), 30.0)
    assert not [a for a in actions if isinstance(a, Goto)]
    assert state.mode == SITUATIONS[where].mode


@pytest.mark.parametrize("text", STILL_REPORTS)
def test_anything_less_plain_is_still_a_report(text: str) -> None:
    state = SITUATIONS["hold"]
    state, actions = coach().step(state, typed(state.listen, text), 30.0)
    assert isinstance(actions[-1], Goto) and state.mode == "ended"


def _reports(actions: list) -> list[Record]:
    return [a for a in actions if isinstance(a, Record) and a.type == "report"]


@pytest.mark.parametrize("text", ["my leg isn't numb", "I haven't wet myself", "no numbness"])
def test_at_start_exercises_a_plain_denial_is_no_report(text: str) -> None:
    actions = converse(conversation(), [text], start="start-exercises")
    assert not _reports(actions)
    keys = [a.key for a in actions if isinstance(a, Say)]
    assert keys[-1] == "reprompt:start-exercises"  # not understood: asked again


@pytest.mark.parametrize("text", ["I think my leg is numb", "I can't feel my leg"])
def test_at_start_exercises_an_uncertain_one_is_a_report(text: str) -> None:
    actions = converse(conversation(), [text], start="start-exercises")
    assert len(_reports(actions)) == 1


@pytest.mark.parametrize("text", ["no numbness", "no, I haven't wet myself"])
def test_at_a_red_flag_question_a_denial_is_still_not_understood(text: str) -> None:
    actions = converse(conversation(), [text], start="red-flags")
    assert not _reports(actions)
    keys = [a.key for a in actions if isinstance(a, Say)]
    assert keys[-1].startswith("reprompt:")


def test_at_a_red_flag_question_i_can_t_feel_my_leg_is_a_report() -> None:
    """Before, any denying word anywhere (here the "can't" of the sign itself) made it not
    understood there."""
    actions = converse(conversation(), ["I can't feel my leg"], start="red-flags")
    assert [a.data["sign"] for a in _reports(actions)] == ["nerve"]


def test_one_list_for_coach_and_screening() -> None:
    """Both read exercises.yaml's denials: emptied, "no numbness" is a report to both."""
    book = coach().book
    assert book.denials is not None
    heard = Heard("no numbness", None)
    assert sign_report(book, heard) is not None and sign_report(book, heard).negated
    undenied = replace(book, denials=replace(book.denials, words=frozenset()))
    report = sign_report(undenied, heard)
    assert report is not None and not report.negated
    assert undenied.report_of(["no", "numbness"]) is not None
    assert book.report_of(["no", "numbness"]) is None
    assert not any(run[0] in book.denials.words
                   for r in book.signs.reports for run in r.unless)  # no runs of its own
