"""Simulation scripts: who the simulated person is and what they answer to each prompt.

```yaml
start: bird-dog            # optional: node, exercise or phase id to begin with
voice: en-gb               # optional: pyttsx3 voice for `say` replies
replies:                   # used in order, once each
  - {audio: answers/no.wav}          # a WAV file, relative to this script
  - {say: "no"}                      # synthesized, then recognized by Vosk
  - {silence: 10}                    # seconds of saying nothing
  - {text: "yes"}                    # skips recognition
rules:                     # the first rule whose regex is found in the turn's prompts wins
  - {when: "numb", reply: {say: "no"}}
  - {when: "hold", reply: {say: "stop", during: 1.5}}   # barge in 1.5 s into the prompt
default: {silence: 8}      # when no rule matches and the ordered replies are used up
```

The person answers turn by turn. A turn's prompts are what the assistant says until it next
listens, joined by spaces (``^Hold\\.$`` matches a turn that is only "Hold."); a reply is
chosen for them once, when the person is quiet, and never kept for a later turn (a reply with
``during`` is matched against each prompt as it starts, alone). What the
person is still saying when the next prompt starts goes on over that prompt, where only its
barge-in words are heard, as in voice mode.

Loading checks everything and raises :class:`ContentError` naming file, line and key (the
file is read by :mod:`voiceskill.yamlread`, like the content files).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voiceskill.errors import ContentError, Problem
from voiceskill.yamlread import Path_, YamlDocument, read_yaml
from voiceskill.yamlschema import yaml_float

REPLY_KINDS = ("audio", "say", "silence", "text")

#: Longest silence or barge-in delay a reply may ask for: ten minutes is past every timeout,
#: and a silence becomes audio in memory (16 000 samples a second).
MAX_SECONDS = 600.0


@dataclass(frozen=True)
class Reply:
    """One thing the simulated person does in answer to a prompt."""

    kind: str
    """``audio``, ``say``, ``silence`` or ``text``."""

    value: Any
    """Path (audio, absolute), words (say, text) or seconds (silence)."""

    during: float | None = None
    """Seconds into the prompt at which the person starts (barge-in); None = after it."""

    where: str = ""
    """``file:line`` of the reply, for messages."""


@dataclass(frozen=True)
class Rule:
    """Answer prompts matching a pattern with a fixed reply (reusable, unlike ``replies``)."""

    when: re.Pattern[str]
    """Case-insensitive regular expression searched in the prompt text."""

    reply: Reply
    """What to answer."""


@dataclass(frozen=True)
class Script:
    """A whole simulated person."""

    path: Path
    """The script file."""

    replies: tuple[Reply, ...] = ()
    """Ordered replies, each used once."""

    rules: tuple[Rule, ...] = ()
    """Pattern rules, checked first, in order."""

    default: Reply | None = None
    """Reply when nothing else applies; None = silence until the session gives up."""

    start: str | None = None
    """Dialog node, exercise id or phase id to begin with."""

    voice: str | None = None
    """pyttsx3 voice for ``say`` replies; None = the default voice."""

    @property
    def needs_model(self) -> bool:
        """True when some reply must go through the speech recognizer."""
        all_replies = [*self.replies, *(r.reply for r in self.rules)]
        if self.default is not None:
            all_replies.append(self.default)
        return any(r.kind in ("audio", "say") for r in all_replies)


class _Reader:
    """Checks the parts of a script, collecting one problem per offending key."""

    def __init__(self, document: YamlDocument, problems: list[Problem]) -> None:
        self.document = document
        self.path = Path(document.file)
        self.problems = problems

    def value(self, path: Path_) -> Any:
        node: Any = self.document.data
        for part in path:
            node = node[part]
        return node

    def fail(self, path: Path_, problem: str, expected: str = "") -> None:
        self.problems.append(self.document.problem(path, problem, expected))

    def mapping(self, path: Path_) -> dict[str, Any]:
        value = self.value(path)
        if not isinstance(value, dict):
            self.fail(path, "must be a mapping", "key: value pairs")
            return {}
        return value

    def items(self, path: Path_) -> list[Any]:
        value = self.value(path)
        if not isinstance(value, list):
            self.fail(path, "must be a list", "one '- ' item per line")
            return []
        return value

    def reply(self, path: Path_) -> Reply | None:
        items = self.mapping(path)
        if not items:
            return None
        kinds = [k for k in items if k in REPLY_KINDS]
        for name in items:
            if name not in (*REPLY_KINDS, "during"):
                self.fail((*path, name), "unknown key", "audio, say, silence, text, during")
        if len(kinds) != 1:
            self.fail(path, f"has {len(kinds)} of audio/say/silence/text", "exactly one of them")
            return None
        kind = kinds[0]
        where = f"{self.path}:{self.document.line((*path, kind))}"
        value: Any = _word(items[kind])
        if kind == "silence":
            value = self.number((*path, kind))
        elif value is None:
            self.fail((*path, kind), "needs a value")
            return None
        elif kind == "audio":
            value = (self.path.parent / value).resolve()
            if not value.is_file():
                self.fail((*path, kind), f"no such file: {value}", "a WAV file")
        during = None
        if "during" in items:
            during = self.number((*path, "during"))
        return Reply(kind, value, during, where)

    def number(self, path: Path_) -> float:
        value = self.value(path)
        expected = f"a number of seconds from 0 to {MAX_SECONDS:g}"
        number = None if isinstance(value, bool) else _float(value)
        if number is None:
            self.fail(path, f"{_shown(value)} is not a number", expected)
        elif not math.isfinite(number):  # NaN passes every range test: refuse it first
            self.fail(path, f"{_shown(value)} is not a finite number", expected)
        elif not 0 <= number <= MAX_SECONDS:
            self.fail(path, f"{_shown(value)} is out of range", expected)
        else:
            return number
        return 0.0


def _word(value: Any) -> str | None:
    """A plain value as text (``say: 5`` says "5"); None for nothing, a list or a mapping."""
    if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value):
        return str(value)
    return None


def _float(value: Any) -> float | None:
    """``value`` as a number (``1e3``, which YAML reads as text, too); None when it is none."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _shown(value: Any) -> str:
    """A value as written in the script: ``.nan``, ``1e300``, ``'ten'``, ``true``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return yaml_float(value)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, int | float):
        return str(value)
    return "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) \
        else "empty"


def load_script(path: str | Path) -> Script:
    """Read and check a simulation script (ContentError listing every problem)."""
    path = Path(path)
    document, problems = read_yaml(path)
    if document is None:
        raise ContentError(problems)
    reader = _Reader(document, problems)
    replies: list[Reply] = []
    rules: list[Rule] = []
    default = start = voice = None
    for name in reader.mapping(()):
        if name == "replies":
            for i, _ in enumerate(reader.items(("replies",))):
                reply = reader.reply(("replies", i))
                if reply is not None:
                    replies.append(reply)
        elif name == "rules":
            for i, _ in enumerate(reader.items(("rules",))):
                rule = _rule(reader, ("rules", i))
                if rule is not None:
                    rules.append(rule)
        elif name == "default":
            default = reader.reply(("default",))
        elif name in ("start", "voice"):
            word = _word(reader.value((name,)))
            if word is None:
                reader.fail((name,), "must be a word")
            elif name == "start":
                start = word
            else:
                voice = word
        else:
            reader.fail((name,), "unknown key", "replies, rules, default, start, voice")
    if reader.problems:
        raise ContentError(reader.problems)
    return Script(path, tuple(replies), tuple(rules), default, start, voice)


def _rule(reader: _Reader, path: Path_) -> Rule | None:
    items = reader.mapping(path)
    for name in items:
        if name not in ("when", "reply"):
            reader.fail((*path, name), "unknown key", "when, reply")
    if "when" not in items or "reply" not in items:
        reader.fail(path, "needs both 'when' and 'reply'")
        return None
    try:
        pattern = re.compile(str(items["when"]), re.IGNORECASE)
    except re.error as err:
        reader.fail((*path, "when"), f"bad regular expression: {err}")
        return None
    reply = reader.reply((*path, "reply"))
    return Rule(pattern, reply) if reply is not None else None
