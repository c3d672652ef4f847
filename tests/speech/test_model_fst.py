"""voiceskill.speech.modeldir.check_fst: an FST that OpenFst cannot read whole is refused with
one message naming the file, before Vosk loads it.

A truncated graph/HCLr.fst used to pass `model check --load` and then crash the process
(SIGSEGV) as soon as a grammar recognizer was built: Vosk loads a model whose HCLr it could not
read and dereferences it later. The damaged copies here are built in tmp_path from the shipped
model; the small FSTs are the bytes the project's writer (voiceskill/acoustic/fst.py) and
kaldifst 1.8.3 (OpenFst's own writer) produce, which must keep passing.
"""

from __future__ import annotations

import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest

import voiceskill
from tests.speech.conftest import refusal
from tests.speech.heard import FIXTURES
from voiceskill.acoustic.fst import VectorFst
from voiceskill.speech.modeldir import ModelDirError, check_fst, check_model_dir
from voiceskill.speech.modeldir.kaldi import AcousticModel, check_am
from voiceskill.speech.recognizer import ModelError, open_models

REPO = voiceskill.PROJECT_ROOT
YES = FIXTURES / "yes__flite-slt.wav"

# What kaldifst 1.8.3 writes for the FST 0 -1:1/0.5-> 1, 0 -2:2/0.25-> 2, 1 -3:3-> 2, final 2:
# OpenFst's VectorFst writer leaves the header's arc count at 0; ConstFst fills it in.
KALDIFST_VECTOR = bytes.fromhex(
    "d6fdb27e06000000766563746f72080000007374616e6461726402000000000000000300815a690000000000"
    "000000000000030000000000000000000000000000000000807f020000000000000001000000010000000000"
    "003f0100000002000000020000000000803e020000000000807f010000000000000003000000030000000000"
    "000002000000000000000000000000000000"
)
# The same compiled with input and output symbol tables kept (flags 3).
KALDIFST_VECTOR_SYMBOLS = bytes.fromhex(
    "d6fdb27e06000000766563746f72080000007374616e6461726402000000030000000300815a690000000000"
    "0000000000000300000000000000000000000000000074fbb27e0d0000003c756e7370656369666965643e04"
    "000000000000000400000000000000050000003c6570733e0000000000000000010000006101000000000000"
    "00010000006202000000000000000100000063030000000000000074fbb27e0d0000003c756e737065636966"
    "6965643e04000000000000000400000000000000050000003c6570733e000000000000000001000000610100"
    "00000000000001000000620200000000000000010000006303000000000000000000807f0200000000000000"
    "01000000010000000000003f0100000002000000020000000000803e020000000000807f0100000000000000"
    "03000000030000000000000002000000000000000000000000000000"
)
KALDIFST_CONST = bytes.fromhex(
    "d6fdb27e05000000636f6e7374080000007374616e6461726402000000000000000100955a69a50000000000"
    "0000000000030000000000000003000000000000000000807f00000000020000000000000000000000000080"
    "7f02000000010000000000000000000000000000000300000000000000000000000000000001000000010000"
    "000000003f0100000002000000020000000000803e0200000003000000030000000000000002000000"
)
# The ConstFst with its output symbol table kept (flags 2).
KALDIFST_CONST_SYMBOLS = bytes.fromhex(
    "d6fdb27e05000000636f6e7374080000007374616e6461726402000000020000000100955a69a50000000000"
    "00000000000300000000000000030000000000000074fbb27e0d0000003c756e7370656369666965643e0400"
    "0000000000000400000000000000050000003c6570733e000000000000000001000000610100000000000000"
    "01000000620200000000000000010000006303000000000000000000807f0000000002000000000000000000"
    "00000000807f0200000001000000000000000000000000000000030000000000000000000000000000000100"
    "0000010000000000003f0100000002000000020000000000803e020000000300000003000000000000000200"
    "0000"
)
KALDIFST_FILES = {
    "vector": KALDIFST_VECTOR,
    "vector with symbol tables": KALDIFST_VECTOR_SYMBOLS,
    "const": KALDIFST_CONST,
    "const with a symbol table": KALDIFST_CONST_SYMBOLS,
}
HEADER_END = 66  # magic, "vector", "standard", version, flags, properties, start, counts


def _project_fst() -> VectorFst:
    fst = VectorFst()
    for _ in range(3):
        fst.add_state()
    fst.add_arc(0, 1, 1, 0.5, 1)
    fst.add_arc(0, 2, 2, 0.25, 2)
    fst.add_arc(1, 3, 3, 0.0, 2)
    fst.set_final(2)
    fst.sort("ilabel")
    return fst



@pytest.mark.parametrize("model", ["voiceskill-en", "voiceskill-en-8k"])
def test_the_shipped_graphs_pass(model: str) -> None:
    # How long the checks take is part of the load time bench/model_accuracy.py reports.
    root = voiceskill.MODELS_DIR / model
    if not root.is_dir():
        pytest.skip(f"{root} is not shipped here")
    assert check_model_dir(root) == root


@pytest.mark.parametrize("name", sorted(KALDIFST_FILES))
def test_what_kaldifst_writes_passes(tmp_path: Path, name: str) -> None:
    path = tmp_path / "k.fst"
    path.write_bytes(KALDIFST_FILES[name])
    check_fst(path)


@pytest.mark.parametrize("name", sorted(KALDIFST_FILES))
def test_a_truncated_kaldifst_file_is_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / "k.fst"
    path.write_bytes(KALDIFST_FILES[name][:-8])
    with pytest.raises(ModelDirError, match="truncated"):
        check_fst(path)


def test_what_the_project_writer_writes_passes_with_or_without_the_arc_count(
    tmp_path: Path,
) -> None:
    path = tmp_path / "p.fst"
    data = _project_fst().to_bytes()
    path.write_bytes(data)
    check_fst(path)
    num_arcs_at = HEADER_END - 8
    assert struct.unpack_from("<q", data, num_arcs_at)[0] == 3
    path.write_bytes(data[:num_arcs_at] + struct.pack("<q", 0) + data[HEADER_END:])
    check_fst(path)  # as OpenFst's own writer leaves it


def test_a_wrong_arc_count_in_the_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.fst"
    data = _project_fst().to_bytes()
    path.write_bytes(data[: HEADER_END - 8] + struct.pack("<q", 4) + data[HEADER_END:])
    with pytest.raises(ModelDirError, match="promises 3 states and 4 arcs; its states hold 3"):
        check_fst(path)


def test_an_arc_to_a_state_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    fst = _project_fst()
    fst.arcs[1] = [(3, 3, 0.0, 7)]
    path = tmp_path / "p.fst"
    path.write_bytes(fst.to_bytes())
    with pytest.raises(ModelDirError, match="state 1 goes to state 7, but there are only 3"):
        check_fst(path)


def test_bytes_after_the_last_state_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.fst"
    path.write_bytes(_project_fst().to_bytes() + bytes(16))
    with pytest.raises(ModelDirError, match="16 bytes follow the last one"):
        check_fst(path)


def _truncate(path: Path, fraction: float | None = None, size: int | None = None) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: size if size is not None else int(len(data) * fraction)])


def _garbage_after_header(path: Path) -> None:
    import numpy as np

    data = path.read_bytes()
    noise = np.random.default_rng(5).bytes(len(data) - 60)
    path.write_bytes(data[:60] + noise)


@pytest.mark.parametrize(
    ("file", "breakage", "phrase"),
    [
        ("HCLr.fst", lambda p: _truncate(p, 0.5), "truncated or damaged (the header promises"),
        ("HCLr.fst", lambda p: _truncate(p, 0.9), "the file ends after"),
        ("HCLr.fst", lambda p: _truncate(p, size=80), "the file ends after 0 states"),
        ("Gr.fst", lambda p: _truncate(p, 0.5), "truncated or damaged"),
        ("HCLr.fst", _garbage_after_header, "damaged"),
        ("Gr.fst", _garbage_after_header, "damaged"),
        ("HCLr.fst", lambda p: p.write_bytes(p.read_bytes() + b"\0" * 12), "follow the last"),
    ],
)
def test_a_damaged_graph_is_named(model_copy: Path, file: str, breakage, phrase: str) -> None:
    breakage(model_copy / "graph" / file)
    assert phrase in refusal(model_copy, model_copy / "graph" / file)


def test_the_message_says_what_the_header_promised(model_copy: Path) -> None:
    path = model_copy / "graph" / "HCLr.fst"
    states, arcs = struct.unpack_from("<qq", path.read_bytes(), HEADER_END - 16)
    _truncate(path, 0.5)
    with pytest.raises(ModelDirError) as err:
        check_model_dir(model_copy)
    assert re.fullmatch(
        rf"{re.escape(str(path))}: truncated or damaged \(the header promises {states} states "
        rf"and {arcs} arcs; the file ends after \d+ states\)",
        str(err.value),
    )


def test_transcribe_with_a_grammar_no_longer_crashes(model_copy: Path) -> None:
    """It died with SIGSEGV (rc 139): run in a child so a crash cannot take pytest with it."""
    _truncate(model_copy / "graph" / "HCLr.fst", 0.5)
    done = subprocess.run(
        [sys.executable, "-m", "voiceskill", "transcribe", "--grammar", "yes,no",
         "--model", str(model_copy), str(YES)],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(
        f"voiceskill transcribe: {model_copy / 'graph' / 'HCLr.fst'}: truncated or damaged "
        "(the header promises"
    )


def _read_other_input_label(path: Path, value: int) -> int:
    """Make the first arc of the VectorFst at ``path`` that reads a transition id read
    ``value`` instead; return the state it leaves."""
    data = bytearray(path.read_bytes())
    pos, state = HEADER_END, 0
    while True:
        (narcs,) = struct.unpack_from("<q", data, pos + 4)
        for arc in range(narcs):
            at = pos + 12 + 16 * arc
            if struct.unpack_from("<i", data, at)[0] > 0:
                struct.pack_into("<i", data, at, value)
                path.write_bytes(bytes(data))
                return state
        pos += 12 + 16 * narcs
        state += 1


def _transition_ids(model: Path) -> int:
    """Counted the long way: two transitions (loop, forward) per triple of the shipped
    topology, whose every HMM state has exactly two."""
    text = (model / "am" / "final.mdl").read_bytes()[:200_000].decode()
    return 2 * int(re.search(r"<Triples> (\d+)", text).group(1))


def test_a_graph_for_another_acoustic_model_is_refused(model_copy: Path) -> None:
    """Vosk aborted (SIGABRT, transition-model.cc) on the first audio of a model whose
    HCLr.fst reads a transition id its final.mdl does not have, e.g. a graph/ copied from
    another model."""
    tids = _transition_ids(model_copy)
    hclr = model_copy / "graph" / "HCLr.fst"
    state = _read_other_input_label(hclr, tids + 1)
    assert refusal(model_copy, hclr) == (
        f"{hclr}: an arc of state {state} reads transition id {tids + 1}, but "
        f"{model_copy / 'am' / 'final.mdl'} has only {tids} transition ids: the graph was "
        "compiled for another acoustic model (Vosk would abort on the first audio)"
    )
    done = subprocess.run(
        [sys.executable, "-m", "voiceskill", "transcribe", "--model", str(model_copy), str(YES)],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )
    assert (done.returncode, done.stderr.count("\n")) == (2, 1), done


def test_the_last_transition_id_and_listed_disambiguation_ids_pass(model_copy: Path) -> None:
    tids = _transition_ids(model_copy)
    hclr = model_copy / "graph" / "HCLr.fst"
    _read_other_input_label(hclr, tids)
    check_model_dir(model_copy)
    _read_other_input_label(hclr, tids + 7)
    (model_copy / "graph" / "disambig_tid.int").write_text(f"{tids + 7}\n")
    check_model_dir(model_copy)


def test_a_binary_acoustic_models_transition_ids_are_counted(tmp_path: Path) -> None:
    """Vosk's published models have binary final.mdl files: the ``<LogProbs>`` vector is
    ``FV``, the byte 4 and its length as int32 (Kaldi's binary Vector)."""
    path = tmp_path / "final.mdl"
    path.write_bytes(
        b"\0B<TransitionModel> <Topology> </Topology> <Triples> <LogProbs> FV \x04"
        + struct.pack("<i", 9) + struct.pack("<9f", *[0.0] * 9) + b"</LogProbs> "
        b"</TransitionModel> "
    )
    assert check_am(path) == AcousticModel(input_dim=None, transition_ids=8)


def test_run_simulate_and_kiosk_get_the_message_before_vosk(model_copy: Path) -> None:
    """They open models through recognizer.open_models, which checks first."""
    _truncate(model_copy / "graph" / "Gr.fst", 0.5)
    with pytest.raises(ModelError, match=r"graph/Gr\.fst: truncated or damaged"):
        open_models(model_copy)
