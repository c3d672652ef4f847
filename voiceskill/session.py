"""The session: the loop that carries out the pure engine's actions, on an injected clock.

It runs one conversation: feeds events to ``engine.step`` and carries out the actions through
an :class:`Ear` (listening: keyboard, microphone, WAV, script) and a :class:`Mouth` (speaking:
terminal, pyttsx3 → sounddevice, recorder). Text mode, voice mode, simulations and the kiosk all
use this one loop; they differ only in the ear, the mouth and the clock they pass in.

Rules the edges can rely on:
- A :class:`Listen` is in force from the start of the turn that emits it (its prompts can be
  interrupted) until the engine emits another one or :class:`End`.
- Silence is measured from the moment listening (re)starts after the last prompt was spoken.
- While speaking, only the barge-in intents of the current listen are heard (stop, pause,
  wait and pain), at the confidence the listen asks of each as an answer, unless the listen
  carries a ``barge_in`` listen of its own (the running coach's: ``barge_in:`` in
  dialogs/exercises.yaml, with the confidence each needs). A barge-in cuts the rest of that
  turn's prompts and the engine gets the Heard.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from voiceskill.clock import Clock
from voiceskill.coach.words import has_run
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

#: Intents that may interrupt the assistant while it speaks, in a listen that does not say
#: itself what may (see :func:`barge_in_listen`): the screening's questions.
BARGE_IN_INTENTS = frozenset({"stop", "pause", "wait", "pain"})

#: A word heard while a prompt plays may be the assistant's own voice only if the prompt says
#: that word within this many seconds of when it was heard, plus :data:`ECHO_MARGIN_SHARE` of
#: the prompt's length. Generous on purpose: where in a prompt a word falls is estimated from
#: its letters (:func:`prompt_word_times`); against espeak-ng itself (each prefix of six
#: prompts synthesized on its own, rates 90, 150 and 250) the estimate was off by up to 13-15 %
#: of the prompt's length, always late. The rest covers the way back through the microphone
#: and the moment the recognizer decides (up to a few tenths of a second after the word).
ECHO_MARGIN = 0.6

#: See :data:`ECHO_MARGIN`.
ECHO_MARGIN_SHARE = 0.15

#: Seconds each heard word is taken to have lasted, counted back from the end of what was
#: heard (a barge-in ends on its last word).
WORD_SECONDS = 0.5

#: A comma or full stop is spoken as a pause about as long as this many letters.
PAUSE_LETTERS = 3


_PAUSE = re.compile(r"[.,;:!?][\"'”)]*$")


def prompt_word_times(prompt: str, seconds: float) -> list[tuple[str, float, float]]:
    """Each word of ``prompt`` (normalised) with an estimate of when a ``seconds`` long
    recording of it says that word: (word, start, end), from the word's share of the letters,
    a punctuation mark counting as a short pause."""
    weights: list[tuple[str, float, float]] = []
    for token in prompt.split():
        words = normalize(token).split()
        pause = PAUSE_LETTERS if _PAUSE.search(token) else 0
        weights += [(w, len(w) + 1, 0) for w in words[:-1]]
        if words:
            weights.append((words[-1], len(words[-1]) + 1, pause))
    total = sum(n + pause for _, n, pause in weights) or 1
    out, done = [], 0.0
    for word, n, pause in weights:
        out.append((word, seconds * done / total, seconds * (done + n) / total))
        done += n + pause
    return out


def possible_echo(words: list[str], heard_end: float, prompt: str,
                  prompt_seconds: float) -> bool:
    """Whether ``words``, heard up to ``heard_end`` seconds into the playing of ``prompt``
    (``prompt_seconds`` long), may all be the assistant's own voice: the prompt says each of
    them near the moment it was heard (:data:`ECHO_MARGIN`). A word the prompt says only
    elsewhere, or not at all, is the person's.

    The safe side: a pain word or "stop" wrongly taken for the person's stops the exercise and
    asks, or ends politely; one wrongly taken for an echo is lost (the microphone's buffer is
    dropped after each prompt). So only a word near its own place in the prompt is an echo."""
    if not words:
        return False
    margin = ECHO_MARGIN + ECHO_MARGIN_SHARE * prompt_seconds
    earliest = heard_end - WORD_SECONDS * len(words) - margin
    latest = heard_end + margin
    said = prompt_word_times(prompt, prompt_seconds)
    return all(any(w == word and start <= latest and end >= earliest
                   for w, start, end in said) for word in words)


def interrupts(heard: Heard | None, prompt: str, barge_in: Listen | None = None,
               heard_end: float | None = None, prompt_seconds: float | None = None) -> bool:
    """Whether ``heard``, caught while the assistant said ``prompt``, cuts it short.

    It must be one of the intents of ``barge_in`` (the listen the mouth was given: see
    :meth:`Session._barge_in_listen`) at the confidence that listen asks of it, or, without
    one, of :data:`BARGE_IN_INTENTS`; and not the assistant hearing itself say it (a loud
    speaker: "stop" in its own prompt). With the timing known (``heard_end``: seconds into the
    prompt's playing when the words ended; ``prompt_seconds``: the prompt's length) only words
    heard near where the prompt says them are taken for its own (:func:`possible_echo`);
    without it, any words that all occur in the prompt are."""
    if heard is None or heard.intent is None:
        return False
    if barge_in is None:
        if heard.intent not in BARGE_IN_INTENTS:
            return False
    elif (heard.intent not in {c.intent for c in barge_in.choices}
          or apply_thresholds(heard, barge_in).intent is None):
        return False
    words = heard.text.split()
    if heard_end is None or prompt_seconds is None:
        return not set(words) <= set(normalize(prompt).split())
    return not possible_echo(words, heard_end, prompt, prompt_seconds)


def barge_in_listen(listen: Listen | None) -> Listen | None:
    """What may interrupt the prompts of a turn whose listen is ``listen``: its own
    ``barge_in`` listen if it carries one (the running coach's, with the thresholds its
    commands need), else its choices of :data:`BARGE_IN_INTENTS` at the listen's own
    thresholds for them; None when nothing may.

    The listen's other phrases and near misses come along as ``decoys`` (:func:`decoys`),
    with the barge-in listen's own (the coach's everyday words: exercises.yaml ``decoys:``):
    decoded while the prompts play, they never cut one, and a person's other words said over
    a prompt come back as themselves rather than as the nearest command."""
    if listen is None:
        return None
    own = getattr(listen, "barge_in", None)
    if own is None:
        # A question's prompts: no decoys. With its answers as decoys, the out-of-grammar
        # clips said over two screening questions cut them as "stop" 92 times in 932 (54
        # without): a decoded answer followed by "stop" is that command. The question's own
        # thresholds: a word that would not count as an answer there (a 0.5 "stop" under
        # stop's 0.6) does not cut its prompt either, only to be taken as not understood.
        choices = tuple(c for c in listen.choices if c.intent in BARGE_IN_INTENTS)
        intents = {c.intent for c in choices}
        thresholds = tuple(t for t in listen.thresholds if t[0] in intents)
        return Listen(choices, thresholds=thresholds) if choices else None
    if not own.choices:
        return None
    return replace(own, decoys=decoys(listen, own))


def decoys(listen: Listen, cutting: Listen) -> tuple[str, ...]:
    """The phrases and near misses of ``listen``, and the decoys ``cutting`` (what may cut
    its prompts) brings of its own, that are not phrases of ``cutting`` nor pieces of one:
    "help" stays out beside the coach's "help me", so a "help" said over a prompt is still
    heard as the nearest phrase that cuts."""
    own = [p.split() for p in cutting.phrases]
    return tuple(p for p in dict.fromkeys([*listen.phrases, *listen.near_misses,
                                           *cutting.decoys])
                 if not any(has_run(phrase, (tuple(p.split()),)) for phrase in own))

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

    def listen(self, listen: Listen, until: float) -> Heard | Silence | None:
        """Block until the person says something (→ Heard, intent None when not understood)
        or the clock reaches ``until`` (→ None). A :class:`Silence` ends the turn at once
        with nothing said (text mode: an empty line)."""
        ...


class Mouth(Protocol):
    """Where the assistant's words go."""

    def say(self, text: str, barge_in: Listen | None) -> Heard | None:
        """Speak ``text`` to the end, or until a barge-in phrase of ``barge_in`` is heard
        (→ that Heard). Failing devices must not raise: show the text and return None."""
        ...

    def adjust(self, rate_step: int, volume_step: int) -> str | None:
        """Speak faster/slower, louder/softer from now on (→ None). A mouth with no voice to
        change (a terminal) returns a line saying so instead: the session says it in place of
        the engine's confirmation ("Okay, louder."), which would not be true there."""
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
        self._spoken = 0.0
        """Seconds the mouth took over the last turn's Say actions (see TimerFired)."""
        self._barge_in: tuple[Listen | None, Listen | None] | None = None
        """The listen that last asked for :func:`barge_in_listen`, and its answer."""

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
        unchanged: str | None = None  # the mouth's line after a voice change it cannot make
        self._spoken = 0.0
        for action in actions:
            if unchanged is not None and isinstance(action, Say):
                # The Say after an AdjustVoice confirms it: the mouth's own line instead.
                action, unchanged = Say(unchanged, "voice:unchanged"), None
            match action:
                case Say(text=text, key=key):
                    if barged is None and self._stop_requested.is_set():
                        barged = REQUESTED_STOP  # the rest of the prompts unsaid
                    if barged is not None:
                        continue
                    self._log("say", text=text, key=key)
                    barge_in = self._barge_in_listen()
                    began = self.clock.now()
                    barged = self.mouth.say(text, barge_in)
                    self._spoken += self.clock.now() - began
                    if barged is not None and self._listen is not None:
                        barged = self._take(barged, self._listen, barge_in=True)
                case Listen():
                    pass  # already in force (above)
                case StartTimer(timer=timer, deadline=deadline):
                    self._timers[timer] = deadline
                case CancelTimer(timer=timer):
                    self._timers.pop(timer, None)
                case AdjustVoice(rate_step=rate, volume_step=volume):
                    unchanged = self.mouth.adjust(rate, volume) or None
                case Record(type=type_, data=data):
                    self._log(type_, **data)
                case End(outcome=outcome):
                    self._outcome = outcome
                    self._log("end", outcome=outcome)
                    return None
        self._silence_from = self.clock.now()
        return barged

    def _barge_in_listen(self) -> Listen | None:
        # once per listen, not per prompt (its decoys take a millisecond or two to work out)
        if self._barge_in is None or self._barge_in[0] is not self._listen:
            self._barge_in = (self._listen, barge_in_listen(self._listen))
        return self._barge_in[1]

    def _wait_for_event(self) -> Event:
        """Listen until speech, silence timeout or the next timer, whichever comes first."""
        listen = self._listen or Listen((Choice("stop", "stop"),))
        timeout = listen.timeout if listen.timeout is not None else self.silence_timeout
        silence_deadline = self._silence_from + timeout
        while True:
            timer, timer_deadline = self._next_timer()
            until = min(silence_deadline, timer_deadline)
            heard = self.ear.listen(listen, until)
            if heard is None or isinstance(heard, Silence):
                if self._stop_requested.is_set():  # asked meanwhile: no turn of its own
                    return REQUESTED_STOP
            if isinstance(heard, Silence):  # the person ended the turn saying nothing
                seconds = self.clock.now() - self._silence_from
                self._log("silence", seconds=round(seconds, 3))
                return Silence(seconds)
            if heard is not None:
                return self._take(heard, listen)
            now = self.clock.now()
            if timer is not None and now >= timer_deadline:
                del self._timers[timer]
                return TimerFired(timer, self._spoken)
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
