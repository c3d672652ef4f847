""""I can hear you again" only once the microphone really delivers audio, on the real audio
path: the kiosk records through PortAudio from the PulseAudio source ``room`` (a quiet room,
conftest's ``room_pulse``), which the test suspends: a recording stream on it stays open
and delivers nothing, as a microphone that opens but sends no sound.

Before, the kiosk said it as soon as the devices opened again after a failure, before any
audio came: to a room it could not hear, and again after every such opening once the outage
was over. Now the devices opened again first wait for the microphone's first audio (a stall
there is the same device failure, and the retries go on), and the words follow it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.kiosk.harness import KioskRunner, kiosk_settings, wait_for_attempts
from tests.pulse import PulseServer
from voiceskill.kiosk.devices import STALL_SECONDS
from voiceskill.kiosk.service import BACK_MESSAGE, READY_MESSAGE

pytestmark = pytest.mark.audio

#: Seconds the kiosk waits before reopening the devices.
PAUSE = 0.5

BACK = BACK_MESSAGE.format(wake="hey coach")
READY = READY_MESSAGE.format(wake="hey coach")


def wait_for_audio(kiosk: KioskRunner, timeout: float) -> None:
    """Wait until the microphone the kiosk opened last has delivered audio."""
    deadline = time.monotonic() + timeout
    while kiosk.devices is None or not kiosk.devices.delivered():
        assert time.monotonic() < deadline, "the microphone delivered no audio"
        time.sleep(0.05)  # another thread's flag; nothing to wait on


@pytest.mark.parametrize("when", ["at-start", "while-idle"])
def test_back_is_said_only_once_the_microphone_delivers_audio(
    room_pulse: PulseServer, model: Any, tmp_path: Path, when: str,
) -> None:
    """``at-start``: the microphone sends nothing from the kiosk's first start. ``while-idle``:
    it stops sending while the kiosk waits for the wake phrase. Either way the kiosk notices
    (no audio for 5 s), reopens the devices, and reopens them again while nothing comes; only
    once the room is back does it say that it can hear, once: "now" when it never heard the
    room before (``at-start``), "again" when it had."""
    kiosk = KioskRunner(kiosk_settings(tmp_path), model, first_backoff=PAUSE,
                        max_backoff=PAUSE)
    try:
        if when == "at-start":
            room_pulse.pactl("suspend-source", "room", "1")
            kiosk.start()
        else:
            kiosk.start()
            kiosk.wait_listen("hey coach")
            # the room heard (some audio came), then lost: it can hear "again"
            wait_for_audio(kiosk, timeout=STALL_SECONDS)
            room_pulse.pactl("suspend-source", "room", "1")
        kiosk.wait_status("trouble", timeout=3 * STALL_SECONDS)
        # Opened again (at once), then again after the reopened stream sent nothing either.
        wait_for_attempts(kiosk, 3, timeout=4 * STALL_SECONDS)
        assert BACK not in kiosk.said and READY not in kiosk.said, kiosk.said
        assert kiosk.service.stats.recoveries == 0
        room_pulse.pactl("suspend-source", "room", "0")
        kiosk.drop_listens()
        kiosk.wait_listen("hey coach", timeout=4 * STALL_SECONDS)
        said, stats = list(kiosk.said), kiosk.service.stats
    finally:
        kiosk.stop()
    assert said == [READY if when == "at-start" else BACK], said
    assert stats.recoveries == 1 and stats.device_failures == 1, stats
