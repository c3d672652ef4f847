"""The bandwidth watch: an 8 kHz device (nothing above 4 kHz) is reported once; wideband
speech, silence, quiet noise and clipping never are. (The recognizer's switch to the 8 kHz
companion model is tested in test_narrowband.py.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from voiceskill.acoustic.augment import as_8k_device
from voiceskill.speech.audio import CHUNK_SECONDS, split_chunks
from voiceskill.speech.bandwidth import BandwidthWatch
from voiceskill.speech.wav import read_wav

FIXTURES = Path(__file__).parent.parent / "fixtures" / "audio"
WIDEBAND = ["hamstring_stretch__espeak-en-029-Mike.wav", "dead_bug__flite-awb.wav",
            "four__flite-slt.wav", "correct__flite-rms.wav"]


def _speech(names: list[str]) -> np.ndarray:
    return np.concatenate([read_wav(FIXTURES / n) for n in names] * 3)


def _reports(samples: np.ndarray) -> list[float]:
    """Seconds into ``samples`` at which the watch reported narrowband audio."""
    watch = BandwidthWatch()
    return [i * CHUNK_SECONDS for i, chunk in enumerate(split_chunks(samples)) if watch.feed(chunk)]


def test_wideband_speech_is_never_reported() -> None:
    assert _reports(_speech(WIDEBAND)) == []


def test_a_wideband_voice_saying_only_sonorants_is_never_reported() -> None:
    # "well no", "no no", "um no": no fricative, so little above 4 kHz (flite's awb: 2e-6 to
    # 2e-5 of the power), yet far more than an 8 kHz device leaves there; answer after answer.
    sonorants = [f"{text}__flite-awb.wav" for text in ("well_no", "no_no", "um_no")]
    assert _reports(_speech(sonorants)) == []
    assert len(_reports(as_8k_device(_speech(sonorants)))) == 1


def test_the_same_speech_from_an_8_khz_device_is_reported_once() -> None:
    assert len(_reports(as_8k_device(_speech(WIDEBAND)))) == 1


def test_flites_8_khz_voice_is_reported_and_silence_or_faint_noise_says_nothing() -> None:
    kal = sorted(FIXTURES.glob("*__flite-kal.wav"))
    assert len(_reports(np.concatenate([read_wav(p) for p in kal]))) == 1
    faint = (np.random.default_rng(0).normal(0, 30, 16000 * 20)).astype(np.int16)
    assert _reports(np.zeros(16000 * 20, dtype=np.int16)) == _reports(faint) == []


def test_clipped_8_khz_speech_is_still_narrowband() -> None:
    # Clipping puts power in every band; such chunks must not settle the device as wideband.
    loud = np.clip(as_8k_device(_speech(WIDEBAND)).astype(np.int32) * 8, -32768, 32767)
    assert len(_reports(loud.astype(np.int16))) == 1


def test_no_wideband_fixture_is_reported_on_its_own() -> None:
    # Each from a fresh watch, as the first words a kiosk hears (flite's kal is an 8 kHz voice).
    wideband = [p for p in sorted(FIXTURES.glob("*.wav")) if "flite-kal" not in p.name]
    assert len(wideband) > 50
    assert [p.name for p in wideband if _reports(read_wav(p))] == []


def test_the_wake_phrase_from_an_8_khz_device_settles_the_band_on_its_own() -> None:
    # so the kiosk's first question is already heard with the 8 kHz companion model
    wake = as_8k_device(read_wav(FIXTURES / "hey_coach__espeak-en-us-f4.wav"))
    assert len(_reports(wake)) == 1
