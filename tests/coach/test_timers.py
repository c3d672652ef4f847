"""Countdowns on absolute deadlines: cue plans, and pause/resume arithmetic without drift."""

from __future__ import annotations

import random

import pytest

from voiceskill.coach.timers import Countdown, CueWords, plan_cues

WORDS = CueWords("Halfway.", "One minute left.", "Ten seconds left.", ("3", "2", "1"))


@pytest.mark.parametrize(("seconds", "expected"), [
    (5, [(3, "count"), (2, "count"), (1, "count")]),
    (20, [(10, "ten-left"), (3, "count"), (2, "count"), (1, "count")]),
    (22, [(10, "ten-left"), (3, "count"), (2, "count"), (1, "count")]),
    (25, [(12.5, "halfway"), (10, "ten-left"), (3, "count"), (2, "count"), (1, "count")]),
    (120, [(60, "one-minute"), (10, "ten-left"), (3, "count"), (2, "count"), (1, "count")]),
    (30, [(15, "halfway"), (10, "ten-left"), (3, "count"), (2, "count"), (1, "count")]),
    (600, [(300, "halfway"), (60, "one-minute"), (10, "ten-left"), (3, "count"),
           (2, "count"), (1, "count")]),
])
def test_cue_plan(seconds: float, expected: list[tuple[float, str]]) -> None:
    assert [(c.left, c.kind) for c in plan_cues(seconds, WORDS)] == expected


def test_a_twenty_second_hold_says_one_cue_at_its_middle() -> None:
    """Halfway and ten seconds left fall together: one is said, not "Halfway. Ten seconds
    left." (the shoulder-blade reset)."""
    (middle, *_) = plan_cues(20, WORDS)
    assert (middle.left, middle.text) == (10, "Ten seconds left.")
    assert [c.text for c in plan_cues(20, WORDS)].count("Halfway.") == 0


def test_cues_fire_at_their_time_and_not_before() -> None:
    countdown = Countdown.start(100.0, 30.0, plan_cues(30, WORDS))
    assert countdown.next_deadline() == 115.0
    fired, same = countdown.due(114.999)
    assert fired == () and same == countdown
    fired, countdown = countdown.due(115.0)
    assert [c.kind for c in fired] == ["halfway"] and countdown.next_deadline() == 120.0
    fired, countdown = countdown.due(128.5)  # late: everything due so far, oldest first
    assert [c.left for c in fired] == [10, 3, 2]
    assert not countdown.finished(129.9) and countdown.finished(130.0)


def test_pause_keeps_the_exact_remaining_time() -> None:
    countdown = Countdown.start(10.0, 30.0, plan_cues(30, WORDS)).pause(22.34)
    assert countdown.paused and countdown.left(22.34) == pytest.approx(17.66, abs=1e-9)
    assert countdown.left(500.0) == countdown.left(22.34)  # frozen while paused
    assert countdown.due(500.0) == ((), countdown) and not countdown.finished(500.0)
    resumed = countdown.resume(1000.0)
    assert resumed.deadline == pytest.approx(1017.66, abs=1e-9)
    assert resumed.next_deadline() == pytest.approx(1017.66 - 15, abs=1e-9)


def test_random_pause_cycles_never_drift() -> None:
    rng = random.Random(5)
    for _ in range(200):
        seconds = rng.choice([5, 20, 30, 300, 600, 1200])
        start = rng.uniform(0, 1e6)
        countdown, now, paused = Countdown.start(start, seconds), start, 0.0
        for _ in range(rng.randint(1, 20)):
            now += rng.uniform(0, seconds / 25)
            countdown = countdown.pause(now)
            gap = rng.uniform(0, 500)
            paused, now = paused + gap, now + gap
            countdown = countdown.resume(now)
        assert countdown.deadline == pytest.approx(start + seconds + paused, abs=1e-6)


def test_pause_and_resume_twice_are_harmless() -> None:
    countdown = Countdown.start(0.0, 10.0)
    assert countdown.resume(5.0) is countdown
    paused = countdown.pause(4.0)
    assert paused.pause(8.0) is paused
