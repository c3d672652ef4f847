"""The shipped dialogs copied for a test to break one place of them."""

from __future__ import annotations

import shutil
from pathlib import Path

import voiceskill


def copy_dialogs(directory: Path) -> Path:
    """Copy every shipped dialog file into ``directory``; return the copy's triage.yaml."""
    for path in voiceskill.DIALOGS_DIR.glob("*.yaml"):
        shutil.copy(path, directory / path.name)
    return directory / "triage.yaml"
