"""The test kiosk (:class:`~tests.kiosk.harness.KioskRunner`) in a child process the test can
kill, for the fault tests.

Why a child: when a PulseAudio source vanishes under a running capture stream, PortAudio
19.6's ALSA thread sometimes falls into an endless loop that nothing inside the process can
cancel. In a child process that thread dies with the child, and the pytest process stays clean.

The child writes one JSON object a line on stdout for everything the test observes (a listen,
a status, an attempt to open the devices, a sentence said, a session's end) and reads one
command a line on stdin (``press``, ``stop``, ``report``). :class:`ChildKiosk` is the test's
side, with the same waiting methods as ``KioskRunner``.

    python -m tests.kiosk.child '{"transcripts": "/tmp/t", "model": "models/voiceskill-en"}'
"""

from __future__ import annotations

import collections
import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def serve(options: dict[str, Any]) -> int:
    """In the child: run the kiosk, report what happens, obey commands until ``stop``."""
    from tests.kiosk.harness import KioskRunner, kiosk_settings
    from voiceskill.speech.recognizer import open_model

    lock = threading.Lock()

    def emit(event: str, **fields: Any) -> None:
        with lock:
            sys.stdout.write(json.dumps({"event": event, "t": time.monotonic(), **fields}) + "\n")
            sys.stdout.flush()

    settings = kiosk_settings(Path(options["transcripts"]))
    runner = KioskRunner(settings, open_model(Path(options["model"])),
                         first_backoff=options.get("first_backoff", 0.25),
                         max_backoff=options.get("max_backoff", 2.0), on_note=emit)
    runner.start()
    for line in sys.stdin:
        command = json.loads(line)
        if command["do"] == "press":
            runner.service.hub.press(command["intent"])
        elif command["do"] == "stop":
            started = time.monotonic()
            try:
                runner.stop(timeout=command.get("timeout", 30.0))
                error = None
            except (AssertionError, Exception) as err:  # noqa: BLE001 - reported to the test
                error = repr(err)
            emit("stopped", took=time.monotonic() - started, error=error)
        elif command["do"] == "report":
            stats = runner.service.stats
            emit("report", alive=runner.thread.is_alive(), error=repr(runner.error),
                 attempts=len(runner.attempts), sessions=stats.sessions,
                 device_failures=stats.device_failures, recoveries=stats.recoveries,
                 retry_pauses=stats.retry_pauses,
                 stuck=stats.stuck,
                 delivered=runner.devices is not None and runner.devices.delivered(),
                 threads=[t.name for t in threading.enumerate() if t.name.startswith("kiosk")])
    return 0


class ChildKiosk:
    """The test's side: starts the child, collects what it reports, sends it commands."""

    def __init__(self, transcripts: Path, model_dir: Path, first_backoff: float = 0.25,
                 max_backoff: float = 2.0) -> None:
        options = {"transcripts": str(transcripts), "model": str(model_dir),
                   "first_backoff": first_backoff, "max_backoff": max_backoff}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.kiosk.child", json.dumps(options)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, bufsize=1,
        )
        self.events: dict[str, queue.Queue[dict[str, Any]]] = collections.defaultdict(queue.Queue)
        self.attempts: list[float] = []
        """The child's ``time.monotonic()`` of every attempt to open the devices."""
        self.failed_opens: list[float] = []
        """The child's ``time.monotonic()`` when an attempt to open the devices failed."""
        self.said: list[str] = []
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=40)
        """The child's last lines of log (the stuck PortAudio loop can print millions)."""
        threading.Thread(target=self._read_stdout, name="child-stdout", daemon=True).start()
        threading.Thread(target=self._read_stderr, name="child-stderr", daemon=True).start()

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                # The kiosk's voice prints a prompt it cannot play, "(cannot speak: ...)", on
                # stdout as well (the journal, in a service): kept with the log lines.
                self.stderr_tail.append("stdout: " + line.rstrip())
                continue
            if event["event"] == "attempt":
                self.attempts.append(event["t"])
            elif event["event"] == "open_failed":
                self.failed_opens.append(event["t"])
            elif event["event"] == "said":
                self.said.append(event["text"])
            self.events[event["event"]].put(event)

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr_tail.append(line.rstrip())

    def _send(self, **command: Any) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()

    def _next(self, event: str, timeout: float, what: str) -> dict[str, Any]:
        try:
            return self.events[event].get(timeout=timeout)
        except queue.Empty:
            exited = self.process.poll()
            log = "\n".join(self.stderr_tail)
            raise AssertionError(f"the kiosk child never {what} within {timeout} s "
                                 f"(exit code {exited}); its last log lines:\n{log}") from None

    def wait_listen(self, accepts: str, timeout: float = 60.0) -> None:
        """Wait until the kiosk listens for a phrase list containing ``accepts``."""
        deadline = time.monotonic() + timeout
        while accepts not in self._next("listen", max(0.0, deadline - time.monotonic()),
                                        f"listened for {accepts!r}")["phrases"]:
            pass

    def wait_status(self, status: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while self._next("status", max(0.0, deadline - time.monotonic()),
                         f"reported {status!r}")["status"] != status:
            pass

    def wait_end(self, timeout: float = 90.0) -> tuple[str, Path | None]:
        event = self._next("end", timeout, "ended a session")
        return event["outcome"], Path(event["path"]) if event["path"] else None

    def drop_listens(self) -> None:
        listens = self.events["listen"]
        while not listens.empty():
            listens.get_nowait()

    def press(self, intent: str) -> None:
        self._send(do="press", intent=intent)

    def stop(self, timeout: float = 30.0) -> float:
        """Stop the kiosk in the child; returns how long ``stop()`` took there."""
        self._send(do="stop", timeout=timeout)
        stopped = self._next("stopped", timeout + 10, "stopped")
        assert stopped["error"] is None, stopped["error"]
        return float(stopped["took"])

    def report(self) -> dict[str, Any]:
        """The child's counters and its kiosk threads now."""
        self._send(do="report")
        return self._next("report", 10, "reported its counters")

    def wait_for_audio(self, timeout: float = 10.0) -> None:
        """Wait until the microphone the kiosk opened last has delivered audio (a sample that
        is not zero: the room heard)."""
        deadline = time.monotonic() + timeout
        while not self.report()["delivered"]:
            assert time.monotonic() < deadline, "the microphone delivered no audio"
            time.sleep(0.05)  # the child's flag, asked for; nothing to wait on

    def close(self) -> None:
        """End the child: kill it if it does not leave by itself (a stuck PortAudio thread)."""
        if self.process.stdin is not None and not self.process.stdin.closed:
            try:
                self.process.stdin.close()
            except BrokenPipeError:
                pass
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


if __name__ == "__main__":
    raise SystemExit(serve(json.loads(sys.argv[1])))
