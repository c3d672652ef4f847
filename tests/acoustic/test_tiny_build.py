"""A tiny end-to-end build (two espeak-ng voices, four words) exercises the whole builder:
synthesis, augmentation, features, flat start, training, re-alignment, the Kaldi writer and the
graph compiler; the result must load in the real Vosk and tell the four words apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from voiceskill.acoustic.build import BuildConfig, build
from voiceskill.acoustic.synth import Voice, engine_available, synthesize
from voiceskill.speech.modeldir import check_model_dir, open_model

WORDS = ["yes", "no", "stop", "help"]
VOICES = [Voice("espeak", "en-us+m3", 1.0, 45), Voice("espeak", "en+f2", 0.9, 60)]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not engine_available("espeak"):
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    out = tmp_path_factory.mktemp("tiny") / "model"
    cfg = BuildConfig(
        out_dir=out,
        utterances=240,
        copies=2,
        words=WORDS,
        voices=VOICES,
        hidden=(128, 128),
        epochs=(2.0, 3.0),
        workers=2,
    )
    figures = build(cfg, log=lambda _msg: None)
    assert figures["utterances"] > 300
    return out


def test_tiny_model_is_a_valid_vosk_model(tiny_model: Path) -> None:
    check_model_dir(tiny_model)
    words = (tiny_model / "graph" / "words.txt").read_text().split()[::2]
    assert words == ["<eps>", "help", "no", "stop", "yes", "[unk]"]


def test_tiny_model_tells_its_words_apart(tiny_model: Path) -> None:
    import vosk

    model = open_model(tiny_model)
    correct = 0
    for voice in VOICES:
        for word in WORDS:
            rec = vosk.KaldiRecognizer(model, 16000, json.dumps(WORDS))
            rec.AcceptWaveform(synthesize(Voice(voice.engine, voice.name, 1.1), word).tobytes())
            correct += json.loads(rec.FinalResult())["text"] == word
    assert correct >= 6, f"only {correct}/8 words recognized"
