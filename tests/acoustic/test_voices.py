"""The training voices are what they claim to be: every espeak-ng variant exists, and none of
the held-out voices is trained on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voiceskill.acoustic import synth
from voiceskill.acoustic.build import BuildConfig, MissingEngineError, build
from voiceskill.acoustic.synth import Voice, engine_available, synthesize
from voiceskill.cli import main


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


def test_every_training_engine_is_installed_here() -> None:
    # `make setup` installs every engine of the recipe; a machine without one built models
    # without its voices (sessions 13 and 14 built without festival) until the builder
    # refused.
    engines = {v.engine for v in synth.training_voices(np.random.default_rng(0))}
    assert {e for e in engines if not engine_available(e)} == set()
    assert engines <= set(synth.INSTALL_HINTS)


def test_a_build_refuses_when_a_recipe_engine_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    present = synth.engine_available
    monkeypatch.setattr(synth, "engine_available", lambda e: e != "festival" and present(e))
    with pytest.raises(MissingEngineError, match="festival is not installed.*festvox-kallpc16k"):
        build(BuildConfig(out_dir=tmp_path / "model"), log=lambda _msg: None)
    assert main(["model", "build", "--out", str(tmp_path / "cli")]) == 2
    assert "voiceskill model build: festival is not installed" in capsys.readouterr().err
    assert not (tmp_path / "model").exists() and not (tmp_path / "cli").exists()
    # A chosen set of voices is the caller's business: a missing engine's voices are left
    # out, and the build refuses only when none is left.
    with pytest.raises(MissingEngineError, match="none of the chosen voices"):
        build(
            BuildConfig(out_dir=tmp_path / "m2", voices=[Voice("festival", "kal_diphone")]),
            log=lambda _msg: None,
        )
