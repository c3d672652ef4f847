"""`voiceskill transcribe` on 8 kHz audio decodes with the 8 kHz companion model, as live mode
does for an 8 kHz microphone, and says so.

It used to decode every file with the 16 kHz model, silently: "yes" recorded at 8 kHz came
back as "than", "help" as "down". Real Vosk and both shipped models; the 8 kHz files are the
answer fixtures resampled to 8 kHz.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import voiceskill
from voiceskill.cli import main
from voiceskill.speech.modeldir import narrowband_companion
from voiceskill.speech.wav import read_wav, write_wav

AUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "audio"
SHIPPED = voiceskill.DEFAULT_MODEL_DIR
COMPANION = narrowband_companion(SHIPPED)

pytestmark = pytest.mark.skipif(COMPANION is None, reason="no 8 kHz companion is shipped")


@pytest.fixture(autouse=True)
def _shipped_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOICESKILL_MODEL", raising=False)


def _at_8k(tmp_path: Path, word: str) -> Path:
    path = tmp_path / f"{word}_8k.wav"
    write_wav(path, read_wav(AUDIO / f"{word}__flite-slt.wav", rate=8000), rate=8000)
    return path


def test_an_8_khz_file_is_decoded_with_the_companion(tmp_path: Path, capsys) -> None:
    files = [_at_8k(tmp_path, "yes"), _at_8k(tmp_path, "help")]
    assert main(["transcribe", *map(str, files)]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines() == [f"{files[0]}: yes", f"{files[1]}: help"]
    assert out.err.splitlines() == [
        f"{f}: 8 kHz audio, decoded with the 8 kHz companion model {COMPANION}" for f in files
    ]


def test_json_names_the_model_of_each_file(tmp_path: Path, capsys) -> None:
    narrow = _at_8k(tmp_path, "yes")
    wide = AUDIO / "yes__flite-slt.wav"
    assert main(["transcribe", "--json", str(narrow), str(wide)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(d["file"], d["text"], d["model"]) for d in lines] == [
        (str(narrow), "yes", str(COMPANION)),
        (str(wide), "yes", str(SHIPPED)),
    ]


def test_a_model_given_with_model_switches_to_its_companion_too(tmp_path: Path, capsys) -> None:
    """As live mode does with --model: the companion is the directory beside it."""
    narrow = _at_8k(tmp_path, "yes")
    assert main(["transcribe", "--grammar", "yes,no", "--model", str(SHIPPED), str(narrow)]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == f"{narrow}: yes"
    assert str(COMPANION) in out.err


def test_no_companion_keeps_the_model_given(tmp_path: Path, capsys) -> None:
    narrow = _at_8k(tmp_path, "yes")
    assert main(["transcribe", "--no-companion", "--json", str(narrow)]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["model"] == str(SHIPPED)
    assert out.err == ""


def test_a_model_without_a_companion_decodes_everything(tmp_path: Path, capsys) -> None:
    alone = tmp_path / "alone"
    shutil.copytree(COMPANION, alone, ignore=shutil.ignore_patterns("*.md"))
    narrow = _at_8k(tmp_path, "yes")
    assert main(["transcribe", "--model", str(alone), "--json", str(narrow)]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["model"] == str(alone)
    assert out.err == ""


def test_a_broken_companion_is_said_once_and_the_model_given_decodes(
    tmp_path: Path, capsys
) -> None:
    main_model, companion = tmp_path / "m", tmp_path / "m-8k"
    shutil.copytree(SHIPPED, main_model, ignore=shutil.ignore_patterns("*.md"))
    shutil.copytree(COMPANION, companion, ignore=shutil.ignore_patterns("*.md"))
    (companion / "graph" / "Gr.fst").unlink()
    files = [_at_8k(tmp_path, "yes"), _at_8k(tmp_path, "no")]
    assert main(["transcribe", "--json", "--model", str(main_model), *map(str, files)]) == 1
    out = capsys.readouterr()
    assert [json.loads(line)["model"] for line in out.out.splitlines()] == [str(main_model)] * 2
    assert out.err.count("Gr.fst: missing") == 1
