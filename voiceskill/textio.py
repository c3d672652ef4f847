"""Text mode edges: prompts printed to a terminal, answers typed or piped on stdin."""

from __future__ import annotations

import select
import sys
import textwrap
from typing import TextIO

from voiceskill.clock import Clock
from voiceskill.events import Heard, Listen
from voiceskill.intents import match_intent, normalize


class TextMouth:
    """Prints each prompt, wrapped for a terminal."""

    def __init__(self, out: TextIO | None = None, width: int = 78) -> None:
        self.out = out or sys.stdout
        self.width = width

    def say(self, text: str, barge_in: Listen | None) -> Heard | None:
        print(textwrap.fill(text, self.width), file=self.out, flush=True)
        return None

    def adjust(self, rate_step: int, volume_step: int) -> None:
        return None  # a terminal has no voice to change


class TextEar:
    """Reads one answer per line. At the end of piped input it stays silent."""

    def __init__(self, clock: Clock, stream: TextIO | None = None, echo: bool = False) -> None:
        self.clock = clock
        self.stream = stream or sys.stdin
        self.echo = echo
        self._closed = False

    def listen(self, listen: Listen, until: float) -> Heard | None:
        if self._closed:
            return None
        if not self._ready(until):
            return None
        line = self.stream.readline()
        if line == "":
            self._closed = True
            return None
        text = normalize(line)
        if self.echo:
            print(f"> {line.rstrip()}", flush=True)
        return Heard(text, match_intent(text, listen), 1.0)

    def _ready(self, until: float) -> bool:
        """Wait for a line on a terminal until ``until``; piped input is always ready."""
        if not self.stream.isatty():
            return True
        timeout = max(0.0, until - self.clock.now())
        if timeout == float("inf"):
            timeout = None  # type: ignore[assignment]
        readable, _, _ = select.select([self.stream], [], [], timeout)
        return bool(readable)
