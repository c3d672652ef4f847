"""Read any WAV file into the one format the recognizer wants: 16 kHz, mono, int16, whole
(:func:`read_wav`) or block by block in bounded memory (:class:`WavStream`).

The RIFF chunks are parsed here rather than with the ``wave`` module, because ``wave`` refuses
float and WAVE_FORMAT_EXTENSIBLE files, which phones and editors write all the time.
Anything that is not a readable WAV file raises :class:`AudioFileError` with one message
naming the file and what is wrong with it.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

#: Sample rate the recognizer and the acoustic model work at.
TARGET_RATE = 16000

#: Frames decoded at a time by :class:`WavStream` (0.7 s at 48 kHz: 256 KiB of 48 kHz
#: stereo as float32).
BLOCK_FRAMES = 1 << 15

#: Most channels a file may say it has (a multichannel recorder has dozens; a header saying
#: thousands is damaged).
MAX_CHANNELS = 256

#: Bytes of a ``fmt `` chunk read (it needs 40 at most; its size field may say anything).
_FMT_READ_LIMIT = 1 << 16

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
    if channels > MAX_CHANNELS:
        raise _fail(path, f"implausible number of channels {channels} "
                          f"(expected 1 to {MAX_CHANNELS})")
    if rate < 1000 or rate > 768000:
        raise _fail(path, f"implausible sample rate {rate} Hz")
    allowed = (32, 64) if is_float else (8, 16, 24, 32)
    if bits not in allowed:
        kind = "float" if is_float else "integer"
        raise _fail(path, f"unsupported {bits}-bit {kind} samples")
    return WavFormat(rate=rate, channels=channels, bits=bits, is_float=is_float)


def _read_header(path: Path, file: BinaryIO) -> tuple[WavFormat, int]:
    """Walk the RIFF container up to its samples: their format and how many bytes they are.
    Leaves ``file`` at the first sample byte; reads only the chunk headers and ``fmt ``."""
    size = file.seek(0, io.SEEK_END)
    file.seek(0)
    head = file.read(12)
    if len(head) < 12:
        raise _fail(path, "file is empty or too short to be a WAV file")
    if head[:4] not in (b"RIFF", b"RIFX") or head[8:12] != b"WAVE":
        raise _fail(path, "not a WAV file (no RIFF/WAVE header)")
    if head[:4] == b"RIFX":
        raise _fail(path, "big-endian (RIFX) WAV files are not supported")
    fmt: WavFormat | None = None
    pos = 12
    while pos + 8 <= size:
        file.seek(pos)
        header = file.read(8)
        chunk_id = header[:4]
        chunk_size = struct.unpack("<I", header[4:8])[0]
        body_start = pos + 8
        if chunk_id == b"fmt ":
            fmt = _parse_fmt(path, file.read(min(chunk_size, _FMT_READ_LIMIT)))
        elif chunk_id == b"data":
            if fmt is None:
                raise _fail(path, "the 'data' chunk comes before the 'fmt ' chunk")
            there = size - body_start
            # Streaming writers (espeak-ng --stdout, sox -) leave a placeholder size
            # (0, 0xFFFFFFFF or 0x7FFFF000): take what is there.
            if chunk_size == 0 or chunk_size >= 0x7FFF0000:
                chunk_size = there
            elif there < chunk_size:
                raise _fail(path, f"truncated: data chunk says {chunk_size} bytes, "
                                  f"file has {there}")
            file.seek(body_start)
            return fmt, chunk_size
        pos = body_start + chunk_size + (chunk_size & 1)
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


class WavStream:
    """An open WAV file whose samples come out block by block as 16 kHz (or ``rate``) mono
    int16, so a file of any length is decoded in bounded memory. Opening it reads the header
    (every :class:`AudioFileError` a readable-looking file can have is raised then); iterating
    decodes, mixes the channels down and resamples (soxr, high quality: the same samples as
    resampling the whole file at once). Use as a context manager, or :meth:`close` it."""

    def __init__(self, path: str | Path, rate: int = TARGET_RATE,
                 file: BinaryIO | None = None) -> None:
        self.path = Path(path)
        self.rate = rate
        self._file = file if file is not None else _open(self.path)
        try:
            self.format, size = _read_header(self.path, self._file)
        except BaseException:
            self.close()
            raise
        self._frame_bytes = self.format.bits // 8 * self.format.channels
        #: Frames (samples per channel) in the file.
        self.frames = size // self._frame_bytes
        if self.frames == 0:
            self.close()
            raise _fail(self.path, "contains no audio samples")

    def __iter__(self) -> Iterator[np.ndarray]:
        fmt, left = self.format, self.frames
        resampler = None
        if fmt.rate != self.rate:
            import soxr

            resampler = soxr.ResampleStream(fmt.rate, self.rate, 1, dtype="float32")
        while left > 0:
            want = min(left, BLOCK_FRAMES)
            try:
                body = self._file.read(want * self._frame_bytes)
            except OSError as err:
                raise _fail(self.path, f"cannot read ({err.strerror or err})") from None
            got = len(body) // self._frame_bytes
            if got == 0:
                break
            # a short read: the file got shorter since its header was read; what was there
            left = left - got if got == want else 0
            frames = _to_float(self.path, fmt, body)
            mono = frames.mean(axis=1) if fmt.channels > 1 else frames[:, 0]
            if resampler is not None:
                mono = resampler.resample_chunk(mono, last=False)
            if mono.size:
                yield float_to_int16(mono)
        if resampler is not None:
            tail = resampler.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
            if tail.size:
                yield float_to_int16(tail)

    def read(self) -> np.ndarray:
        """All the (remaining) samples as one array."""
        blocks = list(self)
        return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.int16)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> WavStream:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _open(path: Path) -> BinaryIO:
    """The file opened for reading; a pipe (``/dev/stdin``, ``<(...)``), which cannot seek to
    the chunks of a WAV file, is read whole into memory first."""
    try:
        file = path.open("rb")
        if file.seekable():
            return file
        with file:
            return io.BytesIO(file.read())
    except FileNotFoundError:
        raise _fail(path, "no such file") from None
    except IsADirectoryError:
        raise _fail(path, "is a directory, not a WAV file") from None
    except OSError as err:
        raise _fail(path, f"cannot read ({err.strerror or err})") from None


def read_wav_format(path: str | Path) -> WavFormat:
    """Return the format of a WAV file without decoding its samples (only its header is read)."""
    path = Path(path)
    with _open(path) as file:
        try:
            return _read_header(path, file)[0]
        except OSError as err:
            raise _fail(path, f"cannot read ({err.strerror or err})") from None


def read_wav(path: str | Path, rate: int = TARGET_RATE) -> np.ndarray:
    """Read a WAV file as mono int16 at ``rate`` Hz (channels averaged, resampled).

    Raises :class:`AudioFileError` for a missing, empty, truncated or non-WAV file.
    """
    with WavStream(path, rate) as stream:  # the whole file in memory: long files stream
        return stream.read()


def wav_from_bytes(data: bytes, rate: int = TARGET_RATE, name: str = "<audio>") -> np.ndarray:
    """Decode the bytes of a WAV file (e.g. a program's stdout) like :func:`read_wav`."""
    with WavStream(name, rate, file=io.BytesIO(data)) as stream:
        return stream.read()


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
