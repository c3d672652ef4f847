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


#: A number Kaldi wrote as not finite: ``nan``, ``-nan``, ``inf``, ``-inf`` (C++ streams),
#: in any case (Kaldi reads ``NaN``, ``Inf`` too), as a whole whitespace-separated token.
_NON_FINITE = re.compile(rb"[-+]?(?:nan|inf(?:inity)?)(?![^\s\]])", re.IGNORECASE)
#: The bytes that can come before a number in a Kaldi text file.
_BEFORE_NUMBER = frozenset(b" \t\n\r[")


def _text_non_finite(path: Path, body: bytes) -> ModelDirError | None:
    """A text Kaldi model with a weight that is ``nan`` or ``inf`` loads, then aborts the whole
    process on the first audio (``ASSERTION_FAILED ... link_extra_cost == link_extra_cost``);
    name the first one. Every such token has an ``n`` or ``N``, and the numbers have none, so
    only the few places with one are looked at (a regular expression over all 17 MB of
    ``am/final.mdl`` took 0.2 s; this takes a few ms)."""
    first: re.Match[bytes] | None = None
    for letter in (b"n", b"N"):
        at = body.find(letter)
        while at >= 0:
            start, lowest = at, max(0, at - 9)  # "-infinity" is the longest
            while start > lowest and body[start - 1] not in _BEFORE_NUMBER:
                start -= 1
            if start == 0 or body[start - 1] in _BEFORE_NUMBER:
                match = _NON_FINITE.match(body, start)
                if match:
                    if first is None or match.start() < first.start():
                        first = match
                    break  # the next ones of this letter come later in the file
            at = body.find(letter, at + 1)
    if first is None:
        return None
    line = body.count(b"\n", 0, first.start()) + 1
    return fail(
        path,
        f"line {line}: a value is {first.group().decode()!r}, not a finite number (Kaldi "
        "loads it, then the decoder aborts the whole process on the first audio)",
    )


#: A float vector or matrix in a binary Kaldi file, just after a token (``<Name> ``):
#: ``FV`` or ``FM``, a space, then the byte 4 and the first size as int32.
_BINARY_FLOATS = re.compile(rb"> (F[MV]) \x04")


def _binary_non_finite(path: Path, body: bytes) -> ModelDirError | None:
    """The binary counterpart of :func:`_text_non_finite`: every float vector (``FV``) and
    matrix (``FM``) that follows a token is read with numpy and must be finite. Sizes that
    do not fit in the file are passed over (the bytes were not a vector after all), and
    double (``DV``, ``DM``) and compressed (``CM``) matrices are not looked at."""
    import numpy as np

    pos = 0
    while True:
        found = _BINARY_FLOATS.search(body, pos)
        if found is None:
            return None
        at = found.end()
        pos = found.start() + 1
        if found.group(1) == b"FV":
            if at + 4 > len(body):
                continue
            (count,) = struct.unpack_from("<i", body, at)
            at += 4
        else:
            if at + 9 > len(body) or body[at + 4] != 4:
                continue
            (rows,), (cols,) = struct.unpack_from("<i", body, at), struct.unpack_from(
                "<i", body, at + 5
            )
            if rows < 0 or cols < 0:
                continue
            count = rows * cols
            at += 9
        if count <= 0 or at + 4 * count > len(body):
            continue
        values = np.frombuffer(body, dtype="<f4", count=count, offset=at)
        bad = np.flatnonzero(~np.isfinite(values))
        if len(bad):
            name_at = max(0, body.rfind(b"<", max(0, found.start() - 100), found.start()))
            name = body[name_at : found.start() + 1].decode("ascii", "replace")
            return fail(
                path,
                f"byte {at + 4 * int(bad[0])}: a value of {name} is {float(values[bad[0]])}, "
                "not a finite number (Kaldi loads it, then the decoder aborts the whole "
                "process on the first audio)",
            )
        pos = at + 4 * count


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
        damage = _text_damage(path, body) or _text_non_finite(path, body)
        if damage:
            raise damage
    if head.startswith(b"\x00B"):
        damage = _binary_non_finite(path, body)
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
