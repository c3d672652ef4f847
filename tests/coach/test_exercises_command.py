"""`voiceskill exercises` through the real command-line entry point."""

from __future__ import annotations

from pathlib import Path

import pytest

from voiceskill.cli import main
from voiceskill.coach.routine import load_exercises


def test_lists_every_id_with_its_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exercises"]) == 0
    out = capsys.readouterr().out
    book = load_exercises()
    rows = {line.split()[0]: line for line in out.splitlines()[1:len(book.exercises) + 1]}
    assert list(rows) == list(book.exercises)
    assert "bird-dog" in rows["bird-dog"] and "12 holds per side, hold 5 s" in rows["bird-dog"]
    assert "2 sets of 8 reps" in rows["dead-bugs"]
    assert "20 min" in rows["heat"]
    assert "first-72-hours (also: first-3-days, days-1-3): walk, prone-over-pillow, ice" in out


def test_ids_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exercises", "--ids"]) == 0
    assert capsys.readouterr().out.split() == list(load_exercises().exercises)


def test_a_broken_file_is_refused_with_its_line(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "exercises.yaml").write_text("version: 1\npacing: 3\n", encoding="utf-8")
    assert main(["exercises", "--dialogs", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path}/exercises.yaml:2: pacing: is a number (expected a mapping)" in err
