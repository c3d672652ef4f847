"""graph/words.txt: what OpenFst and Vosk make of it, checked before Vosk reads it.

A words.txt without ``[unk]`` let Vosk drop ``[unk]`` from every grammar with a bare Kaldi
warning, so out-of-grammar speech came back as "no" (the skill's safety rests on [unk]); one
with Windows line endings, a negative id, a repeated id or no ``<eps> 0`` first passed the
check; and one missing lines left Gr.fst writing ids no word has. Every copy is the shipped
model with words.txt broken.
"""

from __future__ import annotations

import json
import wave
from pathlib import Path

import pytest

from tests.speech.conftest import refusal
from tests.speech.heard import FIXTURES

UNRELATED = FIXTURES / "a_little__flite-slt.wav"


def _words(model: Path) -> Path:
    return model / "graph" / "words.txt"


def _without_unk(model: Path) -> None:
    words = _words(model)
    lines = words.read_text().splitlines(keepends=True)
    words.write_text("".join(line for line in lines if not line.startswith("[unk] ")))


def _vosk_hears(model: Path, audio: Path, grammar: list[str]) -> str:
    import vosk

    vosk.SetLogLevel(-1)
    with wave.open(str(audio)) as wav:
        recognizer = vosk.KaldiRecognizer(
            vosk.Model(str(model)), wav.getframerate(), json.dumps(grammar)
        )
        recognizer.AcceptWaveform(wav.readframes(wav.getnframes()))
    return json.loads(recognizer.FinalResult())["text"]


def test_without_unk_vosk_answers_yes_or_no_to_anything_so_the_check_refuses_it(
    model_copy: Path,
) -> None:
    grammar = ["yes", "no", "[unk]"]
    assert _vosk_hears(model_copy, UNRELATED, grammar) == "[unk]"
    _without_unk(model_copy)
    heard = _vosk_hears(model_copy, UNRELATED, grammar)  # the checks bypassed
    assert heard and set(heard.split()) <= {"yes", "no"}, heard
    message = refusal(model_copy, _words(model_copy))
    assert "has no '[unk]'" in message and "instead of [unk]" in message


def test_gr_writing_ids_words_txt_lacks_is_refused(model_copy: Path) -> None:
    words = _words(model_copy)
    lines = words.read_text().splitlines(keepends=True)
    words.write_text("".join(lines[:200] + lines[-1:]))  # [unk] kept, the middle gone
    message = refusal(model_copy, model_copy / "graph" / "Gr.fst")
    assert "writes word id 200" in message and str(words) in message


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        (None, "line 1: ends in a carriage return (Windows line endings)"),
        ("<eps> 0\nyes 1\nextra -5\n[unk] 2\n", "line 3: expected 'word id' with a whole number"),
        ("<eps> 2\n</s> 1\n<s> 2\n[unk] 3\n", "line 3: id 2 is already '<eps>' (line 1)"),
        ("<eps> 0\nyes 1\nyes 2\n[unk] 3\n", "line 3: 'yes' is already id 1 (line 2)"),
        ("yes 1\n<eps> 0\n[unk] 2\n", "line 1: expected '<eps> 0' first"),
        ("<eps> 3\nyes 1\n[unk] 2\n", "line 1: expected '<eps> 0' first (Kaldi's empty word), got"),
    ],
)
def test_a_malformed_words_txt_is_one_message_with_its_line(
    model_copy: Path, text: str | None, phrase: str
) -> None:
    words = _words(model_copy)
    if text is None:
        words.write_bytes(words.read_bytes().replace(b"\n", b"\r\n"))
    else:
        words.write_text(text)
    assert phrase in refusal(model_copy, words)


def test_vosk_refuses_windows_line_endings_in_words_txt(model_copy: Path) -> None:
    """The check is not stricter than Vosk: OpenFst reads the id with its carriage return."""
    import vosk

    words = _words(model_copy)
    words.write_bytes(words.read_bytes().replace(b"\n", b"\r\n"))
    vosk.SetLogLevel(-1)
    with pytest.raises(Exception, match="Failed to create a model"):
        vosk.Model(str(model_copy))

