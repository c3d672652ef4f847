"""A session started at a node past the days question knows the phase its care was for, or
says it knows none (review finding 6).

``run --text --start care-days-4-7`` said "After the first three days, change from cold to
warmth ... heat pack", then on "yes": "Let us start the exercises for the first 72 hours" and
that phase's advice, with ice: the conversation took the phase only from the screening's
answers, which such a start never heard, and the coach was told it was the person's.

Now a start node knows the phase that every days answer leading to it sets (care-days-4-7 and
what follows it: days four to seven; the first days' care: the first 72 hours). A node that
several phases lead to knows none: care-later (week two and week four) follows the gentler,
week two, the dialog's own choice when an answer could be either ("a few weeks ago",
"more than twenty"), and start-exercises (every phase) the first days' rules, each said as
a plan chosen for want of a phase ("I do not know how long ago your back popped ...").
"""

from __future__ import annotations

from pathlib import Path

import pytest

import voiceskill
from tests.dialog.test_flags import NO_RED_FLAGS, converse, said
from tests.test_run_text import run_text
from voiceskill.conversation import build_conversation, phases_leading_to
from voiceskill.dialog.load import load_dialog

BOOK = build_conversation(voiceskill.DIALOGS_DIR).coach.book


def welcome(phase: str) -> str:
    return BOOK.say["welcome"].format(phase=BOOK.phase(phase).name)


def unknown(phase: str) -> str:
    return BOOK.say["welcome_unknown"].format(phase=BOOK.phase(phase).name)


def plan(phase: str) -> str:
    names = [BOOK.exercises[e].name for e in BOOK.phase(phase).routine]
    return names[0]


@pytest.mark.parametrize(("node", "phases"), [
    ("care-first-72-hours", ("first-72-hours",)),
    ("care-first-72-hours-medicine", ("first-72-hours",)),
    ("care-days-4-7", ("days-4-7",)),
    ("care-days-4-7-habits", ("days-4-7",)),
    ("care-later", ("week-2", "week-4")),
    ("start-exercises", ("first-72-hours", "days-4-7", "week-2", "week-4")),
    ("welcome", ()),
    ("time-since-pop", ()),
])
def test_the_phases_that_lead_to_a_node(node: str, phases: tuple[str, ...]) -> None:
    assert set(phases_leading_to(load_dialog(voiceskill.DIALOGS_DIR), node)) == set(phases)


@pytest.mark.parametrize(("start", "intro", "phase"), [
    ("care-days-4-7", welcome, "days-4-7"),
    ("care-days-4-7-habits", welcome, "days-4-7"),
    ("care-first-72-hours", welcome, "first-72-hours"),
    ("care-later", unknown, "week-2"),
    ("care-later-who-to-see", unknown, "week-2"),
    ("start-exercises", unknown, "first-72-hours"),
])
def test_a_start_at_a_node_past_the_days_question(start, intro, phase) -> None:
    text = said(converse(build_conversation(voiceskill.DIALOGS_DIR), ["yes"], start=start))
    assert intro(phase) in text, text
    others = [p.id for p in BOOK.phases if p.id != phase]
    assert not any(welcome(p) in text or unknown(p) in text for p in others), text
    advice = BOOK.phase(phase).advice
    if intro is welcome:
        assert all(a in text for a in advice)
    else:  # no phase advice for a phase that is not the person's
        assert not any(a in text for a in advice)
    assert f"Today's plan: {plan(phase)}" in text


@pytest.mark.parametrize(("answer", "phase"), [("yesterday", "first-72-hours"),
                                                ("five days ago", "days-4-7"),
                                                ("two weeks ago", "week-2"),
                                                ("a month ago", "week-4")])
def test_a_whole_screening_still_says_the_answered_phase(answer: str, phase: str) -> None:
    read_back = ["yes"] if phase in ("week-2", "week-4") else []  # "... is that right?"
    text = said(converse(build_conversation(voiceskill.DIALOGS_DIR),
                         [*NO_RED_FLAGS, answer, *read_back, "yes"]))
    assert welcome(phase) in text and unknown(phase) not in text


def test_the_days_question_answered_after_a_start_wins() -> None:
    """A start at the days question knows no phase until it is answered."""
    text = said(converse(build_conversation(voiceskill.DIALOGS_DIR), ["five days ago", "yes"],
                         start="time-since-pop"))
    assert welcome("days-4-7") in text


def test_run_text_reviewers_reproduction(tmp_path: Path) -> None:
    stdout, _ = run_text(["yes", "stop"], tmp_path, "--start", "care-days-4-7")
    flat = " ".join(stdout.split())
    assert "After the first three days, change from cold to warmth." in flat
    assert welcome("days-4-7") in flat
    after = flat.split("change from cold to warmth")[1]
    assert welcome("first-72-hours") not in after and unknown("first-72-hours") not in after
    assert "ice" not in after.lower().split()


@pytest.mark.parametrize(("start", "line"), [("care-later", unknown("week-2")),
                                             ("start-exercises", unknown("first-72-hours"))])
def test_run_text_a_start_that_knows_no_phase(tmp_path: Path, start: str, line: str) -> None:
    stdout, _ = run_text(["yes", "stop"], tmp_path, "--start", start)
    flat = " ".join(stdout.split())
    assert line in flat
    assert "Let us start the exercises for" not in flat
