"""`voiceskill run` in voice mode, stopped from outside: real voice mode (the shipped model,
pyttsx3 with espeak-ng, PortAudio on the PulseAudio loop) in a process of its own.

SIGTERM (a kiosk or a service manager stopping it) ends the session politely: the closing
lines are said, but nothing else queued (it read out its whole introduction and the first
question before). Ctrl-C ends the same way (a second one leaves at once), and the transcript
still ends and is named."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.voice_run import shipped_model, signal_when, voiceskill_run
from voiceskill.transcript import read_transcript

pytestmark = pytest.mark.audio


def stop_while_speaking(pulse, tmp_path: Path, signum: int) -> tuple[int, str, str, list]:
    """Voice mode from the start, sent ``signum`` as the welcome starts playing (its caption
    is printed as the prompt starts); its exit code, stdout, stderr and transcript."""
    transcripts = tmp_path / "transcripts"
    code, stdout, stderr = signal_when(
        voiceskill_run("--model", str(shipped_model()), "--transcripts", str(transcripts),
                       "--rate", "400"),
        pulse.server, lambda stream, line: stream == "stdout" and line.startswith("Hello."),
        signum)
    (path,) = transcripts.glob("*.jsonl")
    return code, stdout, stderr, read_transcript(path)


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
