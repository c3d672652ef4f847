"""A routine that runs to its end says when to call for help, as every other ending that sends
the person home does (dialogs/outcomes.yaml): "If you later notice numbness between your legs
... call {emergency_number} straight away." (``after_routine:`` in exercises.yaml).

Before, "That completes the routine. Well done." (or "That is the end of today's plan." after
skipping through) and the summary were the last words, and the last warning-sign line the
person had heard was half an hour before, at the start.
"""

from __future__ import annotations

from pathlib import Path

import voiceskill
from tests.coach.harness import coach, run
from tests.test_run_text import run_text
from voiceskill.conversation import build_conversation
from voiceskill.events import End, Heard, Say, Started


def _care(number: str) -> str:
    """The shipped line with ``number`` in it."""
    line = ("If you later notice numbness between your legs, trouble with your bladder or "
            "bowels, or weakness in your legs, call {emergency_number} straight away.")
    return line.replace("{emergency_number}", number)


def test_a_completed_routine_ends_with_when_to_call_for_help() -> None:
    finished = run("shoulder-blade-reset")
    assert finished.outcome == "exercise"
    texts = finished.texts()
    assert texts[-3:] == [coach().book.say["finished"], texts[-2], _care("911")]
    assert texts[-2].startswith("You did ")  # the summary comes before it
    assert "911" in texts[-1] and "bladder" in texts[-1]


def test_the_configured_number_is_named_after_skipping_to_the_end() -> None:
    """Through the conversation (as run and the kiosk build it): --emergency-number 112."""
    engine = build_conversation(voiceskill.DIALOGS_DIR, emergency_number="112")
    state, actions = engine.step(engine.initial_state(), Started("first-72-hours"), 0.0)
    for n in range(1, 10):
        if any(isinstance(a, End) for a in actions):
            break
        state, actions = engine.step(state, Heard("next exercise", "next-exercise"), 10.0 * n)
    said = [a.text for a in actions if isinstance(a, Say)]
    assert said[0] == coach().book.say["finished_nothing_done"]
    assert said[-1] == _care("112") and "911" not in said[-1]
    assert actions[-1] == End("exercise")


def test_run_text_skipping_through_the_plan(tmp_path: Path) -> None:
    stdout, events = run_text(["next exercise"] * 3, tmp_path, "--start", "first-72-hours",
                              "--emergency-number", "112")
    assert "That is the end of today's plan." in stdout
    assert "[outcome: exercise]" in stdout and "911" not in stdout
    said = [e["text"] for e in events if e["type"] == "say"]
    assert said[-1] == _care("112")
