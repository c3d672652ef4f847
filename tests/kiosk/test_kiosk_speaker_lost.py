"""The speaker lost in the middle of a session, on the real audio path: the kiosk speaks through
PortAudio into a PulseAudio null sink, and the test removes that sink while a session runs.

The microphone is a null source here (a silent room), not the monitor of a second null sink:
PulseAudio 16 moves the streams of a removed sink to any sink that is left, so with a ``mic``
sink the kiosk's voice would simply go on playing into its own microphone. The person answers
with the screen's buttons (``InputHub.press``, which counts exactly like the spoken word): the
path under test is the speaker's, and the answers stay exact and quick. The screen's server is
not started; its state is what the page would show.

The speaker is put back before the kiosk's first attempt to reopen the devices (a 1 s pause
here): with a source left and no sink at all, PortAudio sometimes opened an output stream and
then hung for good starting it (about one run in six when the kiosk kept retrying without a
sink; the kiosk then ends for a restart, as it must, and the stuck thread crashed pytest at
teardown). Retrying while the speaker is still gone is test_kiosk_service.py's, with stand-in
devices.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.kiosk.harness import KioskRunner, kiosk_settings
from tests.pulse import PulseServer, reinitialize_portaudio, running_pulse
from voiceskill.kiosk.screen import Screen
from voiceskill.kiosk.service import BACK_MESSAGE
from voiceskill.transcript import read_transcript

pytestmark = pytest.mark.audio

#: Seconds the kiosk waits before reopening the devices (the sink is back well before).
PAUSE = 1.0


@pytest.fixture
def room_pulse() -> Iterator[PulseServer]:
    """A PulseAudio server of this test's own: the speaker is the null sink ``spk``, the
    microphone the null source ``room``. The shared server is used again afterwards."""
    try:
        with running_pulse(sinks=("spk",)) as server:
            server.pactl("load-module", "module-null-source", "source_name=room")
            server.route(source="room", sink="spk")
            yield server
    finally:
        reinitialize_portaudio()


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
    screen = Screen(on_press=lambda intent: None, port=0)
    kiosk = KioskRunner(kiosk_settings(tmp_path), model, screen, first_backoff=PAUSE,
                        max_backoff=PAUSE)
    # Sessions begin at the first warning-sign question (``voiceskill kiosk --start``): the
    # welcome would only make the test longer.
    kiosk.service.session_start = "saddle-numbness"
    kiosk.start()
    hub = kiosk.service.hub
    stats = kiosk.service.stats
    try:
        with caplog.at_level(logging.WARNING, logger="voiceskill.kiosk"):
            kiosk.wait_listen("hey coach")
            hub.press("wake")
            kiosk.wait_listen("yes")  # the first red-flag question was spoken
            hub.press("no")
            kiosk.wait_listen("yes")  # the second one too
            remove_speaker(room_pulse)
            hub.press("no")  # the third question is never heard: its sound does not play
            # the speaker counts as dead 5 s after the end of the prompt it could not play
            outcome, path = kiosk.wait_end(timeout=25)
            # Ended, not asked on unheard ("device-lost" is the kiosk's count, as for a
            # microphone lost in a session; the transcript ends as the engine ended it).
            assert outcome == "device-lost" and path is not None
            kiosk.wait_status("trouble")
            page = screen.state
            failures, outcomes, recoveries = (stats.device_failures, dict(stats.outcomes),
                                              stats.recoveries)
            warnings = [r.getMessage() for r in caplog.records if r.name == "voiceskill.kiosk"]
        put_speaker_back(room_pulse)
        kiosk.drop_listens()
        kiosk.wait_listen("hey coach", timeout=30)  # reopened: waiting for the next person
    finally:
        kiosk.stop()

    events = read_transcript(path)
    # The answers given are kept, as given.
    assert [(e["intent"], e["confidence"]) for e in events if e["type"] == "heard"] == [
        ("no", 1.0), ("no", 1.0)]
    # What failed is in the transcript, right after the prompt that could not be played ...
    (lost,) = [i for i, e in enumerate(events) if e["type"] == "device"]
    assert events[lost]["speaker"] == "lost" and "speaker" in events[lost]["error"], events[lost]
    assert events[lost - 1]["type"] == "say"
    assert events[lost - 1]["key"] == "question:leg-weakness-severe"
    # ... then the dialog's own stopped ending (shown, not spoken), and nothing else.
    after = events[lost + 1:]
    assert [e["type"] for e in after] == ["say"] * (len(after) - 1) + ["end"], after
    assert len(after) > 1 and {e["key"] for e in after[:-1]} == {"outcome:stopped"}
    assert after[-1]["outcome"] == "stopped"
    # The page says plainly that the speaker does not work, and shows the ending's advice.
    assert page.status == "trouble"
    assert "speaker is not working" in page.message, page
    assert page.prompt == after[-2]["text"] and "call 911" in page.prompt, page
    assert page.buttons == ()
    # Logged once, with what failed.
    speaker_lines = [w for w in warnings if "speaker" in w]
    assert len(speaker_lines) == 1 and "never finished" in speaker_lines[0], warnings
    assert failures == 1 and outcomes == {"device-lost": 1} and recoveries == 0
    # Then the way a missing speaker takes between sessions: one pause, the devices opened
    # again, "back" said on the speaker that plays again.
    assert stats.retry_pauses == [PAUSE] and len(kiosk.attempts) == 2, stats
    assert kiosk.said[-1] == BACK_MESSAGE.format(wake="hey coach"), kiosk.said[-3:]
    assert stats.recoveries == 1 and stats.device_failures == 1, stats
