"""In an exercise of several moves a repetition (cat-cow: "arch...", then "round..."), "repeat"
and "resume" say again the move under way, not every move of the repetition.

Each move is a beat of its own, with its own time after its words: saying the whole repetition
again while the second move is under way told the person to arch again, then round, and gave
the second move its time only after both (tests/coach/test_speech_gaps.py has the gaps).
"""

from __future__ import annotations

import pytest

from tests.coach.harness import coach, run
from tests.coach.test_speech_gaps import SPW, spoken

#: Every exercise whose repetition is several spoken moves (cat-cow, nerve glides, dead bugs).
MULTI_MOVE = [ex.id for ex in coach().book.exercises.values() if len(ex.moves) > 1]


def _moves_of_first_rep(exercise: str) -> list[tuple[float, float, str]]:
    """(start, end, text) of each move of the first repetition, coached with nobody talking."""
    moves = coach().book.exercises[exercise].moves
    said = spoken(run(exercise, seconds_per_word=SPW))
    first = next(i for i, (_, _, text) in enumerate(said) if text == moves[0])
    return said[first:first + len(moves)]


def test_the_multi_move_exercises_are_the_expected_ones() -> None:
    assert {"cat-cow", "nerve-glides", "dead-bugs"} <= set(MULTI_MOVE)


@pytest.mark.parametrize("exercise", MULTI_MOVE)
def test_repeat_says_only_the_move_under_way_and_gives_it_its_time_again(exercise: str) -> None:
    moves = coach().book.exercises[exercise].moves
    move_seconds = coach().book.pacing.move_seconds
    for k, (_, end, text) in enumerate(_moves_of_first_rep(exercise)):
        assert text == moves[k]
        asked = end + 1.0  # in the quiet after the move's words
        done = run(exercise, seconds_per_word=SPW, schedule=[(asked, "repeat")])
        assert done.ear.heard == [(pytest.approx(asked), "repeat")]
        after = [s for s in spoken(done) if s[0] >= asked]
        assert after[0][2] == moves[k], (k, after[:2])
        # the move's time again, from the end of its words said again; then the next move
        # (or the next repetition's count)
        assert after[1][0] - after[0][1] == pytest.approx(move_seconds), (k, after[:2])
        assert after[1][2] == (moves[k + 1] if k + 1 < len(moves) else "2.")


@pytest.mark.parametrize("exercise", MULTI_MOVE)
def test_resume_says_only_the_move_under_way_and_gives_it_the_rest_of_its_time(
        exercise: str) -> None:
    moves = coach().book.exercises[exercise].moves
    move_seconds = coach().book.pacing.move_seconds
    for k, (_, end, _) in enumerate(_moves_of_first_rep(exercise)):
        pause_at, resume_at = end + 1.0, end + 30.0
        done = run(exercise, seconds_per_word=SPW,
                   schedule=[(pause_at, "pause"), (resume_at, "resume")])
        after = [s for s in spoken(done) if s[0] >= resume_at]
        assert [text for _, _, text in after[:2]] == ["Carrying on.", moves[k]], (k, after[:3])
        assert after[2][0] - after[1][1] == pytest.approx(move_seconds - 1.0), (k, after[:3])
