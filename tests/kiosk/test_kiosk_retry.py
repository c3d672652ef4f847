"""Retry loops without sound hardware: devices that open but fail at once, stopping in the
middle of a pause, and the funnel that keeps PortAudio/ALSA lines off the terminal.

The devices here are stand-ins (the fault under test, "opens fine, dies at once", cannot be
produced on demand with PulseAudio); the service, its backoff and threads are the real ones.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import pytest

from voiceskill.clock import MonotonicClock
from voiceskill.config import Settings
from voiceskill.kiosk.quiet import StderrFunnel
from voiceskill.kiosk.service import Devices, DeviceUnavailable, KioskParts, KioskService
from voiceskill.speech.audio import Backoff


class DyingMouth:
    def say(self, text: str, barge_in: Any) -> None:
        return None


def dying_devices(opened: list[float]) -> Any:
    def open_devices(hub: Any) -> Devices:
        opened.append(time.monotonic())

        def check() -> None:
            raise DeviceUnavailable("the microphone died right after opening")

        return Devices(ear=None, mouth=DyingMouth(), check=check)  # type: ignore[arg-type]

    return open_devices


def test_devices_that_die_at_once_are_reopened_with_growing_pauses(tmp_path: Any) -> None:
    opened: list[float] = []
    parts = KioskParts(dying_devices(opened), lambda: None, MonotonicClock())  # type: ignore
    service = KioskService(Settings(transcript_dir=tmp_path), parts,
                           first_backoff=0.05, max_backoff=0.4)
    thread = threading.Thread(target=service.serve, name="kiosk-test")
    thread.start()
    time.sleep(2.0)  # the loop runs on its own; the test only looks after a while
    service.request_stop()
    thread.join(1.0)
    assert not thread.is_alive()
    # 0.05 + 0.1 + 0.2 + 0.4 + 0.4 + 0.4 … : about 7 opens in 2 s, not thousands
    assert 4 <= len(opened) <= 9, len(opened)
    pauses = [b - a for a, b in zip(opened, opened[1:], strict=False)]
    assert pauses[0] >= 0.05 and pauses[2] >= 0.2 and max(pauses) < 0.6, pauses
    assert service.stats.device_failures == 1  # one outage, however often it was retried
    assert service.stats.recoveries == 1  # "back" said once, not at every reopen


def test_backoff_doubles_up_to_the_cap_and_ends_on_stop() -> None:
    backoff = Backoff(first=0.5, cap=4.0)
    assert [backoff.failed("x", "gone") for _ in range(6)] == [0.5, 1, 2, 4, 4, 4]
    backoff.reset()
    assert backoff.next_pause() == 0.5
    threading.Timer(0.1, backoff.stop.set).start()
    started = time.monotonic()
    assert backoff.wait(30.0) is False
    assert time.monotonic() - started < 1.0


def test_library_lines_are_counted_not_shown(capfd: pytest.CaptureFixture[str]) -> None:
    with StderrFunnel() as funnel:
        for _ in range(3):  # what PortAudio writes itself, straight to descriptor 2
            os.write(2, b"Expression 'r' failed in 'src/hostapi/alsa/pa_linux_alsa.c'\n")
        os.write(2, b"ALSA lib pcm_pulse.c:758:(pulse_prepare) Unable to create stream\n")
        os.write(2, b"an ordinary line\n")
    err = capfd.readouterr().err
    assert "an ordinary line" in err
    assert "Expression" not in err and "ALSA lib" not in err
    summary = funnel.take_summary()
    assert summary is not None and summary.startswith("Expression 'r' failed")
    assert "(and 3 more lines)" in summary
    assert funnel.take_summary() is None
