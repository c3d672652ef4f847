"""Fetch an official Vosk model (progress bar, MD5 checksum) — or say clearly that we are offline.

Never hangs: every network call has a short timeout, and no network is touched anywhere
else in voiceskill.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

MODEL_LIST_URL = "https://alphacephei.com/vosk/models/model-list.json"


class DownloadError(RuntimeError):
    """The model could not be fetched; the message says why (offline, unknown name, checksum)."""


def _open(url: str, timeout: float):
    try:
        return urllib.request.urlopen(url, timeout=timeout)  # noqa: S310 - fixed https host
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise DownloadError(
            f"offline: cannot reach {url.split('/')[2]} ({reason}). This machine has no route "
            "to the Vosk model server; copy a model directory here by other means and pass "
            "--model DIR (the shipped model needs no download)."
        ) from None


def model_entry(name: str, timeout: float) -> dict:
    """The model-list.json entry for ``name`` (url, md5, size)."""
    with _open(MODEL_LIST_URL, timeout) as response:
        entries = json.loads(response.read().decode("utf-8"))
    for entry in entries:
        if entry.get("name") == name:
            return entry
    known = ", ".join(sorted(e.get("name", "?") for e in entries if e.get("lang") == "en-us"))
    raise DownloadError(f"unknown model {name!r}; English models: {known}")


#: What an official model's name looks like (vosk-model-small-en-us-0.15,
#: vosk-model-en-us-0.22-lgraph, vosk-model-ru-0.42): a plain name, never a path.
OFFICIAL_NAME = re.compile(r"vosk-model(-[a-z0-9][a-z0-9.]*)+")


class NotUsableError(DownloadError):
    """The model directory is there already but does not pass the model checks."""


def check_name(name: str) -> None:
    """Raise DownloadError unless ``name`` looks like an official Vosk model's name."""
    example = "e.g. vosk-model-small-en-us-0.15"
    if not name.strip():
        raise DownloadError(f"no model name given ({example})")
    if any(c in name for c in "/\\") or name in (".", ".."):
        raise DownloadError(
            f"{name!r}: expected a model name, not a path ({example}); a model directory "
            "you have already is used with --model DIR"
        )
    if not OFFICIAL_NAME.fullmatch(name):
        shipped = (
            f"; {name} is voiceskill's own model, which comes with it and needs no download"
            if name.startswith("voiceskill") else ""
        )
        raise DownloadError(
            f"{name!r} is not an official Vosk model name (they start with vosk-model-, "
            f"{example}){shipped}"
        )


def fetch_archive(url: str, out: Path, timeout: float, label: str) -> str:
    """Download ``url`` to ``out`` with a progress bar; return its MD5 (hex)."""
    from tqdm import tqdm

    digest = hashlib.md5()  # noqa: S324 - the server publishes MD5 sums
    with _open(url, timeout) as response, out.open("wb") as stream:
        total = int(response.headers.get("Content-Length") or 0)
        with tqdm(total=total or None, unit="B", unit_scale=True, desc=label) as bar:
            while chunk := response.read(1 << 16):
                stream.write(chunk)
                digest.update(chunk)
                bar.update(len(chunk))
    return digest.hexdigest()


def download_model(name: str, dest: Path, timeout: float = 10.0) -> Path:
    """Download and unpack ``name`` into ``dest/name``; return the model directory.

    A ``dest/name`` that is there already is returned only if it passes the model checks
    (else :class:`NotUsableError`). A download is unpacked into a temporary directory in
    ``dest`` and renamed to ``dest/name`` only once it passes them; on any failure the
    temporary directory is removed and nothing is installed."""
    from voiceskill.speech.modeldir import ModelDirError, check_model_dir

    check_name(name)
    target = dest / name
    if target.exists():
        try:
            check_model_dir(target)
        except ModelDirError as err:
            raise NotUsableError(
                f"{target} is there but is not a usable model ({err}); remove or move it away "
                "and download again"
            ) from None
        return target
    entry = model_entry(name, timeout)
    url = entry.get("url") or f"https://alphacephei.com/vosk/models/{name}.zip"
    dest.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.download-", dir=dest))  # same file system
    try:
        archive = tmp / f"{name}.zip"
        got = fetch_archive(url, archive, timeout, name)
        expected = entry.get("md5")
        if expected and got != expected:
            raise DownloadError(
                f"{url}: checksum mismatch (got {got}, expected {expected}); nothing was "
                "installed"
            )
        try:
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(tmp / "unpacked")
        except zipfile.BadZipFile as err:
            raise DownloadError(f"{url}: not a zip archive ({err}); nothing was installed") \
                from None
        unpacked = tmp / "unpacked" / name
        if not unpacked.is_dir():
            raise DownloadError(
                f"{url}: archive has no top-level folder {name}/; nothing was installed"
            )
        try:
            check_model_dir(unpacked)
        except ModelDirError as err:
            raise DownloadError(
                f"downloaded model is not usable: {err}; nothing was installed"
            ) from None
        os.rename(unpacked, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
