"""Ctrl-C in `voiceskill run` (`_run_session`, shared by text and voice mode): the first one
ends the session as SIGTERM does, with the stopped outcome's closing lines; a second one while
that happens leaves at once. Here in-process, the Ctrl-C coming while the session listens."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

import voiceskill
from voiceskill.clock import VirtualClock
from voiceskill.commands.run import _run_session
from voiceskill.conversation import build_conversation
from voiceskill.events import Heard, Listen
from voiceskill.session import Session
from voiceskill.textio import TextMouth
from voiceskill.transcript import Transcript, read_transcript


class CtrlCEar:
    """An ear whose first listen is interrupted by ``presses`` Ctrl-Cs and hears nothing."""

    def __init__(self, presses: int) -> None:
        self.presses = presses
        self.listens = 0

    def listen(self, listen: Listen, until: float) -> Heard | None:
        self.listens += 1
        if self.listens == 1:
            for _ in range(self.presses):
                os.kill(os.getpid(), signal.SIGINT)
        return None


def interrupted_session(tmp_path: Path, presses: int) -> tuple[str, list[dict]]:
    """A session from the start, Ctrl-C pressed ``presses`` times at its first question:
    what it printed (it goes on up as KeyboardInterrupt) and its transcript."""
    engine = build_conversation(voiceskill.DIALOGS_DIR, "911")
    transcript = Transcript(tmp_path)
    session = Session(engine, CtrlCEar(presses), TextMouth(), VirtualClock(), transcript)
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        _run_session(session, session.request_stop, None)
    assert signal.getsignal(signal.SIGINT) is before
    assert transcript.path is not None
    return transcript.path.name, read_transcript(transcript.path)


def test_ctrl_c_says_the_closing_lines_then_names_the_transcript(tmp_path, capsys):
    """Ctrl-C had stopped at once, without the closing safety line SIGTERM gives."""
    name, events = interrupted_session(tmp_path, presses=1)
    out = capsys.readouterr().out.splitlines()
    assert out[-2:] == ["[outcome: stopped]", f"[transcript: {tmp_path / name}]"]
    said = [e for e in events if e["type"] == "say"]
    assert [e["key"] for e in said[-3:]] == ["outcome:stopped"] * 3
    assert "call 911" in said[-1]["text"]
    assert events[-1] == {**events[-1], "type": "end", "outcome": "stopped"}


def test_a_second_ctrl_c_leaves_at_once(tmp_path, capsys):
    name, events = interrupted_session(tmp_path, presses=2)
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == f"[transcript: {tmp_path / name}]"
    assert "[outcome: stopped]" not in out
    assert "outcome:stopped" not in [e.get("key") for e in events]  # nothing more said
    assert events[-1] == {**events[-1], "type": "end", "outcome": "stopped"}
    assert [e["type"] for e in events].count("end") == 1
