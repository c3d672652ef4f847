"""Transcripts are on disk the moment an event happens, even if the process is killed."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from voiceskill.transcript import Transcript, read_transcript


def test_each_event_is_a_json_line(tmp_path: Path):
    transcript = Transcript(tmp_path, "s1")
    transcript.write(0.0, "say", text="Hello")
    transcript.write(1.25, "heard", text="yes", intent="yes", confidence=0.9)
    lines = (tmp_path / "s1.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"t": 0.0, "type": "say", "text": "Hello"},
        {"t": 1.25, "type": "heard", "text": "yes", "intent": "yes", "confidence": 0.9},
    ]


def test_a_killed_session_leaves_every_answer_on_disk(tmp_path: Path):
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from voiceskill.transcript import Transcript\n"
        "t = Transcript(Path(sys.argv[1]), 'killed')\n"
        "for i in range(3):\n"
        "    t.write(i, 'heard', text='no', intent='no')\n"
        "print('written', flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "written"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    events = read_transcript(tmp_path / "killed.jsonl")
    assert [e["intent"] for e in events] == ["no", "no", "no"]


def test_a_torn_last_line_is_skipped(tmp_path: Path):
    path = tmp_path / "torn.jsonl"
    path.write_text('{"t": 0, "type": "say", "text": "hi"}\n{"t": 1, "ty')
    assert read_transcript(path) == [{"t": 0, "type": "say", "text": "hi"}]


def test_no_directory_keeps_events_in_memory_only():
    transcript = Transcript(None)
    transcript.write(time.monotonic(), "say", text="x")
    assert transcript.path is None and len(transcript.events) == 1


def test_a_transcript_that_cannot_be_written_does_not_end_the_session(tmp_path: Path):
    """Disk full mid-screening (here: a file size limit, as `ulimit -f 3`) had killed the
    session with a traceback before the closing safety advice. Now: one warning, the
    conversation ends as it would have, and what was written before stays readable."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (3072, 3072))

    proc = subprocess.run(
        [sys.executable, "-m", "voiceskill", "run", "--text", "--transcripts", str(tmp_path)],
        input="no\n" * 30, capture_output=True, text=True, timeout=120, preexec_fn=limit,
    )
    assert proc.returncode == 0, proc.stderr
    (path,) = tmp_path.glob("*.jsonl")
    assert proc.stderr.splitlines() == [
        f"voiceskill: transcript {path} can no longer be written: File too large; "
        "the session goes on"]
    assert "[outcome: advice]" in proc.stdout and "call 911 straight away" in proc.stdout
    events = read_transcript(path)
    answers = [e for e in events if e["type"] == "answer"]
    assert answers and all(e["intent"] == "no" for e in answers)
    assert path.stat().st_size == 3072


def test_after_a_failed_write_events_are_kept_in_memory(tmp_path: Path, capsys):
    transcript = Transcript(tmp_path, "s")
    transcript.write(0.0, "say", text="one")
    import os

    os.close(transcript._fd)  # the file can no longer be written (as with a failed disk)
    transcript.write(1.0, "say", text="two")
    transcript.write(2.0, "say", text="three")
    transcript.close()
    assert [e["text"] for e in transcript.events] == ["one", "two", "three"]
    assert [e["text"] for e in read_transcript(tmp_path / "s.jsonl")] == ["one"]
    assert capsys.readouterr().err.count("can no longer be written") == 1
    assert isinstance(transcript.failed, OSError)
