"""Where a model is: ``--model``, $VOICESKILL_MODEL or the shipped one, and its 8 kHz companion."""

from __future__ import annotations

import os
from pathlib import Path

import voiceskill

#: Environment variable naming a model directory (overridden by ``--model``).
MODEL_ENV = "VOICESKILL_MODEL"

#: Suffix of the directory next to a model that holds its companion for 8 kHz devices
#: (``models/voiceskill-en`` → ``models/voiceskill-en-8k``), which the recognizer switches to
#: when the microphone records nothing above 4 kHz.
NARROWBAND_SUFFIX = "-8k"


def named_model_dir(path: str | Path | None = None) -> Path | None:
    """The model the user named: ``path`` if given, else $VOICESKILL_MODEL; None for neither."""
    if path:
        return Path(path)
    env = os.environ.get(MODEL_ENV, "").strip()
    return Path(env) if env else None


def resolve_model_dir(path: str | Path | None = None) -> Path:
    """``path`` if given, else $VOICESKILL_MODEL, else the shipped model."""
    return named_model_dir(path) or voiceskill.DEFAULT_MODEL_DIR


def narrowband_companion(path: str | Path) -> Path | None:
    """The directory of ``path``'s companion model for 8 kHz devices, if there is one (None
    when the system will not say: the check of ``path`` itself then says why)."""
    root = Path(path).resolve()  # "." and ".." have no name of their own
    companion = root.with_name(root.name + NARROWBAND_SUFFIX)
    try:
        return companion if companion.is_dir() else None
    except OSError:  # not ENOENT: e.g. no right to search the directory holding both
        return None
