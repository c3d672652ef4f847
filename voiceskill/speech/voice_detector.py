"""Which chunks carry a voice: a level detector over the room's noise floor.

The floor is the level of the room when nobody speaks. The room does not change between
questions, so one floor serves every turn of a recognizer: the very first audio sets it, and
between utterances it follows quieter audio at once and louder audio slowly. Quieter audio inside
an utterance lowers it at once too: when the first audio was a voice (a simulated person, or
someone talking from the microphone's first chunk on), the floor was the voice's level, only
its loudest frames counted, and its first answer was cut after half a second. Levels are taken
above 100 Hz, where the speech model listens (its filters start at 130 Hz): rumble and the
slow swell of traffic or air handling below that moved the level by 10 dB and more. A sound that
never once falls back to within ``margin_db`` of the floor for ``steady_seconds`` is no voice
(people pause, if only between words) but a steady noise that has just begun — a fan, an air
conditioner, mains hum: the floor rises to it and the utterance it started is dropped. Without
this, steady noise above the absolute gate counted as one long utterance, and the shipped
model heard such noise (pink, white or brown, -50 to -20 dBFS) as "that's right", a "yes" to a
red-flag question, at full confidence.

A burst of noise (a tap running, a hair dryer, a door) is over before it counts as steady, and
the model heard those as words too ("that's right", "stop"). What sets a voice apart from them
is that its spectrum keeps changing shape, sound by sound, while a noise keeps one shape
however loud it gets: :meth:`VoiceDetector.spectral_change` measures that over the voiced
frames of an utterance, and an utterance whose spectrum hardly changed is no voice.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from voiceskill.speech.audio import CHUNK_SECONDS
from voiceskill.speech.wav import TARGET_RATE

#: 10 ms frames: the unit of every level.
FRAME = TARGET_RATE // 100

#: Levels are measured above this frequency (Hz).
HIGH_PASS_HZ = 100.0

#: Spectra: 25 ms Hann windows every 10 ms, in bands equally spaced on the mel scale between
#: these frequencies (Hz; the band an 8 kHz microphone records too).
WINDOW = 400
BAND_EDGES_HZ = (150.0, 3800.0)
BANDS = 10

#: Voiced frames left out at the start of an utterance: their windows reach back across the
#: onset, and a noise switched on (a hum from silence) has a click of every colour there.
ONSET_FRAMES = 3

#: Fewer voiced frames than this and an utterance's spectral change is not judged: a short
#: word said softly may have only its vowel above the floor, and one vowel is steady too.
MIN_SHAPE_FRAMES = 25

#: An utterance whose spectral change (dB, :func:`spectral_change`) stays under this is a noise.
#: Measured through the recognizer (2026-11-22, the shipped model's turn of the first red-flag
#: question): 87 noises (sox's white, pink and brown noise, 0.3-2.8 s at -45 to -15 dBFS;
#: band-limited and 8 kHz noise; mains hum; ALSA's test noise), 81 of them judged, reached at
#: most 1.36 dB (the model had heard 54 of them as phrases of the turn, 14 as [unk]); 803
#: utterances of speech (every fixture clean, augmented, through an 8 kHz device and in pink
#: noise at 10 and 5 dB SNR, the real recordings among them, words drawn out slowly), 784 of
#: them judged, at least 2.23 dB; every fixture said only 10-15 dB above a -45 dBFS room, 313
#: utterances, 192 judged, at least 2.17 dB.
NOISE_SHAPE_DB = 1.9


def _mel(hz: np.ndarray) -> np.ndarray:
    return 1127.0 * np.log1p(hz / 700.0)


def _band_matrix() -> np.ndarray:
    """(FFT bins × BANDS) 0/1 matrix summing power spectrum bins into the bands."""
    bins = np.fft.rfftfreq(512, 1.0 / TARGET_RATE)
    low, high = _mel(np.array(BAND_EDGES_HZ))
    edges = 700.0 * np.expm1(np.linspace(low, high, BANDS + 1) / 1127.0)
    band = np.searchsorted(edges, bins, side="right") - 1
    out = np.zeros((len(bins), BANDS))
    inside = (band >= 0) & (band < BANDS)
    out[np.flatnonzero(inside), band[inside]] = 1.0
    return out


def spectral_change(bands_db: np.ndarray) -> float:
    """How much the spectrum's shape changes over frames (rows of band levels in dB): each
    frame's levels less their mean (the shape, loudness aside), smoothed over 30 ms, then the
    spread over time of each band, averaged over bands (dB): low for a noise, however loud,
    high for a voice (see :data:`NOISE_SHAPE_DB`)."""
    from scipy.ndimage import uniform_filter1d

    smooth = uniform_filter1d(bands_db, 3, axis=0, mode="nearest")
    shape = smooth - smooth.mean(axis=1, keepdims=True)
    return float(shape.std(axis=0).mean())


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
        # scipy.signal here, not at the module's top: importing it takes about 0.4 s and 60 MB,
        # which every command that imports the recognizer (transcribe, so every `voiceskill`
        # start) paid, though only a detector uses it.
        from scipy.signal import butter, sosfilt

        self._sosfilt = sosfilt
        self._high_pass = butter(2, HIGH_PASS_HZ, "highpass", fs=TARGET_RATE, output="sos")
        self._filter_state = np.zeros((len(self._high_pass), 2))
        self._lows: deque[float] = deque(maxlen=max(1, math.ceil(steady_seconds / CHUNK_SECONDS)))
        """The quietest frame of each chunk of the utterance under way (the last
        ``steady_seconds`` of it)."""
        self._tail = np.zeros(WINDOW - FRAME)
        """The last filtered samples before the chunk (the first window reaches back)."""
        self._window = np.hanning(WINDOW)
        self._bands = _band_matrix()
        self._shapes: list[np.ndarray] = []
        """Band levels (dB) of each voiced frame of the utterance under way."""

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
        above, self._filter_state = self._sosfilt(
            self._high_pass, chunk[:usable].astype(np.float64), zi=self._filter_state
        )
        levels = level_db(above.reshape(-1, FRAME))
        if self.floor_db is None:
            self.floor_db = float(levels.min())
        loud = levels > self.threshold_db
        voiced = int(loud.sum()) * 2 >= len(levels)
        rows = self._band_levels(above)[loud]
        if in_speech:
            self._lows.append(float(levels.min()))
            # the gaps between words, and the quiet after them, are the room (or quieter)
            if levels.min() < self.floor_db:
                self.floor_db = float(levels.min())
            self._shapes.extend(rows)
            return voiced
        self._lows.clear()
        self._shapes = list(rows[ONSET_FRAMES:])  # the chunk that may start an utterance
        for level in levels:  # down at once, up slowly
            if level < self.floor_db:
                self.floor_db = float(level)
            else:
                self.floor_db += 0.01 * (float(level) - self.floor_db)
        return voiced

    def _band_levels(self, above: np.ndarray) -> np.ndarray:
        """Band levels (dB) of a window ending at each 10 ms frame of ``above``."""
        samples = np.concatenate([self._tail, above])
        self._tail = samples[len(samples) - len(self._tail) :]
        n = len(above) // FRAME
        idx = np.arange(n)[:, None] * FRAME + np.arange(WINDOW)[None, :]
        power = np.abs(np.fft.rfft(samples[idx] * self._window, 512, axis=1)) ** 2
        return 10.0 * np.log10(power @ self._bands + 1e-3)

    def spectral_change(self) -> float | None:
        """:func:`spectral_change` over the voiced frames of the utterance under way (or just
        ended); None when it has too few of them to tell."""
        if len(self._shapes) < MIN_SHAPE_FRAMES:
            return None
        return spectral_change(np.array(self._shapes))

    def heard_noise(self) -> bool:
        """Whether the utterance under way (or just ended) was a noise, not a voice: its
        spectrum hardly changed shape."""
        change = self.spectral_change()
        return change is not None and change < NOISE_SHAPE_DB

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
