"""Keeps the C sound libraries' error lines off the kiosk's terminal and journal.

PortAudio and ALSA print to file descriptor 2 themselves (``Expression '…' failed in
'src/hostapi/alsa/pa_linux_alsa.c'``, ``ALSA lib pcm_pulse.c: …``), several lines for every
failed open of a vanished device. :class:`StderrFunnel` points descriptor 2 at a pipe; a reader
thread passes ordinary lines through to the real stderr unchanged and only counts the library's
lines. The service asks :meth:`StderrFunnel.take_summary` once per retry and logs the answer as
one line of its own, so a device that stays away costs one log line per backoff step.

Python's own output (logging, tracebacks) keeps going straight to the real stderr: ``sys.stderr``
is pointed at a copy of the original descriptor while the funnel is in place.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from dataclasses import dataclass, field
from typing import IO, Any

log = logging.getLogger("voiceskill.kiosk")

#: Library lines between two summaries beyond which the library counts as stuck in a loop.
FLOOD_LINES = 20000

#: Beginnings of lines the C sound libraries print on their own.
LIBRARY_LINE_STARTS = ("Expression '", "ALSA lib ", "PaAlsa", "Cannot connect to server",
                       "jack server is not running", "JackShmReadWritePtr")


def is_library_line(line: str) -> bool:
    """True for a line PortAudio, ALSA or JACK printed by itself (not ours)."""
    return line.lstrip().startswith(LIBRARY_LINE_STARTS)


@dataclass
class NoiseCount:
    """Library lines seen since the last summary."""

    lines: int = 0
    """How many."""

    first: str = ""
    """The first of them (shortened), to say what kind of trouble it was."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    """Guards the two fields above (the reader thread writes, the service reads)."""


class StderrFunnel:
    """Catches what is written to descriptor 2 while in place (a context manager)."""

    def __init__(self) -> None:
        self.noise = NoiseCount()
        self.total_library_lines = 0
        """Library lines caught since the start."""
        self._saved_fd: int | None = None
        self._saved_stderr: Any = None
        self._real: IO[str] | None = None
        self._reader: threading.Thread | None = None
        self.parked = False
        """True once a flood of library lines made the funnel stop reading (see :meth:`_read`)."""
        self._parked_fd: int | None = None

    def __enter__(self) -> StderrFunnel:
        sys.stderr.flush()
        read_fd, write_fd = os.pipe()
        self._saved_fd = os.dup(2)
        self._real = os.fdopen(os.dup(self._saved_fd), "w", buffering=1, encoding="utf-8",
                               errors="replace")
        self._saved_stderr = sys.stderr
        sys.stderr = self._real
        os.dup2(write_fd, 2)
        os.close(write_fd)
        self._reader = threading.Thread(target=self._read, args=(read_fd,),
                                        name="stderr-funnel", daemon=True)
        self._reader.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Put descriptor 2 back; the reader sees the end of the pipe and finishes."""
        if self._saved_fd is None:
            return
        os.dup2(self._saved_fd, 2)  # the pipe's last writer is gone: the reader gets EOF
        os.close(self._saved_fd)
        self._saved_fd = None
        if self._reader is not None:
            self._reader.join(5.0)
            self._reader = None
        sys.stderr = self._saved_stderr
        if self._real is not None:
            self._real.close()
            self._real = None

    def take_summary(self) -> str | None:
        """One line about the library lines since the last call, or None when there were none."""
        with self.noise.lock:
            lines, first = self.noise.lines, self.noise.first
            self.noise.lines, self.noise.first = 0, ""
        if not lines:
            return None
        more = f" (and {lines - 1} more lines)" if lines > 1 else ""
        return f"{first}{more}"

    def _read(self, read_fd: int) -> None:
        pending = b""
        while True:
            data = os.read(read_fd, 65536)
            if not data:
                break
            *lines, pending = (pending + data).split(b"\n")
            for raw in lines:
                line = raw.decode("utf-8", errors="replace") + "\n"
                if is_library_line(line):
                    self._count(line.strip())
                elif self._real is not None:
                    try:
                        self._real.write(line)
                    except (OSError, ValueError):
                        pass  # the real stderr is gone; nothing sensible to do with it
            if self.noise.lines >= FLOOD_LINES:
                # A library thread is printing in an endless loop. Stop reading but keep the
                # pipe open: once it is full, that thread blocks in write() instead of
                # burning a CPU core (a closed pipe would only make its writes fail faster).
                self.parked = True
                self._parked_fd = read_fd
                log.error("the sound library printed %d lines in a row and is stuck in a "
                          "loop; its output is no longer read (first: %s)",
                          self.noise.lines, self.noise.first)
                return
        os.close(read_fd)

    def _count(self, line: str) -> None:
        self.total_library_lines += 1
        with self.noise.lock:
            if not self.noise.lines:
                self.noise.first = line if len(line) <= 160 else line[:157] + "..."
            self.noise.lines += 1
