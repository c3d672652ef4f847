"""A pause begun by a call for help ends with the call to action again (review finding 10,
session 35).

Before, "help me" during an exercise, then ten minutes of silence, ended "We have been paused
for 10 minutes." and the stopped ending, whose number comes only with "if you notice numbness
...": someone who asked for help and has not spoken since was not told again to call. Now such
a pause has ``help_now.paused_limit_seconds`` (three minutes) and ends with
``help_now.unanswered`` ("You asked for help, and I have not heard from you since. If you need
someone to help you, call 911 now."); "resume" or moving on makes a later pause an ordinary one.

Finding 2, session 36: that line was followed by the summary and then the dialog's stopped
ending ("All right, we will stop here. Take good care of your back.", "If you are worried about
your symptoms, please contact a doctor.", ...): for a person who asked for help, as if they had
asked to stop, and the call to action was no longer the last thing said. Now the summary comes
first, the call to action last, and the session ends ``no-response`` (nobody answered).
(So does an ordinary pause now, task C.2, without the call to action: test_paused_limit.py.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.coach.conftest import EXERCISE, INTO
from tests.coach.harness import coach, run
from tests.coach.test_paused_limit import PAUSED_OUT
from tests.test_run_text import run_text


@pytest.fixture(scope="module")
def help_limit() -> float:
    return coach().book.help_now.paused_limit_seconds


def _unanswered(number: str = "911") -> str:
    return coach().book.help_now.unanswered.replace("{emergency_number}", number)


def test_the_help_limit_is_shorter_than_a_pause_s(help_limit: float) -> None:
    assert 60 <= help_limit < coach().book.pacing.paused_limit_seconds
    assert "{emergency_number} now" in coach().book.help_now.unanswered


def test_help_me_then_silence_ends_with_the_call_to_action(start: float,
                                                           help_limit: float) -> None:
    at = start + INTO
    done = run(EXERCISE, schedule=[(at, "help-now")])
    assert done.outcome == "no-response"
    assert done.clock.now() == pytest.approx(at + help_limit)
    texts = done.texts()
    assert texts[-2:] == ["We did not finish any exercise this time.", _unanswered()]
    assert not any(t.startswith("We have been paused") for t in texts)


def test_a_command_in_the_help_pause_starts_its_wait_again(start: float,
                                                          help_limit: float) -> None:
    at = start + INTO
    asked = at + help_limit - 5.0
    done = run(EXERCISE, schedule=[(at, "help-now"), (asked, "how-long")])
    assert done.clock.now() == pytest.approx(asked + help_limit)
    assert _unanswered() in done.texts()


def test_pause_said_in_the_help_pause_keeps_it_one(start: float, help_limit: float) -> None:
    at = start + INTO
    done = run(EXERCISE, schedule=[(at, "help-now"), (at + 10.0, "pause")])
    assert done.clock.now() == pytest.approx(at + 10.0 + help_limit)
    assert _unanswered() in done.texts()


def test_help_me_while_paused_makes_it_a_help_pause(start: float, help_limit: float) -> None:
    at = start + INTO
    done = run(EXERCISE, schedule=[(at, "pause"), (at + 10.0, "help-now")])
    assert done.clock.now() == pytest.approx(at + 10.0 + help_limit)
    assert _unanswered() in done.texts()


def test_after_resume_a_pause_is_an_ordinary_one(start: float) -> None:
    at = start + INTO
    done = run(EXERCISE, schedule=[(at, "help-now"), (at + 10.0, "resume"),
                                   (at + 15.0, "pause")])
    limit = coach().book.pacing.paused_limit_seconds
    assert done.clock.now() == pytest.approx(at + 15.0 + limit)
    assert _unanswered() not in done.texts()
    assert PAUSED_OUT in done.texts()


def test_run_text_help_me_then_nothing(tmp_path: Path) -> None:
    """The reviewer's repro with the number set: the call to action is said again."""
    stdout, events = run_text(["next", "help me"], tmp_path, "--start", "days-4-7",
                              "--emergency-number", "112")
    said = [e["text"] for e in events if e["type"] == "say"]
    assert said[-1] == _unanswered("112") and "[outcome: no-response]" in stdout
    assert "All right, we will stop here. Take good care of your back." not in said
    assert [e["outcome"] for e in events if e["type"] == "end"] == ["no-response"]


def test_an_ordinary_pause_ends_after_ten_minutes_without_the_call(tmp_path: Path) -> None:
    """A pause for a drink that runs out: ten minutes, no call to action said again, and
    no-response too, with when to call for help last (tests/coach/test_paused_limit.py)."""
    stdout, events = run_text(["next", "pause"], tmp_path, "--start", "days-4-7")
    said = [e["text"] for e in events if e["type"] == "say"]
    assert PAUSED_OUT in said and "[outcome: no-response]" in stdout
    assert _unanswered() not in said
    assert said[-1] == coach().book.after_routine[0].replace("{emergency_number}", "911")
