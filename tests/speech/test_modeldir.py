"""voiceskill.speech.modeldir: a broken model directory gives one clear message, never an abort.

Each test copies the shipped model into tmp_path, breaks one file the way real downloads and
edits break, and checks the message names that file. The last test loads the real model in Vosk.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import voiceskill
from voiceskill.speech.modeldir import (
    MODEL_ENV,
    ModelDirError,
    check_model_dir,
    open_model,
    resolve_model_dir,
)


def test_shipped_model_passes(model_copy: Path) -> None:
    assert check_model_dir(model_copy) == model_copy


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize(
    ("breakage", "file", "phrase"),
    [
        (lambda d: (d / "am" / "final.mdl").unlink(), "am/final.mdl", "missing"),
        (lambda d: _truncate(d / "am" / "final.mdl"), "am/final.mdl", "truncated"),
        (lambda d: (d / "am" / "final.mdl").write_text("hello"), "am/final.mdl", "TransitionModel"),
        (
            lambda d: (d / "graph" / "HCLr.fst").write_text("0 1 3 3\n1\n"),
            "graph/HCLr.fst",
            "binary OpenFst",
        ),
        (lambda d: (d / "graph" / "Gr.fst").unlink(), "graph/Gr.fst", "missing"),
        (
            lambda d: (d / "graph" / "words.txt").write_text("yes 1\nno\n"),
            "graph/words.txt",
            "line 2",
        ),
        (  # a real word at id 0: Vosk aborts the process once a grammar names it
            lambda d: (d / "graph" / "words.txt").write_text("yes 0\nno 1\n"),
            "graph/words.txt",
            "line 1: id 0 is Kaldi's empty word '<eps>', not 'yes'",
        ),
        (
            lambda d: (d / "graph" / "disambig_tid.int").write_text("12 x\n"),
            "graph/disambig_tid.int",
            "not an integer",
        ),
        (
            lambda d: (d / "conf" / "model.conf").write_text("--beam=10\n"),
            "conf/model.conf",
            "silence-phones",
        ),
        (lambda d: (d / "conf" / "mfcc.conf").unlink(), "conf/mfcc.conf", "missing"),
    ],
)
def test_broken_file_is_named(model_copy: Path, breakage, file: str, phrase: str) -> None:
    breakage(model_copy)
    with pytest.raises(ModelDirError) as err:
        check_model_dir(model_copy)
    assert str(model_copy / file) in str(err.value)
    assert phrase in str(err.value)


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelDirError, match="does not exist"):
        check_model_dir(tmp_path / "nowhere")


def test_resolution_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(MODEL_ENV, raising=False)
    assert resolve_model_dir(None) == voiceskill.DEFAULT_MODEL_DIR
    monkeypatch.setenv(MODEL_ENV, str(tmp_path / "env"))
    assert resolve_model_dir(None) == tmp_path / "env"
    assert resolve_model_dir(tmp_path / "flag") == tmp_path / "flag"


def test_open_model_checks_first(tmp_path: Path) -> None:
    with pytest.raises(ModelDirError):
        open_model(tmp_path)


def test_open_model_loads_the_shipped_model() -> None:
    import vosk

    model = open_model(voiceskill.DEFAULT_MODEL_DIR)
    assert isinstance(model, vosk.Model)
    rec = vosk.KaldiRecognizer(model, 16000, '["yes", "no", "[unk]"]')
    rec.AcceptWaveform(bytes(16000))
    assert json.loads(rec.FinalResult())["text"] in ("", "[unk]")


def test_a_static_graph_loads_with_a_note_that_grammars_are_ignored(
        model_copy: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """Vosk's large models have graph/HCLG.fst: they load, but every grammar is ignored. The
    shipped HCL graph stands in for one here (Vosk reads HCLG.fst first when it is there)."""
    import vosk

    (model_copy / "graph" / "HCLG.fst").write_bytes(
        (model_copy / "graph" / "HCLr.fst").read_bytes())
    model = open_model(model_copy)
    assert isinstance(model, vosk.Model)
    err = capfd.readouterr().err
    assert f"note: {model_copy} has a static graph (graph/HCLG.fst)" in err
    assert err.count("\n") == 1
    (model_copy / "graph" / "HCLG.fst").unlink()
    open_model(model_copy)
    assert "static graph" not in capfd.readouterr().err


def test_a_full_temporary_directory_loses_no_descriptor_and_no_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With nowhere to collect Kaldi's messages (a full or read-only temporary directory) the
    model still loads, its messages reach stderr directly, and no duplicate of stderr is left
    open (one leaked per model or grammar opened before)."""
    import os
    import tempfile

    from voiceskill.speech.modeldir.load import kaldi_messages

    def no_room(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", no_room)
    before = sorted(os.listdir("/proc/self/fd"))
    for _ in range(3):
        with kaldi_messages() as messages:
            pass
        assert messages == []
    assert sorted(os.listdir("/proc/self/fd")) == before
    assert open_model(voiceskill.DEFAULT_MODEL_DIR) is not None
