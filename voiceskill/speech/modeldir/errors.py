"""The one error a model directory check raises, and the helpers every check builds it with."""

from __future__ import annotations

import errno
import os
from pathlib import Path


class ModelDirError(ValueError):
    """A model directory Vosk cannot load; the message names the file and the problem."""


def fail(path: Path, problem: str) -> ModelDirError:
    """The error for ``problem`` in ``path`` (``"<path>: <problem>"``), to raise."""
    return ModelDirError(f"{path}: {problem}")


def present(path: Path) -> bool:
    """Whether anything is at ``path``, as Vosk's ``stat`` sees it or not: a directory, a
    dangling symbolic link or a link loop is there too (and :func:`need` names it)."""
    return os.path.lexists(path)


def _not_a_file(path: Path) -> str:
    """Why ``path``, which is not a regular file, cannot be read as one."""
    if path.is_dir():
        return "is a directory, expected a file"
    if path.is_symlink():
        try:
            path.stat()
        except OSError as err:
            if err.errno == errno.ELOOP:
                return "is a symbolic link loop"
            return f"is a symbolic link to {os.readlink(path)}, which does not exist"
    if path.exists():
        return "is not a regular file"
    return "missing (required by Vosk)"


def read_model_file(path: Path) -> bytes:
    """The bytes of ``path``; :class:`ModelDirError` naming it when the system refuses the
    read (an OSError: permission denied, an I/O error), so that every command says it alike."""
    try:
        return path.read_bytes()
    except OSError as err:
        raise unreadable(path, err) from None


def unreadable(path: Path, err: OSError) -> ModelDirError:
    """The error for ``path``, which the system would not let us read (``err``)."""
    return fail(path, f"cannot read the file: {err.strerror or err}")


def unfindable(path: Path, err: OSError) -> ModelDirError:
    """The error for ``path``, whose status the system would not give (``err``): the file
    itself was never reached, so it is not said to be unreadable."""
    why = err.strerror or str(err)
    if err.errno == errno.EACCES:
        why += " (no right to search a directory on its path)"
    return fail(path, f"cannot look up the file: {why}")


def need(path: Path, allow_empty: bool = False) -> Path:
    """``path``, unless it is missing, not a file, or empty when not ``allow_empty`` (then
    raise :class:`ModelDirError`)."""
    try:
        regular = path.is_file()
        empty = regular and path.stat().st_size == 0
    except OSError as err:  # not ENOENT: e.g. no right to search a directory on the way
        raise unfindable(path, err) from None
    if not regular:
        raise fail(path, _not_a_file(path))
    if empty and not allow_empty:
        raise fail(path, "is empty")
    return path
