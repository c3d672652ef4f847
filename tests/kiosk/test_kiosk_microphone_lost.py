"""The microphone lost in the middle of a session, on the real audio path: the kiosk records
through PortAudio from the PulseAudio source ``room`` (a quiet room, conftest's
``room_pulse``), and the test takes that recording away while a session runs. The speaker (the
null sink ``spk``) keeps working; the person answers with the screen's buttons, as in
test_kiosk_speaker_lost.py.

Two ways to lose it. The stream ended: PulseAudio ends the kiosk's recording stream
(``pacmd``'s ``kill-source-output``, through the CLI module loaded for the test). That is what
it does to a recording stream when its source is unloaded and no other source can take it.
Unloading ``room`` itself does not end the stream here: PulseAudio 16 moves it to the source
that is left, the monitor of ``spk`` (exact zeros, and the kiosk's own voice while it speaks;
PortAudio never knows), and any sink left in the server keeps such a monitor: that is
test_kiosk_microphone_removed.py's.
Ending the stream reaches PortAudio as the real loss does: its stream finishes and the next
read fails. The stream stalled: ``room`` suspended, the stream stays open and delivers nothing,
as when PortAudio's capture thread hangs (test_kiosk_faults.py) or a device stops sending.

Since ``room`` is still there, the devices open again at the first retry. A microphone that
stays gone while the kiosk retries is test_kiosk_faults.py's (everything unplugged) and
test_kiosk_service.py's (stand-in devices, also lost during the exercises).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.kiosk.harness import kiosk_settings, lose_a_device_mid_session
from tests.pulse import PulseServer
from voiceskill.kiosk.service import BACK_MESSAGE

pytestmark = pytest.mark.audio

#: Seconds the kiosk waits before reopening the devices.
PAUSE = 1.0


def end_recording(pulse: PulseServer) -> None:
    """End the kiosk's recording stream from the server's side (the module's
    docstring says why not by unloading the source)."""
    (stream,) = [s["index"] for s in json.loads(pulse.pactl("--format=json", "list",
                                                            "source-outputs"))
                 if s["properties"].get("media.name") == "ALSA Capture"]
    cli = pulse.dir / "cli"
    with pulse.module("module-cli-protocol-unix", f"socket={cli}"), \
            socket.socket(socket.AF_UNIX) as connection:
        connection.settimeout(10)
        connection.connect(str(cli))
        connection.sendall(f"kill-source-output {stream}\n".encode())
        connection.shutdown(socket.SHUT_WR)
        while connection.recv(4096):  # the server closes the connection once it is done
            pass
    assert "ALSA Capture" not in pulse.pactl("list", "source-outputs")


def stall_recording(pulse: PulseServer) -> None:
    """Suspend ``room``: the kiosk's recording stream stays open and delivers nothing."""
    pulse.pactl("suspend-source", "room", "1")


def resume_recording(pulse: PulseServer) -> None:
    pulse.pactl("suspend-source", "room", "0")


@pytest.mark.parametrize(("lose", "restore", "error"), [
    (end_recording, None, "the microphone stopped delivering audio"),
    (stall_recording, resume_recording, "the microphone delivers no audio"),
], ids=["ended", "stalled"])
def test_a_microphone_lost_mid_session_ends_it_with_the_advice_spoken_and_on_the_screen(
    room_pulse: PulseServer, model: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    lose: Callable[[PulseServer], None], restore: Callable[[PulseServer], None] | None,
    error: str,
) -> None:
    """Lost while the kiosk listens for the answer to the second red-flag question. Before,
    an ended stream ended the session there with no word said and only an ``end`` line in
    its transcript (reason "device: the microphone stopped delivering audio"): the page kept
    that question. A stalled stream was not noticed in a session at all: each prompt's drop
    of the microphone's buffer counted as audio received, and a listen that got no audio for
    2 s waited out its turn as silence, so the question was asked again twice and the session
    ended in no-response (the person not heard, the kiosk still waiting on that microphone)."""
    # A stall is known 5 s into the listen (devices.STALL_SECONDS): the silence timeout is
    # kept above it (the default, 8 s, is), so the turn did not end in silence before.
    kiosk, lost = lose_a_device_mid_session(
        kiosk_settings(tmp_path, silence_timeout=8.0), model, caplog,
        lambda kiosk: lose(room_pulse),
        restore=(lambda: restore(room_pulse)) if restore is not None else lambda: None,
        pause=PAUSE)
    stats = kiosk.service.stats
    # "device-lost" is the kiosk's count; the transcript ends as the engine ended it
    assert lost.outcome == "device-lost"
    page = lost.page
    # The answer given is kept; what failed is in the transcript, right after the question
    # that was listened for, then why the session ends, the dialog's own stopped ending, and
    # nothing else: the speaker still works, all of it was said, in that order.
    closing = lost.microphone_lost_ending(error)
    # The page says plainly that the microphone does not work, and shows the ending's advice.
    assert page.status == "trouble"
    assert "microphone" in page.message, page
    assert page.prompt == closing[-1] and "call 911" in page.prompt, page
    assert page.buttons == ()
    # Logged once, with what failed.
    microphone_lines = [w for w in lost.warnings if "microphone" in w]
    assert len(microphone_lines) == 1, lost.warnings
    assert lost.device_failures == 1 and lost.outcomes == {"device-lost": 1}
    assert lost.recoveries == 0
    # Then the way a missing device takes between sessions: one pause, the devices opened
    # again, "back" said.
    assert stats.retry_pauses == [PAUSE] and len(kiosk.attempts) == 2, stats
    assert kiosk.said[-1] == BACK_MESSAGE.format(wake="hey coach"), kiosk.said[-3:]
    assert stats.recoveries == 1 and stats.device_failures == 1, stats
