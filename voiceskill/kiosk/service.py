"""The always-on kiosk: wait for the wake phrase, run one session, wait again, forever.

Life of the service::

    open devices ──fail──▶ wait 1, 2, 4 … 60 s ──▶ open devices again (say "back" once the
        │                                          microphone's first audio has come)
        │                  (also when they open but fail before one whole idle listen;
        │                   the wait ends at once on request_stop)
        │
        ▼
    idle: listen for the wake phrase only (grammar [wake phrase, [unk]]) or the screen's Start
        │ heard
        ▼
    session: fresh engine, fresh transcript, InputHub cleared ──▶ end / idle reset / error
        │
        ▼
    retention cleanup, back to idle

Faults never end the service: a device error sends it to the retry loop, any other error inside
a session is logged (and written to that session's transcript) and the service goes on. A
speaker that fails under a prompt (the devices' mouth raises) or a microphone that fails under
a listen (the devices' ear raises) ends its session without another listen
(:class:`SessionVoice`): the engine's stopped ending goes to the transcript and the screen (and
to the speaker, when it is the microphone that failed); then the retry loop, where the devices
count as working again once "back" has been said.
:meth:`KioskService.request_stop` (SIGTERM) asks the running session to stop politely, then
forces its end, so every transcript finishes with an ``end`` line.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voiceskill.clock import Clock
from voiceskill.config import Settings
from voiceskill.events import Choice, Heard, Listen
from voiceskill.kiosk.inputs import InputHub, SessionAborted
from voiceskill.session import Ear, Engine, Mouth, Session
from voiceskill.speech.audio import Backoff, portaudio_stuck
from voiceskill.transcript import Transcript

log = logging.getLogger("voiceskill.kiosk")

#: Intent of the wake phrase in the idle grammar.
WAKE_INTENT = "wake"

#: Lowest recognizer confidence at which the wake phrase counts (ordinary talk in the room
#: must not start sessions; a screen press has confidence 1).
WAKE_MIN_CONFIDENCE = 0.5

#: Seconds of one idle listen; between two of them the service checks for a stop and cleans up.
IDLE_LISTEN_SECONDS = 30.0

#: Seconds of one wait for a reopened microphone's first audio; between two of them the
#: service checks for a stop.
AUDIO_WAIT_SECONDS = 0.25

#: Spoken when the devices work again after a failure: opened, and the microphone delivers
#: audio (:attr:`Devices.audio_arrived`).
BACK_MESSAGE = "I can hear you again. Say {wake} when you want to start."

#: Said instead when the devices were missing from the kiosk's start: it never heard the room
#: before, so "again" would not be true.
READY_MESSAGE = "I can hear you now. Say {wake} when you want to start."

#: Spoken when a silent session is ended.
IDLE_RESET_MESSAGE = "I have not heard from you for a while, so I am ending this session."

#: Said (and shown) when the microphone fails during a session, before its stopped ending.
MICROPHONE_LOST_MESSAGE = "I cannot hear you any more: the microphone has stopped working."

#: Spoken when a session fails with an error of ours.
ERROR_MESSAGE = "Sorry, something went wrong on my side. Please start again with {wake}."


class DeviceUnavailable(Exception):
    """The microphone or speaker cannot be opened or stopped working."""


@dataclass
class Devices:
    """An opened microphone ear and speaker mouth, and how to close them."""

    ear: Ear
    """The microphone listener (its audio source already wrapped by the InputHub). Raises a
    device error when the microphone fails under a listen; in a session, the service then
    ends the session (:class:`SessionVoice`)."""

    mouth: Mouth
    """The voice. Raises a device error (``KioskParts.device_errors``) when the speaker
    failed under a prompt; the service then ends the session (:class:`SessionVoice`)."""

    close: Callable[[], None] = lambda: None
    """Releases the devices (called before every retry and at shutdown)."""

    recorder: Any = None
    """Object with ``start(path)``/``stop()`` that keeps the mic audio of a session (privacy:
    only used when ``keep_audio`` is on); None when keeping audio is not supported."""

    check: Callable[[], None] = lambda: None
    """Raises a device error when a device has failed since it was opened (checked before
    every idle listen)."""

    audio_arrived: Callable[[float], bool] = lambda timeout: True
    """Whether the microphone has delivered audio since it was opened, waiting up to
    ``timeout`` seconds for its first; raises a device error when none has come for the time
    a stalled microphone is given. Opening a stream proves nothing: a source that sends no
    sound opens as well (asked before "back" is said)."""

    delivered: Callable[[], bool] = lambda: True
    """Whether the microphone has delivered any audio since it was opened (never waits, never
    raises): once one has, the kiosk has heard the room, and its return is "again"."""


@dataclass
class KioskParts:
    """What the service is built from; tests and the soak bench pass their own."""

    open_devices: Callable[[InputHub], Devices]
    """Opens microphone and speaker; raises DeviceUnavailable (or AudioDeviceError)."""

    make_engine: Callable[[], Engine]
    """A new conversation engine for each session."""

    clock: Clock
    """The session clock (MonotonicClock in real use)."""

    device_errors: tuple[type[BaseException], ...] = (DeviceUnavailable,)
    """Exception types that mean "device trouble": retry with backoff instead of a crash."""


@dataclass
class KioskStats:
    """Counters of what the service did (for tests, logs and the soak bench)."""

    sessions: int = 0
    """Sessions started."""

    outcomes: dict[str, int] = field(default_factory=dict)
    """Finished sessions by outcome (``idle-reset`` and ``error`` included)."""

    wake_ups: int = 0
    """Times the wake phrase (or the screen's Start) was recognised."""

    wake_ignored: int = 0
    """Wake phrases heard with too little confidence to start a session."""

    device_failures: int = 0
    """Times the devices failed to open or stopped working."""

    recoveries: int = 0
    """Times the devices worked again after a failure."""

    transcripts: list[Path] = field(default_factory=list)
    """Transcript files of the sessions, oldest first."""

    open_attempts: int = 0
    """Times the service tried to open the devices (the first time included)."""

    retry_pauses: list[float] = field(default_factory=list)
    """Seconds the service chose to wait before each reopen, in order (the backoff)."""

    stuck: bool = False
    """The service ended because PortAudio got stuck (only a new process brings sound back)."""


class KioskService:
    """Runs sessions back to back until :meth:`request_stop`."""

    def __init__(
        self,
        settings: Settings,
        parts: KioskParts,
        screen: Any = None,
        max_backoff: float = 60.0,
        first_backoff: float = 1.0,
        session_start: str | None = None,
    ) -> None:
        self.settings = settings
        self.parts = parts
        self.screen = screen
        self.max_backoff = max_backoff
        self.first_backoff = first_backoff
        #: Dialog node every session begins with (None = the screening; check_kiosk_start).
        self.session_start = session_start
        self.hub = InputHub(parts.clock, idle_timeout=settings.session_idle_timeout)
        if screen is not None:
            self.hub.on_listen = screen.show_listen
        self.stats = KioskStats()
        self._stop = threading.Event()
        self._backoff = Backoff(first_backoff, max_backoff, self._stop)
        self._outage = False  # devices failed and have not worked through a listen since
        self._announced = False  # BACK_MESSAGE said during the current outage
        self._worked = False  # a microphone opened since the start has delivered audio
        #: Returns a one-line summary of what the C sound libraries printed since the last
        #: call (see :mod:`voiceskill.kiosk.quiet`), logged once per retry; None = not caught.
        self.library_noise: Callable[[], str | None] | None = None
        self._session: Session | None = None
        self._wake = Listen((Choice(settings.wake_phrase, WAKE_INTENT),), timeout=None)
        #: Called after each session with its outcome and transcript path.
        self.on_session_end: Callable[[str, Path | None], None] | None = None
        #: Called with (status, message) when the service goes idle, into a session or into
        #: device trouble (the screen shows it; tests wait on it).
        self.on_status: Callable[[str, str], None] | None = None

    # ------------------------------------------------------------------ control (any thread)

    def request_stop(self) -> None:
        """End the service: the running session is stopped and its transcript completed."""
        self._stop.set()
        session = self._session
        if session is not None:
            session.request_stop()
        self.hub.shutdown()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    # ------------------------------------------------------------------ main loop

    def serve(self) -> KioskStats:
        """Run until :meth:`request_stop`; returns what happened."""
        self.cleanup_transcripts()
        backoff = self._backoff
        while not self._stop.is_set():
            self.stats.open_attempts += 1
            try:
                devices = self.parts.open_devices(self.hub)
            except self.parts.device_errors as err:
                self._device_failed(err)
                self._retry_later(backoff, "opening the sound devices", err)
                continue
            self.hub.mic = devices.ear
            problem: BaseException | None = None
            try:
                if self._outage and not self._announced and self._microphone_back(devices):
                    # Counted once said: a speaker that cannot say it is still gone.
                    back = BACK_MESSAGE if self._worked else READY_MESSAGE
                    devices.mouth.say(back.format(wake=self.settings.wake_phrase), None)
                    self.stats.recoveries += 1
                    self._announced = True
                    log.info("the sound devices work again")
                self._set_status("idle")
                self._idle(devices)
            except self.parts.device_errors as err:
                self._device_failed(err)
                problem = err
            except Exception as err:  # noqa: BLE001 - a fault while idle: reopen and go on
                log.error("kiosk fault while idle: %s\n%s", err, traceback.format_exc())
                self._device_failed(err)
                problem = err
            finally:
                self._worked = self._worked or devices.delivered()
                self.hub.mic = None
                devices.close()
            if portaudio_stuck.is_set():
                # PortAudio cannot be used again in this process: end with stats.stuck so
                # the command exits with an error and systemd starts the kiosk afresh.
                self.stats.stuck = True
                log.error("the sound library is stuck; stopping so the kiosk can be restarted")
                break
            if problem is not None:
                # Devices that open but fail at once must not be reopened in a tight loop:
                # the pause keeps growing until they have worked through a whole listen.
                self._retry_later(backoff, "the sound devices", problem)
        self._set_status("trouble", "The coach is switched off.")
        log.info("kiosk stopped after %d sessions", self.stats.sessions)
        return self.stats

    def _retry_later(self, backoff: Backoff, what: str, err: BaseException) -> None:
        """Wait the next backoff pause (one log line per attempt), or less when stopping."""
        if self._stop.is_set():
            return
        pause = backoff.failed(what, err)
        self.stats.retry_pauses.append(pause)
        noise = self.library_noise() if self.library_noise is not None else None
        if noise:
            log.info("the sound library reported: %s", noise)
        backoff.wait(pause)

    def _device_failed(self, err: BaseException) -> None:
        """Count and announce a fault once per outage (an outage lasts until the devices
        have worked through a whole idle listen again)."""
        if not self._outage:
            self._outage = True
            self.stats.device_failures += 1
            log.warning("sound device problem: %s (retrying)", err)
        self._set_status("trouble", f"Sound device problem: {err}. Trying again…")

    def _microphone_back(self, devices: Devices) -> bool:
        """Wait for the first audio of the microphone just opened: True once it came, False
        when the service is stopping first. One that sends none raises the device error."""
        while not self._stop.is_set():
            if devices.audio_arrived(AUDIO_WAIT_SECONDS):
                return True
        return False

    def _devices_work(self) -> None:
        """The devices got through a whole listen: the outage (if any) is over."""
        self._backoff.reset()
        self._outage = self._announced = False

    def _idle(self, devices: Devices) -> None:
        """Listen for the wake phrase; run a session each time it is heard."""
        clock = self.parts.clock
        while not self._stop.is_set():
            devices.check()
            heard = self.hub.listen(self._wake, clock.now() + IDLE_LISTEN_SECONDS)
            if self._stop.is_set():
                return
            self._devices_work()  # a whole listen without a device error
            if heard_wake(heard):
                assert heard is not None
                if heard.confidence < WAKE_MIN_CONFIDENCE:
                    self.stats.wake_ignored += 1
                    log.info("wake phrase ignored: confidence %.2f", heard.confidence)
                    continue
                self.stats.wake_ups += 1
                self._set_status("session")
                self.run_session(devices)
                self.cleanup_transcripts()
                self._set_status("idle")

    # ------------------------------------------------------------------ one session

    def run_session(self, devices: Devices) -> str:
        """One full conversation with everything fresh; returns its outcome."""
        self.hub.clear()
        transcript = Transcript(self.settings.transcript_dir)
        self.stats.sessions += 1
        if transcript.path is not None:
            self.stats.transcripts.append(transcript.path)
        observers: list[Callable[[dict[str, Any]], None]] = [self.hub.observe]
        if self.screen is not None:
            observers.append(self.screen.observe)
        recording = (self.settings.keep_audio and devices.recorder is not None
                     and transcript.path is not None)
        if recording:
            assert transcript.path is not None
            devices.recorder.start(transcript.path.with_suffix(".wav"))
        outcome = "error"
        device_error: BaseException | None = None
        voice = SessionVoice(devices.mouth, self.hub, self.parts.device_errors)
        try:
            engine = self.parts.make_engine()
            session = Session(engine, voice, voice, self.parts.clock, transcript,
                              self.settings.silence_timeout, observers)
            voice.session = self._session = session
            self.hub.begin_session()
            if self._stop.is_set():
                session.request_stop()
            outcome = session.run(start=self.session_start).outcome
            if voice.failure is not None:
                outcome, device_error = "device-lost", voice.failure
        except SessionAborted as abort:
            outcome = self._finish(transcript, devices, abort.outcome, abort.reason)
        except self.parts.device_errors as err:
            self._finish(transcript, devices, "stopped", f"device: {err}", speak=False)
            outcome, device_error = "device-lost", err
        except Exception as err:  # noqa: BLE001 - one session's error never ends the service
            log.error("session failed: %s\n%s", err, traceback.format_exc())
            outcome = self._finish(transcript, devices, "error", f"{type(err).__name__}: {err}")
        finally:
            self._session = None
            self.hub.end_session()
            if recording:
                devices.recorder.stop()
            transcript.close()
        self.stats.outcomes[outcome] = self.stats.outcomes.get(outcome, 0) + 1
        log.info("session %s ended: %s", transcript.session_id, outcome)
        if self.on_session_end is not None:
            self.on_session_end(outcome, transcript.path)
        if device_error is not None:
            raise device_error  # the service closes the devices and retries
        return outcome

    def _finish(
        self, transcript: Transcript, devices: Devices, outcome: str, reason: str,
        speak: bool = True,
    ) -> str:
        """Close a session the engine did not end itself: say why, write the ``end`` line."""
        if transcript.events and transcript.events[-1].get("type") == "end":
            return outcome  # the engine ended it after all
        t = self.parts.clock.now() - self.hub.session_started
        message = {"idle": IDLE_RESET_MESSAGE, "error": ERROR_MESSAGE}.get(reason.split(":")[0])
        if outcome == "error":
            message = ERROR_MESSAGE
        if speak and message and not self._stop.is_set():
            text = message.format(wake=self.settings.wake_phrase)
            transcript.write(t, "say", text=text, key="kiosk:" + outcome)
            try:
                devices.mouth.say(text, None)
            except Exception as err:  # noqa: BLE001 - the end line matters more
                log.warning("could not say the closing words: %s", err)
        event = transcript.write(t, "end", outcome=outcome, reason=reason)
        if self.screen is not None:
            self.screen.observe(event)
        return outcome

    # ------------------------------------------------------------------ housekeeping

    def cleanup_transcripts(self) -> int:
        """Delete transcripts (and kept audio) older than the retention; return how many."""
        days = self.settings.retention_days
        directory = self.settings.transcript_dir
        if days <= 0 or not directory.is_dir():
            return 0
        limit = time.time() - days * 86400.0
        removed = 0
        for path in directory.iterdir():
            if path.suffix not in (".jsonl", ".wav") or not path.is_file():
                continue
            try:
                if path.stat().st_mtime < limit:
                    path.unlink()
                    removed += 1
            except OSError as err:
                log.warning("cannot remove old transcript %s: %s", path, err)
        if removed:
            log.info("removed %d transcript files older than %g days", removed, days)
        return removed

    def _set_status(self, status: str, message: str = "") -> None:
        if self.on_status is not None:
            self.on_status(status, message)
        if self.screen is not None:
            self.screen.set_status(status, message)


class SessionVoice:
    """A kiosk session's mouth and ear: the devices' mouth and the InputHub, until either
    raises a device error: the speaker failed under a prompt, or the microphone under a listen.
    The session then cannot go on, and ends the same way for both. What is lost is noted in
    its transcript (a ``device`` line: ``speaker`` or ``microphone`` ``lost``, with the
    error). Nothing is listened to any more: the next listen (for a lost microphone, the one
    it was lost under) asks the session to stop as SIGTERM does and ends at once, so the engine
    ends it with its stopped ending, whose advice and emergency number reach the transcript and
    the screen; the answers already given stay as written.

    A lost speaker says nothing more: the rest of its turn is written and shown only (an
    outcome that turn reaches stays its outcome, with its advice on the screen). A lost
    microphone leaves the speaker working: :data:`MICROPHONE_LOST_MESSAGE` says why the session
    ends, then the stopped ending is spoken as well. A listen after the stop (an engine that did
    not end) raises the failure, and the service ends the session itself."""

    def __init__(self, mouth: Mouth, ear: Ear, errors: tuple[type[BaseException], ...]) -> None:
        self.mouth = mouth
        self.ear = ear
        self.errors = errors
        self.session: Session | None = None
        """The session this is the voice of (set once it exists)."""
        self.failure: BaseException | None = None
        """The first device failure, once there was one."""
        self._speaker_lost = False
        self._stop_asked = False
        self._why: str | None = None
        """Words written to the transcript, to be spoken before the next prompt."""

    def say(self, text: str, barge_in: Listen | None) -> Heard | None:
        if not self._speaker_lost:
            try:
                if self._why is not None:
                    why, self._why = self._why, None
                    self.mouth.say(why, None)
                return self.mouth.say(text, barge_in)
            except self.errors as err:
                self._speaker_lost = True
                self._lost("speaker", err)
        return None

    def adjust(self, rate_step: int, volume_step: int) -> str | None:
        return self.mouth.adjust(rate_step, volume_step)

    def listen(self, listen: Listen, until: float) -> Heard | None:
        if self.failure is None:
            try:
                return self.ear.listen(listen, until)
            except self.errors as err:
                self._lost("microphone", err)
                if self.session is not None:
                    self.session.note("say", text=MICROPHONE_LOST_MESSAGE,
                                      key="kiosk:microphone-lost")
                # Spoken with the ending's first words, not here: the session must take the
                # stop before the turn's silence deadline, or it writes a silence line first.
                self._why = MICROPHONE_LOST_MESSAGE
        if self._stop_asked or self.session is None:
            assert self.failure is not None
            raise self.failure
        self._stop_asked = True
        self.session.request_stop()
        return None  # the session takes the stop now; it does not wait out the turn

    def _lost(self, device: str, err: BaseException) -> None:
        """Note a device lost under this session (the first failure is the session's)."""
        if self.failure is None:
            self.failure = err
        if self.session is not None:
            self.session.note("device", **{device: "lost"}, error=str(err))


def heard_wake(heard: Heard | None) -> bool:
    """True when ``heard`` is the wake phrase (or the screen's Start)."""
    return heard is not None and heard.intent == WAKE_INTENT
