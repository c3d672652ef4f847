"""Chunk sources: scripted audio, WAV files, and the real microphone path through PulseAudio."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from tests.pulse import PulseServer
from voiceskill.speech.audio import (
    CHUNK,
    AudioDeviceError,
    Microphone,
    ScriptedAudio,
    find_device,
    silence,
    wav_chunks,
)
from voiceskill.speech.wav import AudioFileError, write_wav


def _tone(seconds: float, rate: int, freq: float = 440.0, level: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (level * 32767 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def test_scripted_audio_hands_out_fixed_chunks_then_none() -> None:
    audio = ScriptedAudio()
    audio.push(silence(0.12))
    audio.push(_tone(0.05, 16000))
    sizes = []
    while (chunk := audio.read()) is not None:
        sizes.append(len(chunk))
    def pieces(n: int) -> list[int]:  # whole chunks, then what is left of this push
        return [CHUNK] * (n // CHUNK) + ([n % CHUNK] if n % CHUNK else [])

    assert sizes == pieces(1920) + pieces(800)  # chunks never span two pushes
    assert audio.seconds_left == 0


def test_wav_chunks_resample_any_rate(tmp_path: Path) -> None:
    path = tmp_path / "tone44k.wav"
    write_wav(path, _tone(1.0, 44100), rate=44100)
    samples = np.concatenate(list(wav_chunks(path)))
    assert abs(len(samples) - 16000) <= 2
    assert np.abs(samples).max() > 10000


def test_wav_chunks_reject_a_file_that_is_not_audio(tmp_path: Path) -> None:
    path = tmp_path / "notes.wav"
    path.write_text("this is not audio")
    with pytest.raises(AudioFileError, match="notes.wav"):
        list(wav_chunks(path))


@pytest.mark.audio
def test_missing_device_names_what_exists(pulse: PulseServer) -> None:
    with pytest.raises(AudioDeviceError, match=r"no input device matching 'no-such-mic'.*pulse"):
        find_device("no-such-mic", "input")
    with pytest.raises(AudioDeviceError, match="no output device with index 99"):
        find_device("99", "output")
    assert find_device("PULSE", "input").name == "pulse"


@pytest.mark.audio
def test_microphone_delivers_16k_chunks_of_what_is_played(pulse: PulseServer,
                                                          tmp_path: Path) -> None:
    wav = tmp_path / "tone.wav"
    write_wav(wav, _tone(1.0, 16000, freq=500.0))
    with Microphone("pulse") as mic:
        assert mic.info is not None and mic.info.rate == 44100  # resampled to 16 kHz below
        mic.drain()
        player = pulse.play(wav, sink="mic")
        got = []
        deadline = time.monotonic() + 4.0
        while time.monotonic() < deadline and player.poll() is None:
            chunk = mic.read(timeout=0.5)
            if chunk is not None:
                got.append(chunk)
    samples = np.concatenate(got)
    assert all(len(c) == CHUNK for c in got)
    loud = np.abs(samples) > 5000
    assert 0.8 < loud.sum() / 16000 / 0.64 < 1.3  # about 1 s of a sine (64% of samples > 0.3 peak)
    tone = samples[loud.argmax():][:16000].astype(float)
    peak = np.fft.rfftfreq(len(tone), 1 / 16000)[np.abs(np.fft.rfft(tone)).argmax()]
    assert abs(peak - 500) < 10  # still 500 Hz after resampling (bins in Hz, any length)


@pytest.mark.audio
def test_a_dead_microphone_raises_instead_of_blocking(pulse: PulseServer) -> None:
    with Microphone() as mic:
        assert mic.read(timeout=2.0) is not None  # the stream runs: silence arrives
        mic.close()  # what PortAudio does when the device goes away
        started = time.monotonic()
        with pytest.raises(AudioDeviceError, match="stopped delivering"):
            for _ in range(100):
                mic.read(timeout=0.3)
        assert time.monotonic() - started < 1.0
