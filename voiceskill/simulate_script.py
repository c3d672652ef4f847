"""Simulation scripts: who the simulated person is and what they answer to each prompt.

```yaml
start: bird-dog            # optional: node or exercise id to begin with
voice: en-gb               # optional: pyttsx3 voice for `say` replies
replies:                   # used in order, once each
  - {audio: answers/no.wav}          # a WAV file, relative to this script
  - {say: "no"}                      # synthesized, then recognized by Vosk
  - {silence: 10}                    # seconds of saying nothing
  - {text: "yes"}                    # skips recognition
rules:                     # the first rule whose regex is found in the prompt wins
  - {when: "numb", reply: {say: "no"}}
  - {when: "hold", reply: {say: "stop", during: 1.5}}   # barge in 1.5 s into the prompt
default: {silence: 8}      # when no rule matches and the ordered replies are used up
```

Loading checks everything and raises :class:`ContentError` naming file, line and key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from voiceskill.errors import ContentError, Problem

REPLY_KINDS = ("audio", "say", "silence", "text")


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
    """Dialog node or exercise id to begin with."""

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
    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def fail(self, node: yaml.Node | None, key: str, problem: str, expected: str = "") -> None:
        line = node.start_mark.line + 1 if node is not None else 0
        self.problems.append(Problem(str(self.path), line, key, problem, expected))

    def mapping(self, node: yaml.Node, key: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, key, "must be a mapping", "key: value pairs")
            return {}
        return {k.value: (k, v) for k, v in node.value}

    def reply(self, node: yaml.Node, key: str) -> Reply | None:
        items = self.mapping(node, key)
        if not items:
            return None
        kinds = [k for k in items if k in REPLY_KINDS]
        for name, (knode, _) in items.items():
            if name not in (*REPLY_KINDS, "during"):
                self.fail(knode, f"{key}.{name}", "unknown key",
                          "audio, say, silence, text, during")
        if len(kinds) != 1:
            self.fail(node, key, f"has {len(kinds)} of audio/say/silence/text",
                      "exactly one of them")
            return None
        kind = kinds[0]
        vnode = items[kind][1]
        where = f"{self.path}:{vnode.start_mark.line + 1}"
        value: Any = getattr(vnode, "value", None)
        if not isinstance(vnode, yaml.ScalarNode) or value in (None, ""):
            self.fail(vnode, f"{key}.{kind}", "needs a value")
            return None
        if kind == "audio":
            value = (self.path.parent / value).resolve()
            if not value.is_file():
                self.fail(vnode, f"{key}.audio", f"no such file: {value}", "a WAV file")
        elif kind == "silence":
            value = self.number(vnode, f"{key}.silence")
        during = None
        if "during" in items:
            during = self.number(items["during"][1], f"{key}.during")
        return Reply(kind, value, during, where)

    def number(self, node: yaml.Node, key: str) -> float:
        try:
            value = float(node.value)
        except (TypeError, ValueError):
            value = -1.0
        if value < 0:
            self.fail(node, key, f"is {getattr(node, 'value', '?')!r}", "a number of seconds ≥ 0")
            return 0.0
        return value


def load_script(path: str | Path) -> Script:
    """Read and check a simulation script (ContentError listing every problem)."""
    path = Path(path)
    reader = _Reader(path)
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContentError([Problem(str(path), 0, "", "script file not found")]) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ContentError([Problem(str(path), 0, "", f"cannot read: {err}")]) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        raise ContentError([Problem(str(path), line, "", f"not valid YAML: {err}")]) from None
    if root is None:
        raise ContentError([Problem(str(path), 0, "", "the script is empty")])
    top = reader.mapping(root, "script")
    replies: list[Reply] = []
    rules: list[Rule] = []
    default = start = voice = None
    for name, (knode, vnode) in top.items():
        if name == "replies":
            if not isinstance(vnode, yaml.SequenceNode):
                reader.fail(vnode, "replies", "must be a list")
                continue
            for i, item in enumerate(vnode.value):
                reply = reader.reply(item, f"replies[{i}]")
                if reply is not None:
                    replies.append(reply)
        elif name == "rules":
            if not isinstance(vnode, yaml.SequenceNode):
                reader.fail(vnode, "rules", "must be a list")
                continue
            for i, item in enumerate(vnode.value):
                rule = _rule(reader, item, f"rules[{i}]")
                if rule is not None:
                    rules.append(rule)
        elif name == "default":
            default = reader.reply(vnode, "default")
        elif name in ("start", "voice"):
            if not isinstance(vnode, yaml.ScalarNode) or not vnode.value:
                reader.fail(vnode, name, "must be a word")
            elif name == "start":
                start = vnode.value
            else:
                voice = vnode.value
        else:
            reader.fail(knode, name, "unknown key", "replies, rules, default, start, voice")
    if reader.problems:
        raise ContentError(reader.problems)
    return Script(path, tuple(replies), tuple(rules), default, start, voice)


def _rule(reader: _Reader, node: yaml.Node, key: str) -> Rule | None:
    items = reader.mapping(node, key)
    for name, (knode, _) in items.items():
        if name not in ("when", "reply"):
            reader.fail(knode, f"{key}.{name}", "unknown key", "when, reply")
    if "when" not in items or "reply" not in items:
        reader.fail(node, key, "needs both 'when' and 'reply'")
        return None
    wnode = items["when"][1]
    try:
        pattern = re.compile(str(wnode.value), re.IGNORECASE)
    except re.error as err:
        reader.fail(wnode, f"{key}.when", f"bad regular expression: {err}")
        return None
    reply = reader.reply(items["reply"][1], f"{key}.reply")
    return Rule(pattern, reply) if reply is not None else None
