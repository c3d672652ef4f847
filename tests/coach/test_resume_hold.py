"""A hold paused and resumed goes on with the time it had left, from the end of the resume words.

After "resume" the coach says "Carrying on." and the hold stands still until those words have
been heard (the engine learns that from its wake-up timer after them). Its
timer records say so: the screen (voiceskill/kiosk/screen.py) runs its countdown from each
record's ``remaining``, paused after a "pause" record and running after any other, so a record
that says "running" before the hold runs shows it ahead of the coach until the next record
puts it back.

On the harness's fake mouth (0.4 s a word: "Carrying on." lasts 0.8 s), through the real
Session loop on a virtual clock.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.coach.conftest import EXERCISE, HOLD, INTO
from tests.coach.harness import Run, coach, holds, run
from tests.coach.test_speech_gaps import SPW
from voiceskill.coach.engine import spoken_duration

#: Seconds the fake mouth takes to say "Carrying on.".
RESUMED = SPW * len(coach().book.say["resumed"].split())
#: What the first hold has left when it is paused :data:`INTO` seconds in.
LEFT = HOLD - INTO


@pytest.fixture(scope="module")
def hold_start() -> float:
    """When the first hold starts with the fake mouth's speech: at the end of "Hold."."""
    return holds(run(EXERCISE, seconds_per_word=SPW))[0][0]["t"]


def _first_hold_records(done: Run) -> list[dict[str, Any]]:
    first_start, first_end = holds(done)[0]
    return [e for e in done.timers() if first_start["t"] <= e["t"] <= first_end["t"]]


def _answers(done: Run) -> list[tuple[float, str]]:
    return [(t, text) for t, text in done.mouth.said if "left in this hold" in text]


def test_each_record_says_what_the_hold_has_left_and_whether_it_runs(hold_start: float) -> None:
    """A screen that counts down from each record, as the kiosk's does, agrees with the coach
    at every record: the resume record comes when the hold runs again, after "Carrying on.",
    with the time the pause kept; the hold then ends exactly that time later."""
    pause_at, resume_at = hold_start + INTO, hold_start + INTO + 40.0
    done = run(EXERCISE, seconds_per_word=SPW,
               schedule=[(pause_at, "pause"), (resume_at, "resume")])
    (pause,), (resume,) = done.timers("pause"), done.timers("resume")
    assert pause["t"] == pytest.approx(pause_at)
    assert pause["remaining"] == resume["remaining"] == round(LEFT, 1)
    assert resume["t"] == pytest.approx(resume_at + RESUMED)
    records = _first_hold_records(done)
    end = records[-1]
    assert end["event"] == "end" and end["t"] - resume["t"] == pytest.approx(LEFT)
    shown = None  # (remaining, since when or None while paused) on the screen
    for record in records:
        if shown is not None:  # what the screen shows as this record comes
            left, since = shown
            expected = left - (record["t"] - since) if since is not None else left
            assert record["remaining"] == pytest.approx(max(0.0, expected), abs=0.051), record
        shown = (record["remaining"], None if record["event"] == "pause" else record["t"])


def test_the_hold_runs_its_whole_length_between_its_records_whatever_the_pauses(
        hold_start: float) -> None:
    """Nothing counted twice or lost: summed over the spans the records say it ran, the hold
    lasts its length; paused, it lasts that plus each pause and each "Carrying on."."""
    schedule, at = [], hold_start + 1.1
    for paused in (3.5, 7.0, 30.0):  # "resume" heard once "Paused. Say resume..." is said
        schedule += [(at, "pause"), (at + paused, "resume")]
        at += paused + 4.2
    done = run(EXERCISE, seconds_per_word=SPW, schedule=schedule)
    records = _first_hold_records(done)
    assert [r["event"] for r in records if r["event"] in ("pause", "resume")] == \
        ["pause", "resume"] * 3
    ran = sum(b["t"] - a["t"] for a, b in zip(records, records[1:], strict=False)
              if a["event"] != "pause")
    assert ran == pytest.approx(HOLD)
    assert done.ear.heard == [(pytest.approx(t), intent) for t, intent in schedule]
    assert records[-1]["t"] - records[0]["t"] == pytest.approx(HOLD + 3.5 + 7.0 + 30.0
                                                               + 3 * RESUMED)


def test_how_long_before_the_pause_after_resume_and_near_the_end(hold_start: float) -> None:
    pause_at, resume_at = hold_start + INTO, hold_start + INTO + 40.0
    asks = [hold_start + 5.0, pause_at + 10.0, resume_at + RESUMED + 1.0]
    done = run(EXERCISE, seconds_per_word=SPW, schedule=[
        (asks[0], "how-long"), (pause_at, "pause"), (asks[1], "how-long"),
        (resume_at, "resume"), (asks[2], "how-long")])
    answers = _answers(done)
    hold_left = [text.split(" left in this hold")[0] for _, text in answers]
    assert hold_left == [spoken_duration(HOLD - 5.0), spoken_duration(LEFT),
                         spoken_duration(LEFT - 1.0)]
    # the answers do not stretch the hold (they are said while it runs, or while paused);
    # the pause and "Carrying on." do
    end = holds(done)[0][1]["t"]
    assert end - hold_start == pytest.approx(HOLD + (resume_at - pause_at) + RESUMED)
