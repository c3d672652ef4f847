"""The kiosk on the real PulseAudio loop: real Vosk model, real espeak-ng voices, real
PortAudio streams. The person speaks into the ``mic`` null sink (espeak-ng WAVs played with
paplay); the kiosk records ``mic.monitor`` and speaks into ``spk``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.kiosk.harness import KioskRunner, kiosk_settings, speak
from tests.pulse import PulseServer
from voiceskill.kiosk.service import BACK_MESSAGE
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


def test_recovers_from_removed_and_restored_sinks(
    pulse: PulseServer, model, voice_dir: Path, tmp_path: Path
) -> None:
    # Both null sinks go (and with them the microphone, which is the "mic" sink's monitor):
    # PulseAudio has nowhere to move the kiosk's streams, as when a USB speakerphone is
    # unplugged. Removing one sink alone is not a fault: PulseAudio moves the streams itself.
    kiosk = KioskRunner(kiosk_settings(tmp_path), model).start()
    try:
        kiosk.wait_listen("hey coach")
        modules = pulse.pactl("list", "short", "modules").splitlines()
        try:
            for line in modules:
                if "module-null-sink" in line:
                    pulse.pactl("unload-module", line.split()[0])
            kiosk.wait_status("trouble")
            kiosk.drop_listens()
        finally:
            for sink in pulse.sinks:
                pulse.pactl("load-module", "module-null-sink", f"sink_name={sink}",
                            f"rate={pulse.rate}")
            pulse.route(source="mic.monitor", sink="spk")
        kiosk.wait_listen("hey coach", timeout=30)
        assert kiosk.service.stats.recoveries == 1
        assert BACK_MESSAGE.format(wake="hey coach") in kiosk.said
        speak(pulse, voice_dir, "hey coach")
        kiosk.wait_listen("yes")
        speak(pulse, voice_dir, "yes")
        outcome, _ = kiosk.wait_end()
        assert outcome == "emergency"
    finally:
        kiosk.stop()
    assert kiosk.service.stats.device_failures == 1
