"""A hold paused and resumed goes on with the time it had left, from the end of the resume words.

After "resume" the coach says "Carrying on." and the hold stands still until those words have
been heard (the engine learns that from its wake-up timer, or from the next thing heard). Its
timer records say so: the screen (voiceskill/kiosk/screen.py) runs its countdown from each
record's ``remaining``, paused after a "pause" record and running after any other, so a record
that says "running" before the hold runs shows it ahead of the coach until the next record
puts it back. And a command said right after the resume words, before that wake-up came,
must not keep the hold standing still through its answer.

On the harness's fake mouth (0.4 s a word: "Carrying on." lasts 0.8 s), through the real
Session loop on a virtual clock.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.coach.conftest import EXERCISE, HOLD, INTO
from tests.coach.harness import Mouth, Run, ScheduledEar, StartWith, coach, holds, run
from tests.coach.test_speech_gaps import SPW
from voiceskill.clock import VirtualClock
from voiceskill.coach.engine import spoken_duration
from voiceskill.events import Heard, Listen
from voiceskill.session import Session
from voiceskill.transcript import Transcript

#: Seconds the fake mouth takes to say "Carrying on.".
RESUMED = SPW * len(coach().book.say["resumed"].split())
#: What the first hold has left when it is paused :data:`INTO` seconds in.
LEFT = HOLD - INTO


class PromptEar(ScheduledEar):
    """A :class:`ScheduledEar` that also says an intent the moment a given prompt ends, before
    the coach's wake-up after that prompt comes: a person who speaks at once (voice mode hears
    them out before it fires a timer already due), as simulated and piped typed replies do."""

    def __init__(self, clock: VirtualClock, mouth: Mouth, schedule: list[tuple[float, str]],
                 answers: list[tuple[str, str]]) -> None:
        super().__init__(clock, schedule)
        self.mouth = mouth
        self.answers = answers
        """(prompt, intent) pairs, in order, each used once."""

    def listen(self, listen: Listen, until: float) -> Heard | None:
        if self.answers and self.mouth.said and self.mouth.said[-1][1] == self.answers[0][0]:
            _, intent = self.answers.pop(0)
            phrases = [c.phrase for c in listen.choices if c.intent == intent]
            self.heard.append((self.clock.now(), intent))
            return Heard(phrases[0], intent, 1.0)
        return super().listen(listen, until)


def run_answering(schedule: list[tuple[float, str]], answers: list[tuple[str, str]],
                  exercise: str = EXERCISE) -> Run:
    """:func:`tests.coach.harness.run` with a :class:`PromptEar`."""
    clock = VirtualClock()
    mouth = Mouth(clock, SPW)
    ear = PromptEar(clock, mouth, schedule, answers)
    engine = StartWith(coach(), "", exercise, frozenset())
    result = Session(engine, ear, mouth, clock, Transcript(None)).run()
    assert not ear.answers, "a prompt to answer was never said"
    return Run(result, mouth, ear, clock)


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


@pytest.mark.parametrize("intent", ["how-long", "slower", "louder"])
def test_a_command_right_after_the_resume_words_does_not_hold_the_hold_back(
        hold_start: float, intent: str) -> None:
    """Said as "Carrying on." ends and heard before the coach's wake-up after it, a command is
    answered while the hold runs: the hold still ends the time it had left after those words,
    not that time after the answer."""
    pause_at, resume_at = hold_start + INTO, hold_start + INTO + 40.0
    done = run_answering([(pause_at, "pause"), (resume_at, "resume")],
                         [(coach().book.say["resumed"], intent)])
    asked = resume_at + RESUMED
    assert done.ear.heard[-1] == (pytest.approx(asked), intent)
    assert holds(done)[0][1]["t"] == pytest.approx(asked + LEFT)
    (resume,) = done.timers("resume")
    assert resume["t"] == pytest.approx(asked) and resume["remaining"] == round(LEFT, 1)
    if intent == "how-long":
        (_, answer), = _answers(done)
        assert answer.startswith(spoken_duration(LEFT) + " left in this hold")


def test_a_command_right_after_hold_does_not_hold_the_start_back(hold_start: float) -> None:
    """The same for a new hold: "how long" said as "Hold." ends is answered while it runs."""
    done = run_answering([], [(coach().book.say["hold"], "how-long")])
    assert done.ear.heard == [(pytest.approx(hold_start), "how-long")]
    start, end = holds(done)[0]
    assert start["t"] == pytest.approx(hold_start)
    assert end["t"] - start["t"] == pytest.approx(HOLD)
    (_, answer), = _answers(done)
    assert answer.startswith(spoken_duration(HOLD) + " left in this hold")


def test_a_command_right_after_a_move_does_not_hold_the_next_move_back() -> None:
    """And for a move: "slower" said as cat-cow's first move ends is answered (2.4 s) within
    the move's 3 s, and the second move comes 3 s after the first one's words."""
    moves, pacing = coach().book.exercises["cat-cow"].moves, coach().book.pacing
    answer = SPW * len(coach().book.say["slower"].split())
    assert answer < pacing.move_seconds
    done = run_answering([], [(moves[0], "slower")], "cat-cow")
    first = done.said_at(moves[0])[0] + SPW * len(moves[0].split())
    second = done.said_at(moves[1])[0]
    assert done.ear.heard == [(pytest.approx(first), "slower")]
    assert second - first == pytest.approx(pacing.move_seconds)
