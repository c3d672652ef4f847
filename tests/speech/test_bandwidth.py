"""The microphone's bandwidth watch: an 8 kHz device (nothing above 4 kHz) is reported once;
wideband speech, silence and quiet noise never are."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import pytest

from tests.pulse import PulseServer
from voiceskill.acoustic.augment import as_8k_device
from voiceskill.speech.audio import Microphone, split_chunks
from voiceskill.speech.bandwidth import NARROWBAND_WARNING, BandwidthWatch
from voiceskill.speech.wav import read_wav, write_wav

FIXTURES = Path(__file__).parent.parent / "fixtures" / "audio"
WIDEBAND = ["hamstring_stretch__espeak-en-029-Mike.wav", "dead_bug__flite-awb.wav",
            "four__flite-slt.wav", "correct__flite-rms.wav"]


def _speech(names: list[str]) -> np.ndarray:
    return np.concatenate([read_wav(FIXTURES / n) for n in names] * 3)


def _warnings(samples: np.ndarray) -> list[str]:
    watch = BandwidthWatch()
    return [w for chunk in split_chunks(samples) if (w := watch.feed(chunk))]


def test_wideband_speech_is_never_reported() -> None:
    assert _warnings(_speech(WIDEBAND)) == []


def test_the_same_speech_from_an_8_khz_device_is_reported_once() -> None:
    assert _warnings(as_8k_device(_speech(WIDEBAND))) == [NARROWBAND_WARNING]


def test_flites_8_khz_voice_is_reported_and_silence_or_faint_noise_says_nothing() -> None:
    kal = sorted(FIXTURES.glob("*__flite-kal.wav"))
    assert _warnings(np.concatenate([read_wav(p) for p in kal])) == [NARROWBAND_WARNING]
    faint = (np.random.default_rng(0).normal(0, 30, 16000 * 20)).astype(np.int16)
    assert _warnings(np.zeros(16000 * 20, dtype=np.int16)) == _warnings(faint) == []


@pytest.mark.audio
def test_the_microphone_logs_an_8_khz_device(
    pulse: PulseServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    wav = tmp_path / "narrow.wav"
    write_wav(wav, as_8k_device(_speech(WIDEBAND[:2])))
    with caplog.at_level(logging.WARNING, logger="voiceskill.audio"), Microphone("pulse") as mic:
        mic.drain()
        player = pulse.play(wav, sink="mic")
        deadline = time.monotonic() + 30.0
        while time.monotonic() < deadline and player.poll() is None:
            mic.read(timeout=0.5)
    reports = [r.getMessage() for r in caplog.records if NARROWBAND_WARNING in r.getMessage()]
    assert reports == [f"microphone 'pulse': {NARROWBAND_WARNING}"]
