"""A model file that cannot be read (an OSError: permission denied, an I/O error) is said the
same way by `voiceskill check --model` and by `voiceskill run --model`: the file, then what is
wrong with it.

The tests run as root here, where permissions do not stop a read, so the denial is made by
patching :meth:`pathlib.Path.open` for the one file.
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest

from voiceskill.cli import main


def _deny(monkeypatch: pytest.MonkeyPatch, denied: Path, code: int, reason: str) -> None:
    """Make every open of ``denied`` fail with ``OSError(code, reason)``, as the kernel would."""
    real_open = Path.open

    def refusing_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == denied:
            raise OSError(code, reason, str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refusing_open)


def _deny_status(monkeypatch: pytest.MonkeyPatch, *denied: Path) -> None:
    """Make every ``stat`` of the paths ``denied`` fail with EACCES, as it does for a user
    who may not search the directory holding them."""
    real_stat = Path.stat

    def refusing_stat(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self in denied:
            raise OSError(errno.EACCES, "Permission denied", str(self))
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", refusing_stat)


def _check_says(model: Path, capfd: pytest.CaptureFixture[str]) -> list[str]:
    """The problem lines of `voiceskill check --model model` (which must fail)."""
    assert main(["check", "--model", str(model)]) == 1
    return capfd.readouterr().out.splitlines()


def _run_says(model: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> str:
    """The first line `voiceskill run --model model` says on stderr (it must not start)."""
    code = main(["run", "--model", str(model), "--transcripts", str(tmp_path / "transcripts")])
    assert code == 2
    return capfd.readouterr().err.splitlines()[0]


@pytest.mark.parametrize(("file", "code", "reason"), [
    ("am/final.mdl", errno.EACCES, "Permission denied"),
    ("conf/model.conf", errno.EACCES, "Permission denied"),
    ("graph/HCLr.fst", errno.EIO, "Input/output error"),
    ("graph/words.txt", errno.EACCES, "Permission denied"),
], ids=["am", "conf", "fst", "words"])
def test_check_and_run_name_an_unreadable_file_alike(model_copy: Path, tmp_path: Path,
                                                     capfd: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     file: str, code: int, reason: str) -> None:
    """Before, check said '<file>: cannot read the file: Permission denied' and run said
    '<model>: Vosk cannot load this model ([Errno 13] Permission denied: ...)'."""
    unreadable = model_copy / file
    _deny(monkeypatch, unreadable, code, reason)
    said = f"{unreadable}: cannot read the file: {reason}"
    assert _check_says(model_copy, capfd) == [said]
    assert _run_says(model_copy, tmp_path, capfd) == f"voiceskill: {said}"


@pytest.mark.parametrize("file", ["am/final.mdl", "graph/HCLr.fst"])
def test_check_and_run_name_a_file_they_may_not_look_at_alike(model_copy: Path, tmp_path: Path,
                                                              capfd: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              file: str) -> None:
    """Asking whether the file is there fails (pathlib passes EACCES on): before, the
    OSError reached run as '<model>: Vosk cannot load this model (...)', then both said
    'cannot read the file', though the file itself was never reached."""
    hidden = model_copy / file
    _deny_status(monkeypatch, hidden)
    said = (f"{hidden}: cannot look up the file: Permission denied "
            "(no right to search a directory on its path)")
    assert _check_says(model_copy, capfd) == [said]
    assert _run_says(model_copy, tmp_path, capfd) == f"voiceskill: {said}"


def test_a_directory_where_a_file_belongs_is_said_alike(model_copy: Path, tmp_path: Path,
                                                        capfd: pytest.CaptureFixture[str]
                                                        ) -> None:
    words = model_copy / "graph" / "words.txt"
    words.unlink()
    words.mkdir()
    said = f"{words}: is a directory, expected a file"
    assert _check_says(model_copy, capfd) == [said]
    assert _run_says(model_copy, tmp_path, capfd) == f"voiceskill: {said}"


def test_check_and_run_name_a_model_directory_they_may_not_look_at_alike(
        model_copy: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Before, run said '<model>: Vosk cannot load this model ([Errno 13] ...)'."""
    _deny_status(monkeypatch, model_copy)
    said = f"{model_copy}: cannot read the model directory: Permission denied"
    assert _check_says(model_copy, capfd) == [said]
    assert _run_says(model_copy, tmp_path, capfd) == f"voiceskill: {said}"


def test_a_model_in_a_directory_they_may_not_search_is_said_alike(
        model_copy: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Looking for the 8 kHz companion next to the model comes first, and its PermissionError
    was a traceback for check and for run."""
    _deny_status(monkeypatch, model_copy, model_copy.with_name(model_copy.name + "-8k"))
    said = f"{model_copy}: cannot read the model directory: Permission denied"
    assert _check_says(model_copy, capfd) == [said]
    assert _run_says(model_copy, tmp_path, capfd) == f"voiceskill: {said}"
