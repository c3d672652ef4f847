"""$VOICESKILL_MODEL names the speech model for every command, as the README says, not only
for `transcribe`: `run` went on to the microphone with the shipped model, `check` checked the
shipped model's words and said "ok".

Order: --model, then the settings file's ``audio.model`` (run, kiosk), then $VOICESKILL_MODEL,
then the shipped model.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import voiceskill
from voiceskill.commands.kiosk import settings_from
from voiceskill.config import load_settings
from voiceskill.speech.modeldir import MODEL_ENV


def _voiceskill(*args: str, env_model: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, MODEL_ENV: str(env_model)}
    return subprocess.run([sys.executable, "-m", "voiceskill", *args], capture_output=True,
                          text=True, timeout=60, env=env, cwd=cwd, stdin=subprocess.DEVNULL)


def test_settings_take_the_environment_unless_the_file_names_a_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(MODEL_ENV, raising=False)
    assert load_settings(None).model_dir == voiceskill.DEFAULT_MODEL_DIR
    monkeypatch.setenv(MODEL_ENV, str(tmp_path / "env"))
    assert load_settings(None).model_dir == tmp_path / "env"
    (tmp_path / "kiosk.toml").write_text(f"[audio]\nmodel = '{tmp_path / 'file'}'\n")
    assert load_settings(tmp_path / "kiosk.toml").model_dir == tmp_path / "file"


def test_the_kiosk_takes_the_environment(tmp_path: Path, monkeypatch) -> None:
    from voiceskill.cli import build_parser

    monkeypatch.setenv(MODEL_ENV, str(tmp_path / "env"))
    args = build_parser().parse_args(["kiosk"])
    assert settings_from(args).model_dir == tmp_path / "env"
    args = build_parser().parse_args(["kiosk", "--model", str(tmp_path / "flag")])
    assert settings_from(args).model_dir == tmp_path / "flag"


def test_run_stops_at_the_model_the_environment_names(tmp_path: Path) -> None:
    """Before, it went on with the shipped model and stopped at the missing microphone."""
    proc = _voiceskill("run", env_model=tmp_path / "nowhere", cwd=tmp_path)
    assert proc.returncode != 0
    assert f"{tmp_path / 'nowhere'}: model directory does not exist" in proc.stderr


def test_check_checks_the_words_of_the_model_the_environment_names(tmp_path: Path) -> None:
    """Before: "ok", from the shipped model's words."""
    proc = _voiceskill("check", env_model=tmp_path / "nowhere", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"{tmp_path / 'nowhere'}: model directory does not exist" in proc.stdout  # as run


def test_simulate_takes_the_environment(tmp_path: Path) -> None:
    script = tmp_path / "s.yaml"
    script.write_text("replies:\n  - {say: 'no'}\n")
    proc = _voiceskill("simulate", str(script), env_model=tmp_path / "nowhere", cwd=tmp_path)
    assert proc.returncode == 2
    assert f"{tmp_path / 'nowhere'}: model directory does not exist" in proc.stderr
