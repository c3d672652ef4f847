"""Files of a model directory that passed the check and then broke Vosk.

A NaN weight in am/final.mdl (Vosk loads it, then aborts the process on the first audio), a
broken graph/phones/word_boundary.int, a conf/pitch.conf the network has no inputs for, a
voiceskill model without am/global_cmvn.stats (every answer wrong), and a directory or a link
loop where a file should be. Every copy is the shipped model with one file broken.
"""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import voiceskill
from tests.speech.conftest import refusal
from tests.speech.heard import FIXTURES
from voiceskill.speech.modeldir import ModelDirError, check_model_dir
from voiceskill.speech.modeldir.kaldi import check_am

YES = FIXTURES / "yes__flite-slt.wav"

#: Loads a model with Vosk, no checks, and decodes YES; prints what it heard.
_RAW_VOSK = """
import json, sys, wave, vosk
vosk.SetLogLevel(-1)
model = vosk.Model(sys.argv[1])
with wave.open(sys.argv[2]) as wav:
    rec = vosk.KaldiRecognizer(model, wav.getframerate(), json.dumps(["yes", "no", "[unk]"]))
    rec.AcceptWaveform(wav.readframes(wav.getnframes()))
print(json.loads(rec.FinalResult())["text"])
"""


def _raw_vosk(model: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _RAW_VOSK, str(model), str(YES)],
        capture_output=True, text=True, timeout=300, check=False,
    )


def _set_number(path: Path, line: int, value: bytes) -> None:
    """Replace the first number of ``line`` (1-based) of a text Kaldi file by ``value``."""
    lines = path.read_bytes().split(b"\n")
    parts = lines[line - 1].split(b" ")
    first = next(i for i, part in enumerate(parts) if part)
    float(parts[first])  # it is a number
    parts[first] = value
    lines[line - 1] = b" ".join(parts)
    path.write_bytes(b"\n".join(lines))


def test_a_nan_weight_aborts_vosk_so_the_check_names_its_line(model_copy: Path) -> None:
    mdl = model_copy / "am" / "final.mdl"
    _set_number(mdl, 19245, b"nan")
    done = _raw_vosk(model_copy)
    assert done.returncode < 0, done  # SIGABRT: ASSERTION_FAILED on the first audio
    message = refusal(model_copy, mdl)
    assert message == (
        f"{mdl}: line 19245: a value is 'nan', not a finite number (Kaldi loads it, then the "
        "decoder aborts the whole process on the first audio)"
    )


@pytest.mark.parametrize("value", [b"-nan", b"inf", b"-inf", b"NaN", b"-Inf", b"INF"])
def test_every_spelling_of_a_non_finite_number_is_found(model_copy: Path, value: bytes) -> None:
    mdl = model_copy / "am" / "final.mdl"
    lines = mdl.read_bytes().split(b"\n")
    last = max(n for n, line in enumerate(lines, 1) if line.split()[:1] and _numeric(line))
    _set_number(mdl, last, value)  # the last row of the last matrix
    assert f"line {last}: a value is {value.decode()!r}" in refusal(model_copy, mdl)


def _numeric(line: bytes) -> bool:
    try:
        float(line.split()[0])
    except ValueError:
        return False
    return True


def test_the_non_finite_check_is_fast() -> None:
    """It runs at every start-up: the whole check_am of the 17 MB shipped model."""
    import time

    mdl = voiceskill.DEFAULT_MODEL_DIR / "am" / "final.mdl"
    check_am(mdl)  # the file in the page cache
    started = time.perf_counter()
    check_am(mdl)
    assert time.perf_counter() - started < 0.2


def test_a_nan_in_a_binary_models_float_vector_is_found(tmp_path: Path) -> None:
    """Vosk's published models have binary final.mdl files: ``FV``, the byte 4, the
    length as int32, then float32 values."""
    path = tmp_path / "final.mdl"

    def write(values: list[float]) -> None:
        path.write_bytes(
            b"\0B<TransitionModel> <Topology> \x04" + struct.pack("<i", 2)
            + struct.pack("<2i", 1, 2) + b"</Topology> <LogProbs> FV \x04"
            + struct.pack("<i", len(values)) + struct.pack(f"<{len(values)}f", *values)
            + b"</LogProbs> </TransitionModel> <Nnet3> <LinearParams> FM \x04"
            + struct.pack("<i", 2) + b"\x04" + struct.pack("<i", 2)
            + np.array([[1, 2], [3, 4]], dtype="<f4").tobytes() + b"</Nnet3> "
        )

    write([0.0, -1.0, -2.0])
    model = check_am(path)
    assert model.transition_ids == 2 and model.phones == frozenset({1, 2})
    write([0.0, float("nan"), -2.0])
    with pytest.raises(ModelDirError, match=r"byte \d+: a value of <LogProbs> is nan"):
        check_am(path)
    write([0.0, -1.0, float("-inf")])
    with pytest.raises(ModelDirError, match=r"a value of <LogProbs> is -inf"):
        check_am(path)


def _boundary(model: Path) -> Path:
    path = model / "graph" / "phones" / "word_boundary.int"
    path.parent.mkdir(exist_ok=True)
    return path


def _boundary_lines(phones: range, kind: str = "nonword") -> str:
    return "".join(f"{phone} {kind}\n" for phone in phones)


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("", "is empty"),
        ("garbage\n", "line 1: expected 'phone type' (a phone id, then one of nonword, begin"),
        (_boundary_lines(range(1, 41)) + "\n", "line 41: expected 'phone type'"),
        ("1 nonword\n2 middle\n", "line 2: 'middle' is not a kind of phone"),
        ("0 nonword\n" + _boundary_lines(range(1, 41)), "line 1: phone 0: phone ids start at 1"),
        (_boundary_lines(range(1, 42)), "line 41: phone 41 is not a phone of"),
        (_boundary_lines(range(1, 40)), "does not list phone 40 of"),
    ],
)
def test_a_broken_word_boundary_file_is_named(model_copy: Path, text: str, phrase: str) -> None:
    path = _boundary(model_copy)
    path.write_text(text)
    assert phrase in refusal(model_copy, path)


@pytest.mark.parametrize("text", ["", "garbage\n"])
def test_vosk_refuses_what_the_word_boundary_check_refuses(model_copy: Path, text: str) -> None:
    import vosk

    _boundary(model_copy).write_text(text)
    vosk.SetLogLevel(-1)
    with pytest.raises(Exception, match="Failed to create a model"):
        vosk.Model(str(model_copy))


def test_a_word_boundary_file_listing_every_phone_passes_and_vosk_uses_it(
    model_copy: Path,
) -> None:
    _boundary(model_copy).write_text(
        "1 nonword\n" + _boundary_lines(range(2, 41), "singleton")
    )
    check_model_dir(model_copy)
    done = _raw_vosk(model_copy)
    assert done.returncode == 0 and done.stdout.strip() == "yes", done


def test_pitch_features_the_network_cannot_take_are_named(model_copy: Path) -> None:
    import vosk

    pitch = model_copy / "conf" / "pitch.conf"
    pitch.write_text("--min-f0=50\n")
    vosk.SetLogLevel(-1)
    with pytest.raises(Exception, match="Failed to create a recognizer"):
        vosk.KaldiRecognizer(vosk.Model(str(model_copy)), 16000)
    message = refusal(model_copy, pitch)
    assert "makes Vosk add 3 pitch features to the 13 of mfcc.conf, 16 in all" in message
    assert "takes 13" in message
    pitch.write_text("--add-pov-feature=false\n--add-delta-pitch=false\n")
    assert "add 1 pitch features" in refusal(model_copy, pitch)


def test_pitch_and_fewer_cepstra_adding_up_to_the_network_pass(model_copy: Path) -> None:
    (model_copy / "conf" / "pitch.conf").write_text("")
    mfcc = model_copy / "conf" / "mfcc.conf"
    mfcc.write_bytes(mfcc.read_bytes().replace(b"--num-ceps=13", b"--num-ceps=10"))
    check_model_dir(model_copy)


def test_a_voiceskill_model_without_its_cmvn_statistics_is_refused(model_copy: Path) -> None:
    stats = model_copy / "am" / "global_cmvn.stats"
    stats.unlink()
    done = _raw_vosk(model_copy)
    assert done.returncode == 0 and done.stdout.strip() != "yes", done  # wrong answers
    message = refusal(model_copy, stats)
    assert message.startswith(f"{stats}: missing: this model was built by voiceskill")


def test_without_graph_conf_the_statistics_stay_optional(model_copy: Path) -> None:
    """Vosk's published models have neither file."""
    (model_copy / "am" / "global_cmvn.stats").unlink()
    (model_copy / "conf" / "graph.conf").unlink()
    check_model_dir(model_copy)


@pytest.mark.parametrize(
    "relative", ["am/final.mdl", "conf/mfcc.conf", "graph/Gr.fst", "am/global_cmvn.stats"]
)
def test_a_directory_or_a_link_loop_is_not_called_missing(
    model_copy: Path, relative: str
) -> None:
    path = model_copy / relative
    path.unlink()
    path.mkdir()
    assert refusal(model_copy, path) == f"{path}: is a directory, expected a file"
    path.rmdir()
    path.symlink_to(path.name)
    assert refusal(model_copy, path) == f"{path}: is a symbolic link loop"
