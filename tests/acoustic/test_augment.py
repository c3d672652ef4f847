"""Augmentation: what the narrowband (8 kHz device) option does to the spectrum."""

from __future__ import annotations

import numpy as np

from voiceskill.acoustic.augment import augment


def _share_above(samples: np.ndarray, hz: float) -> float:
    power = np.abs(np.fft.rfft(samples.astype(np.float64))) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1 / 16000)
    return float(power[freqs > hz].sum() / power.sum())


def test_narrowband_copies_have_nothing_above_4_khz_noise_included() -> None:
    rng = np.random.default_rng(0)
    clean = (rng.standard_normal(16000) * 3000).astype(np.int16)  # white: half its power > 4 kHz
    wide = augment(clean, np.random.default_rng(1), narrowband=0.0)
    narrow = augment(clean, np.random.default_rng(1), narrowband=1.0)
    assert _share_above(wide, 4200) > 0.3
    assert _share_above(narrow, 4200) < 1e-4
    assert len(narrow) == len(wide)

