"""A model Vosk refuses ("Failed to create a model") gets one message naming the file, not a
traceback naming none.

Configuration files are checked against the options Vosk 0.3.45 accepts (the list Kaldi prints
when it refuses one) and their types, and against the values Vosk's decoder and feature code
refuse or abort on; am/global_cmvn.stats must be the Kaldi matrix Vosk needs; a text
am/final.mdl must be text. Whatever still makes vosk.Model fail is caught in open_model and
reported with Kaldi's reason and the files that were checked. Every copy is the shipped model
with one file broken, loaded by the real Vosk.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import voiceskill
from tests.speech.conftest import refusal
from tests.speech.heard import FIXTURES
from voiceskill.cli import main
from voiceskill.speech.modeldir import (
    ModelDirError,
    check_model_dir,
    open_model,
    read_conf,
    read_kaldi_matrix,
)
from voiceskill.speech.recognizer import ModelError, open_models

REPO = voiceskill.PROJECT_ROOT
YES = FIXTURES / "yes__flite-slt.wav"



def _replace(path: Path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    assert old in data, old
    path.write_bytes(data.replace(old, new))


def _line_of(path: Path, text: bytes) -> int:
    return path.read_bytes().split(b"\n").index(text) + 1


@pytest.mark.parametrize(
    ("file", "old", "new", "phrase"),
    [
        ("model.conf", b"--beam=14", b"--beem=14", "unknown option --beem (did you mean --beam?)"),
        ("model.conf", b"--beam=14", b"--beam=wide", "--beam=wide: expected a number"),
        (
            "model.conf",
            b"--frame-subsampling-factor=1",
            b"--frame-subsampling-factor=x",
            "--frame-subsampling-factor=x: expected a whole number",
        ),
        (
            "mfcc.conf",
            b"--num-mel-bins=25",
            b"--num-mel-binz=25",
            "unknown option --num-mel-binz (did you mean --num-mel-bins?)",
        ),
        ("mfcc.conf", b"--num-mel-bins=25", b"--num-mel-bins=abc", "expected a whole number"),
        ("mfcc.conf", b"--use-energy=false", b"--use-energy=no", "expected true or false"),
        ("model.conf", b"--beam=14", b"--beam=14\xe9", "byte 0xe9 is not UTF-8 text"),
        # Each of these made Vosk abort or crash the process (SIGABRT, SIGFPE) or refuse to
        # start a recognizer ("Failed to create a recognizer") on this Vosk.
        (
            "model.conf",
            b"--frame-subsampling-factor=1",
            b"--frame-subsampling-factor=0",
            "must be above 0",
        ),
        ("model.conf", b"--min-active=200", b"--min-active=5000", "must not be above --max-active"),
        ("model.conf", b"--beam=14", b"--beam=0", "must be above 0"),
        (
            "model.conf",
            b"--endpoint.silence-phones=1",
            b"--endpoint.silence-phones=1:x",
            "expected phone numbers joined by ':'",
        ),
        ("mfcc.conf", b"--frame-shift=10", b"--frame-shift=0", "shorter than one sample"),
        (
            "mfcc.conf",
            b"--sample-frequency=16000",
            b"--sample-frequency=8000",
            "the mel bins would end at 6800 Hz",
        ),
        ("mfcc.conf", b"--sample-frequency=16000", b"--sample-frequency=22050", "16000 Hz"),
        ("mfcc.conf", b"--window-type=hamming", b"--window-type=foo", "expected one of hamming"),
        ("mfcc.conf", b"--num-mel-bins=25", b"--num-mel-bins=2", "at least 3 mel bins"),
    ],
)
def test_an_option_or_value_vosk_refuses_is_named_with_its_line(
    model_copy: Path, file: str, old: bytes, new: bytes, phrase: str
) -> None:
    conf = model_copy / "conf" / file
    _replace(conf, old, new)
    with pytest.raises(ModelDirError) as err:
        check_model_dir(model_copy)
    message = str(err.value)
    assert message.startswith(f"{conf}:") and phrase in message
    # the line named is the edited one, or the one whose option the message quotes
    named = int(message[len(f"{conf}:"):].split(":", 1)[0])
    text = conf.read_bytes().split(b"\n")[named - 1].decode(errors="replace")
    assert named == _line_of(conf, new) or text in message, (named, message)


def test_vosk_itself_refuses_an_unknown_option(model_copy: Path) -> None:
    """The check above is not stricter than Vosk: the raw load fails too."""
    import vosk

    _replace(model_copy / "conf" / "model.conf", b"--beam=14", b"--beem=14")
    vosk.SetLogLevel(-1)
    with pytest.raises(Exception, match="Failed to create a model"):
        vosk.Model(str(model_copy))


def test_features_the_network_cannot_take_are_named(model_copy: Path) -> None:
    _replace(model_copy / "conf" / "mfcc.conf", b"--num-ceps=13", b"--num-ceps=20")
    with pytest.raises(ModelDirError, match="makes 20-dimensional features, but the network"):
        check_model_dir(model_copy)


def test_an_empty_feature_configuration_is_refused(model_copy: Path) -> None:
    """Kaldi's defaults are not the features the network was trained on: "yes" came back ""."""
    (model_copy / "conf" / "mfcc.conf").write_bytes(b"")
    with pytest.raises(ModelDirError, match=r"conf/mfcc\.conf: is empty"):
        check_model_dir(model_copy)


def test_a_latin1_comment_is_harmless_and_the_model_still_transcribes(
    model_copy: Path, capsys
) -> None:
    """Vosk ignores comments; `model check` and `transcribe` used to die on the byte."""
    conf = model_copy / "conf" / "model.conf"
    _replace(conf, b"--beam=14", "# café\n--beam=14".encode("latin-1"))
    assert read_conf(conf)["beam"].value == "14"
    assert main(["model", "check", "--load", str(model_copy)]) == 0
    assert main(["transcribe", "--grammar", "yes,no", "--model", str(model_copy), str(YES)]) == 0
    assert capsys.readouterr().out.strip().endswith(f"{YES}: yes")


def test_kaldi_spelling_of_options_is_understood(tmp_path: Path) -> None:
    conf = tmp_path / "x.conf"
    conf.write_bytes(b"  --frame_subsampling_factor=3  # a comment\r\n\n--use-energy\n")
    settings = read_conf(conf)
    assert settings["frame-subsampling-factor"].value == "3"
    assert settings["frame-subsampling-factor"].line == 1
    assert settings["use-energy"].value == ""


def test_graph_options_are_checked_as_text_without_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`model compile` checks the model.conf it is about to write from its text: the
    message names conf/model.conf with the line, and no temporary file is made (one used to
    be written per check, and a killed process left its directory behind in /tmp)."""
    import tempfile

    from voiceskill.acoustic.graph import GraphConfig, check_config
    from voiceskill.speech.modeldir.conf import check_model_conf

    with pytest.raises(ModelDirError, match=r"^conf/model.conf:1: --beam=0: must be above 0"):
        check_model_conf(Path("conf/model.conf"), b"--beam=0\n--endpoint.silence-phones=1\n")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    check_config(GraphConfig())
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        (b"garbage garbage", "not a Kaldi matrix"),
        (b" [\n 1 2 3 4 5 6 7 8 9 10 11 12 13 0\n 0 0 0 0 0 0 0 0 0 0 0 0 0 0 ]\n", "frame count"),
        (b" [\n 1 2 3 4 5 6 7 8 9 1000\n 0 0 0 0 0 0 0 0 0 0 ]\n", "must be 2 x 14"),
        (b" [\n 1 2 3 4 5 6 7 8 9 10 11 12 13 1000 ]\n", "a 1 x 14 matrix"),
        (b" [\n 1 2 3 4 5 6 7 8 9 10 11 12 13 1000\n 0 0 0", "no closing ']'"),
    ],
)
def test_bad_cmvn_statistics_are_named(model_copy: Path, content: bytes, phrase: str) -> None:
    """A wrong shape or a zero count let Vosk load the model and then abort (SIGABRT) on the
    first audio; garbage gave "Failed to create a model"."""
    stats = model_copy / "am" / "global_cmvn.stats"
    stats.write_bytes(content)
    assert phrase in refusal(model_copy, stats)


def test_binary_cmvn_statistics_are_read_like_text_ones(model_copy: Path) -> None:
    stats = model_copy / "am" / "global_cmvn.stats"
    rows = read_kaldi_matrix(stats)
    values = np.array(rows, dtype="<f8")
    stats.write_bytes(
        b"\x00BDM " + struct.pack("<bibi", 4, len(rows), 4, len(rows[0])) + values.tobytes()
    )
    assert read_kaldi_matrix(stats) == rows
    open_model(model_copy)  # and Vosk reads it too


def test_random_bytes_inside_the_network_are_found_before_vosk(model_copy: Path) -> None:
    mdl = model_copy / "am" / "final.mdl"
    data = bytearray(mdl.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 2000] = np.random.default_rng(5).bytes(2000)
    mdl.write_bytes(bytes(data))  # same size: the <Priors> check cannot see it
    with pytest.raises(ModelDirError, match=r"am/final\.mdl: damaged: byte \d+ \(line \d+\)"):
        check_model_dir(model_copy)


def _ascii_garbage_in_the_weights(model: Path) -> None:
    mdl = model / "am" / "final.mdl"
    data = bytearray(mdl.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = b"garbage " * 8
    mdl.write_bytes(bytes(data))


def test_what_vosk_still_refuses_is_one_error_with_kaldis_reason(model_copy: Path) -> None:
    _ascii_garbage_in_the_weights(model_copy)
    check_model_dir(model_copy)  # nothing the checks can see
    with pytest.raises(ModelDirError) as err:
        open_model(model_copy)
    message = str(err.value)
    assert message.startswith(f"{model_copy}: Vosk could not load this model: Kaldi says ")
    assert "Failed to read matrix" in message
    assert "am/final.mdl, conf/model.conf, conf/mfcc.conf" in message
    assert "\n" not in message


def test_model_check_load_and_transcribe_print_one_line(model_copy: Path) -> None:
    """Both printed a bare traceback ("Exception: Failed to create a model")."""
    _ascii_garbage_in_the_weights(model_copy)
    for command in (
        ["model", "check", "--load", str(model_copy)],
        ["transcribe", "--model", str(model_copy), str(YES)],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "voiceskill", *command],
            cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
        )
        assert done.returncode == 2, done
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        assert f"{model_copy}: Vosk could not load this model" in lines[0]


def test_the_voice_session_simulation_and_kiosk_get_the_same_message(model_copy: Path) -> None:
    _ascii_garbage_in_the_weights(model_copy)
    with pytest.raises(ModelError, match="Vosk could not load this model: Kaldi says"):
        open_models(model_copy)


def test_model_check_load_passes_the_shipped_model(capsys) -> None:
    assert main(["model", "check", "--load", str(voiceskill.DEFAULT_MODEL_DIR)]) == 0
    assert "Vosk loads it and starts a recognizer" in capsys.readouterr().out


def test_transcribe_json_names_the_model(capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOICESKILL_MODEL", raising=False)
    assert main(["transcribe", "--grammar", "yes,no", "--json", str(YES)]) == 0
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["model"] == str(voiceskill.DEFAULT_MODEL_DIR)


def test_a_load_failure_lists_every_file_vosk_read(model_copy: Path) -> None:
    """The list left out graph/phones/word_boundary.int and conf/pitch.conf, which Vosk
    reads too (and ivector/final.ie, rescore/G.carpa, rnnlm/ when a model has them)."""
    _ascii_garbage_in_the_weights(model_copy)
    boundary = model_copy / "graph" / "phones" / "word_boundary.int"
    boundary.parent.mkdir()
    boundary.write_text("".join(f"{phone} nonword\n" for phone in range(1, 41)))
    (model_copy / "conf" / "pitch.conf").write_text("")
    mfcc = model_copy / "conf" / "mfcc.conf"
    _replace(mfcc, b"--num-ceps=13", b"--num-ceps=10")  # with 3 pitch features, 13
    with pytest.raises(ModelDirError) as err:
        open_model(model_copy)
    listed = str(err.value).rsplit(": ", 1)[1].split(", ")
    assert listed == [
        "am/final.mdl", "conf/model.conf", "conf/mfcc.conf", "conf/pitch.conf",
        "am/global_cmvn.stats", "graph/HCLr.fst", "graph/Gr.fst", "graph/disambig_tid.int",
        "graph/words.txt", "graph/phones/word_boundary.int",
    ]
