"""`voiceskill model download`: a name that is not an official model's is refused, a
directory that is there already is checked before it is called ready, and a download is
installed only once it passes the model checks.

This machine has no network: the network part is faked. ``download._open`` (the one function
that opens a URL) is replaced by one that serves a model list and a zip archive made here in
the test; everything else (the list lookup, the download loop and its checksum, unpacking,
the model checks, installing) is the real code.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest

import voiceskill
from voiceskill.acoustic import download
from voiceskill.cli import main
from voiceskill.speech.modeldir import check_model_dir

NAME = "vosk-model-small-en-us-0.15"


def _no_network(*_args, **_kwargs):
    raise AssertionError("the network was used")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(download, "_open", _no_network)


class _Response(io.BytesIO):
    """What urllib's urlopen gives: a readable body with headers."""

    def __init__(self, body: bytes) -> None:
        super().__init__(body)
        self.headers = {"Content-Length": str(len(body))}


def _fake_server(monkeypatch: pytest.MonkeyPatch, archive: Path, md5: str | None = None) -> None:
    """The network part, faked (no network here): ``download._open``, the one function that
    opens a URL, serves a model list with NAME (``archive``'s MD5, or ``md5``) and, for its
    URL, ``archive``'s bytes."""
    body = archive.read_bytes()
    url = f"https://example.invalid/{NAME}.zip"
    entry = {"name": NAME, "lang": "en-us", "url": url,
             "md5": md5 or hashlib.md5(body).hexdigest()}  # noqa: S324

    def fake_open(requested: str, timeout: float) -> _Response:
        if requested == download.MODEL_LIST_URL:
            return _Response(json.dumps([entry]).encode())
        assert requested == url, requested
        return _Response(body)

    monkeypatch.setattr(download, "_open", fake_open)


def _zip(tmp_path: Path, model: Path | None) -> Path:
    """A zip archive with NAME/ holding ``model``'s files (or only a README)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    archive = tmp_path / "archive.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        if model is None:
            zf.writestr(f"{NAME}/README", "not a model\n")
            return archive
        for path in sorted(model.rglob("*")):
            if path.is_file():
                zf.write(path, f"{NAME}/{path.relative_to(model)}")
    return archive


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("", "no model name given"),
        ("  ", "no model name given"),
        ("../elsewhere", "expected a model name, not a path"),
        ("vosk-model-x/..", "expected a model name, not a path"),
        ("voiceskill-en", "voiceskill's own model, which comes with it and needs no download"),
        ("hello", "not an official Vosk model name"),
    ],
)
def test_a_name_that_is_not_a_model_name_is_refused(
    tmp_path: Path, offline: None, capsys, name: str, says: str
) -> None:
    """Before: `model download "" --dest dl` said "model ready in dl", exit 0; and
    `model download voiceskill-en` said ready too."""
    dest = tmp_path / "dl"
    assert main(["model", "download", name, "--dest", str(dest)]) == 2
    out = capsys.readouterr()
    assert says in out.err and "ready" not in out.out
    assert not dest.exists()


def test_a_directory_there_already_is_checked_before_it_is_called_ready(
    tmp_path: Path, offline: None, capsys
) -> None:
    """Before: after `mkdir -p dl/NAME`, download said ready and `model check` failed."""
    dest = tmp_path / "dl"
    (dest / NAME).mkdir(parents=True)
    assert main(["model", "download", NAME, "--dest", str(dest)]) == 1
    out = capsys.readouterr()
    assert out.out == ""
    assert f"{dest / NAME} is there but is not a usable model" in out.err
    assert "am/final.mdl: missing" in out.err and "remove or move it away" in out.err
    # a usable one is ready without the network
    shutil.rmtree(dest / NAME)
    shutil.copytree(voiceskill.DEFAULT_MODEL_DIR, dest / NAME)
    assert main(["model", "download", NAME, "--dest", str(dest)]) == 0
    assert f"model ready in {dest / NAME}" in capsys.readouterr().out


def test_only_a_download_that_passes_the_checks_is_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """Before: "not usable", but dl/NAME/ stayed, and the next run called it ready."""
    dest = tmp_path / "dl"
    broken = _zip(tmp_path / "broken", None)
    _fake_server(monkeypatch, broken)
    for _attempt in range(2):
        assert main(["model", "download", NAME, "--dest", str(dest)]) == 2
        out = capsys.readouterr()
        assert "downloaded model is not usable" in out.err and "nothing was installed" in out.err
        assert "ready" not in out.out
        assert list(dest.iterdir()) == []  # neither the model nor the temporary directory
    _fake_server(monkeypatch, broken, md5="0" * 32)
    assert main(["model", "download", NAME, "--dest", str(dest)]) == 2
    assert "checksum mismatch" in capsys.readouterr().err
    assert list(dest.iterdir()) == []

    _fake_server(monkeypatch, _zip(tmp_path / "good", voiceskill.DEFAULT_MODEL_DIR))
    assert main(["model", "download", NAME, "--dest", str(dest)]) == 0
    assert f"model ready in {dest / NAME}" in capsys.readouterr().out
    assert [p.name for p in dest.iterdir()] == [NAME]
    check_model_dir(dest / NAME)
    monkeypatch.setattr(download, "_open", _no_network)  # there now: no download
    assert main(["model", "download", NAME, "--dest", str(dest)]) == 0
