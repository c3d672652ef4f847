"""A numb, tingling or weak leg reported during the exercises answers the red-flag question
about it ("Since the pop, have you had any numbness, tingling, or weakness in a leg?",
``counts_as:`` in exercises.yaml's ``nerve:``): when the red-flag questions reach it after the
hand-back, it is not asked; the coach's line is said and its "yes" taken, so the session ends
in care today (the urgent outcome), after the emergency questions.

Before (review finding 3), a "no" to that question asked again dropped the report: the session
ended "Because the exercise brought on pain, we will not do any more exercises today." and home
advice, right after the coach had said a doctor should check the leg straight away.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import voiceskill
from tests.coach.harness import coach
from tests.dialog.test_flags import NO_RED_FLAGS, converse, said
from tests.test_run_text import run_text
from voiceskill.conversation import build_conversation
from voiceskill.dialog.content import check_content
from voiceskill.events import End, Goto, Heard, Record, Say, from_dict, to_dict

QUESTION = "leg-symptoms-since-pop"
PAIN_LINE = "Because the exercise brought on pain"

#: How the coach is reached: (start, answers before the coach runs).
TO_THE_COACH = {
    "whole session": (None, [*NO_RED_FLAGS, "two weeks ago", "yes", "yes"]),  # read back
    "started at a phase": ("days-4-7", []),
    "started at an exercise": ("cat-cow", []),
}
#: Reports: typed during an exercise, and as the answer to the pain question.
REPORTS = {"during an exercise": ["my leg is tingling"],
           "at the pain question": ["it hurts", "my leg is numb"]}


@pytest.mark.parametrize("report", REPORTS)
@pytest.mark.parametrize("way", TO_THE_COACH)
def test_every_other_sign_denied_still_ends_in_care_today(way: str, report: str) -> None:
    start, before = TO_THE_COACH[way]
    engine = build_conversation(voiceskill.DIALOGS_DIR)
    actions = converse(engine, [*before, *REPORTS[report], *["no"] * 30], start=start)
    keys = [a.key for a in actions if isinstance(a, Say)]
    assert [a.outcome for a in actions if isinstance(a, End)] == ["urgent"]
    handed_back = keys.index("nerve:stop")
    after = keys[handed_back:]
    # the emergency questions are asked first, the leg question is not asked again
    assert "question:saddle-numbness" in after and "question:emergency-check" in after
    assert f"question:{QUESTION}" not in after
    told = after.index(f"reported:{QUESTION}")
    assert after[told:told + 2] == [f"reported:{QUESTION}", f"answer:{QUESTION}"]
    assert after[told + 2:] and set(after[told + 2:]) == {"outcome:urgent"}
    assert PAIN_LINE not in said(actions)
    answers = [a.data for a in actions if isinstance(a, Record) and a.type == "answer"]
    assert answers[-1] == {"node": QUESTION, "intent": "yes", "text": "", "reported": True}
    line = next(a.text for a in actions if isinstance(a, Say) and a.key == f"reported:{QUESTION}")
    assert line == coach().book.nerve.counts_as.say


def test_a_yes_to_an_emergency_question_still_ends_in_the_emergency() -> None:
    engine = build_conversation(voiceskill.DIALOGS_DIR)
    actions = converse(engine, ["my leg is numb", "no", "yes"], start="days-4-7")
    assert [a.outcome for a in actions if isinstance(a, End)] == ["emergency"]
    assert f"reported:{QUESTION}" not in [a.key for a in actions if isinstance(a, Say)]


def test_severe_pain_is_still_left_to_the_questions() -> None:
    """"Is the pain severe, or is it spreading down a leg?" "yes" can mean either: no answer
    is taken for it, and every "no" ends with the pain ending, as before."""
    engine = build_conversation(voiceskill.DIALOGS_DIR)
    actions = converse(engine, ["it hurts", "yes", *NO_RED_FLAGS], start="days-4-7")
    assert not [a for a in actions if isinstance(a, Say) and a.key.startswith("reported:")]
    assert PAIN_LINE in said(actions)
    assert [a.outcome for a in actions if isinstance(a, End)] == ["advice"]


def test_the_hand_back_carries_the_answer_and_survives_a_transcript() -> None:
    nerve = coach().book.nerve
    state, _ = coach().start(0.0, "week-2", "cat-cow", frozenset())
    _, actions = coach().step(state, Heard("my leg is numb", "nerve"), 1.0)
    goto = actions[-1]
    assert goto == Goto("red-flags", answered=((QUESTION, "yes", nerve.counts_as.say),))
    assert from_dict(to_dict(goto)) == goto


def test_run_text_end_to_end(tmp_path: Path) -> None:
    """The reviewer's reproduction: reported during the days-4-7 routine, then "no" to every
    question asked."""
    stdout, events = run_text(["my leg is tingling", *NO_RED_FLAGS], tmp_path,
                              "--start", "days-4-7")
    assert "[outcome: urgent]" in stdout
    assert "You told me a leg felt numb, tingly or weak." in stdout
    assert PAIN_LINE not in stdout and "Since the pop, have you had any numbness" not in stdout


@pytest.mark.parametrize(("old", "new", "message"), [
    ("    question: leg-symptoms-since-pop\n", "    question: leg-symptom-since-pop\n",
     "nerve.counts_as.question: 'leg-symptom-since-pop' is not a question the red-flag "
     "questions reach"),
    ("    question: leg-symptoms-since-pop\n", "    question: exercise-hurt\n",
     "nerve.counts_as.question: 'exercise-hurt' is not a question the red-flag questions reach"),
    ("    question: leg-symptoms-since-pop\n", "    question: welcome\n",
     "nerve.counts_as.question: 'welcome' is not a question the red-flag questions reach"),
    ('leg-symptoms-since-pop\n    answer: "yes"\n', "leg-symptoms-since-pop\n    answer: maybe\n",
     "nerve.counts_as.answer: 'maybe' is not an answer of leg-symptoms-since-pop "
     "(expected one of yes, no)"),
])
def test_check_refuses_a_question_or_answer_that_is_not_there(
        tmp_path: Path, old: str, new: str, message: str) -> None:
    content = tmp_path / "dialogs"
    shutil.copytree(voiceskill.DIALOGS_DIR, content)
    exercises = content / "exercises.yaml"
    text = exercises.read_text(encoding="utf-8")
    assert text.count(old) == 1
    exercises.write_text(text.replace(old, new), encoding="utf-8")
    report = check_content(content, None)
    assert [str(p).split(": ", 1)[1] for p in report.problems if message in str(p)], \
        report.problems
    assert all("exercises.yaml:" in str(p) for p in report.problems)
