"""Find and check a Vosk model directory before Vosk sees it, then open it.

Vosk aborts or crashes the whole process on some broken files (a text or truncated FST, an
empty silence-phone list, CMVN statistics of the wrong shape, a zero frame shift), and refuses
others with a bare "Failed to create a model" that names no file. So every file it will read
is checked here first, and a problem comes back as one :class:`ModelDirError` naming the file
(and the line, for configuration files) and what is wrong with it. What the checks cannot see
(e.g. random bytes inside the network's weights) is caught when Vosk loads the model, and
reported as a :class:`ModelDirError` too, quoting Kaldi's own reason.
"""

from __future__ import annotations

import contextlib
import difflib
import math
import mmap
import os
import re
import struct
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import voiceskill
from voiceskill.acoustic.fst import FST_MAGIC

#: Environment variable naming a model directory (overridden by ``--model``).
MODEL_ENV = "VOICESKILL_MODEL"

#: Suffix of the directory next to a model that holds its companion for 8 kHz devices
#: (``models/voiceskill-en`` → ``models/voiceskill-en-8k``), which the recognizer switches to
#: when the microphone records nothing above 4 kHz.
NARROWBAND_SUFFIX = "-8k"

#: The sample rate voiceskill feeds Vosk (every recognizer is created for 16 kHz audio).
FEED_RATE = 16000

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
_EXPANDED, _ERROR = 0x1, 0x4
#: Property bits OpenFst defines: kExpanded, kMutable, kError, then 16 pairs of
#: (property, its negation) from kAcceptor/kNotAcceptor (bit 16) to kUnweightedCycles (bit 47).
_KNOWN_PROPERTIES = 0x0000_FFFF_FFFF_0007
_FST_ALIGN = 16  # ConstFst pads its state and arc arrays to this when IS_ALIGNED is set

# Options Vosk 0.3.45 accepts in conf/model.conf, conf/mfcc.conf and conf/fbank.conf, with
# their types: Kaldi's ParseOptions refuses the whole model for any other name ("Invalid
# option") or a value of the wrong type. Taken from the option list Kaldi prints when it
# refuses one. ``_`` in a name is read as ``-``, as Kaldi does.
_STANDARD_OPTIONS = {"config": "string", "help": "bool", "print-args": "bool", "verbose": "int"}
_ENDPOINT_RULE_OPTIONS = {
    f"endpoint.rule{n}.{name}": kind
    for n in range(1, 6)
    for name, kind in (
        ("max-relative-cost", "float"),
        ("min-trailing-silence", "float"),
        ("min-utterance-length", "float"),
        ("must-contain-nonsilence", "bool"),
    )
}
_OPTIMIZATION_OPTIONS = {
    f"optimization.{name}": kind
    for name, kind in (
        ("allocate-from-other", "bool"),
        ("allow-left-merge", "bool"),
        ("allow-right-merge", "bool"),
        ("backprop-in-place", "bool"),
        ("consolidate-model-update", "bool"),
        ("convert-addition", "bool"),
        ("extend-matrices", "bool"),
        ("initialize-undefined", "bool"),
        ("max-deriv-time", "int"),
        ("max-deriv-time-relative", "int"),
        ("memory-compression-level", "int"),
        ("min-deriv-time", "int"),
        ("move-sizing-commands", "bool"),
        ("optimize", "bool"),
        ("optimize-row-ops", "bool"),
        ("propagate-in-place", "bool"),
        ("remove-assignments", "bool"),
        ("snip-row-ops", "bool"),
        ("split-row-ops", "bool"),
    )
}
MODEL_CONF_OPTIONS = {
    "acoustic-scale": "float",
    "beam": "float",
    "beam-delta": "float",
    "computation.debug": "bool",
    "debug-computation": "bool",
    "delta": "float",
    "determinize-max-active": "int",
    "determinize-max-delay": "int",
    "determinize-min-chunk-size": "int",
    "endpoint.silence-phones": "string",
    "extra-left-context-initial": "int",
    "frame-subsampling-factor": "int",
    "frames-per-chunk": "int",
    "hash-ratio": "float",
    "lattice-beam": "float",
    "max-active": "int",
    "max-mem": "int",
    "min-active": "int",
    "minimize": "bool",
    "phone-determinize": "bool",
    "prune-interval": "int",
    "word-determinize": "bool",
    **_ENDPOINT_RULE_OPTIONS,
    **_OPTIMIZATION_OPTIONS,
    **_STANDARD_OPTIONS,
}
_FRAME_OPTIONS = {
    "allow-downsample": "bool",
    "allow-upsample": "bool",
    "blackman-coeff": "float",
    "debug-mel": "bool",
    "dither": "float",
    "energy-floor": "float",
    "frame-length": "float",
    "frame-shift": "float",
    "high-freq": "float",
    "htk-compat": "bool",
    "low-freq": "float",
    "max-feature-vectors": "int",
    "num-mel-bins": "int",
    "preemphasis-coefficient": "float",
    "raw-energy": "bool",
    "remove-dc-offset": "bool",
    "round-to-power-of-two": "bool",
    "sample-frequency": "float",
    "snip-edges": "bool",
    "use-energy": "bool",
    "vtln-high": "float",
    "vtln-low": "float",
    "window-type": "string",
    **_STANDARD_OPTIONS,
}
MFCC_CONF_OPTIONS = {**_FRAME_OPTIONS, "cepstral-lifter": "float", "num-ceps": "int"}
FBANK_CONF_OPTIONS = {**_FRAME_OPTIONS, "use-log-fbank": "bool", "use-power": "bool"}

#: Kaldi's defaults for the options whose values are checked below.
_DEFAULTS = {
    "beam": 16.0,
    "max-active": 2147483647,
    "min-active": 200,
    "lattice-beam": 10.0,
    "prune-interval": 25,
    "beam-delta": 0.5,
    "hash-ratio": 2.0,
    "determinize-max-delay": 60,
    "determinize-min-chunk-size": 20,
    "minimize": False,
    "word-determinize": True,
    "acoustic-scale": 0.1,
    "frame-subsampling-factor": 1,
    "frames-per-chunk": 24,
    "extra-left-context-initial": 0,
    "sample-frequency": 16000.0,
    "frame-length": 25.0,
    "frame-shift": 10.0,
    "num-mel-bins": 23,
    "num-ceps": 13,
    "low-freq": 20.0,
    "high-freq": 0.0,
    "window-type": "povey",
    "use-energy": False,  # fbank's default; only fbank's dimension depends on it
}
_WINDOW_TYPES = ("hamming", "hanning", "povey", "rectangular", "sine", "blackman")
_INT_RE = re.compile(r"[+-]?\d+")
_FLOAT_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?inf(inity)?", re.IGNORECASE)
_KALDI_WHITESPACE = b" \t\n\r\f\v"


class ModelDirError(ValueError):
    """A model directory Vosk cannot load; the message names the file and the problem."""


def resolve_model_dir(path: str | Path | None = None) -> Path:
    """``path`` if given, else $VOICESKILL_MODEL, else the shipped model."""
    if path:
        return Path(path)
    env = os.environ.get(MODEL_ENV, "").strip()
    if env:
        return Path(env)
    return voiceskill.DEFAULT_MODEL_DIR


def narrowband_companion(path: str | Path) -> Path | None:
    """The directory of ``path``'s companion model for 8 kHz devices, if there is one."""
    root = Path(path)
    companion = root.with_name(root.name + NARROWBAND_SUFFIX)
    return companion if companion.is_dir() else None


def _fail(path: Path, problem: str) -> ModelDirError:
    return ModelDirError(f"{path}: {problem}")


def _need(path: Path) -> Path:
    if not path.is_file():
        raise _fail(path, "missing (required by Vosk)")
    if path.stat().st_size == 0:
        raise _fail(path, "is empty")
    return path


# --- OpenFst binary files -------------------------------------------------------------------


class _FstReader:
    """Reads the fields of an OpenFst binary file; a short read is a truncated file."""

    def __init__(self, path: Path, data: bytes | mmap.mmap) -> None:
        self.path = path
        self.data = data
        self.pos = 0

    def take(self, fmt: str, what: str) -> tuple:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise _fail(self.path, f"truncated: the file ends inside its {what}")
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values

    def string(self, what: str, limit: int) -> bytes:
        (length,) = self.take("<i", what)
        if not 0 <= length <= limit or self.pos + length > len(self.data):
            raise _fail(self.path, f"damaged: its {what} has an impossible length ({length})")
        text = bytes(self.data[self.pos : self.pos + length])
        self.pos += length
        return text

    def symbol_table(self, which: str) -> None:
        what = f"{which} symbol table"
        (magic,) = self.take("<i", what)
        if magic != _SYMBOL_TABLE_MAGIC:
            raise _fail(self.path, f"damaged: the header says an {what} follows, but none does")
        self.string(f"{what}'s name", 1 << 20)
        _, count = self.take("<qq", what)
        if not 0 <= count <= (len(self.data) - self.pos) // 12:
            raise _fail(self.path, f"damaged: its {what} claims {count} symbols")
        for _ in range(count):
            self.string(f"{what}", 1 << 20)
            self.take("<q", what)


@dataclass(frozen=True)
class _FstHeader:
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
        raise _fail(path, "not a binary OpenFst file (text FSTs must be compiled first)")
    reader.pos = 4
    fst_type = reader.string("FST type", 64)
    if fst_type not in _FST_TYPES:
        raise _fail(path, f"unsupported FST type {fst_type.decode(errors='replace')!r}")
    arc_type = reader.string("arc type", 64)
    if arc_type != b"standard":
        raise _fail(
            path,
            f"arc type {arc_type.decode(errors='replace')!r}: Vosk reads only 'standard' "
            "(tropical) FSTs",
        )
    version, flags, props, start, num_states, num_arcs = reader.take("<iiQqqq", "header")
    if flags & ~(_HAS_ISYMBOLS | _HAS_OSYMBOLS | _IS_ALIGNED):
        raise _fail(path, f"damaged header: unknown flags {flags:#x}")
    if props & ~_KNOWN_PROPERTIES:
        raise _fail(path, f"damaged header: unknown property bits {props & ~_KNOWN_PROPERTIES:#x}")
    if props & _ERROR:
        raise _fail(path, "written by an OpenFst operation that failed (its error property is set)")
    for bit in range(16, 48, 2):
        if props >> bit & 1 and props >> (bit + 1) & 1:
            raise _fail(path, f"damaged header: contradictory properties {props:#x}")
    if flags & _HAS_ISYMBOLS:
        reader.symbol_table("input")
    if flags & _HAS_OSYMBOLS:
        reader.symbol_table("output")
    return _FstHeader(
        fst_type, arc_type, version, flags, props, start, num_states, num_arcs, reader.pos
    )


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}" if number == 1 else f"{number} {thing}s"


def _promise(head: _FstHeader) -> str:
    if head.num_states < 0:
        return "the header does not say how many states"
    states = _count(head.num_states, "state")
    if head.num_arcs:  # OpenFst's own VectorFst writer leaves the arc count at 0
        return f"the header promises {states} and {_count(head.num_arcs, 'arc')}"
    return f"the header promises {states}"


def _check_arcs(
    path: Path,
    head: _FstHeader,
    data: bytes | mmap.mmap,
    positions,
    counts,
    num_states: int,
) -> None:
    """Every arc (at byte ``positions``) goes to an existing state, with labels >= 0 and a
    usable weight; ``counts`` is the number of arcs of each state, for the messages."""
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

    bad = np.flatnonzero((targets < 0) | (targets >= num_states))
    if len(bad):
        arc = int(bad[0])
        raise _fail(
            path,
            f"damaged: an arc of state {state_of(arc)} goes to state {int(targets[arc])}, "
            f"but there are only {num_states} states",
        )
    bad = np.flatnonzero((labels_in < 0) | (labels_out < 0))
    if len(bad):
        arc = int(bad[0])
        raise _fail(path, f"damaged: an arc of state {state_of(arc)} has a negative label")
    bad = np.flatnonzero(np.isnan(weights) | (weights == -np.inf))
    if len(bad):
        raise _fail(path, f"damaged: an arc of state {state_of(int(bad[0]))} has no valid weight")


def _check_vector_fst(path: Path, head: _FstHeader, data: bytes | mmap.mmap) -> None:
    """Walk a VectorFst's records: per state a float32 final weight and an int64 arc count,
    then that many (int32 ilabel, int32 olabel, float32 weight, int32 next state) arcs."""
    import numpy as np

    if head.num_states < -1 or head.num_arcs < 0:
        raise _fail(
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
        raise _fail(
            path,
            f"truncated or damaged ({_promise(head)}; the file ends after "
            f"{_count(state, 'state')})",
        )
    if pos != size:
        raise _fail(
            path,
            f"damaged ({_promise(head)}; {size - pos} bytes follow the last one: the counts "
            "in the header are wrong or the file has been added to)",
        )
    if state == 0:
        raise _fail(path, "empty: the FST has no states")
    if not 0 <= head.start < state:
        raise _fail(path, f"damaged: the start state {head.start} does not exist ({state} states)")
    total = sum(counts)
    if head.num_arcs and head.num_arcs != total:
        raise _fail(path, f"damaged ({_promise(head)}; its states hold {total} arcs)")
    count_array = np.asarray(counts, dtype=np.int64)
    start_array = np.asarray(starts, dtype=np.int64)
    finals = np.frombuffer(data, dtype="<f4", offset=head.end % 4, count=(size - head.end % 4) // 4)
    final_weights = finals[(start_array - 12 - head.end % 4) // 4]
    bad = np.flatnonzero(np.isnan(final_weights) | (final_weights == -np.inf))
    if len(bad):
        raise _fail(path, f"damaged: state {int(bad[0])} has no valid final weight")
    first_arc = np.cumsum(count_array) - count_array
    positions = np.repeat(start_array, count_array) + 16 * (
        np.arange(total, dtype=np.int64) - np.repeat(first_arc, count_array)
    )
    _check_arcs(path, head, data, positions, count_array, state)


def _check_const_fst(path: Path, head: _FstHeader, data: bytes | mmap.mmap) -> None:
    """A ConstFst: the header's counts give the exact size of its state array (float32
    weight, uint32 first arc, arc count, input and output epsilon counts) and arc array."""
    import numpy as np

    def aligned(pos: int) -> int:
        return -(-pos // _FST_ALIGN) * _FST_ALIGN if head.flags & _IS_ALIGNED else pos

    if head.num_states < 0 or head.num_arcs < 0:
        raise _fail(path, f"damaged header: {head.num_states} states, {head.num_arcs} arcs")
    states_at = aligned(head.end)
    arcs_at = aligned(states_at + 20 * head.num_states)
    end = arcs_at + 16 * head.num_arcs
    if end != len(data):
        problem = "truncated or damaged" if end > len(data) else "damaged"
        raise _fail(
            path,
            f"{problem} (the header promises {head.num_states} states and {head.num_arcs} "
            f"arcs, {end} bytes; the file has {len(data)})",
        )
    if head.num_states == 0:
        raise _fail(path, "empty: the FST has no states")
    if not 0 <= head.start < head.num_states:
        raise _fail(path, f"damaged: the start state {head.start} does not exist")
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
        raise _fail(path, f"damaged: its states do not share out its {head.num_arcs} arcs")
    if np.any(states["ni"] > states["n"]) or np.any(states["no"] > states["n"]):
        raise _fail(path, "damaged: a state counts more epsilon arcs than arcs")
    weights = states["w"]
    bad = np.flatnonzero(np.isnan(weights) | (weights == -np.inf))
    if len(bad):
        raise _fail(path, f"damaged: state {int(bad[0])} has no valid final weight")
    positions = arcs_at + 16 * np.arange(head.num_arcs, dtype=np.int64)
    _check_arcs(path, head, data, positions, counts, head.num_states)


def check_fst(path: str | Path) -> None:
    """Raise :class:`ModelDirError` unless ``path`` is an OpenFst binary file OpenFst can
    read whole: for vector and const FSTs, every state and arc record is where the header
    says, every arc goes to an existing state, and nothing is missing or left over."""
    path = _need(Path(path))
    with path.open("rb") as handle:
        try:
            data: bytes | mmap.mmap = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            data = handle.read()
    try:
        head = _read_fst_header(path, data)
        if head.fst_type == b"vector":
            if head.version != 2:
                raise _fail(path, f"damaged header: VectorFst file version {head.version}")
            _check_vector_fst(path, head, data)
        elif head.fst_type == b"const":
            if head.version not in (1, 2):
                raise _fail(path, f"damaged header: ConstFst file version {head.version}")
            _check_const_fst(path, head, data)
        elif head.end >= len(data):
            raise _fail(path, "truncated: the file ends after its header")
    finally:
        if isinstance(data, mmap.mmap):
            with contextlib.suppress(BufferError):  # numpy views of a failed check
                data.close()


# --- Kaldi configuration files --------------------------------------------------------------


@dataclass(frozen=True)
class ConfSetting:
    """One ``--name=value`` line of a Kaldi configuration file."""

    value: str
    line: int


def _conf_value_problem(kind: str, value: str, has_equals: bool) -> str | None:
    if kind == "bool":
        if value.lower() in ("true", "t", "1", "false", "f", "0", ""):
            return None
        return "expected true or false"
    if not has_equals and kind != "string":
        return f"has no value (expected {'a whole number' if kind == 'int' else 'a number'})"
    if kind == "int":
        if _INT_RE.fullmatch(value) and -(2**31) <= int(value) < 2**31:
            return None
        return "expected a whole number"
    if kind == "float":
        if _FLOAT_RE.fullmatch(value):
            return None
        return "expected a number"
    return None


def read_conf(path: str | Path, known: dict[str, str] | None = None) -> dict[str, ConfSetting]:
    """The options of a Kaldi configuration file, read as Kaldi reads them (``#`` starts a
    comment anywhere, ``_`` in a name means ``-``, the last of repeated options wins).

    With ``known`` (name → "bool" | "int" | "float" | "string"), an unknown option or a value
    of the wrong type raises :class:`ModelDirError` naming the file and line, as do bytes
    that are not UTF-8 text outside a comment and a line that is not ``--name=value``.
    """
    path = Path(path)
    settings: dict[str, ConfSetting] = {}
    for number, raw in enumerate(path.read_bytes().split(b"\n"), 1):
        stripped = raw.split(b"#", 1)[0].strip(_KALDI_WHITESPACE)
        if not stripped:
            continue
        where = f"{path}:{number}"
        try:
            line = stripped.decode("utf-8")
        except UnicodeDecodeError as err:
            raise ModelDirError(
                f"{where}: byte {stripped[err.start]:#04x} is not UTF-8 text "
                f"({stripped.decode('utf-8', errors='replace')!r})"
            ) from None
        if not line.startswith("--"):
            raise ModelDirError(f"{where}: expected --option=value, got {line!r}")
        name, equals, value = line[2:].partition("=")
        name = name.replace("_", "-")
        value = value.strip(_KALDI_WHITESPACE.decode())
        if known is not None:
            kind = known.get(name)
            if kind is None:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f" (did you mean --{close[0]}?)" if close else ""
                raise ModelDirError(
                    f"{where}: unknown option --{name}{hint}; Vosk refuses a model with it"
                )
            problem = _conf_value_problem(kind, value, bool(equals))
            if problem:
                raise ModelDirError(f"{where}: --{name}={value}: {problem}")
        settings[name] = ConfSetting(value, number)
    return settings


def _conf_number(conf: dict[str, ConfSetting], name: str) -> float:
    return float(conf[name].value) if name in conf else float(_DEFAULTS[name])


def _conf_bool(conf: dict[str, ConfSetting], name: str) -> bool:
    if name not in conf:
        return bool(_DEFAULTS[name])
    return conf[name].value.lower() in ("true", "t", "1", "")


def _conf_fail(path: Path, conf: dict[str, ConfSetting], name: str, problem: str) -> ModelDirError:
    if name in conf:
        return ModelDirError(f"{path}:{conf[name].line}: --{name}={conf[name].value}: {problem}")
    return ModelDirError(f"{path}: --{name} (default {_DEFAULTS[name]}): {problem}")


def _check_model_conf(path: Path) -> dict[str, ConfSetting]:
    """conf/model.conf: decoder and endpoint options as Vosk's decoder checks them (it
    refuses or aborts on the values refused here)."""
    conf = read_conf(_need(path), MODEL_CONF_OPTIONS)
    silence = conf.get("endpoint.silence-phones")
    if silence is None or not silence.value:
        raise _fail(path, "--endpoint.silence-phones is missing or empty (Vosk would abort)")
    if not all(part.isdigit() and int(part) > 0 for part in silence.value.split(":")):
        raise _conf_fail(
            path, conf, "endpoint.silence-phones", "expected phone numbers joined by ':' (1:2:3)"
        )
    number = _conf_number
    rules = [
        ("beam", number(conf, "beam") > 0, "must be above 0"),
        ("lattice-beam", number(conf, "lattice-beam") > 0, "must be above 0"),
        ("max-active", number(conf, "max-active") > 1, "must be above 1"),
        (
            "min-active",
            number(conf, "min-active") <= number(conf, "max-active"),
            f"must not be above --max-active ({number(conf, 'max-active'):g})",
        ),
        ("prune-interval", number(conf, "prune-interval") > 0, "must be above 0"),
        ("beam-delta", number(conf, "beam-delta") > 0, "must be above 0"),
        ("hash-ratio", number(conf, "hash-ratio") >= 1, "must be at least 1"),
        (
            "determinize-min-chunk-size",
            number(conf, "determinize-min-chunk-size") > 0,
            "must be above 0",
        ),
        (
            "determinize-max-delay",
            number(conf, "determinize-max-delay") > number(conf, "determinize-min-chunk-size"),
            "must be above --determinize-min-chunk-size "
            f"({number(conf, 'determinize-min-chunk-size'):g})",
        ),
        ("minimize", not _conf_bool(conf, "minimize"), "Vosk's decoder cannot minimize"),
        (
            "word-determinize",
            _conf_bool(conf, "word-determinize"),
            "Vosk's decoder needs word determinization",
        ),
        ("acoustic-scale", number(conf, "acoustic-scale") > 0, "must be above 0"),
        (
            "frame-subsampling-factor",
            number(conf, "frame-subsampling-factor") > 0,
            "must be above 0",
        ),
        ("frames-per-chunk", number(conf, "frames-per-chunk") > 0, "must be above 0"),
        (
            "extra-left-context-initial",
            number(conf, "extra-left-context-initial") >= 0,
            "must not be negative",
        ),
    ]
    for name, ok, problem in rules:
        if not ok:
            raise _conf_fail(path, conf, name, f"{problem} (Vosk would refuse it or abort)")
    return conf


def _check_feature_conf(path: Path, known: dict[str, str]) -> int:
    """conf/mfcc.conf or conf/fbank.conf as Kaldi's feature code checks it; return the
    dimension of the features it makes."""
    conf = read_conf(_need(path), known)
    number = _conf_number
    rate = number(conf, "sample-frequency")
    if not rate > 0:
        raise _conf_fail(path, conf, "sample-frequency", "must be above 0 (Vosk would abort)")
    if rate > FEED_RATE:
        raise _conf_fail(
            path,
            conf,
            "sample-frequency",
            f"voiceskill gives Vosk {FEED_RATE} Hz audio, and Vosk cannot raise the rate "
            "(it would abort)",
        )
    for name in ("frame-shift", "frame-length"):
        if not int(rate * 0.001 * number(conf, name)) >= 1:
            raise _conf_fail(path, conf, name, "is shorter than one sample (Vosk would crash)")
    window = conf["window-type"].value if "window-type" in conf else _DEFAULTS["window-type"]
    if window not in _WINDOW_TYPES:
        raise _conf_fail(path, conf, "window-type", f"expected one of {', '.join(_WINDOW_TYPES)}")
    bins = int(number(conf, "num-mel-bins"))
    if bins < 3:
        raise _conf_fail(path, conf, "num-mel-bins", "Kaldi needs at least 3 mel bins")
    nyquist = rate / 2
    low = number(conf, "low-freq")
    high = number(conf, "high-freq")
    top = high if high > 0 else nyquist + high
    if not 0 <= low < nyquist:
        raise _conf_fail(
            path, conf, "low-freq", f"must be from 0 to below the Nyquist frequency {nyquist:g} Hz"
        )
    if not low < top <= nyquist:
        raise _conf_fail(
            path,
            conf,
            "high-freq" if "high-freq" in conf else "sample-frequency",
            f"the mel bins would end at {top:g} Hz, which must be above --low-freq ({low:g}) "
            f"and at most the Nyquist frequency {nyquist:g} Hz of --sample-frequency={rate:g}",
        )
    if "num-ceps" in known:
        ceps = int(number(conf, "num-ceps"))
        if not 1 <= ceps <= bins:
            raise _conf_fail(path, conf, "num-ceps", f"must be from 1 to --num-mel-bins ({bins})")
        return ceps
    return bins + (1 if _conf_bool(conf, "use-energy") else 0)


# --- Kaldi model and matrix files -----------------------------------------------------------


def _text_damage(path: Path, body: bytes) -> ModelDirError | None:
    """A text Kaldi model is plain ASCII; name the first byte that is not."""
    if body.isascii() and b"\x00" not in body:
        return None
    match = re.search(rb"[^\t\n\r\x20-\x7e]", body)
    assert match is not None
    offset = match.start()
    line = body.count(b"\n", 0, offset) + 1
    return _fail(
        path,
        f"damaged: byte {offset} (line {line}) is {body[offset]:#04x}, but this is a text "
        "Kaldi model, which is plain ASCII",
    )


def _check_am(path: Path) -> int | None:
    """am/final.mdl; return the input dimension its network declares, if found."""
    with _need(path).open("rb") as handle:
        head = handle.read(64)
        if head.startswith(b"\x00B"):
            if b"<TransitionModel>" not in head:
                raise _fail(path, "binary file that does not start with a TransitionModel")
            handle.seek(0)
            body = handle.read()
        else:
            if not head.lstrip().startswith(b"<TransitionModel>"):
                raise _fail(path, "does not start with <TransitionModel> (not a Kaldi model)")
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 200_000))
            tail = handle.read()
            if b"<Priors>" not in tail or not tail.rstrip().endswith(b"]"):
                raise _fail(
                    path, "truncated: the network's <Priors> vector is missing or incomplete"
                )
            handle.seek(0)
            body = handle.read()
            for token in (b"</TransitionModel>", b"<Nnet3>", b"</Nnet3>"):
                if token not in body:
                    raise _fail(path, f"malformed: {token.decode()} not found")
            damage = _text_damage(path, body)
            if damage:
                raise damage
    found = re.search(rb"input-node name=input dim=(\d+)", body[:1_000_000])
    return int(found.group(1)) if found else None


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
        raise _fail(path, "not a Kaldi matrix (neither text nor binary)") from None
    body = text.strip()
    if not body.startswith("["):
        raise _fail(path, f"not a Kaldi matrix: expected '[', got {body[:20]!r}")
    if not body.endswith("]"):
        raise _fail(path, "truncated: the matrix has no closing ']'")
    rows: list[list[float]] = []
    for number, line in enumerate(body[1:-1].splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = [float(value) for value in line.split()]
        except ValueError:
            raise _fail(
                path, f"row {number} of the matrix is not all numbers: {line.strip()!r}"
            ) from None
        if not all(math.isfinite(v) for v in row):
            raise _fail(path, f"row {number} of the matrix has a value that is not finite")
        rows.append(row)
    if rows and any(len(row) != len(rows[0]) for row in rows):
        raise _fail(path, f"the matrix's rows differ in length ({[len(r) for r in rows]})")
    return rows


def _binary_matrix(path: Path, data: bytes) -> list[list[float]]:
    token = data[2:5]
    kinds = {b"FM ": ("<f", 4), b"DM ": ("<d", 8)}
    if token not in kinds:
        raise _fail(path, f"unsupported binary matrix type {token!r} (expected FM or DM)")
    fmt, width = kinds[token]
    if len(data) < 15 or data[5] != 4 or data[10] != 4:
        raise _fail(path, "truncated or damaged binary matrix header")
    rows, cols = struct.unpack_from("<i", data, 6)[0], struct.unpack_from("<i", data, 11)[0]
    if rows < 0 or cols < 0 or len(data) != 15 + rows * cols * width:
        raise _fail(path, f"truncated or damaged: a {rows} x {cols} matrix in {len(data)} bytes")
    values = struct.unpack_from(f"{fmt[0]}{rows * cols}{fmt[1]}", data, 15)
    if not all(math.isfinite(v) for v in values):
        raise _fail(path, "the matrix has a value that is not finite")
    return [list(values[r * cols : (r + 1) * cols]) for r in range(rows)]


def _check_cmvn(path: Path, dim: int | None) -> None:
    """am/global_cmvn.stats: a 2 x (dim + 1) matrix whose frame count is above 0 (Vosk aborts
    on the first audio otherwise)."""
    rows = read_kaldi_matrix(_need(path))
    shape = f"{len(rows)} x {len(rows[0]) if rows else 0}"
    if len(rows) != 2 or len(rows[0]) < 2:
        raise _fail(path, f"a {shape} matrix; CMVN statistics are 2 x (feature dimension + 1)")
    if dim is not None and len(rows[0]) != dim + 1:
        raise _fail(
            path,
            f"a {shape} matrix, but the features have {dim} dimensions, so it must be "
            f"2 x {dim + 1} (Vosk would abort on the first audio)",
        )
    if not rows[0][-1] > 0:
        raise _fail(
            path, f"its frame count (last value of row 1) is {rows[0][-1]:g}; it must be above 0"
        )


# --- Graph files ----------------------------------------------------------------------------


def _check_words(path: Path) -> int:
    count = 0
    with _need(path).open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2 or not parts[1].lstrip("-").isdigit():
                raise _fail(path, f"line {number}: expected 'word id', got {line.strip()!r}")
            count += 1
    if count == 0:
        raise _fail(path, "has no words")
    return count


def _check_ints(path: Path, allow_empty: bool) -> None:
    if not path.is_file():
        raise _fail(path, "missing (required by Vosk)")
    for number, token in enumerate(path.read_text(encoding="ascii", errors="replace").split(), 1):
        if not token.lstrip("-").isdigit():
            raise _fail(path, f"entry {number}: {token!r} is not an integer")
    if not allow_empty and path.stat().st_size == 0:
        raise _fail(path, "is empty")


# --- The whole directory --------------------------------------------------------------------


def _check_files(root: Path) -> list[Path]:
    """Check every file Vosk will read in ``root``; return them, in the order Vosk reads."""
    if not root.exists():
        raise _fail(root, "model directory does not exist (set --model or $VOICESKILL_MODEL)")
    if not root.is_dir():
        raise _fail(root, "is not a directory")
    checked: list[Path] = []
    am = root / "am" / "final.mdl"
    network_dim = _check_am(am)
    checked.append(am)
    model_conf = root / "conf" / "model.conf"
    _check_model_conf(model_conf)
    checked.append(model_conf)
    mfcc, fbank = root / "conf" / "mfcc.conf", root / "conf" / "fbank.conf"
    if mfcc.is_file():
        feature_conf, known = mfcc, MFCC_CONF_OPTIONS
    elif fbank.is_file():
        feature_conf, known = fbank, FBANK_CONF_OPTIONS
    else:
        raise _fail(mfcc, "missing (no feature configuration)")
    dim: int | None = _check_feature_conf(feature_conf, known)
    checked.append(feature_conf)
    if (root / "conf" / "pitch.conf").exists():
        dim = None  # pitch adds features the checks here do not model
    if dim is not None and network_dim is not None and dim != network_dim:
        raise _fail(
            feature_conf,
            f"makes {dim}-dimensional features, but the network in {am} takes {network_dim} "
            "(Vosk could not start a recognizer)",
        )
    ivector = root / "ivector"
    if (ivector / "final.ie").exists():
        for name in (
            "final.dubm",
            "final.mat",
            "global_cmvn.stats",
            "online_cmvn.conf",
            "splice.conf",
        ):
            checked.append(_need(ivector / name))
    cmvn = root / "am" / "global_cmvn.stats"
    if cmvn.exists():
        _check_cmvn(cmvn, dim)
        checked.append(cmvn)
    graph = root / "graph"
    if (graph / "HCLG.fst").is_file():
        check_fst(graph / "HCLG.fst")
        checked.append(graph / "HCLG.fst")
    else:
        for name in ("HCLr.fst", "Gr.fst"):
            check_fst(graph / name)
            checked.append(graph / name)
        _check_ints(graph / "disambig_tid.int", allow_empty=True)
        checked.append(graph / "disambig_tid.int")
    _check_words(graph / "words.txt")
    checked.append(graph / "words.txt")
    if (root / "rescore" / "G.carpa").exists():
        checked.append(_need(root / "rescore" / "G.fst"))
    return checked


def check_model_dir(path: str | Path) -> Path:
    """Raise :class:`ModelDirError` unless Vosk can load ``path``; return it as a Path."""
    root = Path(path)
    _check_files(root)
    return root


@contextlib.contextmanager
def _kaldi_messages() -> Iterator[list[bytes]]:
    """Collect what Kaldi writes to file descriptor 2 (it bypasses sys.stderr) meanwhile."""
    collected: list[bytes] = []
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all: nothing to collect
        yield collected
        return
    with tempfile.TemporaryFile() as sink:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        os.dup2(sink.fileno(), 2)
        try:
            yield collected
        finally:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            collected.append(sink.read())


def _kaldi_reason(messages: bytes) -> str:
    """Kaldi's first error line, without its source location, in printable characters."""
    for line in messages.decode("utf-8", errors="replace").splitlines():
        if "ERROR" in line or "ASSERTION_FAILED" in line:
            reason = re.sub(r"^.*?(ERROR|ASSERTION_FAILED) \(.*?:\d+\)\s*", "", line).strip()
            reason = "".join(c if c.isprintable() else "?" for c in reason)
            return reason if len(reason) <= 200 else reason[:200] + "..."
    return ""


def _load_failure(root: Path, checked: list[Path], what: str, reason: str) -> ModelDirError:
    names = ", ".join(str(p.relative_to(root)) for p in checked)
    said = f': Kaldi says "{reason}"' if reason else " (Kaldi gave no reason)"
    return ModelDirError(
        f"{root}: Vosk could not {what}{said}. These files were checked before loading and "
        f"look sound, so the problem is inside one of them where the checks cannot see "
        f"(e.g. the network's weights in am/final.mdl): {names}"
    )


def open_model(path: str | Path | None = None):
    """Resolve, check and load a model with Vosk's own logging silenced; ModelDirError (one
    line naming the directory, the files checked and Kaldi's reason) if Vosk refuses it."""
    import vosk

    root = resolve_model_dir(path)
    checked = _check_files(root)
    vosk.SetLogLevel(-1)
    failure: str | None = None
    with _kaldi_messages() as messages:
        try:
            model = vosk.Model(str(root))
        except Exception:  # vosk raises a bare Exception when Kaldi refuses the files
            failure = "load this model"
        else:
            try:  # feature and decoder options are only used when a recognizer starts
                vosk.KaldiRecognizer(model, FEED_RATE)
            except Exception:
                failure = "start a recognizer with this model"
    said = b"".join(messages)
    if failure is not None:
        raise _load_failure(root, checked, failure, _kaldi_reason(said))
    if said:  # nothing of Kaldi's is lost when the load succeeds
        with contextlib.suppress(OSError):
            os.write(2, said)
    return model
