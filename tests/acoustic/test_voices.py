"""The training voices are what they claim to be: every espeak-ng variant exists, and none of
the held-out voices is trained on."""

from __future__ import annotations

import numpy as np
import pytest

from voiceskill.acoustic import synth
from voiceskill.acoustic.synth import Voice, engine_available, synthesize


@pytest.fixture(scope="module")
def default_voice_audio() -> np.ndarray:
    if not engine_available("espeak"):
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    return synthesize(Voice("espeak", "en-us"), "ready")


def test_every_espeak_variant_changes_the_voice(default_voice_audio: np.ndarray) -> None:
    # espeak-ng speaks with the accent's default voice, without a word, when a variant name
    # does not match a file (they are case-sensitive: "Linda" fell back, "linda" is a voice).
    same_as_default = [
        variant
        for variant in synth.ESPEAK_VARIANTS
        if np.array_equal(
            synthesize(Voice("espeak", f"en-us+{variant}"), "ready"), default_voice_audio
        )
    ]
    assert same_as_default == []


def test_a_misspelt_variant_would_be_caught(default_voice_audio: np.ndarray) -> None:
    fallback = synthesize(Voice("espeak", "en-us+Linda"), "ready")
    assert np.array_equal(fallback, default_voice_audio)


def test_held_out_voices_are_never_trained_on() -> None:
    held_out = {v.name for v in synth.held_out_voices()}
    for seed in range(5):
        trained = {v.name for v in synth.training_voices(np.random.default_rng(seed), 10_000)}
        assert trained.isdisjoint(held_out)
    assert all(v.engine != "flite" for v in synth.training_voices(np.random.default_rng(0)))
