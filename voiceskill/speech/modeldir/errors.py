"""The one error a model directory check raises, and the helpers every check builds it with."""

from __future__ import annotations

from pathlib import Path


class ModelDirError(ValueError):
    """A model directory Vosk cannot load; the message names the file and the problem."""


def fail(path: Path, problem: str) -> ModelDirError:
    """The error for ``problem`` in ``path`` (``"<path>: <problem>"``), to raise."""
    return ModelDirError(f"{path}: {problem}")


def need(path: Path) -> Path:
    """``path``, unless it is missing or empty (then raise :class:`ModelDirError`)."""
    if not path.is_file():
        raise fail(path, "missing (required by Vosk)")
    if path.stat().st_size == 0:
        raise fail(path, "is empty")
    return path
