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
* ``mdef``: binary model definition; only the CI phone names and counts are used (CI senones
  are numbered phone × states + state).
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


def _read_mdef_ci(path: Path) -> tuple[list[str], int, int]:
    """CI phone names, emitting states per phone and CI senone count from a binary mdef."""
    data = _read(path)
    if data[:4] != MDEF_MAGIC:
        raise SphinxModelError(f"{path}: not a binary Sphinx model definition")
    (header_len,) = struct.unpack_from("<i", data, 8)
    at = 12 + header_len
    n_ci, _n_phone, n_emit, n_ci_sen = struct.unpack_from("<4i", data, at)
    at += 40
    names = []
    for _ in range(n_ci):
        end = data.index(b"\0", at)
        names.append(data[at:end].decode("ascii"))
        at = end + 1
    if n_emit <= 0 or n_ci_sen != n_ci * n_emit:
        raise SphinxModelError(f"{path}: CI senones are not numbered phone × states")
    return names, n_emit, n_ci_sen


def _read_sendump_ci(path: Path, n_streams: int, n_dens: int, n_ci_sen: int) -> np.ndarray:
    """Natural-log mixture weights of the first ``n_ci_sen`` senones: (senone, stream, dens)."""
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
    table = table.reshape(n_streams, rows, cols)[:, :, :n_ci_sen]
    return -table.transpose(2, 0, 1).astype(np.float64) * SENDUMP_LOG_UNIT


def read_ci_model(model_dir: Path) -> SphinxCiModel:
    """Read the CI part of the Sphinx PTM model in ``model_dir``."""
    phones, n_emit, n_ci_sen = _read_mdef_ci(model_dir / "mdef")
    means, dims = _read_gaussians(model_dir / "means")
    variances, _ = _read_gaussians(model_dir / "variances")
    n_cb, n_streams, n_dens, _dim = means.shape
    if n_cb != len(phones):
        raise SphinxModelError(f"{model_dir}: {n_cb} codebooks for {len(phones)} CI phones")
    weights = _read_sendump_ci(model_dir / "sendump", n_streams, n_dens, n_ci_sen)
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
