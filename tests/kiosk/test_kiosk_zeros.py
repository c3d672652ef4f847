"""The digital-silence watch on plain arrays (voiceskill/kiosk/zeros.py): a run of exact zeros
as long as :data:`DIGITAL_SILENCE_SECONDS` is a microphone lost; very quiet noise, a dithered
recording of a silent room and one sample of sound in a long quiet stretch are not."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from voiceskill.kiosk.zeros import DIGITAL_SILENCE_SECONDS, DigitalSilence
from voiceskill.speech.audio import CHUNK, split_chunks, wav_chunks
from voiceskill.speech.wav import TARGET_RATE, write_wav

#: Chunks of 50 ms in the run that counts (60).
RUN_CHUNKS = int(DIGITAL_SILENCE_SECONDS * TARGET_RATE / CHUNK)


def watched(samples: np.ndarray, watch: DigitalSilence | None = None) -> list[bool]:
    """What the watch says after each 50 ms chunk of ``samples``."""
    watch = watch if watch is not None else DigitalSilence()
    return [watch.feed(chunk) for chunk in split_chunks(samples)]


def quiet_noise(seconds: float, std: float, seed: int = 1) -> np.ndarray:
    """Gaussian noise of ``std`` int16 steps, rounded as the microphone's samples are."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(0.0, std, int(seconds * TARGET_RATE))
    return np.round(noise).astype(np.int16)


def test_exact_zeros_count_once_the_run_is_long_enough() -> None:
    said = watched(np.zeros(int((DIGITAL_SILENCE_SECONDS + 1) * TARGET_RATE), np.int16))
    assert said.index(True) == RUN_CHUNKS - 1  # 3 s in, not a chunk sooner
    assert all(said[RUN_CHUNKS - 1:])


def test_very_quiet_noise_never_counts() -> None:
    # std 0.5: 68 % of the samples are 0, yet no run comes near 3 s
    noise = quiet_noise(60.0, std=0.5)
    assert np.mean(noise == 0) > 0.6
    watch = DigitalSilence()
    assert not any(watched(noise, watch))
    assert watch.heard


def test_one_sample_of_sound_starts_the_count_again() -> None:
    gap = np.zeros(int((DIGITAL_SILENCE_SECONDS - 0.1) * TARGET_RATE), np.int16)
    samples = np.concatenate([gap, np.array([1], np.int16), gap])
    assert not any(watched(samples))
    # the zeros after the last sound of a chunk count: 2.9 s of zeros, sound, then 3 s
    run = np.zeros(int(DIGITAL_SILENCE_SECONDS * TARGET_RATE), np.int16)
    said = watched(np.concatenate([gap, np.array([-1], np.int16), run]))
    assert said[-1] and not said[len(gap) // CHUNK]


def test_a_dithered_recording_of_a_silent_room_never_counts(tmp_path: Path) -> None:
    """Digital silence with TPDF dither (of one int16 step), as a recorder writes a silent
    room, at 44.1 kHz: read back at 16 kHz as the kiosk's microphone delivers it."""
    rng = np.random.default_rng(7)
    rate, seconds = 44100, 30.0
    dither = rng.uniform(-0.5, 0.5, (2, int(rate * seconds))).sum(axis=0)
    path = tmp_path / "dithered-silence.wav"
    write_wav(path, np.round(dither).astype(np.int16), rate)
    watch = DigitalSilence()
    said = [watch.feed(chunk) for chunk in wav_chunks(path)]
    assert len(said) >= seconds * TARGET_RATE // CHUNK
    assert not any(said) and watch.heard
    # the same file of digital silence alone does count
    write_wav(path, np.zeros(int(rate * seconds), np.int16), rate)
    watch = DigitalSilence()
    assert any(watch.feed(chunk) for chunk in wav_chunks(path)) and not watch.heard


def test_audio_gone_by_unseen_starts_the_count_again() -> None:
    watch = DigitalSilence()
    half = np.zeros(int(DIGITAL_SILENCE_SECONDS * TARGET_RATE * 0.6), np.int16)
    assert not any(watched(half, watch))
    watch.restart()
    assert not any(watched(half, watch))
    assert any(watched(half, watch))
