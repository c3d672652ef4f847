"""The microphone removed, on the real audio path: the kiosk records through PortAudio from the
PulseAudio source ``room`` (a quiet room: a faint tone, conftest's ``room_pulse``), and the test
takes ``room`` away as unplugging a USB microphone does: ``pactl unload-module``. PulseAudio
then moves the kiosk's recording stream to the source that is left, the monitor of the speaker
``spk``, and PortAudio is not told: the stream runs on, with exact digital silence (and the
kiosk's own voice while it speaks). Or the stream is moved there by hand (``pactl
move-source-output``), as PulseAudio does. Before, the kiosk did not notice: it listened to
nothing, asked its question again to nobody, and waited for the wake phrase deaf, with no word
said and nothing on the screen. Now 3 s of exact zeros are a lost microphone (kiosk/zeros.py),
handled as a microphone that stopped (test_kiosk_microphone_lost.py): in a session, "I cannot
hear you any more" and the stopped ending, spoken and shown, the answers kept; while idle,
the trouble on the screen and one warning in the log; then retries, where the zeros of the
speaker's monitor are no microphone, and "I can hear you again" once ``room`` is back.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest

from tests.kiosk.harness import (
    KioskRunner,
    kiosk_settings,
    lose_a_device_mid_session,
    wait_for_attempts,
)
from tests.pulse import PulseServer
from voiceskill.kiosk.screen import Screen
from voiceskill.kiosk.service import BACK_MESSAGE, READY_MESSAGE
from voiceskill.kiosk.zeros import DIGITAL_SILENCE_ERROR, DIGITAL_SILENCE_SECONDS

pytestmark = pytest.mark.audio

#: Seconds the kiosk waits before reopening the devices.
PAUSE = 1.0

BACK = BACK_MESSAGE.format(wake="hey coach")
READY = READY_MESSAGE.format(wake="hey coach")
ERROR = DIGITAL_SILENCE_ERROR.format(seconds=DIGITAL_SILENCE_SECONDS)


def unplug(pulse: PulseServer, recording: bool = True) -> None:
    """Unload ``room``'s module: the kiosk's stream (``recording``: it has one) moves to
    ``spk.monitor``, the default source from now on."""
    (index,) = [line.split("\t")[0] for line in pulse.pactl("list", "short", "modules")
                .splitlines() if line.split("\t")[1] == "module-sine-source"]
    pulse.pactl("unload-module", index)
    if recording:
        assert capture_source(pulse) == "spk.monitor", pulse.state()


def plug_in(pulse: PulseServer) -> None:
    """``room`` back, and the default microphone again."""
    pulse.tone_source("room")
    pulse.route(source="room", sink="spk")


def move_to_monitor(pulse: PulseServer) -> None:
    """Move the kiosk's recording stream to ``spk.monitor`` (``room`` stays the default)."""
    pulse.pactl("move-source-output", capture_stream(pulse)["index"], "spk.monitor")
    assert capture_source(pulse) == "spk.monitor", pulse.state()


def capture_stream(pulse: PulseServer) -> dict[str, Any]:
    (stream,) = [s for s in json.loads(pulse.pactl("--format=json", "list", "source-outputs"))
                 if s["properties"].get("media.name") == "ALSA Capture"]
    stream["index"] = str(stream["index"])
    return stream


def capture_source(pulse: PulseServer) -> str:
    """The name of the source the kiosk's recording stream is on."""
    sources = {s["index"]: s["name"]
               for s in json.loads(pulse.pactl("--format=json", "list", "sources"))}
    return sources[capture_stream(pulse)["source"]]


@pytest.mark.parametrize("remove", ["unloaded", "moved"])
def test_a_microphone_removed_mid_session_ends_it_with_the_advice_spoken_and_on_the_screen(
    room_pulse: PulseServer, model: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    remove: str,
) -> None:
    """Removed while the kiosk listens for the answer to the second red-flag question. While
    ``room`` is gone the reopened devices record ``spk.monitor`` (the default source left):
    the kiosk tries again and again, saying nothing; it says it can hear again once ``room``
    is back. Moved, ``room`` is still the default: the first reopening hears it."""
    runner: list[KioskRunner] = []
    said_while_gone: list[str] = []

    def lose(kiosk: KioskRunner) -> None:
        runner.append(kiosk)
        (unplug if remove == "unloaded" else move_to_monitor)(room_pulse)

    def restore() -> None:
        if remove == "unloaded":
            kiosk = runner[0]
            wait_for_attempts(kiosk, 3, timeout=4 * (PAUSE + DIGITAL_SILENCE_SECONDS))
            said_while_gone.extend(kiosk.said)
            plug_in(room_pulse)

    kiosk, lost = lose_a_device_mid_session(
        kiosk_settings(tmp_path), model, caplog, lose, restore, pause=PAUSE)
    stats = kiosk.service.stats
    assert lost.outcome == "device-lost"
    closing = lost.microphone_lost_ending(ERROR)
    assert lost.said[-len(closing):] == closing, lost.said  # nothing said after it
    assert lost.page.status == "trouble" and "digital silence" in lost.page.message, lost.page
    assert lost.page.prompt == closing[-1] and "call 911" in lost.page.prompt, lost.page
    microphone_lines = [w for w in lost.warnings if "microphone" in w]
    assert len(microphone_lines) == 1 and ERROR in microphone_lines[0], lost.warnings
    assert lost.device_failures == 1 and lost.outcomes == {"device-lost": 1}
    if remove == "unloaded":
        # the speaker's monitor was no microphone: nothing said while ``room`` was gone
        assert said_while_gone == lost.said, said_while_gone[len(lost.said):]
        assert len(stats.retry_pauses) >= 2, stats
    else:
        assert stats.retry_pauses == [PAUSE] and len(kiosk.attempts) == 2, stats
    assert kiosk.said[len(lost.said):] == [BACK], kiosk.said[len(lost.said):]
    assert stats.recoveries == 1 and stats.device_failures == 1, stats


@pytest.mark.parametrize("when", ["while-idle", "at-start"])
def test_a_microphone_removed_while_idle_is_trouble_until_it_is_back(
    room_pulse: PulseServer, model: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    when: str,
) -> None:
    """Unplugged while the kiosk waits for the wake phrase (``while-idle``), or before it
    starts (``at-start``: its first stream opens on the speaker's monitor): within the
    digital-silence time (and the opening of the devices) it shows the trouble and logs it
    once, says nothing while ``room`` is gone (its reopened streams record the monitor), and
    once it is back "I can hear you again", or "now" when it never heard the room before."""
    screen = Screen(on_press=lambda intent: None, port=0)
    kiosk = KioskRunner(kiosk_settings(tmp_path), model, screen, first_backoff=PAUSE,
                        max_backoff=PAUSE)
    try:
        with caplog.at_level(logging.WARNING, logger="voiceskill.kiosk"):
            if when == "at-start":
                unplug(room_pulse, recording=False)
                unplugged = time.monotonic()
                kiosk.start()
            else:
                kiosk.start()
                kiosk.wait_listen("hey coach")
                deadline = time.monotonic() + 10.0
                while not (kiosk.devices is not None and kiosk.devices.delivered()):
                    assert time.monotonic() < deadline, "the room was never heard"
                    time.sleep(0.05)  # another thread's flag; nothing to wait on
                unplug(room_pulse)
                unplugged = time.monotonic()
            kiosk.wait_status("trouble", timeout=3 * DIGITAL_SILENCE_SECONDS)
            noticed = time.monotonic() - unplugged
            page = screen.state
            wait_for_attempts(kiosk, 3, timeout=4 * (PAUSE + DIGITAL_SILENCE_SECONDS))
            said_while_gone = list(kiosk.said)
            warnings = [r.getMessage() for r in caplog.records if r.name == "voiceskill.kiosk"]
        plug_in(room_pulse)
        kiosk.drop_listens()
        kiosk.wait_listen("hey coach", timeout=4 * (PAUSE + DIGITAL_SILENCE_SECONDS))
        said, stats = list(kiosk.said), kiosk.service.stats
    finally:
        kiosk.stop()
    assert DIGITAL_SILENCE_SECONDS <= noticed < DIGITAL_SILENCE_SECONDS + 3.0, noticed
    assert page.status == "trouble" and ERROR in page.message, page
    assert len([w for w in warnings if "microphone" in w]) == 1, warnings
    assert said_while_gone == [], said_while_gone
    assert said == [READY if when == "at-start" else BACK], said
    assert stats.recoveries == 1 and stats.device_failures == 1, stats
    assert stats.sessions == 0, stats
