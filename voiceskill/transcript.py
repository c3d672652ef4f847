"""Session transcripts: JSON lines, one event per line, flushed and fsynced as it happens.

A session killed at any moment leaves a valid file holding every answer given so far.
The file is created by the first event (a session's start), not before: a session that never
starts (no model, no microphone) leaves no empty file behind.
A file that can no longer be written (disk full, file too large) does not end the session:
one warning on stderr, the conversation goes on (its safety advice matters more than its
record), and what was written before stays on disk.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any


class Transcript:
    """Append-only JSON-lines writer for one session."""

    def __init__(self, directory: Path | None, session_id: str | None = None) -> None:
        self.session_id = session_id or time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
        #: Every event written so far (also kept in memory for simulate's JSON).
        self.events: list[dict[str, Any]] = []
        self.path: Path | None = None
        #: Why the file could not be written any more (None while it can).
        self.failed: OSError | None = None
        self._fd: int | None = None
        #: True until the first event creates the file (False once closed without one).
        self._unopened = directory is not None
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            self.path = directory / f"{self.session_id}.jsonl"
            _check_writable(directory)

    def _open(self) -> None:
        self._unopened = False
        assert self.path is not None
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError as err:
            self._give_up(err)
            return
        _sync_directory(self.path.parent)  # the new file's name is on disk with its lines

    def write(self, t: float, type: str, **data: Any) -> dict[str, Any]:
        """Record one event at session time ``t`` (seconds since the session started)."""
        event = {"t": round(t, 3), "type": type, **data}
        self.events.append(event)
        if self._unopened:
            self._open()
        if self._fd is not None:
            line = (json.dumps(event, ensure_ascii=False) + "\n").encode("utf-8")
            try:
                while line:  # a short write (file size limit reached) is followed by an error
                    line = line[os.write(self._fd, line):]
                os.fsync(self._fd)
            except OSError as err:
                self._give_up(err)
        return event

    def _give_up(self, err: OSError) -> None:
        """Stop writing (a torn last line stays the last line: readers skip it) and warn once."""
        self.failed = err
        print(f"voiceskill: transcript {self.path} can no longer be written: "
              f"{err.strerror or err}; the session goes on", file=sys.stderr, flush=True)
        self.close()

    def close(self) -> None:
        self._unopened = False  # closed before anything happened: no file
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.close(fd)
            except OSError:
                pass  # already reported, or nothing more could be lost


def _check_writable(directory: Path) -> None:
    """Raise the OSError creating a file in ``directory`` would (read-only, not ours): the
    transcript file itself waits for the session's first event."""
    fd, probe = tempfile.mkstemp(prefix=".voiceskill-", suffix=".probe", dir=directory)
    os.close(fd)
    os.unlink(probe)


def _sync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a directory; the file's own lines are synced
    finally:
        os.close(fd)


def read_transcript(path: Path) -> list[dict[str, Any]]:
    """Events of a transcript file; a torn last line (killed mid-write) is skipped."""
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return events
