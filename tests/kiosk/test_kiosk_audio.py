"""The kiosk on the real PulseAudio loop: real Vosk model, real espeak-ng voices, real
PortAudio streams. The person speaks into the ``mic`` null sink (espeak-ng WAVs played with
paplay); the kiosk records ``mic.monitor`` and speaks into ``spk``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.kiosk.harness import KioskRunner, kiosk_settings, speak
from tests.pulse import PulseServer
from voiceskill.transcript import read_transcript

pytestmark = pytest.mark.audio

def test_sessions_back_to_back_on_the_pulse_loop(
    pulse: PulseServer, model, voice_dir: Path, tmp_path: Path
) -> None:
    kiosk = KioskRunner(kiosk_settings(tmp_path), model).start()
    try:
        for answer, outcome in (("yes", "emergency"), ("stop", "stopped")):
            kiosk.wait_listen("hey coach")
            speak(pulse, voice_dir, "hey coach")
            kiosk.wait_listen("yes")  # the first red-flag question has been asked
            speak(pulse, voice_dir, answer)
            got, path = kiosk.wait_end()
            assert got == outcome
            assert path is not None and read_transcript(path)[-1]["type"] == "end"
        kiosk.wait_listen("hey coach")  # and it is idle again
    finally:
        kiosk.stop()
    stats = kiosk.service.stats
    assert stats.sessions == 2 and stats.wake_ups == 2
    first, second = (read_transcript(p) for p in stats.transcripts)
    assert [e["intent"] for e in first if e["type"] == "heard"] == ["yes"]
    assert [e["intent"] for e in second if e["type"] == "heard"] == ["stop"]
    assert not list((tmp_path / "transcripts").glob("*.wav"))  # privacy: no audio kept


# Removed and restored sinks: tests/kiosk/test_kiosk_faults.py, with the kiosk in a child
# process on a server of its own (run here, PortAudio's stuck ALSA thread outlived the test and
# broke the playback tests that followed).
