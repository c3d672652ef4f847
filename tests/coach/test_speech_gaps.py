"""A beat's time is the person's: it counts from the end of the words that start it.

A move of 3 s, a set-up of 5 s, a 30 s hold: the person gets them after hearing what to do, so
the coach falls silent between its instructions, and that quiet is where "how long", "slower"
or "repeat" (not barge-in words) are heard. Before, the time counted from when the words
began: cat-cow's moves take about 4 s to say, so one instruction ran straight into the next.

Most tests here use the harness's fake mouth, whose speech takes 0.4 s of virtual time a word:
a known length makes every expected gap exact (real synthesis lengths depend on the installed
espeak-ng voice and rate) and the tests take milliseconds. One test runs a real simulation
(pyttsx3 + espeak-ng, as ``voiceskill simulate`` does) and measures the gaps in its audio.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import voiceskill
from tests.coach.harness import Run, coach, holds, run
from voiceskill.coach.engine import TIMER
from voiceskill.events import Heard, Say, StartTimer, TimerFired

#: Seconds of virtual time the fake mouth takes per word (about espeak-ng's pace at 150 wpm).
SPW = 0.4


def spoken(done: Run) -> list[tuple[float, float, str]]:
    """(start, end, text) of every prompt, with the fake mouth's known length."""
    return [(t, t + SPW * len(text.split()), text) for t, text in done.mouth.said]


def gaps_after(done: Run) -> dict[str, list[float]]:
    """For each prompt text, the silences between its end and the prompt after it."""
    said = spoken(done)
    gaps: dict[str, list[float]] = {}
    for (_, end, text), (start, _, _) in zip(said, said[1:], strict=False):
        gaps.setdefault(text, []).append(start - end)
    return gaps


def test_the_set_up_and_every_move_get_their_time_after_their_words() -> None:
    pacing, cat_cow = coach().book.pacing, coach().book.exercises["cat-cow"]
    assert all(SPW * len(move.split()) > pacing.move_seconds for move in cat_cow.moves)
    gaps = gaps_after(run("cat-cow", seconds_per_word=SPW))
    assert gaps[cat_cow.setup[-1]] == [pytest.approx(pacing.setup_seconds)]
    for move in cat_cow.moves:
        assert gaps[move] == [pytest.approx(pacing.move_seconds)] * cat_cow.reps


def test_a_hold_is_timed_from_the_end_of_the_hold_word() -> None:
    """Settle, hold and release each run after the words before them: "Hold." comes
    ``settle_seconds`` after the position is described, the hold's full length comes after
    "Hold.", and the next repetition ``release_seconds`` after the release words."""
    book = coach().book
    done = run("bird-dog", seconds_per_word=SPW)
    said = spoken(done)
    hold_words = [(t, end) for t, end, text in said if text == book.say["hold"]]
    pairs = holds(done)
    assert len(pairs) == len(hold_words) == 24
    for (start, end), (_, hold_said_end) in zip(pairs, hold_words, strict=True):
        assert start["t"] == pytest.approx(hold_said_end)
        assert end["t"] - start["t"] == pytest.approx(5.0)
    gaps = gaps_after(done)
    for side in ("right arm and left leg", "left arm and right leg"):
        into = book.exercises["bird-dog"].into.format(name=side)
        assert gaps[into] == [pytest.approx(book.pacing.settle_seconds)] * 12
    release = book.exercises["bird-dog"].release
    assert gaps[release][:-1] == [pytest.approx(book.pacing.release_seconds)] * 23


def _first_move_end() -> float:
    move = coach().book.exercises["cat-cow"].moves[0]
    (_, end, _), *_ = [s for s in spoken(run("cat-cow", seconds_per_word=SPW)) if s[2] == move]
    return end


@pytest.mark.parametrize("intent", ["how-long", "slower", "repeat"])
def test_a_command_said_in_the_quiet_after_a_move_is_answered_before_the_next_move(
        intent: str) -> None:
    """These commands do not cut the coach short; they are heard when it is quiet."""
    moves = coach().book.exercises["cat-cow"].moves
    asked = _first_move_end() + 1.0
    done = run("cat-cow", seconds_per_word=SPW, schedule=[(asked, intent)])
    assert done.ear.heard == [(pytest.approx(asked), intent)]
    after = [text for t, text in done.mouth.said if t >= asked]
    assert after[0] != moves[1]  # the answer first
    assert moves[1] in after


def test_repeat_gives_the_set_up_time_again_after_the_set_up_is_said_again() -> None:
    pacing, cat_cow = coach().book.pacing, coach().book.exercises["cat-cow"]
    first = run("cat-cow", seconds_per_word=SPW)
    setup_end = next(end for _, end, text in spoken(first) if text == cat_cow.setup[-1])
    done = run("cat-cow", seconds_per_word=SPW, schedule=[(setup_end + 2.0, "repeat")])
    said = spoken(done)
    again = next(i for i, (t, _, _) in enumerate(said) if t >= setup_end + 2.0)
    assert said[again][2] == coach().steps["cat-cow"][0].instruction
    assert said[again + 1][2] == "1."
    assert said[again + 1][0] - said[again][1] == pytest.approx(pacing.setup_seconds)


def test_how_long_counts_the_coach_s_speech_still_to_come() -> None:
    """The routine now lasts its beats plus the time the coach speaks; "how long" counts both
    (the speech at the pace measured so far), so its rough minutes match the real end."""
    routine = ("cat-cow", "nerve-glides")
    asked = _first_move_end() + 1.0
    done = run(routine=routine, seconds_per_word=SPW, schedule=[(asked, "how-long")])
    answer = next(text for _, text in done.mouth.said if "left in total" in text)
    left = done.result.events[-1]["t"] - asked
    nominal = sum(s.nominal_seconds for ex in routine for s in coach().steps[ex])
    assert left > nominal + 90  # the speech matters: minutes of it
    assert answer == f"About {round(left / 60)} minutes left in total."


def test_a_pause_over_a_move_s_words_gives_the_whole_move_after_resume() -> None:
    """The pure engine driven by hand: "pause" cuts the words of a move before they were all
    heard; after "resume" the step is said again and the move's full time follows it."""
    engine = coach()
    move = engine.book.pacing.move_seconds
    state, _ = engine.start(0.0, "", "cat-cow", frozenset())
    state, actions = engine.step(state, TimerFired(TIMER), 20.0)  # the introduction is over
    (setup_end,) = [a.deadline for a in actions if isinstance(a, StartTimer)]
    assert setup_end == 20.0 + engine.book.pacing.setup_seconds
    state, actions = engine.step(state, TimerFired(TIMER), setup_end)  # "1." and the move
    assert engine.book.exercises["cat-cow"].moves[0] in [a.text for a in actions
                                                         if isinstance(a, Say)]
    state, _ = engine.step(state, Heard("pause", "pause"), setup_end + 1.0)  # cut it short
    state, _ = engine.step(state, TimerFired(TIMER), setup_end + 2.0)  # after "Paused."
    state, actions = engine.step(state, Heard("resume", "resume"), 100.0)
    assert "Carrying on." in [a.text for a in actions if isinstance(a, Say)]
    state, actions = engine.step(state, TimerFired(TIMER), 105.0)  # the step was said again
    assert [a.deadline for a in actions if isinstance(a, StartTimer)] == [105.0 + move]


def test_a_real_simulation_leaves_the_moves_their_time(tmp_path: Path) -> None:
    """``voiceskill simulate`` with real synthesis, days four to seven (heat, cat-cow, walk),
    the person silent: after each move's words end, the coach is quiet for the move's time
    before it speaks again."""
    from voiceskill.conversation import build_conversation
    from voiceskill.simulate import simulate
    from voiceskill.simulate_script import load_script
    from voiceskill.speech.voice import Synthesizer
    from voiceskill.speech.wav import TARGET_RATE

    script = tmp_path / "cat-cow.yaml"
    script.write_text("start: days-4-7\ndefault: {silence: 4}\n", encoding="utf-8")
    result = simulate(load_script(script), build_conversation(voiceskill.DIALOGS_DIR))
    assert result.outcome == "exercise"
    says = [e for e in result.events if e["type"] == "say"]
    synth = Synthesizer()
    lengths = {text: len(synth.synthesize(text)) / TARGET_RATE
               for text in {e["text"] for e in says}}
    synth.close()
    cat_cow, pacing = coach().book.exercises["cat-cow"], coach().book.pacing
    gaps = [b["t"] - (a["t"] + lengths[a["text"]])
            for a, b in zip(says, says[1:], strict=False) if a["text"] in cat_cow.moves]
    assert len(gaps) == 2 * cat_cow.reps
    assert min(gaps) == pytest.approx(pacing.move_seconds, abs=0.05)
