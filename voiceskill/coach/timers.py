"""Holds on absolute deadlines: pure values, driven by the ``now`` the session passes in.

A :class:`Countdown` ends at an absolute ``deadline`` on the session clock. Cues are placed by
how much time is *left* when they fire, so pausing and resuming only moves the deadline: every
cue moves with it and nothing drifts, however long the speech in between takes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

#: Two times closer than this count as the same moment (float noise, not timing).
EPSILON = 1e-6


@dataclass(frozen=True)
class Cue:
    """Something to say when a hold has ``left`` seconds to go."""

    left: float
    """Seconds before the end of the hold at which the cue fires."""

    kind: str
    """``halfway``, ``one-minute``, ``ten-left`` or ``count``."""

    text: str
    """What the coach says."""


@dataclass(frozen=True)
class CueWords:
    """The coach's words for hold cues (from the ``say:`` section of exercises.yaml)."""

    halfway: str
    """Said at the middle of holds of 20 s or more, unless another cue is due then."""

    one_minute: str
    """Said one minute before the end of holds of two minutes or more."""

    ten_left: str
    """Said ten seconds before the end of holds of 20 s or more."""

    countdown: tuple[str, str, str]
    """Said 3, 2 and 1 seconds before the end of holds of 5 s or more."""


#: A halfway cue due closer than this to another cue is left out: two cues at (nearly) the
#: same moment would be said one after the other ("Halfway. Ten seconds left." in a 20 s hold),
#: and the other one says how long is left.
CUE_GAP = 2.0


def plan_cues(seconds: float, words: CueWords) -> tuple[Cue, ...]:
    """Cues for a hold of ``seconds``, in the order they fire."""
    cues: list[Cue] = []
    if seconds >= 120:
        cues.append(Cue(60.0, "one-minute", words.one_minute))
    if seconds >= 20:
        cues.append(Cue(10.0, "ten-left", words.ten_left))
    if seconds >= 5:
        cues += [Cue(3.0 - i, "count", text) for i, text in enumerate(words.countdown)]
    half = seconds / 2
    if seconds >= 20 and all(abs(half - cue.left) >= CUE_GAP for cue in cues):
        cues.append(Cue(half, "halfway", words.halfway))
    return tuple(sorted(cues, key=lambda c: -c.left))


@dataclass(frozen=True)
class Countdown:
    """A span of time ending at an absolute deadline; pausable to the exact remaining time."""

    seconds: float
    """Full length as started."""

    deadline: float
    """When it ends on the session clock (meaningless while paused)."""

    paused_left: float | None = None
    """Remaining seconds while paused; None while running."""

    cues: tuple[Cue, ...] = ()
    """Cues not yet fired, in firing order."""

    @classmethod
    def start(cls, now: float, seconds: float, cues: tuple[Cue, ...] = ()) -> Countdown:
        """Start now; cues that would fire at or before the start are dropped."""
        return cls(seconds, now + seconds, None, tuple(c for c in cues if c.left < seconds))

    @property
    def paused(self) -> bool:
        """Whether the countdown is on hold."""
        return self.paused_left is not None

    def left(self, now: float) -> float:
        """Seconds remaining (never negative)."""
        if self.paused_left is not None:
            return self.paused_left
        return max(0.0, self.deadline - now)

    def elapsed(self, now: float) -> float:
        """Seconds already counted down."""
        return self.seconds - self.left(now)

    def pause(self, now: float) -> Countdown:
        """Freeze the remaining time (no effect when already paused)."""
        if self.paused:
            return self
        return replace(self, paused_left=self.left(now))

    def resume(self, now: float) -> Countdown:
        """Continue with exactly the remaining time that was frozen."""
        if self.paused_left is None:
            return self
        return replace(self, deadline=now + self.paused_left, paused_left=None)

    def next_deadline(self) -> float:
        """When the next cue, or else the end, is due (absolute)."""
        if self.cues:
            return self.deadline - self.cues[0].left
        return self.deadline

    def due(self, now: float) -> tuple[tuple[Cue, ...], Countdown]:
        """Cues whose time has come (oldest first) and the countdown without them."""
        if self.paused:
            return (), self
        fired = tuple(c for c in self.cues if self.deadline - c.left <= now + EPSILON)
        return fired, replace(self, cues=self.cues[len(fired):])

    def finished(self, now: float) -> bool:
        """Whether the end has been reached."""
        return not self.paused and now >= self.deadline - EPSILON
