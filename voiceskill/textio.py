"""Text mode edges: prompts printed to a terminal, answers typed or piped on stdin.

What was typed reaches the session as typed (``Heard.text``, without its line end: the
transcript keeps it); the intent is read from its words, with the shorthand a keyboard invites
spelled out first (:func:`answer_words`).
"""

from __future__ import annotations

import os
import re
import select
import sys
import textwrap
from dataclasses import dataclass, replace
from typing import Any, TextIO

from voiceskill.clock import Clock
from voiceskill.events import Action, Event, Heard, Listen, Say, Silence
from voiceskill.intents import NUMBERS, match_intent, normalize

#: Whole typed answers that stand for a word: ``y`` and ``n`` (after normalising).
SHORT_ANSWERS = {"y": "yes", "n": "no"}

#: Said in text mode instead of the coach's "Okay, louder." / "Okay, softer." and "Okay, I will
#: speak more slowly." / "... faster.": those change only the spoken voice, and there is none.
NO_VOLUME = "Louder and softer change only the spoken voice; in text mode nothing changes."
NO_RATE = "Slower and faster change only the spoken voice; in text mode nothing changes."

#: Commands that change only the spoken voice: a list of what can be said, shown in text mode,
#: leaves them out (they would change nothing there; typed, they say so: :data:`NO_VOLUME`).
VOICE_ONLY_COMMANDS = frozenset({"louder", "softer", "quieter", "slower", "faster"})

#: Keys of the coach's lines that list the commands (``commands:`` and ``help:`` of
#: dialogs/exercises.yaml's ``say:``), as :class:`TextModeEngine` finds them.
COMMAND_LIST_KEYS = frozenset({"coach:commands", "coach:help"})

#: A number typed on its own, perhaps ending a sentence: "3", "12.", "07".
_DIGITS = re.compile(r"([0-9]+)[.,!?]?")


def answer_words(typed: str) -> str:
    """The words a typed answer means, normalised: ``y`` / ``n`` alone are "yes" / "no", and
    a number from 0 to 20 typed as digits is spelled ("3 days ago" → "three days ago").
    Anything else is left as it is, so it stays as (not) understood as it was: "n/a", "ny",
    "21", "3.5", "-1" are no shorthand."""
    words = normalize(" ".join(_spelled(token) for token in typed.split()))
    return SHORT_ANSWERS.get(words, words)


def _spelled(token: str) -> str:
    digits = _DIGITS.fullmatch(token)
    if digits is None or int(digits.group(1)) >= len(NUMBERS):
        return token
    return NUMBERS[int(digits.group(1))]


def typed_text(line: str) -> str:
    """``line`` without its line end, as text a transcript can hold: bytes that were not
    UTF-8 (kept by the decoder of stdin as lone surrogates) become U+FFFD."""
    line = line.rstrip("\r\n")
    try:
        raw = line.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = line.encode("utf-8", "replace")
    return raw.decode("utf-8", "replace")


def without_voice_commands(text: str) -> str:
    """``text``, a line listing commands ("You can say pause, repeat, next, back, slower,
    louder, how long, or stop at any time."), without the items of its comma list that name
    only voice commands (:data:`VOICE_ONLY_COMMANDS`: "slower", "louder or softer"). A last
    item so dropped ("..., or louder.") hands its "or" and its ending to the item before."""
    items = text.split(", ")
    kept: list[str] = []
    for index, item in enumerate(items):
        words = normalize(item).split()
        named = [w for w in words if w not in ("or", "and")]
        if not named or not set(named) <= VOICE_ONLY_COMMANDS:
            kept.append(item)
            continue
        if index == len(items) - 1 and kept:  # the list's end: "or"/"and" and the full stop
            joiner = words[0] + " " if words[0] in ("or", "and") else ""
            kept[-1] = joiner + kept[-1] + _ending(item)
    return ", ".join(kept)


def _ending(item: str) -> str:
    """What follows the last word of ``item``: its full stop, say."""
    return item[len(item.rstrip(".!?;:")):]


@dataclass
class TextModeEngine:
    """The conversation as text mode shows it: ``engine``'s actions, with its lists of
    commands (:data:`COMMAND_LIST_KEYS`) leaving out the commands that change only the spoken
    voice (:func:`without_voice_commands`). Voice mode, simulations and the kiosk run
    ``engine`` itself."""

    engine: Any
    """The pure conversation engine (:class:`voiceskill.session.Engine`)."""

    def initial_state(self) -> Any:
        return self.engine.initial_state()

    def step(self, state: Any, event: Event, now: float) -> tuple[Any, list[Action]]:
        state, actions = self.engine.step(state, event, now)
        return state, [_for_text(action) for action in actions]


def _for_text(action: Action) -> Action:
    if isinstance(action, Say) and action.key in COMMAND_LIST_KEYS:
        return replace(action, text=without_voice_commands(action.text))
    return action


class TextMouth:
    """Prints each prompt, wrapped for a terminal. A printed prompt is there at once, so
    nothing is said over it: ``barge_in`` (what voice mode and simulations hear while they
    speak, :func:`voiceskill.session.barge_in_listen`) has nothing to do here, and every typed
    line, the barge-in commands among them, is an answer to the turn."""

    def __init__(self, out: TextIO | None = None, width: int = 78) -> None:
        self.out = out or sys.stdout
        self.width = width

    def say(self, text: str, barge_in: Listen | None) -> Heard | None:
        print(textwrap.fill(text, self.width), file=self.out, flush=True)
        return None

    def adjust(self, rate_step: int, volume_step: int) -> str:
        """A terminal has no voice to change: what to say instead of "Okay, louder."."""
        if volume_step:
            return NO_VOLUME
        return NO_RATE


class TextEar:
    """Reads one answer per line.

    Piped input is a script: at its end the ear stays silent for good. On a terminal, Ctrl-D
    on an empty line is no answer (the turn goes on to its silence) and later lines are read;
    only a terminal that hangs up (or stdin replaced by an empty file, as a stop does) ends it.
    """

    def __init__(self, clock: Clock, stream: TextIO | None = None, echo: bool = False) -> None:
        self.clock = clock
        self.stream = stream or sys.stdin
        self.echo = echo
        self._closed = False

    def listen(self, listen: Listen, until: float) -> Heard | Silence | None:
        if self._closed:
            return None
        line = self._terminal_line(until) if self.stream.isatty() else self._piped_line()
        if line is None:
            return None
        if self.echo:
            print(f"> {line.rstrip()}", flush=True)
        text = typed_text(line)
        if not text.strip():
            # Enter alone is no answer: the turn's silence, at once (not words that were
            # not understood, which a red-flag question takes as a reason to escalate)
            return Silence(0.0)
        return Heard(text, match_intent(answer_words(text), listen), 1.0)

    def _piped_line(self) -> str | None:
        line = self.stream.readline()
        if line == "":
            self._closed = True
        return line or None

    def _terminal_line(self, until: float) -> str | None:
        """The next line typed before ``until`` (None if none). Read straight from the
        terminal, which hands over one line at a time: a line cut short by Ctrl-D comes as it
        is, and an empty read (Ctrl-D alone) is no answer, so the wait goes on."""
        fd = self.stream.fileno()
        while self._readable(fd, until):
            try:
                data: bytes | None = os.read(fd, 4096)
            except OSError:  # EIO: the terminal is gone
                data = None
            if data:
                return data.decode(self.stream.encoding or "utf-8", "replace")
            if data is None or not os.isatty(fd) or self._hung_up(fd):
                self._closed = True
                return None
        return None

    def _readable(self, fd: int, until: float) -> bool:
        """Wait for input (or its end) on ``fd`` until ``until``."""
        timeout = max(0.0, until - self.clock.now())
        if timeout == float("inf"):
            timeout = None  # type: ignore[assignment]
        readable, _, _ = select.select([fd], [], [], timeout)
        return bool(readable)

    @staticmethod
    def _hung_up(fd: int) -> bool:
        """Whether the terminal on ``fd`` has hung up (its other side closed): reads there
        end at once, and always will."""
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return any(event & (select.POLLHUP | select.POLLERR | select.POLLNVAL)
                   for _, event in poller.poll(0))
