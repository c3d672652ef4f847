"""Typed reports still missed (task B.2, session 37): "I have no leg strength", a bare "I didn't
pee", bladder control said with a doubt ("I'm not sure I can control my bladder").

Before, none was any report, during the exercises or at the screening's questions: "no leg
strength" denied the leg with the strength (only "no strength in my leg" counted), "didn't pee"
counted only with a stretch of time ("all day", "since"), and a doubt about control was no
denial. Now a report's ``absent`` words count after a doubt too (``denials.doubts`` in
dialogs/exercises.yaml: uncertainty is a report, the red-flag questions settle it), a run of
its ``words`` directly before them is denied with them ("no leg strength"), and ``retention``'s
``absent_last`` words count said bare, as the last words ("I didn't pee"). Plain denials and the
same words said present stay no report, and so does a doubt about something else.
"""

from __future__ import annotations

import pytest

from tests.coach.harness import coach
from tests.coach.test_absent_words import _ids, _reports, conversation
from tests.coach.test_nerve_signs import SITUATIONS, typed
from tests.dialog.test_flags import converse
from voiceskill.coach.engine import RED_FLAG_NODE
from voiceskill.conversation import sign_report
from voiceskill.events import End, Goto, Heard

#: Each missed before, and the report it is now.
REPORTS = {
    "I have no leg strength": ("nerve",),
    "I've got no leg power": ("nerve",),
    "I have no leg strength left": ("nerve",),
    "I have no groin sensation": ("saddle",),
    "I didn't pee": ("retention",),
    "I did not pee.": ("retention",),
    "I didn't wee, and my back hurts": ("retention",),
    "I haven't peed yet": ("retention",),
    "I didn't pee at all": ("retention",),
    "I'm not sure I can control my bladder": ("bladder-control",),
    "I don't know if I can control my bladder": ("bladder-control",),
    "I'm unsure whether I have control of my bladder": ("bladder-control",),
    "I'm not sure I can pee": ("bladder-control",),
    "I don't think I can hold my bladder": ("bladder-control",),
    "I'm not sure I have strength in my legs": ("nerve",),
    "I'm not sure if I have feeling down there": ("saddle",),
}

#: Reports before, still the same (the brief's "I haven't peed" and the hedged "might").
STILL = {
    "I haven't peed": ("retention",),
    "I might have lost control of my bladder": ("bladder-control",),
    "I have no strength in my leg": ("nerve",),
}

#: No report, before and after: plain denials, the same words said present, a doubt about
#: something else, and the bare word followed by another moment.
NONE = ["I can pee fine", "no problem peeing", "I have control of my bladder",
        "I didn't pee before we started", "I'm not sure I need a pee",
        "I'm not sure I can hold it", "I have no doubt I can control my bladder",
        "I haven't lost leg strength", "I don't need to pee", "I'm sure I can pee",
        "I don't pee often", "I have no leg pain", "I'm not sure I can do another set",
        "I don't think I can hold the stretch"]


@pytest.mark.parametrize(("text", "ids"), {**REPORTS, **STILL}.items())
def test_each_is_the_report_of_its_sign(text: str, ids: tuple[str, ...]) -> None:
    assert _ids(text) == ids


@pytest.mark.parametrize(("text", "ids"), {**REPORTS, **STILL}.items())
def test_the_screening_reads_the_same_report(text: str, ids: tuple[str, ...]) -> None:
    report = sign_report(coach().book, Heard(text, None, 1.0))
    assert report is not None and report.signs == ids and not report.negated


@pytest.mark.parametrize("text", NONE)
def test_no_report(text: str) -> None:
    assert _ids(text) is None
    report = sign_report(coach().book, Heard(text, None, 1.0))
    assert report is None or report.negated


@pytest.mark.parametrize("where", SITUATIONS)
@pytest.mark.parametrize("text", REPORTS)
def test_during_the_exercises_each_stops_them(where: str, text: str) -> None:
    state = SITUATIONS[where]
    state, actions = coach().step(state, typed(state.listen, text), 30.0)
    question = {"nerve": "leg-symptoms-since-pop", "saddle": "saddle-numbness"}.get(
        REPORTS[text][0], "bladder-control")
    goto = actions[-1]
    assert isinstance(goto, Goto) and goto.node == RED_FLAG_NODE
    assert [(q, a) for q, a, _ in goto.answered] == [(question, "yes")]
    assert state.mode == "ended"


@pytest.mark.parametrize("text", ["I'm not sure I can pee", "I have no leg strength"])
def test_during_the_exercises_none_carries_on(text: str) -> None:
    """Their plain opposites carry on."""
    opposite = {"I'm not sure I can pee": "I can pee fine",
                "I have no leg strength": "I haven't lost leg strength"}[text]
    state = SITUATIONS["hold"]
    state, actions = coach().step(state, typed(state.listen, opposite), 30.0)
    assert not [a for a in actions if isinstance(a, Goto)] and state.mode == "running"


@pytest.mark.parametrize("text", ["I didn't pee", "I'm not sure I can control my bladder"])
def test_at_the_start_exercises_question_each_is_a_report(text: str) -> None:
    actions = converse(conversation(), [text], start="start-exercises")
    assert _reports(actions) == [", ".join(REPORTS[text])]


@pytest.mark.parametrize("text", ["I didn't pee", "I'm not sure I can control my bladder"])
def test_at_the_red_flag_questions_a_bladder_report_is_the_emergency(text: str) -> None:
    """Loss of bladder control or inability to urinate (article 000): the emergency at once."""
    actions = converse(conversation(), [text], start="red-flags")
    assert _reports(actions) == [", ".join(REPORTS[text])]
    assert [a.outcome for a in actions if isinstance(a, End)] == ["emergency"]
