"""YAML loading that remembers the line of every key, so content errors can say where they are."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from voiceskill.errors import Problem

Path_ = tuple[str | int, ...]


@dataclass
class LoadedYaml:
    """A parsed YAML document and where each of its items sits in the file."""

    file: str
    """The path as given by the caller (used in messages)."""

    data: Any
    """The document as plain Python values."""

    lines: dict[Path_, int] = field(default_factory=dict)
    """1-based line of every mapping key / sequence item, by its path from the root."""

    problems: list[Problem] = field(default_factory=list)
    """Duplicate keys found while reading (PyYAML would silently keep the last one)."""

    def line(self, path: Path_) -> int:
        """Line of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)

    def key(self, path: Path_) -> str:
        """Dotted path for messages; list items with an ``id`` are named by it."""
        parts: list[str] = []
        node = self.data
        for part in path:
            child = _child(node, part)
            named = isinstance(child, dict) and isinstance(child.get("id"), str)
            if isinstance(part, int) and named:
                parts.append(child["id"])
            else:
                parts.append(str(part))
            node = child
        return ".".join(parts) or "(top)"

    def problem(self, path: Path_, problem: str, expected: str = "") -> Problem:
        """A :class:`Problem` located at ``path``."""
        return Problem(self.file, self.line(path), self.key(path), problem, expected)


def _child(node: Any, part: str | int) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def load_yaml(path: Path, shown_as: str | None = None) -> LoadedYaml:
    """Parse ``path``; raise :class:`voiceskill.errors.ContentError` when it is not YAML."""
    from voiceskill.errors import ContentError

    name = shown_as or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError([Problem(name, 0, "(file)", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ContentError([Problem(name, 0, "(file)", f"cannot read: {err}")]) from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        line = mark.line + 1 if mark is not None else 0
        what = getattr(err, "problem", None) or str(err)
        raise ContentError([Problem(name, line, "(yaml)", f"not valid YAML: {what}")]) from None
    finally:
        loader.dispose()
    loaded = LoadedYaml(name, data)
    if node is not None:
        loaded.lines[()] = node.start_mark.line + 1
        _walk(node, (), loaded)
    return loaded


def _key(node: yaml.Node) -> Any:
    """A mapping key as the loader builds it (``yes`` becomes True, ``1`` becomes 1)."""
    if isinstance(node, yaml.ScalarNode):
        try:
            return yaml.SafeLoader("").construct_object(node, deep=True)
        except yaml.YAMLError:
            return node.value
    return node.value


def _walk(node: yaml.Node, path: Path_, loaded: LoadedYaml) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = _key(key_node)
            child = (*path, key)
            if key in seen:
                loaded.problems.append(
                    Problem(loaded.file, key_node.start_mark.line + 1, loaded.key(child),
                            "duplicate key", "each key once")
                )
            seen.add(key)
            loaded.lines.setdefault(child, key_node.start_mark.line + 1)
            _walk(value_node, child, loaded)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            loaded.lines[child] = item.start_mark.line + 1
            _walk(item, child, loaded)
