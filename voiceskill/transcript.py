"""Session transcripts: JSON lines, one event per line, flushed and fsynced as it happens.

A session killed at any moment leaves a valid file holding every answer given so far.
"""

from __future__ import annotations

import json
import os
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
        self._fd: int | None = None
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            self.path = directory / f"{self.session_id}.jsonl"
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def write(self, t: float, type: str, **data: Any) -> dict[str, Any]:
        """Record one event at session time ``t`` (seconds since the session started)."""
        event = {"t": round(t, 3), "type": type, **data}
        self.events.append(event)
        if self._fd is not None:
            line = json.dumps(event, ensure_ascii=False) + "\n"
            os.write(self._fd, line.encode("utf-8"))
            os.fsync(self._fd)
        return event

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def read_transcript(path: Path) -> list[dict[str, Any]]:
    """Events of a transcript file; a torn last line (killed mid-write) is skipped."""
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return events
