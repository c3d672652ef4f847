"""Errors about content and inputs that a person must be able to fix from one line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a content file."""

    file: str
    """Path of the file, as given by the user."""

    line: int
    """1-based line of the offending key or value (0 when the whole file is at fault)."""

    key: str
    """Dotted path to the offending item, e.g. ``nodes.saddle-numbness.on.yes``."""

    problem: str
    """What is wrong, in plain words."""

    expected: str = ""
    """What would be valid instead (may be empty)."""

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}: {self.key}: {self.problem}"
        return f"{text} (expected {self.expected})" if self.expected else text


class ContentError(Exception):
    """Content (dialogs, exercises) is broken; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
