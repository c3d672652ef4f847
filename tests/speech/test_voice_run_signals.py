"""`voiceskill run` in voice mode, stopped from outside: real voice mode (the shipped model,
pyttsx3 with espeak-ng, PortAudio on the PulseAudio loop) in a process of its own.

SIGTERM (a kiosk or a service manager stopping it) ends the session politely: the closing
lines are said, but nothing else queued (it read out its whole introduction and the first
question before). Ctrl-C stops at once, and the transcript still ends and is named."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from voiceskill.transcript import read_transcript

pytestmark = pytest.mark.audio


def start_voice_run(pulse, transcripts: Path) -> tuple[subprocess.Popen, list[str], list[str],
                                                        threading.Event]:
    """The voice session, its stdout and stderr lines as they come, and an event set once the
    first prompt's caption is printed (it is printed as the prompt starts playing)."""
    from voiceskill.speech.modeldir import resolve_model_dir

    model = resolve_model_dir(None)
    if not (model / "am" / "final.mdl").is_file():
        pytest.skip(f"the speech model is not built yet ({model})")
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceskill", "run", "--model", str(model),
         "--transcripts", str(transcripts)],
        env={**os.environ, "PULSE_SERVER": pulse.server}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    out: list[str] = []
    err: list[str] = []
    speaking = threading.Event()

    def read(stream, lines: list[str], watch: bool) -> None:
        for line in stream:
            lines.append(line)
            if watch and line.startswith("Hello."):
                speaking.set()

    for stream, lines, watch in ((process.stdout, out, True), (process.stderr, err, False)):
        threading.Thread(target=read, args=(stream, lines, watch), daemon=True).start()
    return process, out, err, speaking


def stop_while_speaking(pulse, tmp_path: Path, signum: int) -> tuple[int, str, str, list]:
    process, out, err, speaking = start_voice_run(pulse, tmp_path / "transcripts")
    try:
        assert speaking.wait(60), "".join(err)
        process.send_signal(signum)
        process.wait(60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    (path,) = (tmp_path / "transcripts").glob("*.jsonl")
    return process.returncode, "".join(out), "".join(err), read_transcript(path)


def test_sigterm_during_the_welcome_says_only_the_closing_lines(pulse, tmp_path: Path):
    code, stdout, stderr, events = stop_while_speaking(pulse, tmp_path, signal.SIGTERM)
    assert code == 0, stderr
    said = [e["key"] for e in events if e["type"] == "say"]
    assert said[0] == "statement:welcome"
    assert set(said[1:]) == {"outcome:stopped"}, said  # nothing of the red-flag questions
    assert events[-1]["type"] == "end" and events[-1]["outcome"] == "stopped"
    assert stdout.splitlines()[-2:] == [
        "[outcome: stopped]", f"[transcript: {tmp_path / 'transcripts' / events_file(tmp_path)}]"]


def test_ctrl_c_ends_the_transcript_and_names_it(pulse, tmp_path: Path):
    code, stdout, stderr, events = stop_while_speaking(pulse, tmp_path, signal.SIGINT)
    assert code == 130, stderr
    assert stderr.rstrip().endswith("Stopped.")
    assert "Traceback" not in stderr
    assert events[-1]["type"] == "end" and events[-1]["outcome"] == "stopped"
    assert stdout.splitlines()[-1] == (
        f"[transcript: {tmp_path / 'transcripts' / events_file(tmp_path)}]")


def events_file(tmp_path: Path) -> str:
    (path,) = (tmp_path / "transcripts").glob("*.jsonl")
    return path.name
