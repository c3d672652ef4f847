"""The speaker lost in the middle of a session, on the real audio path: the kiosk speaks through
PortAudio into a PulseAudio null sink, and the test removes that sink while a session runs.

The microphone is a source here (a quiet room, conftest's ``room_pulse``), not the monitor of
a second null sink: PulseAudio 16 moves the streams of a removed sink to any sink that is left,
so with a ``mic`` sink the kiosk's voice would simply go on playing into its own microphone.
The person answers with the screen's buttons (``InputHub.press``, which counts exactly like the
spoken word): the path under test is the speaker's, and the answers stay exact and quick. The
screen's server is not started; its state is what the page would show.

The speaker is put back before the kiosk's first attempt to reopen the devices (a 1 s pause
here): with a source left and no sink at all, PortAudio sometimes opened an output stream and
then hung for good starting it (about one run in six when the kiosk kept retrying without a
sink; the kiosk then ends for a restart, as it must, and the stuck thread crashed pytest at
teardown). Retrying while the speaker is still gone is test_kiosk_service.py's, with stand-in
devices.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.kiosk.harness import KioskRunner, kiosk_settings, lose_a_device_mid_session
from tests.pulse import PulseServer
from voiceskill.kiosk.service import BACK_MESSAGE
from voiceskill.transcript import read_transcript

pytestmark = pytest.mark.audio

#: Seconds the kiosk waits before reopening the devices (the sink is back well before).
PAUSE = 1.0


def remove_speaker(pulse: PulseServer) -> None:
    """Unload the ``spk`` null sink: the kiosk's open output stream is left with no sink (it
    is not called any more), and no new output stream can be opened."""
    for line in pulse.pactl("list", "short", "modules").splitlines():
        if "sink_name=spk" in line:
            pulse.pactl("unload-module", line.split()[0])


def put_speaker_back(pulse: PulseServer) -> None:
    pulse.pactl("load-module", "module-null-sink", "sink_name=spk", f"rate={pulse.rate}")
    pulse.route(source="room", sink="spk")


def test_a_speaker_lost_mid_session_ends_it_with_the_advice_on_the_screen(
    room_pulse: PulseServer, model: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def lose(kiosk: KioskRunner) -> None:
        remove_speaker(room_pulse)
        kiosk.service.hub.press("no")  # the third question is never heard: it does not play

    # the speaker counts as dead 5 s after the end of the prompt it could not play
    kiosk, lost = lose_a_device_mid_session(kiosk_settings(tmp_path), model, caplog, lose,
                                            restore=lambda: put_speaker_back(room_pulse),
                                            pause=PAUSE, timeout=25)
    stats = kiosk.service.stats
    # Ended, not asked on unheard ("device-lost" is the kiosk's count, as for a microphone
    # lost in a session; the transcript ends as the engine ended it).
    assert lost.outcome == "device-lost"
    page = lost.page
    events = read_transcript(lost.path)
    # The answers given are kept, as given.
    assert [(e["intent"], e["confidence"]) for e in events if e["type"] == "heard"] == [
        ("no", 1.0), ("no", 1.0)]
    # What failed is in the transcript, right after the prompt that could not be played ...
    (at,) = [i for i, e in enumerate(events) if e["type"] == "device"]
    assert events[at]["speaker"] == "lost" and "speaker" in events[at]["error"], events[at]
    assert events[at - 1]["type"] == "say"
    assert events[at - 1]["key"] == "question:leg-weakness-severe"
    # ... then the dialog's own stopped ending (shown, not spoken), and nothing else.
    after = events[at + 1:]
    assert [e["type"] for e in after] == ["say"] * (len(after) - 1) + ["end"], after
    assert len(after) > 1 and {e["key"] for e in after[:-1]} == {"outcome:stopped"}
    assert after[-1]["outcome"] == "stopped"
    # The page says plainly that the speaker does not work, and shows the ending's advice.
    assert page.status == "trouble"
    assert "speaker is not working" in page.message, page
    assert page.prompt == after[-2]["text"] and "call 911" in page.prompt, page
    assert page.buttons == ()
    # Logged once, with what failed.
    speaker_lines = [w for w in lost.warnings if "speaker" in w]
    assert len(speaker_lines) == 1 and "never finished" in speaker_lines[0], lost.warnings
    assert lost.device_failures == 1 and lost.outcomes == {"device-lost": 1}
    assert lost.recoveries == 0
    # Then the way a missing speaker takes between sessions: one pause, the devices opened
    # again, "back" said on the speaker that plays again.
    assert stats.retry_pauses == [PAUSE] and len(kiosk.attempts) == 2, stats
    assert kiosk.said[-1] == BACK_MESSAGE.format(wake="hey coach"), kiosk.said[-3:]
    assert stats.recoveries == 1 and stats.device_failures == 1, stats
