"""The training front end: MFCC as Vosk computes them, and the vocal-tract warp of training."""

from dataclasses import replace

import numpy as np
import pytest

from voiceskill.acoustic import features
from voiceskill.acoustic.sphinx_net import SPHINX_MFCC

RATE = 16000


def _tone(hz: float, seconds: float = 0.5) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    return (6000 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


@pytest.mark.parametrize("cfg", [SPHINX_MFCC, features.MFCC], ids=["sphinx", "kaldi"])
def test_unwarped_frames_equal_kaldi_native_fbank(cfg: features.MfccConfig) -> None:
    cfg = replace(cfg, dither=0.0)
    audio = np.random.default_rng(1).standard_normal(12000).astype(np.float32) * 3000
    audio += _tone(700, 0.75)
    expected = features.mfcc(audio, cfg)
    got = features.warped_mfcc(audio, 1.0, np.random.default_rng(0), cfg)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1e-3)


def test_a_warp_moves_the_spectrum_as_another_vocal_tract_would() -> None:
    cfg = replace(SPHINX_MFCC, dither=0.0)
    rng = np.random.default_rng(0)
    warped = features.warped_mfcc(_tone(1500), 1.1, rng, cfg).mean(axis=0)
    same_tone = features.mfcc(_tone(1500), cfg).mean(axis=0)
    # Kaldi's warp with a factor above 1 reads the spectrum as if it were stretched by it.
    stretched = features.mfcc(_tone(1500 * 1.1), cfg).mean(axis=0)
    assert np.linalg.norm(warped - stretched) < 0.3 * np.linalg.norm(warped - same_tone)


def test_too_short_audio_has_no_frames() -> None:
    got = features.warped_mfcc(
        np.zeros(100, np.float32), 0.9, np.random.default_rng(0), SPHINX_MFCC
    )
    assert got.shape == (0, SPHINX_MFCC.num_ceps)
