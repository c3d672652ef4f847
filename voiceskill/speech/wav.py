"""Read any WAV file into the one format the recognizer wants: 16 kHz, mono, int16.

The RIFF chunks are parsed here rather than with the ``wave`` module, because ``wave`` refuses
float and WAVE_FORMAT_EXTENSIBLE files, which phones and editors write all the time.
Anything that is not a readable WAV file raises :class:`AudioFileError` with one message
naming the file and what is wrong with it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Sample rate the recognizer and the acoustic model work at.
TARGET_RATE = 16000

_PCM = 1
_FLOAT = 3
_EXTENSIBLE = 0xFFFE


class AudioFileError(ValueError):
    """A file that cannot be read as audio; the message names the file and the problem."""


@dataclass(frozen=True)
class WavFormat:
    """What the ``fmt `` chunk of a WAV file says about its samples."""

    rate: int
    """Samples per second per channel."""
    channels: int
    """Number of interleaved channels."""
    bits: int
    """Bits per sample as stored (8, 16, 24, 32 or 64)."""
    is_float: bool
    """True for IEEE float samples, False for integer PCM."""


def _fail(path: Path, problem: str) -> AudioFileError:
    return AudioFileError(f"{path}: {problem}")


def _parse_fmt(path: Path, body: bytes) -> WavFormat:
    if len(body) < 16:
        raise _fail(path, f"the 'fmt ' chunk is {len(body)} bytes, expected at least 16")
    tag, channels, rate, _byte_rate, _align, bits = struct.unpack("<HHIIHH", body[:16])
    if tag == _EXTENSIBLE:
        if len(body) < 26:
            raise _fail(path, "WAVE_FORMAT_EXTENSIBLE header is too short")
        tag = struct.unpack("<H", body[24:26])[0]
    if tag not in (_PCM, _FLOAT):
        raise _fail(path, f"unsupported WAV encoding (format tag {tag}); use PCM or float")
    is_float = tag == _FLOAT
    if channels < 1:
        raise _fail(path, "the header says the file has 0 channels")
    if rate < 1000 or rate > 768000:
        raise _fail(path, f"implausible sample rate {rate} Hz")
    allowed = (32, 64) if is_float else (8, 16, 24, 32)
    if bits not in allowed:
        kind = "float" if is_float else "integer"
        raise _fail(path, f"unsupported {bits}-bit {kind} samples")
    return WavFormat(rate=rate, channels=channels, bits=bits, is_float=is_float)


def _chunks(path: Path, data: bytes) -> tuple[WavFormat, bytes]:
    """Split the RIFF container into its format and its sample bytes."""
    if len(data) < 12:
        raise _fail(path, "file is empty or too short to be a WAV file")
    if data[:4] not in (b"RIFF", b"RIFX") or data[8:12] != b"WAVE":
        raise _fail(path, "not a WAV file (no RIFF/WAVE header)")
    if data[:4] == b"RIFX":
        raise _fail(path, "big-endian (RIFX) WAV files are not supported")
    fmt: WavFormat | None = None
    pos = 12
    while pos + 8 <= len(data):
        chunk_id = data[pos : pos + 4]
        size = struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body_start = pos + 8
        if chunk_id == b"fmt ":
            fmt = _parse_fmt(path, data[body_start : body_start + size])
        elif chunk_id == b"data":
            if fmt is None:
                raise _fail(path, "the 'data' chunk comes before the 'fmt ' chunk")
            body = data[body_start : body_start + size]
            # Streaming writers (espeak-ng --stdout, sox -) leave a placeholder size
            # (0, 0xFFFFFFFF or 0x7FFFF000): take what is there.
            if size == 0 or size >= 0x7FFF0000:
                body = data[body_start:]
            elif len(body) < size:
                raise _fail(path, f"truncated: data chunk says {size} bytes, file has {len(body)}")
            return fmt, body
        pos = body_start + size + (size & 1)
    if fmt is None:
        raise _fail(path, "no 'fmt ' chunk found (truncated or not a WAV file)")
    raise _fail(path, "no 'data' chunk found (truncated file?)")


def _to_float(path: Path, fmt: WavFormat, body: bytes) -> np.ndarray:
    """Decode interleaved samples into float32 in [-1, 1], shape (frames, channels)."""
    width = fmt.bits // 8
    frame_bytes = width * fmt.channels
    usable = len(body) - len(body) % frame_bytes
    body = body[:usable]
    if fmt.is_float:
        dtype = "<f4" if fmt.bits == 32 else "<f8"
        samples = np.frombuffer(body, dtype=dtype).astype(np.float32)
        samples = np.nan_to_num(samples, nan=0.0, posinf=1.0, neginf=-1.0)
    elif fmt.bits == 8:
        samples = (np.frombuffer(body, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif fmt.bits == 16:
        samples = np.frombuffer(body, dtype="<i2").astype(np.float32) / 32768.0
    elif fmt.bits == 24:
        raw = np.frombuffer(body, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        value = raw[:, 0] | (raw[:, 1] << 8) | (raw[:, 2] << 16)
        value = np.where(value >= 1 << 23, value - (1 << 24), value)
        samples = value.astype(np.float32) / float(1 << 23)
    else:
        samples = np.frombuffer(body, dtype="<i4").astype(np.float32) / float(1 << 31)
    return samples.reshape(-1, fmt.channels)


def resample(samples: np.ndarray, rate: int, target: int = TARGET_RATE) -> np.ndarray:
    """Resample a 1-D float array from ``rate`` to ``target`` Hz (soxr, high quality)."""
    if rate == target or samples.size == 0:
        return samples
    import soxr

    return soxr.resample(samples, rate, target).astype(np.float32)


def float_to_int16(samples: np.ndarray) -> np.ndarray:
    """Clip float samples in [-1, 1] to int16."""
    return np.clip(np.round(samples * 32767.0), -32768, 32767).astype(np.int16)


def read_wav_format(path: str | Path) -> WavFormat:
    """Return the format of a WAV file without decoding its samples."""
    path = Path(path)
    return _chunks(path, _read_bytes(path))[0]


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise _fail(path, "no such file") from None
    except IsADirectoryError:
        raise _fail(path, "is a directory, not a WAV file") from None
    except OSError as err:
        raise _fail(path, f"cannot read ({err.strerror})") from None


def read_wav(path: str | Path, rate: int = TARGET_RATE) -> np.ndarray:
    """Read a WAV file as mono int16 at ``rate`` Hz (channels averaged, resampled).

    Raises :class:`AudioFileError` for a missing, empty, truncated or non-WAV file.
    """
    return read_wav_and_format(path, rate)[0]


def read_wav_and_format(path: str | Path,
                        rate: int = TARGET_RATE) -> tuple[np.ndarray, WavFormat]:
    """:func:`read_wav`, and the format the file was recorded in (one read of the file)."""
    path = Path(path)
    return _decode(path, _read_bytes(path), rate)


def wav_from_bytes(data: bytes, rate: int = TARGET_RATE, name: str = "<audio>") -> np.ndarray:
    """Decode the bytes of a WAV file (e.g. a program's stdout) like :func:`read_wav`."""
    return _decode(Path(name), data, rate)[0]


def _decode(path: Path, data: bytes, rate: int) -> tuple[np.ndarray, WavFormat]:
    fmt, body = _chunks(path, data)
    frames = _to_float(path, fmt, body)
    if frames.shape[0] == 0:
        raise _fail(path, "contains no audio samples")
    mono = frames.mean(axis=1) if fmt.channels > 1 else frames[:, 0]
    return float_to_int16(resample(mono, fmt.rate, rate)), fmt


def write_wav(path: str | Path, samples: np.ndarray, rate: int = TARGET_RATE) -> None:
    """Write mono int16 samples as a plain 16-bit PCM WAV file."""
    import wave

    data = np.asarray(samples)
    if data.dtype != np.int16:
        data = float_to_int16(data.astype(np.float32))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(data.tobytes())
