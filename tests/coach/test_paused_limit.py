"""A session left paused ends: after ``pacing.paused_limit_seconds`` paused with no command the
coach ends it; a command meanwhile starts the wait again. On the virtual clock through the real
Session loop, and once as ``run --text`` with piped input (which had looped for ever).

Task C.2, session 36: it ended ``stopped``, so the dialog's stopped ending followed ("All
right, we will stop here. Take good care of your back.", ...), an answer to a person who asked
to stop. Nobody answered: it now ends ``no-response``, as a help pause does (bae7849), with
"We have been paused for 10 minutes.", the summary, and ``after_routine``'s when to call for
help (article 000) last, as when the routine ends by itself.

Task B.1, session 37: that line never said the coach was stopping (the person, back from a
phone call, could not tell the session had ended). It now says so: "We have been paused for 10
minutes, so I will stop here." (``say.paused_too_long``); when to call for help stays last."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.coach.conftest import EXERCISE, HOLD, INTO
from tests.coach.harness import coach, holds, run
from voiceskill.coach.engine import TIMER
from voiceskill.events import End, Heard, Say, StartTimer, TimerFired

#: Said when the pause runs out: that it did, and that the coach stops (say.paused_too_long).
PAUSED_OUT = "We have been paused for 10 minutes, so I will stop here."

#: Said last when the pause runs out (exercises.yaml's after_routine, source 000).
CALL_LATER = ("If you later notice numbness between your legs, trouble with your bladder or "
              "bowels, or weakness in your legs, call 911 straight away.")


@pytest.fixture(scope="module")
def limit() -> float:
    return coach().book.pacing.paused_limit_seconds


def test_the_limit_is_a_sensible_time() -> None:
    assert 5 * 60 <= coach().book.pacing.paused_limit_seconds <= 30 * 60


def test_a_session_left_paused_stops_at_the_limit(start: float, limit: float) -> None:
    pause_at = start + INTO
    done = run(EXERCISE, schedule=[(pause_at, "pause")])
    assert done.outcome == "no-response"
    assert done.clock.now() == pytest.approx(pause_at + limit)
    assert done.texts()[-3:] == [PAUSED_OUT,
                                 "We did not finish any exercise this time.", CALL_LATER]
    end = done.timers()[-1]  # the held stretch is closed with the time it still had
    assert end["event"] == "end" and end["remaining"] == round(HOLD - INTO, 1)
    assert end["t"] == pytest.approx(pause_at + limit)


def test_a_command_while_paused_starts_the_wait_again(start: float, limit: float) -> None:
    pause_at = start + INTO
    asked = pause_at + limit - 5.0
    done = run(EXERCISE, schedule=[(pause_at, "pause"), (asked, "how-long")])
    assert done.outcome == "no-response"
    assert done.clock.now() == pytest.approx(asked + limit)


def test_resuming_before_the_limit_carries_on_to_the_end(start: float, limit: float) -> None:
    pause_at = start + INTO
    done = run(EXERCISE, schedule=[(pause_at, "pause"), (pause_at + limit - 1.0, "resume")])
    assert done.outcome == "exercise"
    first_start, first_end = holds(done)[0]
    assert first_end["t"] - first_start["t"] == pytest.approx(HOLD + limit - 1.0, abs=1e-3)


def test_a_paused_open_practice_stops_at_the_limit_too(limit: float) -> None:
    done = run("hip-hinge", schedule=[(7.0, "pause")])  # in its open practice beat
    assert done.outcome == "no-response"
    assert done.clock.now() == pytest.approx(7.0 + limit)


def test_run_text_with_piped_pause_ends(tmp_path: Path) -> None:
    """``printf 'pause\\n' | voiceskill run --text --start walk`` had looped for ever."""
    done = subprocess.run(
        [sys.executable, "-m", "voiceskill", "run", "--text", "--start", "walk",
         "--transcripts", str(tmp_path)],
        input="pause\n", capture_output=True, text=True, timeout=60, check=False)
    assert "[outcome: no-response]" in done.stdout, done.stdout + done.stderr
    said = " ".join(done.stdout.split())  # lines wrapped as the terminal shows them
    assert PAUSED_OUT in said
    assert f"{CALL_LATER} [outcome: no-response]" in said, done.stdout  # said last
    assert "we will stop here" not in done.stdout  # not the stopped ending


def test_talk_that_is_no_command_does_not_keep_a_pause_alive(limit: float) -> None:
    """Background speech while paused gets its one "did not catch that" but does not start
    the wait again; the timer set for that speech's end is set back to the limit."""
    engine = coach()
    state, _ = engine.start(0.0, "week-2", "hamstring-stretch", frozenset())
    state, _ = engine.step(state, Heard("wait", "pause"), 2.0)
    state, actions = engine.step(state, Heard("hello there", None, 1.0), 2.0 + limit - 10.0)
    assert [a.text for a in actions if isinstance(a, Say)] == [engine.book.say["not_caught"]]
    wake = [a for a in actions if isinstance(a, StartTimer)][-1]
    state, actions = engine.step(state, TimerFired(TIMER), wake.deadline)
    assert actions == [StartTimer(TIMER, 2.0 + limit)]
    state, actions = engine.step(state, TimerFired(TIMER), 2.0 + limit)
    assert actions[-1] == End("no-response") and state.mode == "ended"
