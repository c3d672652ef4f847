"""Runs the coach through the real Session loop on a virtual clock.

The ear and mouth are scripted stand-ins for the microphone and the speaker (this module tests
timing and dialog, not audio; the real audio path has its own test). The ear speaks the phrase
the coach's current Listen offers for an intent, so a command missing from the grammar fails.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from voiceskill.clock import VirtualClock
from voiceskill.coach.engine import CoachEngine, CoachState
from voiceskill.coach.plan import build_plan
from voiceskill.events import Action, End, Event, Goto, Heard, Listen, Started
from voiceskill.session import Session, SessionResult
from voiceskill.transcript import Transcript

_ENGINE: CoachEngine | None = None


def coach() -> CoachEngine:
    """The coach on the shipped exercises.yaml (loaded once per test run)."""
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = CoachEngine()
    return _ENGINE


#: Session time past which a coached run counts as hung (the longest routine is about 35 min).
HUNG_AFTER = 6 * 3600.0


class ScheduledEar:
    """Says ``intent`` (as a phrase of the current listen) at each scheduled session time."""

    def __init__(self, clock: VirtualClock, schedule: list[tuple[float, str]],
                 late: float | Sequence[float] = 0.0) -> None:
        self.clock = clock
        self.schedule = sorted(schedule)
        self.late = itertools.cycle([late] if isinstance(late, float | int) else late)
        """Seconds the ear oversleeps each deadline it waits for (a slow machine's timer
        delay), taken in turn. A deadline already past is not slept on, so it is not late
        (as with MonotonicClock.sleep_until)."""
        self.heard: list[tuple[float, str]] = []

    def listen(self, listen: Listen, until: float) -> Heard | None:
        assert self.clock.now() < HUNG_AFTER, "the session never ended"
        if self.schedule and self.schedule[0][0] <= until:
            at, intent = self.schedule.pop(0)
            self.clock.sleep_until(at)
            phrases = [c.phrase for c in listen.choices if c.intent == intent]
            assert phrases, f"{intent!r} is not in the grammar at t={at}: {listen.phrases}"
            self.heard.append((self.clock.now(), intent))
            return Heard(phrases[0], intent, 1.0)
        if until > self.clock.now():
            self.clock.sleep_until(until + next(self.late))
        return None


@dataclass
class Mouth:
    """Records what is said, when; optionally takes ``seconds_per_word`` of clock time."""

    clock: VirtualClock
    seconds_per_word: float = 0.0
    said: list[tuple[float, str]] = field(default_factory=list)
    adjusted: list[tuple[int, int]] = field(default_factory=list)

    def say(self, text: str, barge_in: Listen | None) -> Heard | None:
        self.said.append((self.clock.now(), text))
        self.clock.advance(self.seconds_per_word * len(text.split()))
        return None

    def adjust(self, rate_step: int, volume_step: int) -> None:
        self.adjusted.append((rate_step, volume_step))


class StartWith:
    """Adapter: a Session engine that begins with ``coach.start(now, phase, exercise, flags)``
    and ends the session with outcome ``goto:<node>`` when the coach hands over."""

    def __init__(self, engine: CoachEngine, phase: str, exercise: str | None,
                 flags: frozenset[str], routine: tuple[str, ...] = ()) -> None:
        self.engine, self.phase, self.exercise, self.flags = engine, phase, exercise, flags
        self.routine = routine
        """Exercise ids coached one after the other (overrides ``exercise`` when given)."""

    def initial_state(self) -> CoachState:
        return self.engine.initial_state()

    def step(self, state: CoachState, event: Event, now: float) -> tuple[Any, list[Action]]:
        if isinstance(event, Started):
            first = self.routine[0] if self.routine else self.exercise
            state, actions = self.engine.start(now, self.phase, first, self.flags)
            if self.routine:
                state = replace(state, plan=build_plan(self.engine.book, self.routine))
        else:
            state, actions = self.engine.step(state, event, now)
        # Stand-in for the composer: a hand-over to the screening ends this coach-only session.
        handover = [End(f"goto:{a.node}") for a in actions if isinstance(a, Goto)]
        return state, actions + handover


@dataclass
class Run:
    """Everything a coached session produced."""

    result: SessionResult
    mouth: Mouth
    ear: ScheduledEar
    clock: VirtualClock

    @property
    def outcome(self) -> str:
        return self.result.outcome

    def timers(self, event: str | None = None) -> list[dict[str, Any]]:
        """Timer records (optionally of one kind) from the transcript."""
        return [e for e in self.result.events
                if e["type"] == "timer" and (event is None or e["event"] == event)]

    def texts(self) -> list[str]:
        return [text for _, text in self.mouth.said]

    @property
    def summary(self) -> str:
        """The closing summary ("You did ..."), said before the routine's last line (when to
        call for help, after a routine that ran to its end)."""
        (text,) = [e["text"] for e in self.result.events
                   if e["type"] == "say" and e["key"] == "coach:summary"]
        return text

    def said_at(self, text: str) -> list[float]:
        return [t for t, said in self.mouth.said if said == text]


def run(exercise: str | None = None, phase: str = "", flags: frozenset[str] = frozenset(),
        schedule: list[tuple[float, str]] | None = None, seconds_per_word: float = 0.0,
        late: float | Sequence[float] = 0.0, routine: tuple[str, ...] = ()) -> Run:
    """Coach one exercise (or the phase routine, or ``routine``: several exercise ids) to the
    end on a virtual clock starting at 0."""
    clock = VirtualClock()
    ear = ScheduledEar(clock, schedule or [], late)
    mouth = Mouth(clock, seconds_per_word)
    engine = StartWith(coach(), phase, exercise, flags, routine)
    session = Session(engine, ear, mouth, clock, Transcript(None))
    return Run(session.run(), mouth, ear, clock)


def holds(run_: Run) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(start, end) timer-record pairs of every hold, in order."""
    pairs, start = [], None
    for event in run_.timers():
        if event["event"] == "start":
            start = event
        elif event["event"] == "end":
            assert start is not None, "a hold ended without starting"
            pairs.append((start, event))
            start = None
    return pairs
