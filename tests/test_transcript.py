"""Transcripts are on disk the moment an event happens, even if the process is killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

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
    assert f"[transcript: {path} (incomplete: it could not be written to the end)]" \
        in proc.stdout
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


def test_the_file_is_created_by_the_first_event(tmp_path: Path):
    """A transcript's file had been created before the session could start: voice mode
    without a model or a microphone left an empty one behind."""
    transcript = Transcript(tmp_path, "s")
    assert list(tmp_path.iterdir()) == []
    transcript.write(0.0, "start", start=None)
    assert read_transcript(tmp_path / "s.jsonl") == [{"t": 0.0, "type": "start", "start": None}]
    transcript.write(0.5, "say", text="Hello")
    assert len(read_transcript(tmp_path / "s.jsonl")) == 2  # on disk before close
    transcript.close()
    unused = Transcript(tmp_path, "unused")
    unused.close()
    unused.write(0.0, "start", start=None)  # after close: kept in memory only, as before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.jsonl"]


def _no_stdin() -> None:
    os.close(0)


@pytest.mark.parametrize(("case", "reason"), [
    ("no model", "model directory does not exist"),
    ("no microphone", "no input device matching 'no such microphone'"),
    ("no standard input", "no standard input to read answers from"),
])
def test_a_session_that_never_starts_leaves_no_transcript(tmp_path: Path, case: str,
                                                           reason: str):
    import voiceskill

    args: list[str] = ["--model", str(tmp_path / "no-model")]
    preexec = None
    if case == "no microphone":
        args = ["--model", str(voiceskill.DEFAULT_MODEL_DIR),
                "--input-device", "no such microphone"]
    elif case == "no standard input":
        args, preexec = ["--text"], _no_stdin
    transcripts = tmp_path / "transcripts"
    proc = subprocess.run(
        [sys.executable, "-m", "voiceskill", "run", "--transcripts", str(transcripts), *args],
        capture_output=True, text=True, timeout=120, preexec_fn=preexec,
        env={**os.environ, "PULSE_SERVER": "unix:/nonexistent"},
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == "" and reason in proc.stderr
    assert transcripts.is_dir() and list(transcripts.iterdir()) == []


#: A full disk for the transcripts alone: a 4 KiB tmpfs, filled, mounted in a user and mount
#: namespace of the command's own ("$0" is the mount point, "$@" the command).
FULL_DISK = ('mount -t tmpfs -o size=4k tmpfs "$0" || exit 97; '
             'head -c 1M /dev/zero > "$0/filler" 2>/dev/null; exec "$@"')
UNSHARE = ["unshare", "--user", "--map-root-user", "--mount"]


@pytest.mark.audio
def test_voice_mode_says_when_its_transcript_is_incomplete(pulse, tmp_path: Path):
    """A voice session whose transcript hit a full disk went on (as it should) but ended with
    the path alone, as if the file held the whole session; text mode said so. Real voice mode
    on the PulseAudio loop with the shipped model, a real full disk, stopped by SIGTERM once
    the transcript has failed (the stop comes after the question, then the closing lines)."""
    from tests.speech.heard import red_flag_question
    from tests.voice_run import shipped_model, signal_when, voiceskill_run

    model = shipped_model()
    disk = tmp_path / "disk"
    disk.mkdir()
    try:
        probe = subprocess.run([*UNSHARE, "sh", "-c", FULL_DISK, str(disk), "true"],
                               capture_output=True, timeout=30)
    except FileNotFoundError:
        pytest.skip("no unshare(1) here to make a full disk")
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {probe.stderr.decode().strip()}")

    code, stdout, stderr = signal_when(
        [*UNSHARE, "sh", "-c", FULL_DISK, str(disk),
         *voiceskill_run("--start", red_flag_question()[0], "--model", str(model),
                         "--transcripts", str(disk / "transcripts"), "--rate", "400")],
        pulse.server,
        lambda stream, line: stream == "stderr" and "can no longer be written" in line,
        signal.SIGTERM)
    assert code == 0, stderr
    assert "can no longer be written: No space left on device; the session goes on" in stderr
    *_, outcome, path = stdout.splitlines()
    assert outcome == "[outcome: stopped]"
    assert path.startswith(f"[transcript: {disk / 'transcripts'}/")
    assert path.endswith(" (incomplete: it could not be written to the end)]"), stdout
