"""Fixtures of the kiosk tests: the shipped speech model and a folder for the person's voice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import voiceskill


@pytest.fixture(scope="session")
def model() -> Any:
    """The shipped Vosk model, loaded once."""
    path = voiceskill.DEFAULT_MODEL_DIR
    if not (path / "am" / "final.mdl").is_file():
        pytest.skip(f"the speech model is not built yet ({path})")
    from voiceskill.speech.recognizer import open_model

    return open_model(path)


@pytest.fixture(scope="session")
def voice_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the person's espeak-ng utterances are synthesized (once per run)."""
    return tmp_path_factory.mktemp("person")
