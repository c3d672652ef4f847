"""`voiceskill transcribe` and `voiceskill model compile|check|download` through the real CLI."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

import voiceskill
from voiceskill.acoustic import download
from voiceskill.cli import main
from voiceskill.speech.modeldir import narrowband_companion

AUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "audio"


def test_transcribe_json_gives_file_text_and_word_confidences(capsys) -> None:
    wav = AUDIO / "yes__flite-slt.wav"
    assert main(["transcribe", str(wav), "--grammar", "yes,no", "--json"]) == 0
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["file"] == str(wav)
    assert line["text"] == "yes"
    assert line["words"][0]["word"] == "yes" and 0 < line["words"][0]["conf"] <= 1
    assert line["words"][0]["end"] <= 1.5  # times corrected for 10 ms frames


def test_transcribe_reports_a_bad_file_and_goes_on(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "notes.wav"
    bad.write_text("shopping list: apples, bread, milk")
    good = AUDIO / "yes__flite-slt.wav"
    assert main(["transcribe", str(bad), str(good), "--grammar", "yes,no"]) == 1
    out = capsys.readouterr()
    assert str(bad) in out.err and "not a WAV file" in out.err
    assert out.out.strip() == f"{good}: yes"


def test_transcribe_with_a_broken_model_says_which_file(tmp_path: Path, capsys) -> None:
    model = tmp_path / "model"
    shutil.copytree(voiceskill.DEFAULT_MODEL_DIR, model)
    (model / "graph" / "Gr.fst").unlink()
    assert main(["transcribe", str(AUDIO / "yes__flite-slt.wav"), "--model", str(model)]) == 2
    assert "Gr.fst: missing" in capsys.readouterr().err


def test_model_check(tmp_path: Path, capsys) -> None:
    assert main(["model", "check", str(voiceskill.DEFAULT_MODEL_DIR)]) == 0
    assert main(["model", "check", str(tmp_path)]) == 2
    assert "am/final.mdl: missing" in capsys.readouterr().err


def test_model_compile_regenerates_the_graph_for_a_words_file(tmp_path: Path) -> None:
    """How long it takes is bench/model_compile.py's row."""
    model = tmp_path / "model"
    shutil.copytree(voiceskill.DEFAULT_MODEL_DIR, model)
    words = tmp_path / "words.txt"
    words.write_text("yes\nno\nbanana split\n")
    assert main(["model", "compile", "--words", str(words), "--model", str(model)]) == 0
    vocabulary = (model / "graph" / "words.txt").read_text().split()[::2]
    assert {"banana", "split", "yes", "no", "twenty", "[unk]"} <= set(vocabulary)
    assert "hamstring" not in vocabulary


def test_model_compile_also_compiles_the_8_khz_companion(tmp_path: Path) -> None:
    companion = narrowband_companion(voiceskill.DEFAULT_MODEL_DIR)
    if companion is None:
        pytest.skip("the shipped model has no 8 kHz companion")
    model = tmp_path / "model"
    shutil.copytree(voiceskill.DEFAULT_MODEL_DIR, model)
    shutil.copytree(companion, tmp_path / "model-8k")
    words = tmp_path / "words.txt"
    words.write_text("yes\nno\nbanana split\n")
    assert main(["model", "compile", "--words", str(words), "--model", str(model)]) == 0
    for root in (model, tmp_path / "model-8k"):
        assert "banana" in (root / "graph" / "words.txt").read_text().split()[::2], root


def test_model_compile_missing_words_file(tmp_path: Path, capsys) -> None:
    assert main(["model", "compile", "--words", str(tmp_path / "none.txt")]) == 2
    assert "none.txt: no such file" in capsys.readouterr().err


def test_download_says_offline_without_hanging(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    # A closed local port stands in for an unreachable model server (no network is touched).
    monkeypatch.setattr(download, "MODEL_LIST_URL", "http://127.0.0.1:9/model-list.json")
    start = time.monotonic()
    assert main(["model", "download", "vosk-model-small-en-us-0.15", "--timeout", "3"]) == 2
    assert time.monotonic() - start < 10
    assert "offline" in capsys.readouterr().err


def test_model_compile_says_when_the_dialogs_do_not_load(tmp_path: Path, capsys) -> None:
    model, dialogs = tmp_path / "model", tmp_path / "dialogs"
    shutil.copytree(voiceskill.DEFAULT_MODEL_DIR, model)
    shutil.copytree(voiceskill.DIALOGS_DIR, dialogs)
    triage = dialogs / "triage.yaml"
    triage.write_text(triage.read_text().replace("source:", "sauce:", 1))
    assert main(["model", "compile", "--dialogs", str(dialogs), "--model", str(model)]) == 1
    err = capsys.readouterr().err
    assert f"the dialogs in {dialogs} do not load" in err and "voiceskill check" in err
    # the graph is still made from what the YAML scan finds
    assert "twenty" in (model / "graph" / "words.txt").read_text()


def test_model_build_narrowband_builds_the_companion_with_its_recipe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    # The build itself is replaced (a real one takes half an hour; test_tiny_build.py runs the
    # builder end to end): this checks what the command asks it for.
    from voiceskill.acoustic import build

    asked = []
    monkeypatch.setattr(build, "build", lambda cfg: asked.append(cfg) or {"seconds": 60.0,
                                                                           "bytes": 1e7})
    monkeypatch.chdir(tmp_path)
    assert main(["model", "build", "--narrowband", "--cache", str(tmp_path)]) == 0
    cfg = asked[0]
    assert cfg.out_dir == Path("build", "voiceskill-en-8k")
    assert (cfg.for_8k_device, cfg.narrowband, cfg.utterances) == (True, 0.15, 16000)
    assert cfg.cache_dir == tmp_path
    assert main(["model", "build", "--out", str(tmp_path / "m"), "--utterances", "500"]) == 0
    assert (asked[1].out_dir, asked[1].utterances, asked[1].for_8k_device) == (
        tmp_path / "m", 500, False)
    assert asked[1].networks == 1
    assert main(["model", "build", "--out", str(tmp_path / "m"), "--networks", "2"]) == 0
    assert asked[2].networks == 2


def test_model_build_never_writes_over_a_model_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """`voiceskill model build` wrote into the shipped models/voiceskill-en (and --narrowband
    into models/voiceskill-en-8k): a casual build replaced the shipped model. Now it writes to
    build/ in the current directory, says where, and writes over a model or any other files
    only with --force."""
    from voiceskill.acoustic import build

    asked: list = []
    monkeypatch.setattr(build, "build", lambda cfg: asked.append(cfg.out_dir) or {
        "seconds": 60.0, "bytes": 1e7})
    monkeypatch.chdir(tmp_path)
    assert main(["model", "build"]) == 0
    assert asked == [Path("build", "voiceskill-en")]
    out = capsys.readouterr().out
    assert "building a model in build/voiceskill-en" in out
    assert "model written to build/voiceskill-en" in out

    notes = tmp_path / "notes.txt"
    notes.write_text("not a directory\n")
    shipped = voiceskill.DEFAULT_MODEL_DIR
    for target, problem in [(shipped, "holds a model already"),
                            (tmp_path, "is not empty")]:
        assert main(["model", "build", "--out", str(target)]) == 2
        assert capsys.readouterr().err.splitlines() == [
            f"voiceskill model build: {target}: {problem}; choose another --out, or add "
            "--force to write over it"]
    assert main(["model", "build", "--out", str(notes)]) == 2
    assert "notes.txt: exists and is not a directory" in capsys.readouterr().err
    assert len(asked) == 1

    (tmp_path / "empty").mkdir()
    assert main(["model", "build", "--out", str(tmp_path / "empty")]) == 0
    assert main(["model", "build", "--out", str(tmp_path), "--force"]) == 0
    assert asked[1:] == [tmp_path / "empty", tmp_path]
