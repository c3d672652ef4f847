"""The session: the loop that carries out the pure engine's actions, on an injected clock.

It runs one conversation: feeds events to ``engine.step`` and carries out the actions through
an :class:`Ear` (listening: keyboard, microphone, WAV, script) and a :class:`Mouth` (speaking:
terminal, pyttsx3 → sounddevice, recorder). Text mode, voice mode, simulations and the kiosk all
use this one loop; they differ only in the ear, the mouth and the clock they pass in.

Rules the edges can rely on:
- A :class:`Listen` is in force from the start of the turn that emits it (its prompts can be
  interrupted) until the engine emits another one or :class:`End`.
- Silence is measured from the moment listening (re)starts after the last prompt was spoken.
- While speaking, only the barge-in intents (stop, pause, wait, pain) of the current listen
  are heard; a barge-in cuts the rest of that turn's prompts and the engine gets the Heard.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from voiceskill.clock import Clock
from voiceskill.events import (
    Action,
    AdjustVoice,
    CancelTimer,
    Choice,
    End,
    Event,
    Heard,
    Listen,
    Record,
    Say,
    Silence,
    Started,
    StartTimer,
    TimerFired,
)
from voiceskill.intents import normalize
from voiceskill.transcript import Transcript

#: Intents that may interrupt the assistant while it speaks.
BARGE_IN_INTENTS = frozenset({"stop", "pause", "wait", "pain"})


def interrupts(heard: Heard | None, prompt: str) -> bool:
    """Whether ``heard``, caught while the assistant said ``prompt``, cuts it short: a
    barge-in intent, and not only words of the prompt itself (the assistant may be hearing
    itself say "stop")."""
    return (heard is not None and heard.intent in BARGE_IN_INTENTS
            and not set(heard.text.split()) <= set(normalize(prompt).split()))

#: What a stop asked for from outside (:meth:`Session.request_stop`: SIGTERM, a kiosk reset)
#: is heard as: the engine ends politely, as it does on a spoken "stop".
REQUESTED_STOP = Heard("stop", "stop", 1.0)

#: Default seconds of silence before the engine's re-prompt rules apply.
DEFAULT_SILENCE_TIMEOUT = 8.0


class Engine(Protocol):
    """The pure dialog engine: events in, actions out."""

    def initial_state(self) -> Any: ...

    def step(self, state: Any, event: Event, now: float) -> tuple[Any, list[Action]]: ...


class Ear(Protocol):
    """Where the person's words come from."""

    def listen(self, listen: Listen, until: float) -> Heard | None:
        """Block until the person says something (→ Heard, intent None when not understood)
        or the clock reaches ``until`` (→ None)."""
        ...


class Mouth(Protocol):
    """Where the assistant's words go."""

    def say(self, text: str, barge_in: Listen | None) -> Heard | None:
        """Speak ``text`` to the end, or until a barge-in phrase of ``barge_in`` is heard
        (→ that Heard). Failing devices must not raise: show the text and return None."""
        ...

    def adjust(self, rate_step: int, volume_step: int) -> None:
        """Speak faster/slower, louder/softer from now on."""
        ...


@dataclass
class SessionResult:
    """What a finished session produced."""

    outcome: str
    """One of the outcome names in :data:`voiceskill.events.OUTCOMES`."""

    events: list[dict[str, Any]] = field(default_factory=list)
    """Transcript events, each with ``t`` (seconds since start) and ``type``."""


class Session:
    """Runs one conversation to its end."""

    def __init__(
        self,
        engine: Engine,
        ear: Ear,
        mouth: Mouth,
        clock: Clock,
        transcript: Transcript,
        silence_timeout: float = DEFAULT_SILENCE_TIMEOUT,
        observers: list[Callable[[dict[str, Any]], None]] | None = None,
    ) -> None:
        self.engine = engine
        self.ear = ear
        self.mouth = mouth
        self.clock = clock
        self.transcript = transcript
        self.silence_timeout = silence_timeout
        self.observers = list(observers or [])
        self._t0 = clock.now()
        self._timers: dict[str, float] = {}
        self._listen: Listen | None = None
        self._outcome: str | None = None
        self._stop_requested = threading.Event()
        self._silence_from = self._t0

    # ------------------------------------------------------------------ public

    def run(self, start: str | None = None) -> SessionResult:
        """Run until the engine ends the conversation (or :meth:`request_stop`)."""
        state = self.engine.initial_state()
        self._log("start", start=start)
        state, pending = self._step(state, Started(start))
        while self._outcome is None:
            event = self._perform(pending)
            if self._outcome is not None:
                break
            if event is None:
                event = self._wait_for_event()
            if self._stop_requested.is_set() and self._outcome is None:
                event = REQUESTED_STOP
                self._stop_requested.clear()
            state, pending = self._step(state, event)
        self.transcript.close()
        return SessionResult(self._outcome or "stopped", self.transcript.events)

    def abandon(self, outcome: str = "stopped") -> None:
        """For a session cut short from outside (Ctrl-C, an error of the speech model): its
        transcript ends with ``outcome`` as a session that ended does, and is closed."""
        if self._outcome is None:
            self._outcome = outcome
            self._log("end", outcome=outcome)
        self.transcript.close()

    def note(self, type_: str, **data: Any) -> None:
        """Record something the edges saw (a device lost or back) in the transcript, on the
        session's clock. Call it from the thread that runs the session."""
        self._log(type_, **data)

    def request_stop(self) -> None:
        """Ask the session to end politely at the next event (SIGTERM, kiosk reset)."""
        self._stop_requested.set()

    # ------------------------------------------------------------------ internals

    def _step(self, state: Any, event: Event) -> tuple[Any, list[Action]]:
        return self.engine.step(state, event, self.clock.now())

    def _perform(self, actions: list[Action]) -> Event | None:
        """Carry out actions in order; return a barge-in event if speech was interrupted."""
        barged: Heard | None = None
        # The turn's listen holds while its prompts play: barge-in phrases and thresholds.
        self._listen = next((a for a in reversed(actions) if isinstance(a, Listen)), self._listen)
        for action in actions:
            match action:
                case Say(text=text, key=key):
                    if barged is None and self._stop_requested.is_set():
                        barged = REQUESTED_STOP  # the rest of the prompts unsaid
                    if barged is not None:
                        continue
                    self._log("say", text=text, key=key)
                    barged = self.mouth.say(text, self._barge_in_listen())
                    if barged is not None and self._listen is not None:
                        barged = self._take(barged, self._listen, barge_in=True)
                case Listen():
                    pass  # already in force (above)
                case StartTimer(timer=timer, deadline=deadline):
                    self._timers[timer] = deadline
                case CancelTimer(timer=timer):
                    self._timers.pop(timer, None)
                case AdjustVoice(rate_step=rate, volume_step=volume):
                    self.mouth.adjust(rate, volume)
                case Record(type=type_, data=data):
                    self._log(type_, **data)
                case End(outcome=outcome):
                    self._outcome = outcome
                    self._log("end", outcome=outcome)
                    return None
        self._silence_from = self.clock.now()
        return barged

    def _barge_in_listen(self) -> Listen | None:
        if self._listen is None:
            return None
        choices = tuple(c for c in self._listen.choices if c.intent in BARGE_IN_INTENTS)
        return Listen(choices) if choices else None

    def _wait_for_event(self) -> Event:
        """Listen until speech, silence timeout or the next timer, whichever comes first."""
        listen = self._listen or Listen((Choice("stop", "stop"),))
        timeout = listen.timeout if listen.timeout is not None else self.silence_timeout
        silence_deadline = self._silence_from + timeout
        while True:
            timer, timer_deadline = self._next_timer()
            until = min(silence_deadline, timer_deadline)
            heard = self.ear.listen(listen, until)
            if heard is not None:
                return self._take(heard, listen)
            now = self.clock.now()
            if timer is not None and now >= timer_deadline:
                del self._timers[timer]
                return TimerFired(timer)
            if now >= silence_deadline:
                seconds = now - self._silence_from
                self._log("silence", seconds=round(seconds, 3))
                return Silence(seconds)
            # The ear returned early without hearing anything (a microphone being reopened):
            # wait out the turn, unless a stop is asked for meanwhile (SIGTERM).
            if not self.clock.wait(max(0.0, until - now), self._stop_requested):
                return REQUESTED_STOP

    def _take(self, heard: Heard, listen: Listen, **extra: Any) -> Heard:
        """Every answer enters here: below its intent's threshold it is not understood."""
        heard = apply_thresholds(heard, listen)
        self._log("heard", text=heard.text, intent=heard.intent,
                  confidence=round(heard.confidence, 3), **extra)
        return heard

    def _next_timer(self) -> tuple[str | None, float]:
        if not self._timers:
            return None, float("inf")
        timer = min(self._timers, key=self._timers.__getitem__)
        return timer, self._timers[timer]

    def _log(self, type_: str, **data: Any) -> None:
        event = self.transcript.write(self.clock.now() - self._t0, type_, **data)
        for observer in self.observers:
            observer(event)


def apply_thresholds(heard: Heard, listen: Listen) -> Heard:
    """An answer below its intent's confidence threshold counts as not understood."""
    if heard.intent is None:
        return heard
    thresholds = dict(listen.thresholds)
    if heard.confidence < thresholds.get(heard.intent, 0.0):
        return Heard(heard.text, None, heard.confidence)
    return heard
