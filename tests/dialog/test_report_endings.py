"""How a session ends after the coach handed back for a report during the exercises, every
warning-sign question then answered "no".

Before, a fall reported during the exercises ended with exercise-hurt's "Because the exercise
brought on pain, we will not do any more exercises today.": the fall, not pain, had stopped
them. Now the hand-back after a report is a report to the screening too (as one said at its
questions: ScreeningState.told), and the ending says why with triage.yaml's reported-no-exercise.
Every other report (a numb leg, article 000's signs) answers a red-flag question "yes", so
its session ends in care today or the emergency, never at those lines.
"""

from __future__ import annotations

import pytest

import voiceskill
from tests.coach.test_warning_signs import REPORTS
from tests.dialog.test_flags import NO_RED_FLAGS, converse, said
from voiceskill.conversation import build_conversation
from voiceskill.events import Action, End, Say

PAIN_LINE = "Because the exercise brought on pain"
REPORT_LINE = "Because of what you told me, I will not guide exercises today."
FALL_LINE = "If you had a fall, and your back pain is worse or different since"

#: Reaching the exercises through the whole screening (two weeks: week two's routine, read
#: back: "Two weeks ago, is that right?").
SCREENED = [*NO_RED_FLAGS, "two weeks ago", "yes", "yes"]


def talk(answers: list[str], start: str | None = None) -> list[Action]:
    return converse(build_conversation(voiceskill.DIALOGS_DIR), answers, start=start)


def outcomes(actions: list[Action]) -> list[str]:
    return [a.outcome for a in actions if isinstance(a, End)]


@pytest.mark.parametrize(("start", "before"), [("days-4-7", []), ("cat-cow", []),
                                               (None, SCREENED)])
@pytest.mark.parametrize("fall", ["I fell", "I fell over"])
def test_a_fall_during_the_exercises_then_no_to_everything_says_why(start, before, fall) -> None:
    actions = talk([*before, fall, *NO_RED_FLAGS, "yesterday", "yes"], start=start)
    text = said(actions)
    assert outcomes(actions) == ["advice"], text
    assert PAIN_LINE not in text
    assert REPORT_LINE in text and FALL_LINE in text
    keys = [a.key for a in actions if isinstance(a, Say)]
    assert "statement:reported-no-exercise" in keys and "statement:exercise-hurt" not in keys
    assert "question:time-since-pop" not in keys[keys.index("sign:stop"):]


def test_pain_during_the_exercises_still_says_the_pain_line() -> None:
    actions = talk(["it hurts", "yes", *NO_RED_FLAGS], start="days-4-7")
    text = said(actions)
    assert outcomes(actions) == ["advice"]
    assert PAIN_LINE in text and FALL_LINE not in text


@pytest.mark.parametrize("text", [t for t, answered in REPORTS.items() if answered]
                         + ["my leg is numb", "pins and needles"])
def test_every_other_report_from_the_coach_escalates_and_never_reaches_those_lines(text) -> None:
    """A report that answers a red-flag question ends in care today or the emergency when
    the questions reach it, whatever else is answered: never the pain or the report ending."""
    actions = talk([text, *NO_RED_FLAGS, "yesterday", "yes"], start="days-4-7")
    assert outcomes(actions) in (["urgent"], ["emergency"]), (text, outcomes(actions))
    assert PAIN_LINE not in said(actions) and REPORT_LINE not in said(actions)


def test_check_refuses_an_if_reported_that_can_lead_to_the_exercises(tmp_path) -> None:
    from tests.dialog.dialog_copy import copy_dialogs
    from voiceskill.dialog.content import check_content

    triage = copy_dialogs(tmp_path)
    triage.write_text(triage.read_text().replace("if_reported: reported-no-exercise",
                                                 "if_reported: start-exercises"))
    problems = [str(p) for p in check_content(tmp_path, None).problems]
    assert any("if_reported" in p and "'start-exercises' can lead to exercise" in p
               for p in problems), problems
