"""Runs the real kiosk (real Vosk model, pyttsx3/espeak-ng voice, PortAudio through PulseAudio)
in a background thread, and lets a test talk to it through the ``mic`` null sink.

Used by the kiosk audio tests, the Chromium screen test and ``bench/kiosk_soak.py``.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import voiceskill
from voiceskill.clock import MonotonicClock
from voiceskill.config import Settings
from voiceskill.conversation import build_conversation
from voiceskill.events import Listen
from voiceskill.kiosk.devices import AudioDevices
from voiceskill.kiosk.service import Devices, KioskParts, KioskService
from voiceskill.speech.audio import AudioDeviceError

#: Voice of the person in the tests: another espeak-ng voice than the kiosk's own.
PERSON_VOICE = "en-us+f3"


def say_to_wav(text: str, path: Path, voice: str = PERSON_VOICE, rate: int = 150) -> Path:
    """The person's words as a WAV file (espeak-ng, offline)."""
    if not path.exists():
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-w", str(path), text],
                       check=True, capture_output=True)
    return path


def speak(pulse: Any, voice_dir: Path, text: str) -> None:
    """The person says ``text`` into the ``mic`` sink (returns when it has been played)."""
    wav = say_to_wav(text, voice_dir / (text.replace(" ", "_") + ".wav"))
    pulse.play(wav, sink="mic").wait(20)


class KioskRunner:
    """A KioskService with real audio devices running in a thread, observed by the test."""

    def __init__(self, settings: Settings, model: Any = None, screen: Any = None,
                 first_backoff: float = 0.25, max_backoff: float = 2.0,
                 on_note: Callable[..., None] | None = None) -> None:
        """``on_note(kind, **fields)``, if given, hears of every attempt to open the devices,
        sentence said, listen, status and session end (``tests.kiosk.child`` reports them)."""
        clock = MonotonicClock()
        note = on_note if on_note is not None else (lambda kind, **fields: None)
        self.audio = AudioDevices(settings, clock, model)

        def make_engine() -> Any:
            return build_conversation(voiceskill.DIALOGS_DIR, settings.emergency_number)

        self.said: list[str] = []
        self.devices: Devices | None = None
        """The devices opened last."""
        self.attempts: list[float] = []
        """``time.monotonic()`` of every attempt to open the devices."""

        def open_devices(hub: Any) -> Devices:
            self.attempts.append(time.monotonic())
            note("attempt")
            try:
                devices = self.audio.open(hub)
            except Exception:
                note("open_failed")
                raise
            self.devices = devices
            say = devices.mouth.say

            def say_and_note(text: str, barge_in: Any) -> Any:
                self.said.append(text)
                note("said", text=text)
                return say(text, barge_in)

            devices.mouth.say = say_and_note  # type: ignore[method-assign]
            return devices

        parts = KioskParts(open_devices, make_engine, clock, device_errors=(AudioDeviceError,))
        self.service = KioskService(settings, parts, screen, max_backoff=max_backoff,
                                    first_backoff=first_backoff)
        self.listens: queue.Queue[Listen] = queue.Queue()
        self.ended: queue.Queue[tuple[str, Path | None]] = queue.Queue()
        previous: Callable[[Listen], None] | None = self.service.hub.on_listen

        def on_listen(listen: Listen) -> None:
            self.listens.put(listen)
            note("listen", phrases=list(listen.phrases))
            if previous is not None:
                previous(listen)

        self.service.hub.on_listen = on_listen
        def on_end(outcome: str, path: Path | None) -> None:
            self.ended.put((outcome, path))
            note("end", outcome=outcome, path=str(path) if path else None)

        def on_status(status: str, message: str) -> None:
            self.statuses.put(status)
            note("status", status=status)

        self.service.on_session_end = on_end
        self.statuses: queue.Queue[str] = queue.Queue()
        self.service.on_status = on_status
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._serve, name="kiosk", daemon=True)

    def _serve(self) -> None:
        try:
            self.service.serve()
        except BaseException as err:  # noqa: BLE001 - reported to the test
            self.error = err

    def start(self) -> KioskRunner:
        self.thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self.service.request_stop()
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the kiosk did not stop"
        self.audio.close()
        if self.error is not None:
            raise self.error

    def wait_listen(self, accepts: str, timeout: float = 60.0) -> Listen:
        """Wait until the kiosk listens for a phrase list containing ``accepts``."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not self.thread.is_alive():
                raise AssertionError(f"the kiosk never listened for {accepts!r} "
                                     f"(error: {self.error!r})")
            try:
                listen = self.listens.get(timeout=left)
            except queue.Empty:
                continue
            if accepts in listen.phrases:
                return listen

    def wait_end(self, timeout: float = 90.0) -> tuple[str, Path | None]:
        """The outcome and transcript of the next session to end."""
        try:
            return self.ended.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no session ended within {timeout} s") from None

    def answer_until_end(self, answer: Callable[[], None], accepts: str, tries: int = 2,
                         timeout: float = 90.0) -> tuple[str, Path | None]:
        """``answer()`` (the person speaks), and again each time the kiosk asks again (listens
        for ``accepts`` once more), as a person does when not understood, at most ``tries``
        times; then the outcome and transcript of the session."""
        deadline = time.monotonic() + timeout
        answer()
        tries -= 1
        while True:
            try:
                return self.ended.get(timeout=0.1)
            except queue.Empty:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"no session ended within {timeout} s")
            try:
                listen = self.listens.get_nowait()
            except queue.Empty:
                continue
            if accepts in listen.phrases and tries > 0:
                answer()
                tries -= 1

    def wait_status(self, status: str, timeout: float = 30.0) -> None:
        """Wait until the service reports ``status`` (idle, session, trouble)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.statuses.get(timeout=max(0.0, deadline - time.monotonic())) == status:
                    return
            except queue.Empty:
                raise AssertionError(f"the kiosk never reported {status!r}") from None

    def drop_listens(self) -> None:
        while not self.listens.empty():
            self.listens.get_nowait()


def kiosk_settings(tmp_path: Path, **changes: Any) -> Settings:
    """Fast-speaking settings writing transcripts under ``tmp_path``.

    The kiosk speaks at 700 words a minute (espeak-ng speeds up past its 450 with libsonic):
    nobody listens to it here, and its voice goes to ``spk``, never into the microphone, so
    only the length of the tests depends on it (a session with the emergency advice: 25 s at
    380, 16 s at 700). The settings file caps the rate at 400; these settings skip that check.
    """
    base = Settings(transcript_dir=tmp_path / "transcripts", rate=700, silence_timeout=6.0,
                    session_idle_timeout=60.0)
    return dataclasses.replace(base, **changes)


@dataclasses.dataclass
class LostMidSession:
    """What the kiosk showed, counted and logged once a session ended on a lost device and the
    service reported its trouble (:func:`lose_a_device_mid_session`)."""

    outcome: str
    path: Path
    page: Any
    """The screen's state (what the page shows)."""
    device_failures: int
    outcomes: dict[str, int]
    recoveries: int
    warnings: list[str]
    """The ``voiceskill.kiosk`` log's warnings until then."""
    said: list[str]
    """What the kiosk had given its voice until then."""

    def microphone_lost_ending(self, error: str) -> list[str]:
        """Check the transcript of a session ended by its microphone under the second red-flag
        question: the answer given kept as given, no silence, the ``device`` line (``error``)
        right after that question, then the kiosk's "cannot hear you" and the dialog's own
        stopped ending, each said in that order after the question, and nothing else. Returns
        that closing, as said."""
        from voiceskill.kiosk.service import MICROPHONE_LOST_MESSAGE
        from voiceskill.transcript import read_transcript

        events = read_transcript(self.path)
        assert [(e["intent"], e["confidence"]) for e in events if e["type"] == "heard"] == [
            ("no", 1.0)]
        assert [e["type"] for e in events].count("silence") == 0  # noticed within the listen
        (at,) = [i for i, e in enumerate(events) if e["type"] == "device"]
        assert events[at]["microphone"] == "lost" and events[at]["error"] == error, events[at]
        assert events[at - 1]["type"] == "say"
        assert events[at - 1]["key"] == "question:bladder-control"
        after = events[at + 1:]
        assert [e["type"] for e in after] == ["say"] * (len(after) - 1) + ["end"], after
        assert after[0]["key"] == "kiosk:microphone-lost"
        assert len(after) > 2 and {e["key"] for e in after[1:-1]} == {"outcome:stopped"}
        assert after[-1]["outcome"] == "stopped"
        closing = [e["text"] for e in after[:-1]]
        assert closing[0] == MICROPHONE_LOST_MESSAGE
        asked = self.said.index(events[at - 1]["text"])
        assert self.said[asked + 1:asked + 1 + len(closing)] == closing, self.said[asked:]
        return closing


def wait_for_attempts(kiosk: KioskRunner, count: int, timeout: float) -> None:
    """Wait until the kiosk has tried to open the devices ``count`` times."""
    deadline = time.monotonic() + timeout
    while len(kiosk.attempts) < count:
        assert time.monotonic() < deadline, f"only {len(kiosk.attempts)} attempts"
        assert kiosk.thread.is_alive(), kiosk.error
        time.sleep(0.05)  # another thread's counter; nothing to wait on


def lose_a_device_mid_session(
    settings: Settings, model: Any, caplog: Any, lose: Callable[[KioskRunner], None],
    restore: Callable[[], None] = lambda: None, pause: float = 1.0, timeout: float = 30.0,
) -> tuple[KioskRunner, LostMidSession]:
    """A kiosk on the real devices, with a screen (its state only; the page is not served),
    reopening the devices ``pause`` seconds after a failure. A session is started and answered
    with the screen's buttons, from the first red-flag question (``voiceskill kiosk --start``:
    the welcome would only make the test longer): "no", then once the second question is
    listened for, ``lose(kiosk)``. Then the session's end and the trouble status are waited
    for (``caplog``: pytest's, for the warnings), ``restore()`` is called, and the kiosk is
    stopped once it listens for the wake phrase on the devices opened again."""
    from voiceskill.kiosk.screen import Screen

    screen = Screen(on_press=lambda intent: None, port=0)
    kiosk = KioskRunner(settings, model, screen, first_backoff=pause, max_backoff=pause)
    kiosk.service.session_start = "saddle-numbness"
    kiosk.start()
    hub, stats = kiosk.service.hub, kiosk.service.stats
    try:
        with caplog.at_level(logging.WARNING, logger="voiceskill.kiosk"):
            kiosk.wait_listen("hey coach")
            hub.press("wake")
            kiosk.wait_listen("yes")  # the first red-flag question was spoken
            hub.press("no")
            kiosk.wait_listen("yes")  # the second one too
            lose(kiosk)
            outcome, path = kiosk.wait_end(timeout)
            assert path is not None
            kiosk.wait_status("trouble")
            lost = LostMidSession(
                outcome, path, screen.state, stats.device_failures, dict(stats.outcomes),
                stats.recoveries,
                [r.getMessage() for r in caplog.records if r.name == "voiceskill.kiosk"],
                list(kiosk.said))
        restore()
        kiosk.drop_listens()
        kiosk.wait_listen("hey coach", timeout=30)  # reopened: waiting for the next person
    finally:
        kiosk.stop()
    return kiosk, lost
