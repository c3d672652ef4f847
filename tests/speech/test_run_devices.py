"""`voiceskill run` in voice mode when the sound devices are wrong or go away: a real process
on a private PulseAudio server (tests/pulse.py), one the test may kill.

- A speaker that does not exist is refused at start, as a missing microphone is: exit 2, one
  message, no transcript.
- A sound server without any device gives one clear line saying so (no PortAudio lines).
- When the sound server dies mid-session, the session ends on its own once the microphone has
  stayed away for the give-up time (exit 3, the transcript ended), and SIGTERM ends it
  politely at any moment meanwhile. What it says when the microphone is lost gives that time
  (it no longer promises to keep trying, which only the kiosk does for ever).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.pulse import PulseServer, reinitialize_portaudio, running_pulse
from tests.speech.loop import wait_for, wait_until_quiet
from tests.voice_run import shipped_model, voiceskill_run
from voiceskill.speech.ear import MIC_LOST
from voiceskill.speech.live import MIC_GIVE_UP
from voiceskill.transcript import read_transcript

pytestmark = pytest.mark.audio

#: PortAudio's own lines, which must not reach the terminal.
PORTAUDIO_LINE = "Expression '"


@contextmanager
def own_pulse(sinks: tuple[str, ...] = ("mic", "spk")) -> Iterator[PulseServer]:
    """A PulseAudio server of this test's own (it may kill it); the shared one is used again
    afterwards."""
    try:
        with running_pulse(sinks) as server:
            if sinks:
                server.route(source="mic.monitor", sink="spk")
            yield server
    finally:
        reinitialize_portaudio()


def run_args(tmp_path: Path, *extra: str) -> list[str]:
    return voiceskill_run("--start", "saddle-numbness", "--model", str(shipped_model()),
                          "--transcripts", str(tmp_path / "transcripts"), "--rate", "300",
                          *extra)


def transcripts(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "transcripts").glob("*.jsonl"))


class Running:
    """``voiceskill run`` as a process whose output lines are collected as they come."""

    def __init__(self, argv: list[str], server: str) -> None:
        self.process = subprocess.Popen(argv, env={**os.environ, "PULSE_SERVER": server},
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
        self.lines: dict[str, list[str]] = {"stdout": [], "stderr": []}
        self._readers = [threading.Thread(target=self._read, args=(name,), daemon=True)
                         for name in self.lines]
        for reader in self._readers:
            reader.start()

    def _read(self, name: str) -> None:
        for line in getattr(self.process, name):
            self.lines[name].append(line)

    def said(self, text: str, timeout: float) -> bool:
        return wait_for(lambda: any(text in line for line in self.lines["stdout"]), timeout)

    def finish(self, timeout: float) -> tuple[int | None, str, str]:
        """Exit code (None when it had to be killed after ``timeout``), stdout, stderr."""
        try:
            code: int | None = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            code = None
            self.process.kill()
            self.process.wait(10)
        for reader in self._readers:
            reader.join(10)
        return code, "".join(self.lines["stdout"]), "".join(self.lines["stderr"])


def kill_server(pulse: PulseServer) -> None:
    """SIGKILL to the sound server, as a crash would."""
    assert pulse.process is not None
    pulse.process.kill()
    pulse.process.wait(10)
    pulse.process = None


def test_a_missing_speaker_is_refused_at_start(pulse: PulseServer, tmp_path: Path) -> None:
    done = subprocess.run(run_args(tmp_path, "--output-device", "nosuchspeaker"),
                          env={**os.environ, "PULSE_SERVER": pulse.server},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done
    assert done.stderr.startswith("voiceskill: no output device matching 'nosuchspeaker' "
                                  "(available: "), done.stderr
    assert "voiceskill devices" in done.stderr and PORTAUDIO_LINE not in done.stderr
    assert done.stdout == ""  # nothing was said
    assert transcripts(tmp_path) == []


def test_no_sound_device_at_all_is_one_clear_line(tmp_path: Path) -> None:
    with own_pulse(sinks=()) as empty:  # a sound server with no microphone and no speaker
        done = subprocess.run(run_args(tmp_path), env={**os.environ, "PULSE_SERVER": empty.server},
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr  # no PortAudio lines before it
    assert lines[0].startswith("voiceskill: no microphone found"), lines
    assert "PulseAudio" in lines[0] and "--text" in lines[0], lines
    assert "PaErrorCode" not in lines[0] and "host error" not in lines[0], lines
    assert transcripts(tmp_path) == []


def killed_mid_session(tmp_path: Path, while_speaking: bool) -> tuple[int | None, str, str]:
    """``run --mic-give-up 3`` whose sound server is killed while the first question is
    spoken, or once it has been spoken (while listening); exit code, stdout, stderr."""
    with own_pulse() as doomed:
        speaker = doomed.record("spk")
        run = Running(run_args(tmp_path, "--mic-give-up", "3"), doomed.server)
        try:
            assert run.said("Is any part of your groin", 30), run.lines
            if not while_speaking:
                assert wait_until_quiet(speaker, quiet=0.8, timeout=30), run.lines
            kill_server(doomed)
            return run.finish(45)
        finally:
            if run.process.poll() is None:
                run.process.kill()
            speaker.stop()


def lost_words(seconds: str) -> str:
    """What run says when its microphone is lost, giving up after ``seconds``."""
    return (f"I can't hear you: the microphone stopped working. I will keep trying for "
            f"{seconds} seconds, then end the session.")


def assert_ended_for_want_of_a_microphone(tmp_path: Path, code: int | None, stdout: str,
                                          stderr: str, reason: str) -> None:
    assert code == 3, (code, stdout, stderr)
    assert stdout.count(lost_words("3")) <= 1, stdout
    assert MIC_LOST not in stdout, stdout  # the ear's "I will keep trying.": not run's words
    assert "[outcome: stopped]" in stdout, stdout
    problems = stderr.strip().splitlines()
    assert len(problems) == 1, stderr  # no PortAudio lines, no retry lines
    assert problems[0].startswith(f"voiceskill: session ended: {reason}"), stderr
    (path,) = transcripts(tmp_path)
    events = read_transcript(path)
    assert events[-1]["type"] == "end" and events[-1]["outcome"] == "stopped", events


def test_a_dead_sound_server_ends_the_session_after_the_give_up_time(tmp_path: Path) -> None:
    code, stdout, stderr = killed_mid_session(tmp_path, while_speaking=False)
    assert_ended_for_want_of_a_microphone(
        tmp_path, code, stdout, stderr,
        "the microphone stopped working and did not come back within 3 s")
    assert lost_words("3") in stdout
    (path,) = transcripts(tmp_path)
    assert {"t", "type", "microphone"} <= set(next(
        e for e in read_transcript(path) if e["type"] == "device"))


def test_a_sound_server_dying_under_a_prompt_ends_the_session(tmp_path: Path) -> None:
    # Killed while a stream starts, PortAudio may be left stuck: then nothing can bring the
    # microphone back in this process and the session ends at once; otherwise at the give-up.
    code, stdout, stderr = killed_mid_session(tmp_path, while_speaking=True)
    assert_ended_for_want_of_a_microphone(tmp_path, code, stdout, stderr, "")


def test_sigterm_ends_a_session_whose_sound_server_died(tmp_path: Path) -> None:
    with own_pulse() as doomed:
        run = Running(run_args(tmp_path), doomed.server)  # the default give-up: far away
        try:
            assert run.said("Is any part of your groin", 30), run.lines
            kill_server(doomed)
            assert run.said(lost_words(f"{MIC_GIVE_UP:g}"), 30), run.lines
            run.process.send_signal(signal.SIGTERM)
            code, stdout, stderr = run.finish(25)
        finally:
            if run.process.poll() is None:
                run.process.kill()
    assert code == 0, (code, stdout, stderr)  # a polite stop, as SIGTERM always is
    assert MIC_LOST not in stdout, stdout
    assert "[outcome: stopped]" in stdout, stdout
    assert PORTAUDIO_LINE not in stderr, stderr
    (path,) = transcripts(tmp_path)
    events = read_transcript(path)
    assert events[-1]["type"] == "end" and events[-1]["outcome"] == "stopped", events
