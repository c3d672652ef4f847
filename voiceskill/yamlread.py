"""Read a YAML content file into plain Python data and remember the line of every item.

Used for every content file (dialogs/triage.yaml, outcomes.yaml, intents.yaml, exercises.yaml),
so all of them report problems the same way: ``file:line: key: what is wrong (expected ...)``.

PyYAML's ``safe_load`` forgets where things were and silently keeps the last of two equal keys;
here the file is composed into nodes (which carry marks) and converted by hand, so every key
and value knows its line, and a duplicate key is a problem.

Booleans follow YAML 1.2: only ``true``/``false`` are booleans. Plain ``yes``/``no``/``on``/``off``
stay the words that were written (they are answer names and phrases here, and YAML 1.1 turning
``yes`` into True is a trap for whoever writes the content); a date stays the text written too.

Only plain YAML is read: a tag (``!foo``, ``!!binary``, ``!!python/...``) and an alias
(``*name``, which also makes the "billion laughs" that grow a small file into gigabytes) are
each one problem, as is nesting too deep to read (thousands of ``[``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from voiceskill.errors import Problem

#: A place in the data: mapping keys and list indexes from the top of the document.
Path_ = tuple[str | int, ...]

_YAML_TAG = "tag:yaml.org,2002:"
_BOOL_TAG = _YAML_TAG + "bool"
_NULL_TAG = _YAML_TAG + "null"
_TIMESTAMP_TAG = _YAML_TAG + "timestamp"
#: Tags of plain YAML: what a value without a tag is read as (a timestamp stays text).
_PLAIN_TAGS = {_YAML_TAG + name for name in ("str", "int", "float", "bool", "null", "timestamp",
                                              "seq", "map")}
_BOOLEANS = {"true": True, "false": False}
#: Lists and mappings inside each other deeper than this are refused (the content has 6).
MAX_DEPTH = 50


class _Unreadable(Exception):  # noqa: N818 - a problem found while reading, not an error
    """The whole file cannot be read as plain data: (line, key, problem, expected)."""


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing aliases where they are used (before anything is expanded)
    and nesting deeper than :data:`MAX_DEPTH` (before Python's recursion limit)."""

    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Unreadable(event.start_mark.line + 1, "(yaml)",
                              f"an alias (*{event.anchor}) is not allowed",
                              "each value written out in full, without & anchors and * aliases")
        if self.depth >= MAX_DEPTH:
            raise _Unreadable(event.start_mark.line + 1, "(yaml)", "nested too deeply to read",
                              f"lists and mappings at most {MAX_DEPTH} levels deep")
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


@dataclass
class YamlDocument:
    """One parsed content file: its data and the line of every item in it."""

    file: str
    """Path of the file as shown in messages."""

    data: Any
    """Plain Python data: dicts, lists, str, int, float, bool, None."""

    lines: dict[Path_, int] = field(default_factory=dict)
    """1-based line of each item (for a mapping entry: the line of its key)."""

    def line(self, path: Path_) -> int:
        """Line of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)

    def key(self, path: Path_) -> str:
        """A path as people read it: ``nodes.welcome.reprompts[1]``; a list item that has an
        ``id`` is named by it: ``exercises.bird-dog.hold`` rather than ``exercises[3].hold``."""
        text, node = "", self.data
        for part in path:
            child = _child(node, part)
            if isinstance(part, int) and isinstance(child, dict) and isinstance(
                    child.get("id"), str):
                part = child["id"]
            if isinstance(part, int):
                text += f"[{part}]"
            else:
                text += f".{part}" if text else str(part)
            node = child
        return text or "(top)"

    def problem(self, path: Path_, problem: str, expected: str = "",
                line: int | None = None) -> Problem:
        """A :class:`Problem` about the item at ``path`` (at ``line`` when given)."""
        where = self.line(path) if line is None else line
        return Problem(self.file, where, self.key(path), problem, expected)


def _child(node: Any, part: str | int) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def walk_strings(data: object, path: Path_ = ()) -> Iterator[tuple[Path_, str]]:
    """Every text value in ``data`` with its path."""
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from walk_strings(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from walk_strings(value, (*path, i))


def read_yaml(path: Path, display: str | None = None) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse ``path``. A missing, unreadable, malformed or empty file gives None and its one
    problem; problems inside a file that could be read (duplicate keys, a list used as a key,
    an alias that refers to itself) come with the document."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem(name, 0, "(file)", "file not found", "a YAML file here")]
    except (OSError, UnicodeDecodeError) as err:
        return None, [Problem(name, 0, "(file)", f"cannot read the file: {err}", "UTF-8 text")]
    try:
        root = yaml.compose(text, Loader=_Loader)
    except _Unreadable as err:
        return None, [Problem(name, *err.args)]
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 0
        what = " ".join(p for p in (err.context, err.problem) if p)
        return None, [Problem(name, line, "(yaml)", f"malformed YAML: {what}", "valid YAML")]
    except yaml.YAMLError as err:
        return None, [Problem(name, 0, "(yaml)", f"malformed YAML: {err}", "valid YAML")]
    if root is None:
        return None, [Problem(name, 0, "(file)", "the file is empty", "a YAML mapping")]
    document = YamlDocument(name, None)
    converter = _Converter(document)
    try:
        document.data = converter.convert(root, ())
    except _Unreadable as err:
        line, path, problem, expected = err.args
        return None, [document.problem(path, problem, expected, line)]
    # Keys are named once the whole document is built (list items are named by their id).
    problems = [document.problem(p, what, expected, line)
                for p, line, what, expected in converter.found]
    return document, problems


class _Converter:
    """Turns composed YAML nodes into plain data, recording lines and duplicate keys."""

    def __init__(self, document: YamlDocument) -> None:
        self.document = document
        # (path, line, problem, expected) of everything wrong, named after conversion.
        self.found: list[tuple[Path_, int, str, str]] = []
        self.constructor = SafeConstructor()

    def convert(self, node: yaml.Node, path: Path_) -> Any:
        line = node.start_mark.line + 1
        self.document.lines.setdefault(path, line)
        if node.tag not in _PLAIN_TAGS:
            raise _Unreadable(line, path, f"cannot read a value tagged '{_short(node.tag)}'",
                              "plain YAML")
        # Aliases never get here (the loader refuses them), so no node is converted twice.
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                self.found.append((path, line, "a list or mapping is used as a key",
                                   "a plain name as key"))
                continue
            key = str(key_node.value)
            key_path = (*path, key)
            if key in first_line:
                self.found.append((key_path, line,
                                   f"duplicate key '{key}' (first defined at line "
                                   f"{first_line[key]})", "each key once; rename or merge the two"))
                continue
            first_line[key] = line
            self.document.lines[key_path] = line
            result[key] = self.convert(value_node, key_path)
        return result

    def _scalar(self, node: yaml.ScalarNode, path: Path_) -> Any:
        if node.tag == _BOOL_TAG:
            return _BOOLEANS.get(node.value.lower(), node.value)  # yes/no/on/off stay words
        if node.tag == _NULL_TAG:
            return None
        if node.tag == _TIMESTAMP_TAG:
            return node.value  # a date is text here, as written (YAML 1.2 has no dates)
        try:
            return self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError):  # !!float abc, !!int x
            raise _Unreadable(node.start_mark.line + 1, path,
                              f"cannot read a value tagged '{_short(node.tag)}'",
                              "plain YAML") from None


def _short(tag: str) -> str:
    """``!!float`` for YAML's own tags, others as written (``!foo``)."""
    return "!!" + tag[len(_YAML_TAG):] if tag.startswith(_YAML_TAG) else tag
