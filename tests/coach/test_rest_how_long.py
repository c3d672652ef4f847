""""How long" during the rest between two sets says when the next set starts (the rest's time
left), and the rough time left in total; the rest is not lengthened by the answer.

Review finding 11: it answered only "About 2 minutes left in total." Said as the rest's words
("Rest now. Set 2 starts in 30 seconds.") end, before the coach's wake-up after them, the
answer also held the rest back by its own length (2.4 s on the fake mouth); f4a3c3a fixed that
part, these tests keep it so.

Dead bugs (week four): two sets of eight, 30 s rest between them. On the harness's fake mouth
(0.4 s a word), through the real Session loop on a virtual clock.
"""

from __future__ import annotations

import pytest

from tests.coach.harness import Run, coach, run
from tests.coach.test_resume_hold import run_answering
from tests.coach.test_speech_gaps import SPW
from voiceskill.coach.engine import spoken_duration

EXERCISE = "dead-bugs"
REST = coach().book.pacing.rest_seconds
REST_LINE = coach().book.say["rest"].format(set=2, seconds=round(REST))
NEXT_SET = coach().book.say["set"].format(set=2, sets=2)


def _rest_end(done: Run) -> float:
    """When the rest's words end (its 30 s run from there)."""
    (said,) = done.said_at(REST_LINE)
    return said + SPW * len(REST_LINE.split())


@pytest.fixture(scope="module")
def rest_end() -> float:
    return _rest_end(run(EXERCISE, seconds_per_word=SPW))


def _answer(done: Run) -> str:
    (answer,) = [text for _, text in done.mouth.said if "left in total" in text]
    return answer


@pytest.mark.parametrize("into", [5.0, 17.3])
def test_how_long_in_a_rest_says_when_the_next_set_starts(rest_end: float, into: float) -> None:
    done = run(EXERCISE, seconds_per_word=SPW, schedule=[(rest_end + into, "how-long")])
    answer = _answer(done)
    assert answer.startswith(f"Set 2 starts in {spoken_duration(REST - into)}, and about ")
    assert answer.endswith(" left in total.")
    # the answer is said within the rest and does not stretch it
    (next_set,) = done.said_at(NEXT_SET)
    assert next_set - rest_end == pytest.approx(REST)


def test_how_long_said_as_the_rest_words_end_does_not_hold_the_rest_back(
        rest_end: float) -> None:
    done = run_answering([], [(REST_LINE, "how-long")], EXERCISE)
    assert done.ear.heard == [(pytest.approx(rest_end), "how-long")]
    assert _answer(done).startswith(f"Set 2 starts in {spoken_duration(REST)}, ")
    (next_set,) = done.said_at(NEXT_SET)
    assert next_set - rest_end == pytest.approx(REST)


def test_how_long_outside_a_rest_or_hold_says_the_total_only(rest_end: float) -> None:
    """During a move (the first of set 2) the answer is the time left in total, as before."""
    done = run(EXERCISE, seconds_per_word=SPW, schedule=[(rest_end + REST + 2.5, "how-long")])
    assert _answer(done).startswith("About ")
