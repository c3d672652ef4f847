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
