"""`voiceskill run` in voice mode as a child process, signalled once a line shows it got where
a test wants it: the production process, real devices, stopped from outside."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest


def shipped_model() -> Path:
    """The model voice mode loads by default; skips the test when it has not been built."""
    from voiceskill.speech.modeldir import resolve_model_dir

    model = resolve_model_dir(None)
    if not (model / "am" / "final.mdl").is_file():
        pytest.skip(f"the speech model is not built yet ({model})")
    return model


def voiceskill_run(*args: str) -> list[str]:
    """The command line of ``voiceskill run ARGS`` with this interpreter."""
    return [sys.executable, "-m", "voiceskill", "run", *args]


def signal_when(argv: list[str], pulse_server: str, ready: Callable[[str, str], bool],
                signum: int, timeout: float = 60.0) -> tuple[int, str, str]:
    """Run ``argv`` on the PulseAudio server, send ``signum`` once ``ready(stream, line)`` is
    true for a line it printed ("stdout" or "stderr"), and return its exit code, stdout and
    stderr. Fails when no line is ready within ``timeout``; kills a process that does not end
    in ``timeout`` after the signal."""
    process = subprocess.Popen(argv, env={**os.environ, "PULSE_SERVER": pulse_server},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: dict[str, list[str]] = {"stdout": [], "stderr": []}
    seen = threading.Event()

    def read(name: str) -> None:
        for line in getattr(process, name):
            lines[name].append(line)
            if ready(name, line):
                seen.set()

    readers = [threading.Thread(target=read, args=(name,), daemon=True) for name in lines]
    for reader in readers:
        reader.start()
    try:
        assert seen.wait(timeout), "".join(lines["stderr"])
        process.send_signal(signum)
        process.wait(timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        for reader in readers:
            reader.join(10)
    return process.returncode, "".join(lines["stdout"]), "".join(lines["stderr"])
