"""OpenFst binary files (graph/HCLG.fst, graph/HCLr.fst, graph/Gr.fst), walked record by record.

Vosk crashes on a text FST or one that ends early, so before it reads one, its header is
checked and, for vector and const FSTs, every state and arc record is found where the header
says, every arc goes to an existing state, and nothing is missing or left over.
"""

from __future__ import annotations

import contextlib
import mmap
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voiceskill.acoustic.fst import FST_MAGIC
from voiceskill.speech.modeldir.errors import fail, need, unreadable

if TYPE_CHECKING:
    import numpy as np

_SYMBOL_TABLE_MAGIC = 2125658996  # OpenFst binary symbol table
_FST_TYPES = {
    b"vector",
    b"const",
    b"olabel_lookahead",
    b"ngram",
    b"compact_string",
    b"arc_lookahead",
    b"ilabel_lookahead",
}
_HAS_ISYMBOLS, _HAS_OSYMBOLS, _IS_ALIGNED = 0x1, 0x2, 0x4
_ERROR = 0x4
#: Property bits OpenFst defines: kExpanded, kMutable, kError, then 16 pairs of
#: (property, its negation) from kAcceptor/kNotAcceptor (bit 16) to kUnweightedCycles (bit 47).
_KNOWN_PROPERTIES = 0x0000_FFFF_FFFF_0007
_FST_ALIGN = 16  # ConstFst pads its state and arc arrays to this when IS_ALIGNED is set


class _FstReader:
    """Reads the fields of an OpenFst binary file; a short read is a truncated file."""

    def __init__(self, path: Path, data: bytes | mmap.mmap) -> None:
        self.path = path
        self.data = data
        self.pos = 0

    def take(self, fmt: str, what: str) -> tuple[Any, ...]:
        """The next values of struct format ``fmt``; ``what`` names them in the message."""
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise fail(self.path, f"truncated: the file ends inside its {what}")
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values

    def string(self, what: str, limit: int) -> bytes:
        """A length-prefixed string of at most ``limit`` bytes."""
        (length,) = self.take("<i", what)
        if not 0 <= length <= limit or self.pos + length > len(self.data):
            raise fail(self.path, f"damaged: its {what} has an impossible length ({length})")
        text = bytes(self.data[self.pos : self.pos + length])
        self.pos += length
        return text

    def symbol_table(self, which: str) -> None:
        """Step over the ``which`` ("input" or "output") symbol table the header announced."""
        what = f"{which} symbol table"
        (magic,) = self.take("<i", what)
        if magic != _SYMBOL_TABLE_MAGIC:
            raise fail(self.path, f"damaged: the header says an {what} follows, but none does")
        self.string(f"{what}'s name", 1 << 20)
        _, count = self.take("<qq", what)
        if not 0 <= count <= (len(self.data) - self.pos) // 12:
            raise fail(self.path, f"damaged: its {what} claims {count} symbols")
        for _ in range(count):
            self.string(f"{what}", 1 << 20)
            self.take("<q", what)


@dataclass(frozen=True)
class _FstHeader:
    """The fields of an OpenFst file's header that the checks use."""

    fst_type: bytes
    arc_type: bytes
    version: int
    flags: int
    properties: int
    start: int
    num_states: int
    num_arcs: int
    end: int
    """Offset of the first byte after the header and its symbol tables."""


def _read_fst_header(path: Path, data: bytes | mmap.mmap) -> _FstHeader:
    reader = _FstReader(path, data)
    if len(data) < 8 or struct.unpack_from("<i", data, 0)[0] != FST_MAGIC:
        raise fail(path, "not a binary OpenFst file (text FSTs must be compiled first)")
    reader.pos = 4
    fst_type = reader.string("FST type", 64)
    if fst_type not in _FST_TYPES:
        raise fail(path, f"unsupported FST type {fst_type.decode(errors='replace')!r}")
    arc_type = reader.string("arc type", 64)
    if arc_type != b"standard":
        raise fail(
            path,
            f"arc type {arc_type.decode(errors='replace')!r}: Vosk reads only 'standard' "
            "(tropical) FSTs",
        )
    version, flags, props, start, num_states, num_arcs = reader.take("<iiQqqq", "header")
    if flags & ~(_HAS_ISYMBOLS | _HAS_OSYMBOLS | _IS_ALIGNED):
        raise fail(path, f"damaged header: unknown flags {flags:#x}")
    if props & ~_KNOWN_PROPERTIES:
        raise fail(path, f"damaged header: unknown property bits {props & ~_KNOWN_PROPERTIES:#x}")
    if props & _ERROR:
        raise fail(path, "written by an OpenFst operation that failed (its error property is set)")
    for bit in range(16, 48, 2):
        if props >> bit & 1 and props >> (bit + 1) & 1:
            raise fail(path, f"damaged header: contradictory properties {props:#x}")
    if flags & _HAS_ISYMBOLS:
        reader.symbol_table("input")
    if flags & _HAS_OSYMBOLS:
        reader.symbol_table("output")
    return _FstHeader(
        fst_type, arc_type, version, flags, props, start, num_states, num_arcs, reader.pos
    )


def _count(number: int, thing: str) -> str:
    """``"1 state"``, ``"2 states"``."""
    return f"{number} {thing}" if number == 1 else f"{number} {thing}s"


def _promise(head: _FstHeader) -> str:
    """What the header says the file holds, for the messages."""
    if head.num_states < 0:
        return "the header does not say how many states"
    states = _count(head.num_states, "state")
    if head.num_arcs:  # OpenFst's own VectorFst writer leaves the arc count at 0
        return f"the header promises {states} and {_count(head.num_arcs, 'arc')}"
    return f"the header promises {states}"


@dataclass(frozen=True)
class InputLabels:
    """The input labels a graph may read: Kaldi's transition ids of the acoustic model, and
    the disambiguation ids listed beside it (graph/disambig_tid.int)."""

    transition_ids: int
    """How many transition ids the acoustic model has; they are 1 to this."""
    source: Path
    """The acoustic model they were counted in (am/final.mdl), for the message."""
    disambiguation: frozenset[int] = frozenset()
    """Further ids the graph may read (graph/disambig_tid.int)."""


@dataclass(frozen=True)
class OutputLabels:
    """The output labels a grammar FST (graph/Gr.fst) may write: the ids of graph/words.txt,
    through which Vosk turns them into words (and 0, Kaldi's empty word)."""

    ids: frozenset[int]
    """The ids words.txt gives."""
    source: Path
    """words.txt, for the message."""


def _check_arcs(
    path: Path,
    data: bytes | mmap.mmap,
    positions: np.ndarray,
    counts: np.ndarray,
    num_states: int,
    inputs: InputLabels | None,
    outputs: OutputLabels | None = None,
) -> None:
    """Every arc (at byte ``positions``) goes to an existing state, with labels >= 0, input
    labels among ``inputs`` and output labels among ``outputs`` when given, and a usable
    weight; ``counts`` is the number of arcs of each state, for the messages."""
    import numpy as np

    if len(positions) == 0:
        return
    residue = int(positions[0]) % 4
    words = (len(data) - residue) // 4
    as_int = np.frombuffer(data, dtype="<i4", offset=residue, count=words)
    as_float = np.frombuffer(data, dtype="<f4", offset=residue, count=words)
    index = (positions - residue) // 4
    labels_in, labels_out = as_int[index], as_int[index + 1]
    weights, targets = as_float[index + 2], as_int[index + 3]
    ends = np.cumsum(counts)

    def state_of(arc: int) -> int:
        return int(np.searchsorted(ends, arc, side="right"))

    def first(wrong: np.ndarray) -> int | None:
        """The first arc ``wrong`` marks, or None."""
        bad = np.flatnonzero(wrong)
        return int(bad[0]) if len(bad) else None

    arc = first((targets < 0) | (targets >= num_states))
    if arc is not None:
        raise fail(
            path,
            f"damaged: an arc of state {state_of(arc)} goes to state {int(targets[arc])}, "
            f"but there are only {num_states} states",
        )
    arc = first((labels_in < 0) | (labels_out < 0))
    if arc is not None:
        raise fail(path, f"damaged: an arc of state {state_of(arc)} has a negative label")
    if inputs is not None:
        beyond = labels_in > inputs.transition_ids
        if beyond.any() and inputs.disambiguation:
            beyond &= ~np.isin(labels_in, np.fromiter(inputs.disambiguation, dtype=np.int64))
        arc = first(beyond)
        if arc is not None:
            raise fail(
                path,
                f"an arc of state {state_of(arc)} reads transition id {int(labels_in[arc])}, "
                f"but {inputs.source} has only {inputs.transition_ids} transition ids: the "
                "graph was compiled for another acoustic model (Vosk would abort on the first "
                "audio)",
            )
    if outputs is not None:
        known = np.fromiter(outputs.ids | {0}, dtype=np.int64)
        arc = first(~np.isin(labels_out, known))
        if arc is not None:
            raise fail(
                path,
                f"an arc of state {state_of(arc)} writes word id {int(labels_out[arc])}, but "
                f"{outputs.source} has no word with that id: it is missing lines or belongs to "
                "another graph, and Vosk would have no word to give for it",
            )
    arc = first(np.isnan(weights) | (weights == -np.inf))
    if arc is not None:
        raise fail(path, f"damaged: an arc of state {state_of(arc)} has no valid weight")


def _check_vector_fst(
    path: Path,
    head: _FstHeader,
    data: bytes | mmap.mmap,
    inputs: InputLabels | None,
    outputs: OutputLabels | None,
) -> None:
    """Walk a VectorFst's records: per state a float32 final weight and an int64 arc count,
    then that many (int32 ilabel, int32 olabel, float32 weight, int32 next state) arcs."""
    import numpy as np

    if head.num_states < -1 or head.num_arcs < 0:
        raise fail(
            path,
            f"damaged header: it promises {_count(head.num_states, 'state')} and "
            f"{_count(head.num_arcs, 'arc')}",
        )
    size, pos, state = len(data), head.end, 0
    promised = head.num_states
    starts: list[int] = []
    counts: list[int] = []
    narcs_at = struct.Struct("<q").unpack_from
    while state < promised or (promised < 0 and pos < size):
        if pos + 12 > size:
            break
        (narcs,) = narcs_at(data, pos + 4)
        end = pos + 12 + 16 * narcs
        if narcs < 0 or end > size:
            break
        starts.append(pos + 12)
        counts.append(narcs)
        pos = end
        state += 1
    if (promised >= 0 and state < promised) or (promised < 0 and pos < size):
        raise fail(
            path,
            f"truncated or damaged ({_promise(head)}; the file ends after "
            f"{_count(state, 'state')})",
        )
    if pos != size:
        raise fail(
            path,
            f"damaged ({_promise(head)}; {size - pos} bytes follow the last one: the counts "
            "in the header are wrong or the file has been added to)",
        )
    if state == 0:
        raise fail(path, "empty: the FST has no states")
    if not 0 <= head.start < state:
        raise fail(path, f"damaged: the start state {head.start} does not exist ({state} states)")
    total = sum(counts)
    if head.num_arcs and head.num_arcs != total:
        raise fail(path, f"damaged ({_promise(head)}; its states hold {total} arcs)")
    count_array = np.asarray(counts, dtype=np.int64)
    start_array = np.asarray(starts, dtype=np.int64)
    finals = np.frombuffer(data, dtype="<f4", offset=head.end % 4, count=(size - head.end % 4) // 4)
    final_weights = finals[(start_array - 12 - head.end % 4) // 4]
    bad = np.flatnonzero(np.isnan(final_weights) | (final_weights == -np.inf))
    if len(bad):
        raise fail(path, f"damaged: state {int(bad[0])} has no valid final weight")
    first_arc = np.cumsum(count_array) - count_array
    positions = np.repeat(start_array, count_array) + 16 * (
        np.arange(total, dtype=np.int64) - np.repeat(first_arc, count_array)
    )
    _check_arcs(path, data, positions, count_array, state, inputs, outputs)


def _check_const_fst(
    path: Path,
    head: _FstHeader,
    data: bytes | mmap.mmap,
    inputs: InputLabels | None,
    outputs: OutputLabels | None,
) -> None:
    """A ConstFst: the header's counts give the exact size of its state array (float32
    weight, uint32 first arc, arc count, input and output epsilon counts) and arc array."""
    import numpy as np

    def aligned(pos: int) -> int:
        return -(-pos // _FST_ALIGN) * _FST_ALIGN if head.flags & _IS_ALIGNED else pos

    if head.num_states < 0 or head.num_arcs < 0:
        raise fail(path, f"damaged header: {head.num_states} states, {head.num_arcs} arcs")
    states_at = aligned(head.end)
    arcs_at = aligned(states_at + 20 * head.num_states)
    end = arcs_at + 16 * head.num_arcs
    if end != len(data):
        problem = "truncated or damaged" if end > len(data) else "damaged"
        raise fail(
            path,
            f"{problem} (the header promises {head.num_states} states and {head.num_arcs} "
            f"arcs, {end} bytes; the file has {len(data)})",
        )
    if head.num_states == 0:
        raise fail(path, "empty: the FST has no states")
    if not 0 <= head.start < head.num_states:
        raise fail(path, f"damaged: the start state {head.start} does not exist")
    states = np.frombuffer(
        data,
        dtype=np.dtype([("w", "<f4"), ("pos", "<u4"), ("n", "<u4"), ("ni", "<u4"), ("no", "<u4")]),
        count=head.num_states,
        offset=states_at,
    )
    counts = states["n"].astype(np.int64)
    first = states["pos"].astype(np.int64)
    expected_first = np.cumsum(counts) - counts
    if counts.sum() != head.num_arcs or not np.array_equal(first, expected_first):
        raise fail(path, f"damaged: its states do not share out its {head.num_arcs} arcs")
    if np.any(states["ni"] > states["n"]) or np.any(states["no"] > states["n"]):
        raise fail(path, "damaged: a state counts more epsilon arcs than arcs")
    weights = states["w"]
    bad = np.flatnonzero(np.isnan(weights) | (weights == -np.inf))
    if len(bad):
        raise fail(path, f"damaged: state {int(bad[0])} has no valid final weight")
    positions = arcs_at + 16 * np.arange(head.num_arcs, dtype=np.int64)
    _check_arcs(path, data, positions, counts, head.num_states, inputs, outputs)


def _mapped(path: Path) -> bytes | mmap.mmap:
    """The bytes of ``path``, mapped into memory where the file system allows it; a
    :class:`ModelDirError` naming the file when it cannot be read at all."""
    try:
        with path.open("rb") as handle:
            try:
                return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError):  # an empty file, or one that cannot be mapped
                return handle.read()
    except OSError as err:
        raise unreadable(path, err) from None


def check_fst(
    path: str | Path, inputs: InputLabels | None = None, outputs: OutputLabels | None = None
) -> None:
    """Raise :class:`ModelDirError` unless ``path`` is an OpenFst binary file OpenFst can
    read whole: for vector and const FSTs, every state and arc record is where the header
    says, every arc goes to an existing state, reads one of ``inputs`` (when given; a graph
    read by the decoder, HCLr or HCLG) and writes one of ``outputs`` (when given; Gr), and
    nothing is missing or left over. Other FST types (``ngram``, ``olabel_lookahead``, as
    Vosk's published models have) are checked up to their header only."""
    path = need(Path(path))
    data = _mapped(path)
    try:
        head = _read_fst_header(path, data)
        if head.fst_type == b"vector":
            if head.version != 2:
                raise fail(path, f"damaged header: VectorFst file version {head.version}")
            _check_vector_fst(path, head, data, inputs, outputs)
        elif head.fst_type == b"const":
            if head.version not in (1, 2):
                raise fail(path, f"damaged header: ConstFst file version {head.version}")
            _check_const_fst(path, head, data, inputs, outputs)
        elif head.end >= len(data):
            raise fail(path, "truncated: the file ends after its header")
    finally:
        if isinstance(data, mmap.mmap):
            with contextlib.suppress(BufferError):  # numpy views of a failed check
                data.close()
