"""Whether words heard while a prompt plays can only be the prompt's own echo, by loudness.

The microphone hears the assistant's prompt too (a speaker in the room; a simulation mixes it in
at :data:`voiceskill.simulate.PROMPT_ECHO_DB`), and the barge-in turn decodes what it hears. The
prompt's own words are told apart by where the prompt says them
(:func:`voiceskill.session.possible_echo`), but the echo of other words came back as barge-in
words too: "towel" in "hamstring stretch with a towel" and "arching" were heard as "ouch" (pain:
the exercise stops), "6." as "goodbye" (stop: the session ends), with the person silent.

How loud the echo alone can be is known: the prompt's level, frame by frame, a little later,
quieter by the room's coupling, and dying away after each sound no faster than a room lets it
(:func:`echo_ceiling`). The coupling and the delay are measured on every prompt
(:class:`EchoGauge`). A person's voice is louder than that ceiling somewhere: an utterance with
fewer than :data:`PERSON_FRAMES` voiced 10 ms frames above it (by :data:`MARGIN_DB`) is the
echo alone, and its words do not cut the prompt. Nothing is judged until the gauge has measured
a prompt: unknown is the person's.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from voiceskill.speech.voice_detector import FRAME, level_db
from voiceskill.speech.wav import TARGET_RATE

#: Longest delay of the echo after the prompt's sound that is looked for, in 10 ms frames: the
#: speaker's and the microphone's buffers and the way through the room, past what the mouth
#: knows of them.
MAX_DELAY_FRAMES = 30

#: The echo of a sound is taken to die away no faster than this, dB per 10 ms frame (60 dB in
#: half a second: a bare room; furnished rooms are quicker) ...
DECAY_DB_PER_FRAME = 1.2

#: ... for at most this many frames, and to come at most this many frames early (the delay is
#: measured in whole frames, and the prompt's start is known only to a chunk).
TAIL_FRAMES, EARLY_FRAMES = 40, 3

#: Prompt frames within this many dB of the prompt's loudest are the ones the coupling is
#: measured on (the echo of quiet frames drowns in the room).
PEAK_RANGE_DB = 20.0

#: Fewer such frames than this and a prompt's coupling is not measured.
MIN_PEAK_FRAMES = 20

#: The couplings of this many recent prompts are kept; the lowest counts.
REMEMBERED_PROMPTS = 5

#: A frame is the person's when it is voiced and this many dB above the echo's ceiling ...
MARGIN_DB = 6.0

#: ... and an utterance is the person's with at least this many such frames.
PERSON_FRAMES = 8


def frame_levels(samples: np.ndarray) -> np.ndarray:
    """Level (dBFS) of each whole 10 ms frame of 16 kHz ``samples``."""
    n = len(samples) // FRAME
    return level_db(samples[: n * FRAME].reshape(n, FRAME)) if n else np.zeros(0)


def aligned_levels(prompt: np.ndarray, prompt_at: float, frames: int) -> np.ndarray:
    """The prompt's frame levels at ``frames`` microphone frames whose first starts
    ``prompt_at`` seconds into the prompt's playing (silence before and after it)."""
    levels = frame_levels(prompt)
    first = round(prompt_at * TARGET_RATE / FRAME)
    out = np.full(frames, -100.0)
    lo, hi = max(0, -first), min(frames, len(levels) - first)
    if hi > lo:
        out[lo:hi] = levels[first + lo : first + hi]
    return out


def echo_ceiling(levels: np.ndarray) -> np.ndarray:
    """The loudest the echo of a sound with these frame levels can be at each frame, before the
    coupling: its own level from :data:`EARLY_FRAMES` frames ahead, and the level of each of the
    last :data:`TAIL_FRAMES` frames less :data:`DECAY_DB_PER_FRAME` per frame since."""
    out = levels.copy()
    for back in range(-EARLY_FRAMES, TAIL_FRAMES + 1):
        shifted = np.full(len(levels), -100.0)
        if back >= 0:
            shifted[back:] = levels[: len(levels) - back] - DECAY_DB_PER_FRAME * back
        else:
            shifted[:back] = levels[-back:]
        np.maximum(out, shifted, out=out)
    return out


def ceiling_at(prompt: np.ndarray, prompt_at: float, frames: int, delay: int) -> np.ndarray:
    """:func:`echo_ceiling` of ``prompt`` at ``frames`` microphone frames whose first starts
    ``prompt_at`` s into its playing, the echo ``delay`` frames late (the prompt's sound from
    before the first frame counted)."""
    lead = delay + TAIL_FRAMES
    levels = aligned_levels(prompt, prompt_at - lead * FRAME / TARGET_RATE, frames + lead)
    return echo_ceiling(levels)[lead - delay : lead - delay + frames]


def _delayed(levels: np.ndarray, delay: int) -> np.ndarray:
    """``levels`` ``delay`` frames later (silence before; all silence for a longer delay)."""
    out = np.full(len(levels), -100.0)
    if delay < len(levels):
        out[delay:] = levels[: len(levels) - delay]
    return out


def measure(mic: np.ndarray, prompt: np.ndarray, prompt_at: float) -> tuple[int, float] | None:
    """(delay in frames, coupling in dB) of the echo of ``prompt`` in ``mic`` (whose first
    sample is ``prompt_at`` s into the prompt's playing): the delay at which the two level
    tracks rise and fall together best, and the median of microphone less prompt on the
    prompt's loudest frames there (the person, talking over some of them, moves a median
    little). None when the prompt has too few loud frames in ``mic``."""
    m = frame_levels(mic)
    if len(m) < MIN_PEAK_FRAMES:
        return None
    p = aligned_levels(prompt, prompt_at, len(m))
    peaks = p >= p.max() - PEAK_RANGE_DB
    if peaks.sum() < MIN_PEAK_FRAMES:
        return None
    best, delay = -2.0, 0
    for lag in range(MAX_DELAY_FRAMES + 1):
        q = _delayed(p, lag)
        if np.ptp(q) == 0 or np.ptp(m) == 0:
            continue
        r = float(np.corrcoef(m, q)[0, 1])
        if r > best:
            best, delay = r, lag
    q = _delayed(p, delay)
    loud = q >= p.max() - PEAK_RANGE_DB
    return delay, float(np.median(m[loud] - q[loud]))


@dataclass
class EchoGauge:
    """The room's echo of the prompts, measured prompt by prompt (a mouth keeps one)."""

    measured: deque[tuple[int, float]] = field(
        default_factory=lambda: deque(maxlen=REMEMBERED_PROMPTS))
    """(delay in frames, coupling in dB) of the last prompts measured."""

    def learn(self, mic: np.ndarray, prompt: np.ndarray, prompt_at: float | None) -> None:
        """Measure the echo of a prompt that has played (``mic``: the microphone from
        ``prompt_at`` seconds into its playing; None: not known, nothing learnt)."""
        if prompt_at is None:
            return
        found = measure(mic, prompt, prompt_at)
        if found is not None:
            self.measured.append(found)

    def only_echo(self, mic: np.ndarray, prompt: np.ndarray, prompt_at: float | None,
                  span: tuple[float, float], voiced_db: float) -> bool:
        """Whether the utterance ``span`` (seconds into ``mic``, the microphone from
        ``prompt_at`` s into the prompt's playing) can be the prompt's echo alone: fewer than
        :data:`PERSON_FRAMES` of its frames louder than ``voiced_db`` are above the echo's
        ceiling. False when not known (no timing, nothing measured on earlier prompts or
        before the utterance)."""
        if prompt_at is None:
            return False
        known = list(self.measured)
        # this prompt's echo is measured before the utterance only: measured over it, a person
        # talking over all of the prompt so far is taken for a loud echo of it
        now = measure(mic[: round(span[0] * TARGET_RATE)], prompt, prompt_at)
        if now is not None:
            known.append(now)
        if not known:
            return False
        delay, coupling = min(known, key=lambda found: found[1])
        m = frame_levels(mic)
        ceiling = ceiling_at(prompt, prompt_at, len(m), delay)
        first, last = (round(s * TARGET_RATE / FRAME) for s in span)
        m, ceiling = m[first:last], ceiling[first:last] + coupling
        person = (m > voiced_db) & (m > ceiling + MARGIN_DB)
        return int(person.sum()) < PERSON_FRAMES
