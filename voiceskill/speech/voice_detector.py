"""Which chunks carry a voice: a level detector over the room's noise floor.

The floor is the level of the room when nobody speaks. The room does not change between
questions, so one floor serves every turn of a recognizer: the very first audio sets it, and
between utterances it follows quieter audio at once and louder audio slowly. Levels are taken
above 100 Hz, where the speech model listens (its filters start at 130 Hz): rumble and the
slow swell of traffic or air handling below that moved the level by 10 dB and more. A sound that
never once falls back to within ``margin_db`` of the floor for ``steady_seconds`` is no voice
(people pause, if only between words) but a steady noise that has just begun — a fan, an air
conditioner, mains hum: the floor rises to it and the utterance it started is dropped. Without
this, steady noise above the absolute gate counted as one long utterance, and the shipped
model heard such noise (pink, white or brown, -50 to -20 dBFS) as "that's right", a "yes" to a
red-flag question, at full confidence.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
from scipy.signal import butter, sosfilt

from voiceskill.speech.audio import CHUNK_SECONDS
from voiceskill.speech.wav import TARGET_RATE

#: 10 ms frames: the unit of every level.
FRAME = TARGET_RATE // 100

#: Levels are measured above this frequency (Hz).
HIGH_PASS_HZ = 100.0


def level_db(frames: np.ndarray) -> np.ndarray:
    """Level of each row of samples (int16 scale) in dB relative to full scale."""
    power = np.mean((frames.astype(np.float64) / 32768.0) ** 2, axis=1)
    return 10.0 * np.log10(power + 1e-10)


class VoiceDetector:
    """Decides, chunk by chunk, whether a voice is heard; keeps the room's noise floor."""

    def __init__(self, margin_db: float, min_level_db: float, steady_seconds: float) -> None:
        self.margin_db = margin_db
        """A 10 ms frame is voiced when it is this much louder than the floor ..."""
        self.min_level_db = min_level_db
        """... and louder than this absolute level (dB relative to full scale)."""
        self.floor_db: float | None = None
        """The room's level without a voice (dBFS); None until the first audio."""
        self._high_pass = butter(2, HIGH_PASS_HZ, "highpass", fs=TARGET_RATE, output="sos")
        self._filter_state = np.zeros((len(self._high_pass), 2))
        self._lows: deque[float] = deque(maxlen=max(1, math.ceil(steady_seconds / CHUNK_SECONDS)))
        """The quietest frame of each chunk of the utterance under way (the last
        ``steady_seconds`` of it)."""

    @property
    def threshold_db(self) -> float:
        """The level a frame must exceed to count as voiced."""
        floor = self.floor_db if self.floor_db is not None else -100.0
        return max(floor + self.margin_db, self.min_level_db)

    def voiced(self, chunk: np.ndarray, in_speech: bool) -> bool:
        """Whether at least half of ``chunk``'s frames are voiced. Outside speech the chunk
        also moves the floor; inside, its quietest frame is kept for :meth:`steady`."""
        usable = len(chunk) - len(chunk) % FRAME
        if usable == 0:
            return False
        above, self._filter_state = sosfilt(
            self._high_pass, chunk[:usable].astype(np.float64), zi=self._filter_state
        )
        levels = level_db(above.reshape(-1, FRAME))
        if self.floor_db is None:
            self.floor_db = float(levels.min())
        voiced = int((levels > self.threshold_db).sum()) * 2 >= len(levels)
        if in_speech:
            self._lows.append(float(levels.min()))
            return voiced
        self._lows.clear()
        for level in levels:  # down at once, up slowly
            if level < self.floor_db:
                self.floor_db = float(level)
            else:
                self.floor_db += 0.01 * (float(level) - self.floor_db)
        return voiced

    def steady(self) -> bool:
        """True when the utterance under way has not once fallen back to the floor for
        ``steady_seconds``: a steady noise. The floor then rises to the noise's quietest."""
        if len(self._lows) < (self._lows.maxlen or 0):
            return False
        quietest = min(self._lows)
        if quietest <= self.threshold_db:
            return False
        self.floor_db = quietest
        self._lows.clear()
        return True
