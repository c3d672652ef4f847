"""The ear's microphone reopening ends when the session stops (no endless retry loop).

The microphone and recognizer are stand-ins: a device that fails on every read and every reopen
cannot be produced on demand; the retry loop under test is the real AudioEar's.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from voiceskill.clock import MonotonicClock, VirtualClock
from voiceskill.events import Choice, Listen
from voiceskill.speech.audio import AudioDeviceError
from voiceskill.speech.ear import MIC_BACK, MIC_LOST, AudioEar


class DeadMicrophone:
    def read(self, timeout: float | None) -> Any:
        raise AudioDeviceError("the microphone is gone")

    def drain(self) -> int:
        return 0


class Turn:
    in_speech = False


class Recognizer:
    def turn(self, listen: Listen, eager: bool = False) -> Turn:
        return Turn()


def test_reopening_stops_when_the_session_stops() -> None:
    reopens: list[float] = []

    def reopen() -> None:
        reopens.append(time.monotonic())
        raise AudioDeviceError("still gone")

    notices: list[str] = []
    ear = AudioEar(DeadMicrophone(), Recognizer(), MonotonicClock(),  # type: ignore[arg-type]
                   notify=notices.append, reopen=reopen)
    threading.Timer(1.2, ear.stop.set).start()
    started = time.monotonic()
    heard = ear.listen(Listen((Choice("yes", "yes"),)), started + 60.0)
    took = time.monotonic() - started
    assert heard is None and took < 1.6, took
    assert notices == [MIC_LOST]
    assert len(reopens) == 1  # after 0.5 s; the next try (1 s later) never came
    time.sleep(1.5)
    assert len(reopens) == 1



def test_backoff_pauses_pass_on_a_virtual_clock() -> None:
    clock = VirtualClock()
    reopened_at: list[float] = []
    ear: AudioEar

    def reopen() -> None:
        reopened_at.append(clock.now())
        if len(reopened_at) < 3:
            raise AudioDeviceError("still gone")
        ear.stop.set()  # back on the third try; the session then ends

    notices: list[str] = []
    ear = AudioEar(DeadMicrophone(), Recognizer(), clock,  # type: ignore[arg-type]
                   notify=notices.append, reopen=reopen)
    started = time.monotonic()
    heard = ear.listen(Listen((Choice("yes", "yes"),)), 60.0)
    assert heard is None and time.monotonic() - started < 1.0  # simulated, not real, waiting
    assert reopened_at == [0.5, 1.5, 3.5]  # pauses of 0.5, 1 and 2 s passed on the clock
    assert notices == [MIC_LOST, MIC_BACK]  # stopping: the listen ends, no further read
