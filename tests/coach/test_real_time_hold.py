"""One short hold in real time through the real audio path: MonotonicClock, pyttsx3 + espeak-ng
synthesis, PortAudio → PulseAudio null sink, recorded back from the sink's monitor.

The hold is the shoulder-blade reset from the shipped file, shortened from 20 s to 6 s (and the
set-up pause to 1 s) so the test stays short. The ear is a silent stand-in that only waits on
the real clock: nobody speaks during this test, and recognition has its own tests (no speech
model is needed for a hold that runs to its end).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from tests.coach.harness import StartWith
from tests.pulse import PulseServer
from voiceskill.clock import MonotonicClock
from voiceskill.coach.engine import CoachEngine
from voiceskill.coach.routine import DEFAULT_EXERCISES_FILE, load_exercises
from voiceskill.events import Heard, Listen, Say
from voiceskill.session import Session
from voiceskill.transcript import Transcript

HOLD = 6.0


class WaitingEar:
    """Hears nothing; waits on the real clock until the session's next deadline."""

    def __init__(self, clock: MonotonicClock) -> None:
        self.clock = clock

    def listen(self, listen: Listen, until: float) -> Heard | None:
        self.clock.sleep_until(until)
        return None


class TimedMouth:
    """The real VoiceMouth, with the monotonic time at which each prompt started."""

    def __init__(self, mouth) -> None:
        self.mouth, self.said = mouth, []

    def say(self, text: str, barge_in):
        self.said.append((time.monotonic(), text))
        return self.mouth.say(text, barge_in)

    def adjust(self, rate_step: int, volume_step: int) -> None:
        self.mouth.adjust(rate_step, volume_step)


class StepsOnly(StartWith):
    """Leaves out the spoken introduction, cautions and summary (to keep the test short)."""

    def step(self, state, event, now):
        state, actions = super().step(state, event, now)
        return state, [a for a in actions if not (isinstance(a, Say) and a.key.startswith(
            ("coach:", "caution:")))]


def short_book(tmp_path: Path):
    text = DEFAULT_EXERCISES_FILE.read_text(encoding="utf-8")
    text = text.replace("    hold: 20\n", f"    hold: {HOLD:g}\n")
    often = "    often: >-\n      At work, set an alarm every thirty minutes and do this twenty"
    assert often in text
    text = text.replace(often, "    often: >-\n      Short test.\n      #")
    text = text.replace("  setup_seconds: 5 ", "  setup_seconds: 1 ")
    path = tmp_path / "exercises.yaml"
    path.write_text(text, encoding="utf-8")
    return load_exercises(path)


def voiced_bursts(samples: np.ndarray, rate: int = 16000) -> int:
    """Number of separate stretches of voice (gaps of 250 ms or more split them)."""
    frame = rate // 50
    frames = samples[: len(samples) // frame * frame].reshape(-1, frame).astype(np.float64)
    loud = np.sqrt((frames ** 2).mean(axis=1)) > 300
    bursts, quiet = 0, 99
    for is_loud in loud:
        if is_loud and quiet >= 13:
            bursts += 1
        quiet = 0 if is_loud else quiet + 1
    return bursts


@pytest.mark.audio
def test_a_short_hold_in_real_time_with_the_real_voice(pulse: PulseServer, tmp_path: Path) -> None:
    from voiceskill.speech.voice import Player, Synthesizer, VoiceMouth

    engine = CoachEngine(short_book(tmp_path))
    clock = MonotonicClock()
    player = Player()
    mouth = TimedMouth(VoiceMouth(Synthesizer(), player, captions=False))
    recording = pulse.record("spk")
    session = Session(StepsOnly(engine, "", "shoulder-blade-reset", frozenset()),
                      WaitingEar(clock), mouth, clock, Transcript(None))
    t0 = session._t0
    result = session.run()
    time.sleep(0.3)
    heard = recording.stop()
    player.close()

    assert result.outcome == "exercise"
    timers = {e["event"]: e for e in result.events if e["type"] == "timer" and e["event"] != "cue"}
    # speaking "Hold." and the cues never stretch the hold: it ends on its absolute deadline.
    # The slack is the scheduling of a loaded 2-core machine (5.83 s and 6.21 s were seen with
    # other test runs beside it, 6.70 s at a load of 8 with three test runs and two model
    # measurements): less than a stretch would add, since saying one cue takes 0.75 s and the
    # three 2.3 s. Exact timing is the virtual-clock tests' and bench/'s job.
    slack = 0.7
    hold = timers["end"]["t"] - timers["start"]["t"]
    assert HOLD - 0.05 <= hold < HOLD + slack, hold
    started = {text: at - t0 for at, text in mouth.said}
    for left, word in ((3, "Three."), (2, "Two."), (1, "One.")):
        late = started[word] - timers["start"]["t"] - (HOLD - left)
        assert -0.05 <= late < slack, (word, late)
    assert -0.05 <= started["And let go."] - timers["end"]["t"] < slack
    # every prompt of the hold was really played into the speaker
    assert voiced_bursts(heard) >= len(mouth.said) - 2, voiced_bursts(heard)
