"""voiceskill.speech.wav: any WAV in, 16 kHz mono int16 out; one clear error otherwise.

Test files are written byte by byte here (independently of the reader) so every encoding is covered.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from voiceskill.speech.wav import (
    BLOCK_FRAMES,
    AudioFileError,
    WavStream,
    read_wav,
    read_wav_format,
    write_wav,
)


def _riff(
    fmt_tag: int, channels: int, rate: int, bits: int, payload: bytes, extensible: bool = False
) -> bytes:
    align = channels * bits // 8
    if extensible:
        fmt = struct.pack("<HHIIHH", 0xFFFE, channels, rate, rate * align, align, bits)
        fmt += struct.pack("<HHI", 22, bits, 0) + struct.pack("<H", fmt_tag) + bytes(14)
    else:
        fmt = struct.pack("<HHIIHH", fmt_tag, channels, rate, rate * align, align, bits)
    extra = b"LIST" + struct.pack("<I", 3) + b"abc\x00"  # odd-sized chunk with pad byte
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt + extra
    chunks += b"data" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def _tone(rate: int, seconds: float = 0.5, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return 0.5 * np.sin(2 * np.pi * freq * t)


def _encode(x: np.ndarray, bits: int, is_float: bool) -> bytes:
    if is_float:
        return x.astype("<f4" if bits == 32 else "<f8").tobytes()
    if bits == 8:
        return (np.round(x * 127) + 128).astype(np.uint8).tobytes()
    if bits == 16:
        return np.round(x * 32767).astype("<i2").tobytes()
    if bits == 24:
        v = np.round(x * (2**23 - 1)).astype(np.int64) & 0xFFFFFF
        return np.stack([v & 255, (v >> 8) & 255, v >> 16], axis=1).astype(np.uint8).tobytes()
    return np.round(x * (2**31 - 1)).astype("<i4").tobytes()


def _expected_rms() -> float:
    return 0.5 / np.sqrt(2) * 32767


@pytest.mark.parametrize(
    ("rate", "channels", "bits", "is_float", "extensible"),
    [
        (16000, 1, 16, False, False),
        (8000, 1, 8, False, False),
        (44100, 2, 16, False, False),
        (48000, 1, 24, False, False),
        (22050, 1, 32, False, False),
        (48000, 2, 32, True, False),
        (11025, 1, 64, True, False),
        (48000, 2, 24, False, True),
        (44100, 1, 32, True, True),
    ],
)
def test_reads_every_encoding_as_16k_mono_int16(
    tmp_path: Path, rate: int, channels: int, bits: int, is_float: bool, extensible: bool
) -> None:
    tone = _tone(rate)
    inter = np.repeat(tone[:, None], channels, axis=1).reshape(-1)
    path = tmp_path / "tone.wav"
    path.write_bytes(
        _riff(
            3 if is_float else 1, channels, rate, bits, _encode(inter, bits, is_float), extensible
        )
    )
    fmt = read_wav_format(path)
    assert (fmt.rate, fmt.channels, fmt.bits, fmt.is_float) == (rate, channels, bits, is_float)
    out = read_wav(path)
    assert out.dtype == np.int16
    assert out.ndim == 1
    assert abs(len(out) - 8000) <= 2  # 0.5 s at 16 kHz
    rms = float(np.sqrt(np.mean(out[200:-200].astype(np.float64) ** 2)))
    assert rms == pytest.approx(_expected_rms(), rel=0.03)
    # Frequency survives resampling: the spectrum peaks at 440 Hz.
    spectrum = np.abs(np.fft.rfft(out.astype(np.float64)))
    assert np.argmax(spectrum) * 16000 / len(out) == pytest.approx(440, abs=4)


def test_stereo_channels_are_averaged(tmp_path: Path) -> None:
    left = _tone(16000)
    inter = np.stack([left, np.zeros_like(left)], axis=1).reshape(-1)
    path = tmp_path / "half.wav"
    path.write_bytes(_riff(1, 2, 16000, 16, _encode(inter, 16, False)))
    out = read_wav(path)
    assert np.max(np.abs(out)) == pytest.approx(0.25 * 32767, rel=0.01)


def test_write_then_read_round_trips(tmp_path: Path) -> None:
    samples = (np.arange(1600) % 200 - 100).astype(np.int16) * 100
    write_wav(tmp_path / "a.wav", samples)
    assert np.array_equal(read_wav(tmp_path / "a.wav"), samples)


def _broken(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        (b"", "empty"),
        (b"hello, I am a text file, not audio at all", "not a WAV"),
        (b"RIFF\x00\x00\x00\x00WAVE", "no 'fmt ' chunk"),
        (_riff(1, 1, 16000, 16, b""), "no audio samples"),
        (_riff(1, 1, 16000, 16, bytes(3200))[:-1000], "truncated"),
        (_riff(1, 1, 16000, 16, bytes(3200))[:36], "no 'data' chunk"),
        (_riff(2, 1, 16000, 16, bytes(3200)), "format tag 2"),
        (_riff(1, 1, 16000, 12, bytes(3200)), "12-bit"),
        (_riff(1, 4000, 16000, 8, bytes(3200)), "implausible number of channels 4000"),
    ],
)
def test_bad_files_give_one_clear_error_naming_the_file(
    tmp_path: Path, content: bytes, phrase: str
) -> None:
    path = _broken(tmp_path, "bad.wav", content)
    with pytest.raises(AudioFileError) as err:
        read_wav(path)
    assert str(path) in str(err.value)
    assert phrase in str(err.value)
    assert isinstance(err.value, ValueError)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(AudioFileError, match="no such file"):
        read_wav(tmp_path / "nothing.wav")
    with pytest.raises(AudioFileError, match="directory"):
        read_wav(tmp_path)


@pytest.mark.parametrize(("rate", "channels"), [(44100, 2), (8000, 1), (16000, 2)])
def test_a_stream_gives_the_samples_of_the_file_resampled_at_once(
    tmp_path: Path, rate: int, channels: int
) -> None:
    """Block by block (so memory stays bounded), the samples are those of the whole file mixed
    down and resampled in one go."""
    import soxr

    rng = np.random.default_rng(3)
    frames = 3 * BLOCK_FRAMES + 123
    stored = np.round(rng.normal(0.0, 0.2, frames * channels).clip(-1, 1) * 32767).astype("<i2")
    path = tmp_path / "long.wav"
    path.write_bytes(_riff(1, channels, rate, 16, stored.tobytes()))
    mono = (stored.astype(np.float32) / 32768.0).reshape(-1, channels).mean(axis=1)
    whole = mono if rate == 16000 else soxr.resample(mono, rate, 16000)
    expected = np.clip(np.round(whole * 32767.0), -32768, 32767).astype(np.int16)
    with WavStream(path) as stream:
        assert (stream.format.rate, stream.frames) == (rate, frames)
        blocks = list(stream)
    assert len(blocks) >= 4 and all(b.dtype == np.int16 for b in blocks)
    assert np.array_equal(np.concatenate(blocks), expected)
    assert np.array_equal(read_wav(path), expected)
