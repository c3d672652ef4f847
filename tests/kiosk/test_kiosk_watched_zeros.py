"""The kiosk's microphone watch (devices.WatchedSource) and exact zeros: a stream that carries
only digital silence (a removed PulseAudio source's stream, moved to a speaker's monitor) is a
lost microphone once 3 s of it went by, in a listen and while the kiosk waits for the
microphone to come back; a quiet room's noise never is. The real audio path is
test_kiosk_microphone_removed.py's."""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest

from voiceskill.kiosk.devices import WatchedSource
from voiceskill.speech.audio import CHUNK, AudioDeviceError

#: 50 ms chunks in 3 s: the run of zeros that counts as the microphone lost.
RUN = 60


class Stream:
    """A running microphone stream: queued chunks, handed out at once (none is a stall)."""

    def __init__(self) -> None:
        self.chunks: deque[np.ndarray] = deque()
        self.rng = np.random.default_rng(3)

    def zeros(self, count: int) -> Stream:
        self.chunks.extend(np.zeros(CHUNK, np.int16) for _ in range(count))
        return self

    def room(self, count: int) -> Stream:
        """A quiet room: noise of half an int16 step (two thirds of the samples 0)."""
        self.chunks.extend(np.round(self.rng.normal(0, 0.5, CHUNK)).astype(np.int16)
                           for _ in range(count))
        return self

    def read(self, timeout: float | None) -> np.ndarray | None:
        return self.chunks.popleft() if self.chunks else None

    def drain(self) -> int:
        dropped = len(self.chunks) * CHUNK
        self.chunks.clear()
        return dropped


def test_zeros_for_3_s_in_a_listen_are_a_lost_microphone_and_stay_one() -> None:
    stream = Stream().room(10).zeros(RUN + 20)
    source = WatchedSource(stream)
    for _ in range(10 + RUN - 1):
        source.read(0.1)
    with pytest.raises(AudioDeviceError, match="digital silence"):
        source.read(0.1)
    stream.room(20)  # a read under a prompt may be the one that noticed: the next one knows
    with pytest.raises(AudioDeviceError, match="digital silence"):
        source.read(0.1)


def test_a_quiet_room_is_never_a_lost_microphone() -> None:
    stream = Stream().room(20 * RUN)
    source = WatchedSource(stream)
    for _ in range(20 * RUN):
        source.read(0.1)
    assert source.delivered


def test_a_drain_starts_the_count_again() -> None:
    """The audio a drain drops is not looked at (the prompt it held may have come back from
    a speaker's monitor): a run of zeros counts only once seen whole."""
    stream = Stream().room(1).zeros(RUN - 10)
    source = WatchedSource(stream)
    for _ in range(RUN - 9):
        source.read(0.1)
    stream.zeros(5)
    source.drain()
    stream.zeros(RUN - 1)
    for _ in range(RUN - 1):
        source.read(0.1)
    stream.zeros(1)
    with pytest.raises(AudioDeviceError, match="digital silence"):
        source.read(0.1)


def test_zeros_are_no_sign_that_the_microphone_is_back() -> None:
    """The devices opened again after a failure: "I can hear you again" waits for audio
    (devices.audio_arrived); a stream of zeros is none, and after 3 s it is the device error
    that sends the kiosk on retrying."""
    stream = Stream().zeros(RUN + 5)
    source = WatchedSource(stream)
    assert not source.audio_arrived(0.0)
    assert not source.delivered
    with pytest.raises(AudioDeviceError, match="digital silence"):
        for _ in range(RUN + 5):
            source.audio_arrived(0.0)
    stream = Stream().zeros(RUN - 5).room(1)
    source = WatchedSource(stream)
    while not source.audio_arrived(0.0):
        pass
    assert source.delivered
