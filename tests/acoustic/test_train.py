"""The numpy frame classifier."""

from __future__ import annotations

import numpy as np

from voiceskill.acoustic import train


def test_network_learns_what_its_input_shows_and_no_more() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(6, size=4000)
    x = rng.normal(size=(4000, 10)).astype(np.float32)
    shown = y < 3
    x[shown, y[shown]] += 3.0  # the input tells classes 0-2 apart, not 3-5
    net = train.Network(10, [32], 6, seed=0)
    for _ in range(600):
        rows = rng.integers(len(x), size=128)
        net.train_step(x[rows], y[rows], 3e-3)
    guess = net.log_posteriors(x).argmax(axis=1)
    assert (guess[shown] == y[shown]).mean() > 0.9
    assert (guess[~shown] == y[~shown]).mean() < 0.6
