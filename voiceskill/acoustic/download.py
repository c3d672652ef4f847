"""Fetch an official Vosk model (progress bar, MD5 checksum) — or say clearly that we are offline.

Never hangs: every network call has a short timeout, and no network is touched anywhere
else in voiceskill.
"""

from __future__ import annotations

import hashlib
import json
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


def download_model(name: str, dest: Path, timeout: float = 10.0) -> Path:
    """Download and unpack ``name`` into ``dest/name``; return the model directory."""
    from tqdm import tqdm

    from voiceskill.speech.modeldir import ModelDirError, check_model_dir

    target = dest / name
    if target.is_dir():
        return target
    entry = model_entry(name, timeout)
    url = entry.get("url") or f"https://alphacephei.com/vosk/models/{name}.zip"
    digest = hashlib.md5()  # noqa: S324 - the server publishes MD5 sums
    with tempfile.TemporaryDirectory(prefix="voiceskill-dl-") as tmp:
        archive = Path(tmp) / f"{name}.zip"
        with _open(url, timeout) as response, archive.open("wb") as out:
            total = int(response.headers.get("Content-Length") or 0)
            with tqdm(total=total or None, unit="B", unit_scale=True, desc=name) as bar:
                while chunk := response.read(1 << 16):
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
        expected = entry.get("md5")
        if expected and digest.hexdigest() != expected:
            raise DownloadError(
                f"{url}: checksum mismatch (got {digest.hexdigest()}, "
                f"expected {expected}); nothing was installed"
            )
        try:
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(tmp)
        except zipfile.BadZipFile as err:
            raise DownloadError(f"{url}: not a zip archive ({err})") from None
        unpacked = Path(tmp) / name
        if not unpacked.is_dir():
            raise DownloadError(f"{url}: archive has no top-level folder {name}/")
        dest.mkdir(parents=True, exist_ok=True)
        shutil.move(str(unpacked), target)
    try:
        check_model_dir(target)
    except ModelDirError as err:
        raise DownloadError(f"downloaded model is not usable: {err}") from None
    return target
