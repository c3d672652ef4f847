""""Repeat" during the rest between two sets says the rest's line with the time it has left,
and keeps its deadline (review finding 12, session 35).

Before, it said "Rest now. Set 2 starts in 30 seconds." again and started the 30 s again: with
"repeat" every few seconds set 2 never started, and after the first repeat "30 seconds" was
false. Dead bugs (week four: two sets, 30 s rest), the harness's fake mouth (0.4 s a word),
through the real Session loop on a virtual clock.
"""

from __future__ import annotations

import pytest

from tests.coach.harness import run
from tests.coach.test_rest_how_long import EXERCISE, NEXT_SET, REST, REST_LINE, rest_end
from tests.coach.test_speech_gaps import SPW

__all__ = ["rest_end"]  # the fixture, used by name


def _rest_lines(texts: list[str]) -> list[str]:
    return [t for t in texts if t.startswith("Rest now.")]


@pytest.mark.parametrize("into", [5.0, 17.3])
def test_repeat_in_a_rest_says_the_time_left_and_keeps_the_deadline(rest_end: float,
                                                                    into: float) -> None:
    done = run(EXERCISE, seconds_per_word=SPW, schedule=[(rest_end + into, "repeat")])
    assert _rest_lines(done.texts()) == [
        REST_LINE, f"Rest now. Set 2 starts in {round(REST - into)} seconds."]
    (next_set,) = done.said_at(NEXT_SET)
    assert next_set - rest_end == pytest.approx(REST)
    assert done.outcome == "exercise"


def test_repeat_every_four_seconds_does_not_hold_the_next_set_back(rest_end: float) -> None:
    schedule = [(rest_end + t, "repeat") for t in range(2, 29, 4)]
    done = run(EXERCISE, seconds_per_word=SPW, schedule=schedule)
    (next_set,) = done.said_at(NEXT_SET)
    # the last answer (at 26 s, 7 words) may still be said when the rest's time is up
    assert next_set - rest_end == pytest.approx(REST, abs=SPW * 8)
    lefts = [int(t.split(" in ")[1].split()[0]) for t in _rest_lines(done.texts())[1:]]
    assert lefts == [28, 24, 20, 16, 12, 8, 4]
    assert done.outcome == "exercise"
