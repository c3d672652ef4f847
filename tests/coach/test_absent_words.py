"""Warning signs said as something missing, typed (task E, session 36): "I don't have any
control of my bladder", "I haven't peed since yesterday", "I have no sensation down there",
"my leg has no strength", "I don't feel my leg".

Before, none of these was read as any report, during the exercises or at the screening's
questions, though each names a sign of article 000 (loss of bladder control or inability to
urinate, saddle numbness, leg numbness or weakness) or 003 (numbness or weakness in the legs):
their words were the sign's words denied ("no strength"), which the readings took for a plain
denial, or no sign's words at all ("peed", "sensation"). Now a report's ``absent:`` words (in
dialogs/exercises.yaml) count when said in the form of a denial, and a few runs more ("don't
feel my" with a leg) are the nerve report's. The same words said present ("I have control of
my bladder", "I can pee fine") stay no report, and so does everyday talk during the exercises.
"I can't walk" and "I can't stand up" lead to the red-flag questions with none answered (pain
or weakness is not known: the careful path asks each of them).
"""

from __future__ import annotations

from functools import cache

import pytest

import voiceskill
from tests.coach.harness import coach
from tests.coach.test_nerve_signs import SITUATIONS, typed
from tests.dialog.test_flags import converse
from voiceskill.coach.engine import RED_FLAG_NODE
from voiceskill.coach.routine import words_of
from voiceskill.conversation import Conversation, build_conversation, sign_report
from voiceskill.events import Goto, Heard, Record, Say

#: The lead's sentences (each missed before), and the report each is.
LEADS = {
    "i don't have any control of my bladder": ("bladder-control",),
    "i have not been able to pee": ("bladder-control",),
    "i haven't peed since yesterday": ("retention",),
    "i haven't been able to wee all day": ("bladder-control",),
    "i have no sensation down there": ("saddle",),
    "i don't have feeling in my leg": ("nerve",),
    "i don't feel my leg": ("nerve",),
    "my leg has no strength": ("nerve",),
    "there's no strength in my legs": ("nerve",),
}

#: More said the same ways (also missed before).
MORE = {
    "I have no bladder control": ("bladder-control",),
    "I'm not able to pee": ("bladder-control",),
    "I'm not in control of my bladder": ("bladder-control",),
    "I haven't had a wee all day": ("retention",),
    "I didn't pee all day": ("retention",),
    "I haven't passed urine since this morning": ("retention",),
    "I don't have any sensation in my groin": ("saddle",),
    "there isn't any feeling in my buttocks": ("saddle",),
    "I haven't got any feeling in my foot": ("nerve",),
    "I have no power in my legs": ("nerve",),
    "I have no control over my legs": ("nerve",),
    "I don't feel anything in my legs": ("nerve",),
    "I didn't feel my foot for a minute": ("nerve",),
    "my legs have no strength left": ("nerve",),
    "I don't have the strength to lift my leg": ("nerve",),
    "I can't walk": ("walking",),
    "I can't stand up": ("walking",),
    "I haven't been able to walk since the pop": ("walking",),
}

#: Reports already before, still the same.
#: "I can't pee" is also article 000's inability to urinate said bare (``retention``'s
#: ``absent_last``, task B.2, session 37); both answer the bladder question, as before.
STILL = {"I can't pee": ("bladder-control", "retention"),
         "I have no feeling in my leg": ("nerve",),
         "I wet myself": ("bladder",)}

#: Plain denials, and the same words said present: no report.
DENIALS = ["i haven't wet myself", "my leg isn't numb", "i can pee fine",
           "i have control of my bladder", "i have feeling in my leg",
           "I haven't peed myself", "I haven't lost control of my bladder",
           "I haven't lost bladder control", "I haven't lost strength in my legs",
           "I have feeling down there", "my legs have strength", "I'm able to pee",
           "I have full control of my legs"]

#: Everyday talk during the exercises: no report.
ORDINARY = ["i can't reach my toes", "my legs are tired", "i need a wee break",
            "i don't feel the stretch", "i can't feel the stretch in my leg",
            "no strength left to do another", "I don't feel anything",
            "I need to pee", "can I have a pee break", "I haven't had a wee break",
            "I don't have the strength for another set", "I have no strength in my arms",
            "I don't feel my best, my legs are tired", "I'm not feeling great, my legs are tired",
            "I don't feel any pain in my leg", "I have no control over the movement",
            "I can't control my breathing", "I can't hold the stretch",
            "I can't lift my leg that high", "I can't straighten my leg", "I have no energy",
            "my leg is stiff", "I haven't done this before", "I didn't sleep well",
            "I have not been able to do the stretch", "I'm not able to hold it for 30 seconds",
            "I haven't been able to exercise all week", "I have no idea",
            "I don't feel it stretching in my leg", "no feeling of stretch in my legs",
            "I didn't pee before we started", "I don't need to pee",
            "I don't have a towel", "my knee clicks", "I can't do the bird dog",
            "I don't have the power to do another", "I can't feel my hamstring stretching"]

#: Said in words that are a report on purpose (the safe reading; a missed sign costs more).
LEANING = {
    # "can't" anywhere with a bladder word: "I need a pee but I can't" is the sign.
    "I can't do another one, I need a wee": ("bladder-control",),
    "I need to pee but I can't": ("bladder-control",),
    # what is felt in a leg, or not: "I can't feel it in my leg" was a report before.
    "I don't feel anything in my leg when I do this": ("nerve",),
}

ALL_REPORTS = {**LEADS, **MORE, **STILL, **LEANING}


@cache
def conversation() -> Conversation:
    return build_conversation(voiceskill.DIALOGS_DIR)


def _ids(text: str) -> tuple[str, ...] | None:
    found = coach().book.report_of(words_of(text))
    return None if found is None else found[0]


@pytest.mark.parametrize(("text", "ids"), ALL_REPORTS.items())
def test_each_is_the_report_of_its_sign(text: str, ids: tuple[str, ...]) -> None:
    assert _ids(text) == ids


@pytest.mark.parametrize("text", DENIALS + ORDINARY)
def test_denials_and_everyday_talk_are_no_report(text: str) -> None:
    assert _ids(text) is None


@pytest.mark.parametrize(("text", "ids"), ALL_REPORTS.items())
def test_the_screening_reads_the_same_report(text: str, ids: tuple[str, ...]) -> None:
    report = sign_report(coach().book, Heard(text, None, 1.0))
    assert report is not None and report.signs == ids and not report.negated


@pytest.mark.parametrize("text", DENIALS + ORDINARY)
def test_the_screening_reads_no_report(text: str) -> None:
    report = sign_report(coach().book, Heard(text, None, 1.0))
    assert report is None or report.negated


@pytest.mark.parametrize("where", SITUATIONS)
@pytest.mark.parametrize("text", LEADS)
def test_during_the_exercises_each_stops_them_and_answers_its_question(where: str,
                                                                       text: str) -> None:
    book = coach().book
    state = SITUATIONS[where]
    state, actions = coach().step(state, typed(state.listen, text), 30.0)
    question = {"nerve": "leg-symptoms-since-pop", "saddle": "saddle-numbness"}.get(
        LEADS[text][0], "bladder-control")
    goto = actions[-1]
    assert isinstance(goto, Goto) and goto.node == RED_FLAG_NODE
    assert [(q, a) for q, a, _ in goto.answered] == [(question, "yes")]
    keys = [a.key for a in actions if isinstance(a, Say)]
    assert keys[-1] == "pain:red-flags"
    assert state.mode == "ended"
    if LEADS[text] == ("nerve",):
        assert book.nerve.say in [a.text for a in actions if isinstance(a, Say)]
    else:
        assert "sign:stop" in keys


@pytest.mark.parametrize("where", ["move", "hold", "paused"])
@pytest.mark.parametrize("text", DENIALS + ORDINARY)
def test_during_the_exercises_they_carry_on(where: str, text: str) -> None:
    """No warning sign: the exercise goes on (a pain word, "I don't feel any pain in my
    leg", still asks the pain question, as any pain word does)."""
    state = SITUATIONS[where]
    state, actions = coach().step(state, typed(state.listen, text), 30.0)
    assert not [a for a in actions if isinstance(a, Goto)]
    assert state.mode in (SITUATIONS[where].mode, "pain")
    assert (state.mode == "pain") == ("pain" in text)
    assert coach().book.nerve.say not in [a.text for a in actions if isinstance(a, Say)]


@pytest.mark.parametrize("text", ["I can't walk", "I can't stand up"])
def test_cant_walk_or_stand_asks_every_red_flag_question(text: str) -> None:
    """Pain or weakness? Neither is known: the red-flag questions, none of them answered."""
    state = SITUATIONS["hold"]
    state, actions = coach().step(state, typed(state.listen, text), 30.0)
    assert actions[-1] == Goto(RED_FLAG_NODE, ())
    keys = [a.key for a in actions if isinstance(a, Say)]
    assert keys[-2:] == ["sign:stop", "pain:red-flags"]


def test_cant_stand_up_is_a_call_for_help_too() -> None:
    """As before, "I can't stand up" is a call for help: its call to action comes first.
    "I can't stand up straight" (a stiff back) is a call for help only, as before."""
    assert _ids("I can't stand up straight") is None
    state = SITUATIONS["hold"]
    _, actions = coach().step(state, typed(state.listen, "I can't stand up"), 30.0)
    says = [a for a in actions if isinstance(a, Say)]
    assert "call" in says[0].text and "now" in says[0].text
    _, actions = coach().step(state, typed(state.listen, "I can't walk"), 30.0)
    assert [a.key for a in actions if isinstance(a, Say)][0] == "sign:stop"


def _reports(actions: list) -> list[str]:
    return [a.data["sign"] for a in actions if isinstance(a, Record) and a.type == "report"]


@pytest.mark.parametrize("text", LEADS)
def test_at_a_question_outside_the_red_flags_each_is_a_report(text: str) -> None:
    actions = converse(conversation(), [text], start="start-exercises")
    assert _reports(actions) == [", ".join(LEADS[text])]


@pytest.mark.parametrize("text", ["i can pee fine", "i have control of my bladder",
                                  "i have feeling in my leg", "i can't reach my toes"])
def test_at_a_question_outside_the_red_flags_these_are_none(text: str) -> None:
    assert _reports(converse(conversation(), [text], start="start-exercises")) == []


def test_at_the_bladder_question_i_havent_peed_is_its_yes() -> None:
    """An emergency sign said in other words ends in the emergency at once."""
    actions = converse(conversation(), ["i haven't peed since yesterday"], start="red-flags")
    assert _reports(actions) == ["retention"]
    assert any(getattr(a, "outcome", None) == "emergency" for a in actions)
