"""Kaldi's own files in a model directory, other than FSTs and configuration.

The acoustic model (am/final.mdl), matrices such as the CMVN statistics
(am/global_cmvn.stats), and the graph's text files (graph/words.txt, graph/disambig_tid.int,
graph/phones/word_boundary.int).
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from voiceskill.speech.modeldir.errors import ModelDirError, fail, need, read_model_file


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
    phones: frozenset[int] | None = None
    """The phones its topology covers (graph/phones/word_boundary.int must list them), when
    its ``<Topology>`` could be read."""


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


def _phones(body: bytes, binary: bool) -> frozenset[int] | None:
    """The phones of the TransitionModel's topology. Text: the numbers between each
    ``<ForPhones>`` and ``</ForPhones>``; binary: ``<Topology>`` is followed by its sorted
    phone list, the byte 4, the count as int32, then that many int32."""
    found = body.find(b"<Topology>", 0, 4096)
    if found < 0:
        return None
    at = found + len(b"<Topology>")
    if binary:
        at += 1  # the space after the token
        if body[at : at + 1] != b"\x04" or at + 5 > len(body):
            return None
        (count,) = struct.unpack_from("<i", body, at + 1)
        if not 0 < count <= (len(body) - at - 5) // 4:
            return None
        return frozenset(struct.unpack_from(f"<{count}i", body, at + 5))
    end = body.find(b"</Topology>", at, 10_000_000)
    if end < 0:
        return None
    phones: set[int] = set()
    for listed in re.finditer(rb"<ForPhones>(.*?)</ForPhones>", body[at:end], re.DOTALL):
        try:
            phones.update(int(token) for token in listed.group(1).split())
        except ValueError:
            return None
    return frozenset(phones) or None


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
    body = read_model_file(need(path))  # once: the checks below look at its head, tail, all
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
    binary = head.startswith(b"\x00B")
    if binary:
        damage = _binary_non_finite(path, body)
        if damage:
            raise damage
    found = re.search(rb"input-node name=input dim=(\d+)", body[:1_000_000])
    return AcousticModel(
        int(found.group(1)) if found else None, _transition_ids(body), _phones(body, binary)
    )


def read_kaldi_matrix(path: str | Path) -> list[list[float]]:
    """A Kaldi matrix file, text (``[ 1 2\\n 3 4 ]``) or binary (``\\0B`` then ``FM`` or
    ``DM``), as rows; ModelDirError naming the file when it is not one."""
    path = Path(path)
    data = read_model_file(path)
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


_WORD_SEPARATOR = re.compile(rb"[ \t]+")  # OpenFst's symbol-table field separators


def check_words(path: Path) -> dict[str, int]:
    """graph/words.txt as OpenFst's ``SymbolTable::ReadText`` reads it (fields split on
    spaces and tabs, ids whole numbers from 0): one ``word id`` pair per line, ``<eps> 0``
    first, no id or word twice; return the words and their ids."""
    data = read_model_file(need(path))
    words: dict[str, int] = {}
    lines_of: dict[int, int] = {}
    first: tuple[str, int] | None = None
    for number, raw in enumerate(data.split(b"\n"), start=1):
        where = f"line {number}"
        if raw.endswith(b"\r"):
            raise fail(
                path,
                f"{where}: ends in a carriage return (Windows line endings): OpenFst reads "
                "the id with it and Vosk refuses the model (expected Unix line endings)",
            )
        parts = [part for part in _WORD_SEPARATOR.split(raw) if part]
        if not parts:
            continue
        text = raw.decode("utf-8", errors="replace").strip()
        if len(parts) != 2:
            raise fail(path, f"{where}: expected 'word id', got {text!r}")
        word, id_text = parts[0].decode("utf-8", errors="replace"), parts[1]
        if not id_text.isdigit():
            raise fail(
                path,
                f"{where}: expected 'word id' with a whole number 0 or above as the id, got "
                f"{text!r} (Vosk refuses the model)",
            )
        ident = int(id_text)
        if ident == 0 and word != "<eps>":
            raise fail(path, f"{where}: id 0 is Kaldi's empty word '<eps>', not "
                       f"{word!r} (Vosk aborts the process when a grammar names it)")
        if ident in lines_of:
            other = next(w for w, i in words.items() if i == ident)
            raise fail(
                path,
                f"{where}: id {ident} is already {other!r} (line {lines_of[ident]}); each id "
                "names one word",
            )
        if word in words:
            raise fail(
                path,
                f"{where}: {word!r} is already id {words[word]} "
                f"(line {lines_of[words[word]]}); each word has one id",
            )
        words[word] = ident
        lines_of[ident] = number
        if first is None:
            first = (word, number)
    if first is None:
        raise fail(path, "has no words")
    if first[0] != "<eps>" or words["<eps>"] != 0:
        raise fail(
            path,
            f"line {first[1]}: expected '<eps> 0' first (Kaldi's empty word), got "
            f"'{first[0]} {words[first[0]]}'",
        )
    return words


#: The kinds of phone graph/phones/word_boundary.int may give (Kaldi's WordBoundaryInfo).
WORD_BOUNDARY_TYPES = ("nonword", "begin", "end", "internal", "singleton")
_BOUNDARY_SEPARATOR = re.compile(rb"[ \t\r]+")  # Kaldi splits its lines on these


def check_word_boundary(path: Path, phones: frozenset[int] | None, source: Path) -> None:
    """graph/phones/word_boundary.int, which Vosk reads when it is there to give words their
    times: one ``phone type`` line per phone of the acoustic model (``phones``, read from
    ``source``), the type one of :data:`WORD_BOUNDARY_TYPES`. Kaldi refuses the model for a
    malformed line or an empty file, aborts for a phone id below 1, and stops decoding
    ("Phone N was not specified in word-boundary file") for a phone the file leaves out."""
    listed: dict[int, int] = {}
    data = read_model_file(need(path))
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()  # what follows the last line's end is not a line (Kaldi reads by getline)
    for number, raw in enumerate(lines, start=1):
        parts = [part for part in _BOUNDARY_SEPARATOR.split(raw) if part]
        text = raw.decode("utf-8", errors="replace").strip()
        where = f"line {number}"
        kinds = ", ".join(WORD_BOUNDARY_TYPES)
        if len(parts) != 2 or not re.fullmatch(rb"[+-]?\d+", parts[0]):
            raise fail(
                path,
                f"{where}: expected 'phone type' (a phone id, then one of {kinds}), got "
                f"{text!r} (Vosk refuses the model)",
            )
        phone, kind = int(parts[0]), parts[1].decode("utf-8", errors="replace")
        if kind not in WORD_BOUNDARY_TYPES:
            raise fail(
                path,
                f"{where}: {kind!r} is not a kind of phone (expected one of {kinds}; Vosk "
                "refuses the model)",
            )
        if phone < 1:
            raise fail(path, f"{where}: phone {phone}: phone ids start at 1 (Vosk would abort)")
        if phones is not None and phone not in phones:
            raise fail(
                path,
                f"{where}: phone {phone} is not a phone of {source} (its phones are "
                f"{_ranges(phones)}): the file belongs to another model",
            )
        listed.setdefault(phone, number)
    if phones is not None:
        missing = sorted(phones - listed.keys())
        if missing:
            raise fail(
                path,
                f"does not list phone{'s' if len(missing) > 1 else ''} {_ranges(missing)} of "
                f"{source}: Kaldi stops decoding (\"Phone {missing[0]} was not specified in "
                "word-boundary file\") when a result has a word with it",
            )


def _ranges(numbers: frozenset[int] | list[int]) -> str:
    """``1-40`` or ``1-3, 7``: sorted numbers, runs joined."""
    ordered = sorted(numbers)
    runs: list[str] = []
    start = previous = ordered[0]
    for number in [*ordered[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        runs.append(str(start) if start == previous else f"{start}-{previous}")
        if number is not None:
            start = previous = number
    return ", ".join(runs)


def check_ints(path: Path, allow_empty: bool) -> list[int]:
    """A file of whitespace-separated integers (graph/disambig_tid.int); return them."""
    text = read_model_file(need(path, allow_empty=True)).decode("ascii", errors="replace")
    values: list[int] = []
    for number, token in enumerate(text.split(), 1):
        if not token.lstrip("-").isdigit():
            raise fail(path, f"entry {number}: {token!r} is not an integer")
        values.append(int(token))
    if not allow_empty and not values:
        raise fail(path, "is empty")
    return values
