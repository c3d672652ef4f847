"""Read the context-independent part of a CMU Sphinx semi-continuous (PTM) acoustic model.

The ``pocketsphinx`` wheel ships an English model trained on real speech (``model/en-us/en-us``,
BSD-style licence). Its phonetically-tied mixtures are one codebook of Gaussians per base phone
and feature stream, plus per-senone mixture weights. This module reads what a phone-level
(context-independent) recogniser needs from it: the codebooks, the weights of the CI senones
and the CI transition matrices. :mod:`voiceskill.acoustic.sphinx_net` turns them into a Kaldi
nnet3 network that Vosk evaluates.

File formats (all little-endian here; the byte-order word is checked):

* ``means`` / ``variances``: ``s3`` text header up to ``endhdr\\n``, int32 0x11223344, then
  int32 n_codebooks, n_streams, n_densities, the stream lengths, the float count, the floats.
* ``transition_matrices``: same header, int32 n_tmat, n_from, n_to, count, floats (counts).
* ``sendump``: length-prefixed header strings ending with a zero length, then (when there is no
  ``cluster_count``) int32 rows and columns, then uint8 weights [stream][density][senone], each
  a negated log weight in units of 1024·ln(1.0001).
* ``mdef``: binary model definition: counts, the CI phone names (CI senones are numbered
  phone × states + state), padding to 4 bytes, the context tree (skipped), one 12-byte entry per
  phone (int32 senone-sequence id, int32 transition matrix, uint8 word position, base, left,
  right), int32 count and the uint16 senone sequences.

:func:`read_triphones` reads the context-dependent part (which senone each state of a
triphone uses) and :func:`read_senone_weights` any senone's mixture weights, for
:mod:`voiceskill.acoustic.sphinx_context`.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: One sendump unit in natural-log units (Sphinx's 8-bit log table: base 1.0001, shift 10).
SENDUMP_LOG_UNIT = 1024 * math.log(1.0001)

#: Sphinx's default variance floor.
VARIANCE_FLOOR = 1e-4

BYTE_ORDER = 0x11223344
MDEF_MAGIC = b"BMDF"


class SphinxModelError(ValueError):
    """A Sphinx model file is missing or not in the expected format."""


@dataclass
class SphinxCiModel:
    """The context-independent acoustic model read from a Sphinx PTM model directory."""

    phones: list[str]
    """CI phone names in model order (e.g. ``+NSN+``, ``AA``, …, ``SIL``)."""
    stream_dims: list[int]
    """Length of each feature stream (13, 13, 13: cepstra, deltas, delta-deltas)."""
    means: np.ndarray
    """Gaussian means, shape (phones, streams, densities, 13)."""
    variances: np.ndarray
    """Gaussian variances (floored), same shape as ``means``."""
    log_weights: np.ndarray
    """Natural-log mixture weights of the CI senones, shape (phones, states, streams, densities)."""
    transitions: np.ndarray
    """Row-normalised transition probabilities per phone, shape (phones, states, states + 1)."""

    @property
    def states(self) -> int:
        """Emitting states per phone."""
        return self.log_weights.shape[1]

    def phone_index(self, name: str) -> int:
        """Index of CI phone ``name``."""
        try:
            return self.phones.index(name)
        except ValueError:
            raise SphinxModelError(f"phone {name!r} is not in the Sphinx model") from None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise SphinxModelError(f"{path}: cannot read ({err.strerror})") from None


def _s3_body(path: Path) -> bytes:
    data = _read(path)
    marker = b"endhdr\n"
    at = data.find(marker)
    if not data.startswith(b"s3\n") or at < 0:
        raise SphinxModelError(f"{path}: not a Sphinx s3 file (no 's3' header)")
    body = data[at + len(marker) :]
    if struct.unpack_from("<I", body, 0)[0] != BYTE_ORDER:
        raise SphinxModelError(f"{path}: unexpected byte order")
    return body[4:]


def _read_gaussians(path: Path) -> tuple[np.ndarray, list[int]]:
    body = _s3_body(path)
    n_cb, n_streams, n_dens = struct.unpack_from("<3i", body, 0)
    dims = list(struct.unpack_from(f"<{n_streams}i", body, 12))
    offset = 12 + 4 * n_streams
    (count,) = struct.unpack_from("<i", body, offset)
    if len(set(dims)) != 1 or count != n_cb * n_dens * sum(dims):
        raise SphinxModelError(f"{path}: unsupported layout {n_cb}×{n_streams}×{n_dens}×{dims}")
    values = np.frombuffer(body, dtype="<f4", count=count, offset=offset + 4)
    return values.reshape(n_cb, n_streams, n_dens, dims[0]).astype(np.float64), dims


def _read_transitions(path: Path) -> np.ndarray:
    body = _s3_body(path)
    n_tmat, n_from, n_to, count = struct.unpack_from("<4i", body, 0)
    if count != n_tmat * n_from * n_to:
        raise SphinxModelError(f"{path}: float count {count} does not match its dimensions")
    counts = np.frombuffer(body, dtype="<f4", count=count, offset=16).astype(np.float64)
    counts = counts.reshape(n_tmat, n_from, n_to)
    return counts / np.maximum(counts.sum(axis=2, keepdims=True), 1e-30)


@dataclass
class _Mdef:
    data: bytes
    names: list[str]
    n_phone: int
    n_emit: int
    n_ci_sen: int
    n_sen: int
    n_sseq: int
    n_tree: int
    tree_at: int


def _read_mdef(path: Path) -> _Mdef:
    data = _read(path)
    if data[:4] != MDEF_MAGIC:
        raise SphinxModelError(f"{path}: not a binary Sphinx model definition")
    try:
        (header_len,) = struct.unpack_from("<i", data, 8)
        base = 12 + header_len + 40
        n_ci, n_phone, n_emit, n_ci_sen, n_sen, _tmat, n_sseq, _ctx, n_tree, _sil = (
            struct.unpack_from("<10i", data, base - 40))
        names = []
        at = base
        for _ in range(n_ci):
            end = data.index(b"\0", at)
            names.append(data[at:end].decode("ascii"))
            at = end + 1
    except (struct.error, ValueError, UnicodeDecodeError):
        raise SphinxModelError(f"{path}: truncated or malformed model definition") from None
    if n_emit <= 0 or n_ci_sen != n_ci * n_emit:
        raise SphinxModelError(f"{path}: CI senones are not numbered phone × states")
    tree_at = base + ((at - base + 3) & ~3)
    return _Mdef(data, names, n_phone, n_emit, n_ci_sen, n_sen, n_sseq, n_tree, tree_at)


def _read_mdef_ci(path: Path) -> tuple[list[str], int, int]:
    """CI phone names, emitting states per phone and CI senone count from a binary mdef."""
    mdef = _read_mdef(path)
    return mdef.names, mdef.n_emit, mdef.n_ci_sen


#: Sphinx's word positions, in the order of the mdef's codes 0..3.
WORD_POSITIONS = ("internal", "begin", "end", "single")

_PHONE_ENTRY = np.dtype([("ssid", "<i4"), ("tmat", "<i4"), ("info", "u1", (4,))])

Triphone = tuple[str, str, str, str]
"""(word position, phone, left neighbour, right neighbour), Sphinx's phone names."""


@dataclass
class SphinxTriphones:
    """Which senone each HMM state of a Sphinx context-dependent phone uses."""

    senones: dict[Triphone, tuple[int, ...]]
    """Senone of each state, for every triphone of the model definition."""
    ci_senones: int
    """Number of CI senones (numbered phone × states + state, before the CD ones)."""
    total_senones: int
    """Number of senones, CI and CD."""


def read_triphones(model_dir: Path) -> SphinxTriphones:
    """The context-dependent phones of the Sphinx model in ``model_dir``."""
    path = model_dir / "mdef"
    mdef = _read_mdef(path)
    n_ci = len(mdef.names)
    phones_at = mdef.tree_at + 8 * mdef.n_tree
    sseq_at = phones_at + _PHONE_ENTRY.itemsize * mdef.n_phone
    try:
        entries = np.frombuffer(mdef.data, _PHONE_ENTRY, count=mdef.n_phone, offset=phones_at)
        (size,) = struct.unpack_from("<i", mdef.data, sseq_at)
        if size != mdef.n_sseq * mdef.n_emit:
            raise ValueError
        sseq = np.frombuffer(mdef.data, "<u2", count=size, offset=sseq_at + 4)
    except (struct.error, ValueError):
        raise SphinxModelError(f"{path}: truncated or malformed phone table") from None
    sseq = sseq.reshape(mdef.n_sseq, mdef.n_emit)
    info = entries["info"][n_ci:]
    if info.size and (info[:, 0].max() >= len(WORD_POSITIONS) or info[:, 1:].max() >= n_ci
                      or entries["ssid"].max() >= mdef.n_sseq or sseq.max() >= mdef.n_sen):
        raise SphinxModelError(f"{path}: a triphone refers to a phone or senone out of range")
    names = mdef.names
    senones = {
        (WORD_POSITIONS[w], names[b], names[lt], names[r]): tuple(int(x) for x in sseq[ssid])
        for (w, b, lt, r), ssid in zip(info.tolist(), entries["ssid"][n_ci:].tolist(),
                                       strict=True)
    }
    return SphinxTriphones(senones, mdef.n_ci_sen, mdef.n_sen)


def read_senone_weights(model_dir: Path, senones: list[int]) -> np.ndarray:
    """Natural-log mixture weights of ``senones``: (senone, stream, density)."""
    means_body = _s3_body(model_dir / "means")
    _n_cb, n_streams, n_dens = struct.unpack_from("<3i", means_body, 0)
    return _read_sendump(model_dir / "sendump", n_streams, n_dens)[senones]


def _read_sendump(path: Path, n_streams: int, n_dens: int) -> np.ndarray:
    """Natural-log mixture weights of every senone: (senone, stream, dens)."""
    data = _read(path)
    at = 0
    clusters = 0
    while True:
        (n,) = struct.unpack_from("<i", data, at)
        at += 4
        if n == 0:
            break
        if not 0 < n < 1000:
            raise SphinxModelError(f"{path}: header string length {n} out of range")
        text = data[at : at + n].rstrip(b"\0").decode("ascii", "replace")
        if text.startswith("cluster_count "):
            clusters = int(text.split()[1])
        at += n
    if clusters:
        raise SphinxModelError(f"{path}: clustered (4-bit) mixture weights are not supported")
    rows, cols = struct.unpack_from("<2i", data, at)
    at += 8
    if rows != n_dens or len(data) < at + n_streams * rows * cols:
        raise SphinxModelError(f"{path}: {rows}×{cols} weights do not match the codebooks")
    table = np.frombuffer(data, dtype=np.uint8, count=n_streams * rows * cols, offset=at)
    table = table.reshape(n_streams, rows, cols)
    return -table.transpose(2, 0, 1).astype(np.float64) * SENDUMP_LOG_UNIT


def read_ci_model(model_dir: Path) -> SphinxCiModel:
    """Read the CI part of the Sphinx PTM model in ``model_dir``."""
    phones, n_emit, n_ci_sen = _read_mdef_ci(model_dir / "mdef")
    means, dims = _read_gaussians(model_dir / "means")
    variances, _ = _read_gaussians(model_dir / "variances")
    n_cb, n_streams, n_dens, _dim = means.shape
    if n_cb != len(phones):
        raise SphinxModelError(f"{model_dir}: {n_cb} codebooks for {len(phones)} CI phones")
    weights = _read_sendump(model_dir / "sendump", n_streams, n_dens)[:n_ci_sen]
    tmat = _read_transitions(model_dir / "transition_matrices")[: len(phones)]
    return SphinxCiModel(
        phones=phones,
        stream_dims=dims,
        means=means,
        variances=np.maximum(variances, VARIANCE_FLOOR),
        log_weights=weights.reshape(len(phones), n_emit, n_streams, n_dens),
        transitions=tmat,
    )


def pocketsphinx_model_dir() -> Path:
    """The English model directory inside the installed ``pocketsphinx`` wheel."""
    try:
        import pocketsphinx
    except ImportError:
        raise SphinxModelError(
            "the pocketsphinx package is not installed (pip install -e '.[model-build]')"
        ) from None
    path = Path(pocketsphinx.__file__).parent / "model" / "en-us" / "en-us"
    if not (path / "mdef").is_file():
        raise SphinxModelError(f"{path}: the pocketsphinx English model is missing")
    return path
