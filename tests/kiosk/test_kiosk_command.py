"""`voiceskill kiosk` as a real process on the PulseAudio loop: started from a settings file,
woken from its screen, and stopped with SIGTERM in the middle of a session."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

import voiceskill
from tests.pulse import PulseServer
from voiceskill.transcript import read_transcript

pytestmark = pytest.mark.audio


def get_state(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url + "state", timeout=5) as response:
        return json.load(response)


def press(url: str, intent: str) -> None:
    request = urllib.request.Request(url + "press", data=json.dumps({"intent": intent}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.load(response) == {"ok": True}


def wait_state(url: str, ok: Any, what: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = get_state(url)
        if ok(state):
            return state
        time.sleep(0.2)  # another process: asking it is the only way to know
    raise AssertionError(f"the kiosk never reached {what}")


def test_sigterm_mid_session_exits_cleanly_with_the_transcript_complete(
    pulse: PulseServer, model_dir: Path, tmp_path: Path
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[audio]\nmodel = "{model_dir}"\n[voice]\nrate = 380\n'
        '[transcripts]\ndirectory = "t"\n[screen]\nenabled = true\nport = 0\n',
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceskill", "kiosk", "--config", str(config)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        cwd=voiceskill.PROJECT_ROOT, env={**os.environ, "PYTHONPATH": str(voiceskill.PROJECT_ROOT)},
    )
    try:
        assert process.stderr is not None
        line = ""
        while not line.startswith("screen: "):
            line = process.stderr.readline()
            assert line, "the kiosk exited before serving its screen"
        url = line.split()[1]
        assert url.startswith("http://127.0.0.1:")
        wait_state(url, lambda s: s["status"] == "idle" and "wake" in s["buttons"], "idle")
        press(url, "wake")
        wait_state(url, lambda s: s["status"] == "session" and "yes" in s["buttons"],
                   "the first question")
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    files = list((tmp_path / "t").glob("*.jsonl"))
    assert len(files) == 1
    events = read_transcript(files[0])
    assert events[0]["type"] == "start"
    assert events[-1]["type"] == "end" and events[-1]["outcome"] == "stopped"
    assert [e["type"] for e in events].count("end") == 1
