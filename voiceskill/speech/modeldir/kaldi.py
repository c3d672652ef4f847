"""Kaldi's own files in a model directory, other than FSTs and configuration.

The acoustic model (am/final.mdl), matrices such as the CMVN statistics
(am/global_cmvn.stats), and the graph's text files (graph/words.txt, graph/disambig_tid.int).
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from voiceskill.speech.modeldir.errors import ModelDirError, fail, need


def _text_damage(path: Path, body: bytes) -> ModelDirError | None:
    """A text Kaldi model is plain ASCII; name the first byte that is not."""
    if body.isascii() and b"\x00" not in body:
        return None
    match = re.search(rb"[^\t\n\r\x20-\x7e]", body)
    assert match is not None
    offset = match.start()
    line = body.count(b"\n", 0, offset) + 1
    return fail(
        path,
        f"damaged: byte {offset} (line {line}) is {body[offset]:#04x}, but this is a text "
        "Kaldi model, which is plain ASCII",
    )


@dataclass(frozen=True)
class AcousticModel:
    """What the features and the graph must agree with, read from am/final.mdl."""

    input_dim: int | None
    """The feature dimension the network takes, when the file declares it."""
    transition_ids: int | None
    """How many transition ids its TransitionModel has (a graph's input labels are 1 to this,
    besides disambiguation ids), when its ``<LogProbs>`` could be read."""


def _transition_ids(body: bytes) -> int | None:
    """The number of transition ids: the TransitionModel's ``<LogProbs>`` vector has one
    entry more (entry 0 is unused). Text: ``<LogProbs> [ 0 -0.28 ... ]``; binary: ``FV``,
    the byte 4, then the entry count as int32."""
    found = re.compile(rb"<LogProbs>\s*").search(body, 0, 50_000_000)
    if found is None:
        return None
    at = found.end()  # offsets, not slices: the body can be hundreds of MB
    if body.startswith(b"FV \x04", at) and at + 8 <= len(body):
        (entries,) = struct.unpack_from("<i", body, at + 4)
    elif body.startswith(b"[", at):
        end = body.find(b"]", at)
        if end < 0:
            return None
        entries = len(body[at + 1 : end].split())
    else:
        return None
    return entries - 1 if entries > 0 else None


def check_am(path: Path) -> AcousticModel:
    """am/final.mdl; return what its network and transition model declare."""
    body = need(path).read_bytes()  # once: the checks below look at its head, tail and all
    head = body[:64]
    if head.startswith(b"\x00B"):
        if b"<TransitionModel>" not in head:
            raise fail(path, "binary file that does not start with a TransitionModel")
    else:
        if not head.lstrip().startswith(b"<TransitionModel>"):
            raise fail(path, "does not start with <TransitionModel> (not a Kaldi model)")
        tail = body[-200_000:]
        if b"<Priors>" not in tail or not tail.rstrip().endswith(b"]"):
            raise fail(
                path, "truncated: the network's <Priors> vector is missing or incomplete"
            )
        for token in (b"</TransitionModel>", b"<Nnet3>", b"</Nnet3>"):
            if token not in body:
                raise fail(path, f"malformed: {token.decode()} not found")
        damage = _text_damage(path, body)
        if damage:
            raise damage
    found = re.search(rb"input-node name=input dim=(\d+)", body[:1_000_000])
    return AcousticModel(int(found.group(1)) if found else None, _transition_ids(body))


def read_kaldi_matrix(path: str | Path) -> list[list[float]]:
    """A Kaldi matrix file, text (``[ 1 2\\n 3 4 ]``) or binary (``\\0B`` then ``FM`` or
    ``DM``), as rows; ModelDirError naming the file when it is not one."""
    path = Path(path)
    data = path.read_bytes()
    if data.startswith(b"\x00B"):
        return _binary_matrix(path, data)
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise fail(path, "not a Kaldi matrix (neither text nor binary)") from None
    body = text.strip()
    if not body.startswith("["):
        raise fail(path, f"not a Kaldi matrix: expected '[', got {body[:20]!r}")
    if not body.endswith("]"):
        raise fail(path, "truncated: the matrix has no closing ']'")
    rows: list[list[float]] = []
    for number, line in enumerate(body[1:-1].splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = [float(value) for value in line.split()]
        except ValueError:
            raise fail(
                path, f"row {number} of the matrix is not all numbers: {line.strip()!r}"
            ) from None
        if not all(math.isfinite(v) for v in row):
            raise fail(path, f"row {number} of the matrix has a value that is not finite")
        rows.append(row)
    if rows and any(len(row) != len(rows[0]) for row in rows):
        raise fail(path, f"the matrix's rows differ in length ({[len(r) for r in rows]})")
    return rows


def _binary_matrix(path: Path, data: bytes) -> list[list[float]]:
    """The rows of a binary Kaldi matrix (``data`` starts with ``\\0B``)."""
    token = data[2:5]
    kinds = {b"FM ": ("<f", 4), b"DM ": ("<d", 8)}
    if token not in kinds:
        raise fail(path, f"unsupported binary matrix type {token!r} (expected FM or DM)")
    fmt, width = kinds[token]
    if len(data) < 15 or data[5] != 4 or data[10] != 4:
        raise fail(path, "truncated or damaged binary matrix header")
    rows, cols = struct.unpack_from("<i", data, 6)[0], struct.unpack_from("<i", data, 11)[0]
    if rows < 0 or cols < 0 or len(data) != 15 + rows * cols * width:
        raise fail(path, f"truncated or damaged: a {rows} x {cols} matrix in {len(data)} bytes")
    values = struct.unpack_from(f"{fmt[0]}{rows * cols}{fmt[1]}", data, 15)
    if not all(math.isfinite(v) for v in values):
        raise fail(path, "the matrix has a value that is not finite")
    return [list(values[r * cols : (r + 1) * cols]) for r in range(rows)]


def check_cmvn(path: Path, dim: int | None) -> None:
    """am/global_cmvn.stats: a 2 x (dim + 1) matrix whose frame count is above 0 (Vosk aborts
    on the first audio otherwise)."""
    rows = read_kaldi_matrix(need(path))
    shape = f"{len(rows)} x {len(rows[0]) if rows else 0}"
    if len(rows) != 2 or len(rows[0]) < 2:
        raise fail(path, f"a {shape} matrix; CMVN statistics are 2 x (feature dimension + 1)")
    if dim is not None and len(rows[0]) != dim + 1:
        raise fail(
            path,
            f"a {shape} matrix, but the features have {dim} dimensions, so it must be "
            f"2 x {dim + 1} (Vosk would abort on the first audio)",
        )
    if not rows[0][-1] > 0:
        raise fail(
            path, f"its frame count (last value of row 1) is {rows[0][-1]:g}; it must be above 0"
        )


# --- Graph files ----------------------------------------------------------------------------


def check_words(path: Path) -> int:
    """graph/words.txt: one ``word id`` pair per line; return the number of words."""
    count = 0
    with need(path).open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2 or not parts[1].lstrip("-").isdigit():
                raise fail(path, f"line {number}: expected 'word id', got {line.strip()!r}")
            if parts[1].lstrip("-").lstrip("0") == "" and parts[0] != "<eps>":
                raise fail(path, f"line {number}: id 0 is Kaldi's empty word '<eps>', not "
                           f"{parts[0]!r} (Vosk aborts the process when a grammar names it)")
            count += 1
    if count == 0:
        raise fail(path, "has no words")
    return count


def check_ints(path: Path, allow_empty: bool) -> list[int]:
    """A file of whitespace-separated integers (graph/disambig_tid.int); return them."""
    if not path.is_file():
        raise fail(path, "missing (required by Vosk)")
    values: list[int] = []
    for number, token in enumerate(path.read_text(encoding="ascii", errors="replace").split(), 1):
        if not token.lstrip("-").isdigit():
            raise fail(path, f"entry {number}: {token!r} is not an integer")
        values.append(int(token))
    if not allow_empty and not values:
        raise fail(path, "is empty")
    return values
