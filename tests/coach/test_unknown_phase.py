"""A session started at an exercise knows no phase: the coach follows the first days' rules
then (README), but must not say that the person is in the first 72 hours.

``run --text --start cat-cow`` said "Not yet: the plan starts cat-cow in days four to seven.",
then "Let us start the exercises for the first 72 hours." and that phase's advice ("For now
the aim is calming the inflammation ..."), as if the person had said when the back popped.
"""

from __future__ import annotations

from pathlib import Path

import voiceskill
from tests.coach.harness import coach
from tests.dialog.test_flags import converse, said
from tests.test_run_text import run_text
from voiceskill.conversation import DEFAULT_PHASE, build_conversation
from voiceskill.events import Say

FIRST_DAYS = coach().book.phase(DEFAULT_PHASE)
WELCOME = coach().book.say["welcome"].format(phase=FIRST_DAYS.name)
UNKNOWN = coach().book.say["welcome_unknown"].format(phase=FIRST_DAYS.name)


def test_a_start_at_an_exercise_says_no_phase_is_known() -> None:
    engine = build_conversation(voiceskill.DIALOGS_DIR)
    actions = converse(engine, [], start="cat-cow")
    lines = [a.text for a in actions if isinstance(a, Say)]
    assert "Not yet: the plan starts cat-cow in days four to seven." in lines
    assert UNKNOWN == ("I do not know how long ago your back popped, so we will follow the plan"
                       " for the first 72 hours.")
    assert lines[lines.index("Not yet: the plan starts cat-cow in days four to seven.") + 1] \
        == UNKNOWN
    assert WELCOME not in lines
    assert not set(FIRST_DAYS.advice) & set(lines)
    # still the first days' routine
    assert "Today's plan: gentle walk, lying face down over a pillow and ice." in lines


def test_a_known_phase_is_still_welcomed_with_its_advice() -> None:
    engine = build_conversation(voiceskill.DIALOGS_DIR)
    text = said(converse(engine, [], start="first-72-hours"))
    assert WELCOME in text and all(advice in text for advice in FIRST_DAYS.advice)
    assert UNKNOWN not in text


def test_an_exercise_allowed_then_makes_no_claim_either_way() -> None:
    engine = build_conversation(voiceskill.DIALOGS_DIR)
    text = said(converse(engine, [], start="walk"))
    assert "Just one exercise this time: gentle walk." in text
    assert WELCOME not in text and UNKNOWN not in text


def test_the_coach_can_be_told_whether_the_phase_is_known() -> None:
    """The conversation may say so itself (a session started at a node past the days
    question knows none either)."""
    _, actions = coach().start(0.0, DEFAULT_PHASE, None, frozenset(), phase_known=False)
    assert UNKNOWN in [a.text for a in actions if isinstance(a, Say)]
    _, actions = coach().start(0.0, "days-4-7", "dead-bugs", frozenset(), phase_known=True)
    lines = [a.text for a in actions if isinstance(a, Say)]
    assert coach().book.say["welcome"].format(phase="days four to seven") in lines


def test_run_text_start_cat_cow(tmp_path: Path) -> None:
    stdout, _ = run_text(["stop"], tmp_path, "--start", "cat-cow")
    flat = " ".join(stdout.split())
    assert UNKNOWN in flat and WELCOME not in flat and "72 hours." in flat
