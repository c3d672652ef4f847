"""Clocks for the session. The engine never reads a clock; the session passes ``now`` in."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """Seconds on a monotonic time line."""

    def now(self) -> float:
        """Current time in seconds."""
        ...

    def sleep_until(self, deadline: float) -> None:
        """Block (really or virtually) until ``deadline``."""
        ...

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        """Let ``seconds`` pass (really or virtually) unless ``stop`` is set first;
        True means "not stopped"."""
        ...

    def spent(self, seconds: float) -> None:
        """``seconds`` of audio were just read: on the real clock they have already passed;
        a virtual clock moves on by them (scripted audio takes its time)."""
        ...


class MonotonicClock:
    """The real clock: ``time.monotonic``."""

    def now(self) -> float:
        return time.monotonic()

    def sleep_until(self, deadline: float) -> None:
        delay = deadline - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        return not stop.wait(seconds)

    def spent(self, seconds: float) -> None:
        pass  # the audio took its time in real time already


class VirtualClock:
    """A clock that only moves when told to: simulations run a 10-minute routine in seconds."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` (audio consumed, speech played, ...)."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._now += seconds

    def sleep_until(self, deadline: float) -> None:
        if deadline > self._now:
            self._now = deadline

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        self.advance(max(seconds, 0.0))
        return not stop.is_set()

    def spent(self, seconds: float) -> None:
        self.advance(seconds)
