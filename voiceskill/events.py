"""Everything that crosses the boundary of the pure engine, as small dataclasses.

Events go into ``Engine.step(state, event, now)``; actions come out. The engine never touches
audio, threads or the wall clock: ``now`` is seconds on the session's clock (monotonic, or
virtual in simulations). The session executes actions and turns what happens into events.

Every class here round-trips through :func:`to_dict` / :func:`from_dict` (transcripts,
simulate's JSON, the kiosk screen).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

# ---------------------------------------------------------------- events (session -> engine)


@dataclass(frozen=True)
class Started:
    """The session begins; the engine answers with its first prompt."""

    start: str | None = None
    """Optional node, exercise or phase id to begin with (``run --start``, a script's
    ``start:``)."""


@dataclass(frozen=True)
class Heard:
    """The person said (or typed, or clicked) something during a listen."""

    text: str
    """Recognized words (lower case), or what was typed as typed; empty when nothing usable was
    recognized. Read it with :func:`voiceskill.intents.normalize` to compare words."""

    intent: str | None
    """Intent the text maps to (``yes``, ``no``, ``unsure``, ...); None = not understood."""

    confidence: float = 1.0
    """Recognizer confidence in [0, 1] (1.0 for typed text and screen buttons)."""


@dataclass(frozen=True)
class Silence:
    """The listen timed out with no speech."""

    seconds: float
    """How long the session listened."""


@dataclass(frozen=True)
class TimerFired:
    """A deadline set by :class:`StartTimer` was reached."""

    timer: str
    """Id of the timer, as given in StartTimer."""

    spoken_seconds: float | None = None
    """How long the mouth took over the Say actions of the turn before this event (the
    session's clock around each ``Mouth.say``): how long those words really took to say, without
    the loop's own time to deliver the event. None: not measured (the time up to this event
    counts)."""


Event = Started | Heard | Silence | TimerFired

# ---------------------------------------------------------------- actions (engine -> session)


@dataclass(frozen=True)
class Say:
    """Speak (and print/show) a prompt."""

    text: str
    """Words to speak, already in final form (numbers and names filled in)."""

    key: str = ""
    """Where the text comes from, e.g. ``question:saddle-numbness`` or ``cue:bird-dog``."""


@dataclass(frozen=True)
class Choice:
    """One phrase the recognizer may return during a listen, and the intent it means."""

    phrase: str
    """Lower-case words exactly as they go into the recognizer's grammar."""

    intent: str
    """Intent name the phrase maps to."""


@dataclass(frozen=True)
class Listen:
    """Listen for exactly these phrases (plus ``[unk]`` for anything else)."""

    choices: tuple[Choice, ...]
    """Every phrase accepted in this turn, answers and commands alike."""

    timeout: float | None = None
    """Seconds of silence before a :class:`Silence` event; None = the session's default."""

    thresholds: tuple[tuple[str, float], ...] = ()
    """Per-intent minimum confidence; below it the answer counts as not understood."""

    near_misses: tuple[str, ...] = ()
    """Words that sound almost like a phrase but are none: never an answer. The recognizer's
    stricter second decoding (for intents whose threshold asks for it) listens for them too,
    and an utterance that fits one of them better does not confirm the answer."""

    decoys: tuple[str, ...] = ()
    """Phrases a barge-in turn decodes besides its own, which never mean anything and never
    cut a prompt: the rest of the listen whose prompts are playing
    (:func:`voiceskill.session.barge_in_listen`). Without them a person's other words said
    over a prompt were forced onto the nearest command ("back" over a count came back
    "goodbye", and the session ended); now "back" can come back as "back"."""

    @property
    def phrases(self) -> list[str]:
        """All phrases, in order, without duplicates (the recognizer grammar)."""
        return list(dict.fromkeys(c.phrase for c in self.choices))


@dataclass(frozen=True)
class StartTimer:
    """Fire :class:`TimerFired` when the session clock reaches ``deadline``."""

    timer: str
    """Id; starting a timer with an id already running replaces it."""

    deadline: float
    """Absolute time on the session clock (never a duration: holds must not drift)."""


@dataclass(frozen=True)
class CancelTimer:
    """Forget a pending timer (no event will come)."""

    timer: str
    """Id of the timer to cancel; unknown ids are ignored."""


@dataclass(frozen=True)
class AdjustVoice:
    """Change how the voice sounds from now on."""

    rate_step: int = 0
    """+1 faster, -1 slower (the session decides the size of a step)."""

    volume_step: int = 0
    """+1 louder, -1 softer."""


@dataclass(frozen=True)
class Record:
    """Write an event of the engine's own into the transcript (e.g. timer start/cue/pause)."""

    type: str
    """Transcript event type, e.g. ``timer`` or ``answer``."""

    data: dict[str, Any] = field(default_factory=dict)
    """JSON-serializable details, e.g. ``{"event": "cue", "exercise": "bird-dog", "rep": 3}``."""


@dataclass(frozen=True)
class Goto:
    """Continue the conversation at a screening node (e.g. the coach hands a person who reports
    spreading pain back to the red-flag questions)."""

    node: str
    """Id of a node in the screening dialog."""

    answered: tuple[tuple[str, str, str], ...] = ()
    """Questions already answered by what the person reported (a numb leg during the
    exercises): (question id, intent, line said in its place). When the screening reaches such
    a question it says the line and takes the answer instead of asking."""


@dataclass(frozen=True)
class End:
    """The conversation is over."""

    outcome: str
    """One of :data:`OUTCOMES`."""


Action = Say | Listen | StartTimer | CancelTimer | AdjustVoice | Record | Goto | End

#: Outcome names used everywhere (transcripts, tests, CLI output).
OUTCOMES = (
    "emergency",
    "urgent",
    "see-clinician",
    "exercise",
    "advice",
    "stopped",
    "no-response",
)

_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        Started, Heard, Silence, TimerFired,
        Say, Choice, Listen, StartTimer, CancelTimer, AdjustVoice, Record, Goto, End,
    )
}


def to_dict(message: Any) -> dict[str, Any]:
    """A message as a JSON-ready dict with its class name under ``"kind"``."""
    data = dataclasses.asdict(message)
    data["kind"] = type(message).__name__
    return data


def from_dict(data: dict[str, Any]) -> Any:
    """Inverse of :func:`to_dict`."""
    data = dict(data)
    cls = _TYPES[data.pop("kind")]
    if cls is Listen:
        data["choices"] = tuple(Choice(**c) for c in data["choices"])
        data["thresholds"] = tuple(tuple(t) for t in data.get("thresholds", ()))
        data["near_misses"] = tuple(data.get("near_misses", ()))
        data["decoys"] = tuple(data.get("decoys", ()))
    if cls is Goto:
        data["answered"] = tuple(tuple(a) for a in data.get("answered", ()))
    return cls(**data)
