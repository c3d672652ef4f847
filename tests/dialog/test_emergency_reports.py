"""An emergency sign reported in the person's own words ("I wet myself") ends in the emergency
at once: it is a "yes" to an emergency question (README: "A 'yes' to an emergency question
ends in emergency at once"), wherever it is said.

Before (review finding 8), a report during the exercises handed back to the red-flag questions
from the start (the groin question first) and took the report only once they reached its
question: silence there ended in no-response ("If you are worried about your back, please
contact a doctor."), "stop" in stopped, never "Please call 911 now", though the person had
just reported loss of bladder control. A report at a red-flag question before its own waited
for it the same way ("I will come back to that"), and one at a question outside them asked
them again from the start.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import voiceskill
from tests.dialog.test_flags import NO_RED_FLAGS, converse, said
from tests.test_run_text import run_text
from voiceskill.conversation import build_conversation
from voiceskill.events import Action, End, Record, Say

#: Emergency signs in everyday words, and the emergency question each answers "yes".
EMERGENCY_REPORTS = {
    "I wet myself": "bladder-control",
    "I just wet myself": "bladder-control",
    "I pooped myself": "bowel-control",
    "my knee gave way": "leg-weakness-severe",
    "my groin is numb": "saddle-numbness",
    "it hurts and I wet myself": "bladder-control",
}

CALL_NOW = "Please call 911 now."


def talk(answers: list[str], start: str | None = None) -> list[Action]:
    return converse(build_conversation(voiceskill.DIALOGS_DIR), answers, start=start)


def outcomes(actions: list[Action]) -> list[str]:
    return [a.outcome for a in actions if isinstance(a, End)]


def after_report(actions: list[Action]) -> list[Action]:
    at = next(i for i, a in enumerate(actions) if isinstance(a, Record) and a.type == "report")
    return actions[at:]


def questions(actions: list[Action]) -> list[str]:
    return [a.key for a in actions if isinstance(a, Say) and a.key.startswith("question:")]


@pytest.mark.parametrize(("report", "question"), EMERGENCY_REPORTS.items())
@pytest.mark.parametrize("start", ["days-4-7", "cat-cow", "first-72-hours"])
def test_during_the_exercises_it_ends_in_the_emergency_at_once(start, report, question) -> None:
    actions = talk([report], start=start)  # nothing more: the answers ran out
    assert outcomes(actions) == ["emergency"], said(actions)
    later = after_report(actions)
    assert questions(later) == [], questions(later)  # no question asked after the report
    assert f"reported:{question}" in [a.key for a in later if isinstance(a, Say)]
    assert CALL_NOW in said(later)


def test_during_the_exercises_after_a_whole_screening_too() -> None:
    actions = talk([*NO_RED_FLAGS, "two weeks ago", "yes", "I wet myself"])
    assert outcomes(actions) == ["emergency"]
    assert questions(after_report(actions)) == []


@pytest.mark.parametrize("question", ["time-since-pop", "days-since-pop", "start-exercises"])
@pytest.mark.parametrize(("report", "answered"), EMERGENCY_REPORTS.items())
def test_at_a_question_outside_the_red_flags_it_ends_in_the_emergency_at_once(
        question, report, answered) -> None:
    before = {"time-since-pop": NO_RED_FLAGS, "days-since-pop": [*NO_RED_FLAGS, "last week"],
              "start-exercises": [*NO_RED_FLAGS, "two weeks ago"]}[question]
    actions = talk([*before, report])
    assert outcomes(actions) == ["emergency"], said(actions)
    assert questions(after_report(actions)) == []
    assert f"reported:{answered}" in [a.key for a in after_report(actions) if isinstance(a, Say)]


@pytest.mark.parametrize(("answers", "report"), [
    ([], "I wet myself"),  # at the groin question, before the bladder one
    ([], "my knee gave way"),
    (["no", "no", "no"], "I wet myself"),  # already answered "no": taken at once, as before
    (["no"] * 10, "I pooped myself"),  # at the fever question, past it
    (["no"] * 4, "my knee gave way and I pooped myself"),
])
def test_at_a_red_flag_question_it_ends_in_the_emergency_at_once(answers, report) -> None:
    actions = talk([*answers, report])
    assert outcomes(actions) == ["emergency"], said(actions)
    assert questions(after_report(actions)) == []


def test_a_report_of_an_urgent_sign_still_waits_for_its_question() -> None:
    """A numb leg (care today) is not an emergency sign: the emergency questions before its
    own are still asked, as before (any "yes" there is the emergency)."""
    actions = talk(["my leg is numb", *["no"] * 30], start="days-4-7")
    assert outcomes(actions) == ["urgent"]
    assert "question:saddle-numbness" in questions(after_report(actions))


@pytest.mark.parametrize("then", [[], ["stop"], [""]])
def test_run_text_reviewers_reproduction(tmp_path: Path, then: list[str]) -> None:
    stdout, events = run_text(["next", "I wet myself", *then], tmp_path, "--start", "days-4-7")
    assert "[outcome: emergency]" in stdout, stdout
    assert CALL_NOW in stdout
    assert "Is any part of your groin" not in stdout
    (end,) = [e for e in events if e["type"] == "end"]
    assert end["outcome"] == "emergency"
