"""Fixtures of the speech tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import voiceskill


@pytest.fixture
def model_copy(tmp_path: Path) -> Path:
    """A copy of the shipped model (without its notes) for a test to break."""
    target = tmp_path / "model"
    shutil.copytree(voiceskill.DEFAULT_MODEL_DIR, target, ignore=shutil.ignore_patterns("*.md"))
    return target


def refusal(model_dir: Path, file: Path) -> str:
    """The message with which the directory check refuses ``model_dir``, which must name
    ``file`` first."""
    from voiceskill.speech.modeldir import ModelDirError, check_model_dir

    with pytest.raises(ModelDirError) as err:
        check_model_dir(model_dir)
    message = str(err.value)
    assert message.startswith(f"{file}: ")
    return message
