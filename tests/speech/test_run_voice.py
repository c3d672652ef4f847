"""`voiceskill run` in voice mode as a real process on the PulseAudio loop."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.pulse import PulseServer
from tests.speech.loop import FIXTURES, wait_for
from voiceskill.speech.modeldir import resolve_model_dir
from voiceskill.transcript import read_transcript

# `speech`: needs the shipped model to recognize speech; out of the default run until
# it does (see issue 3). Run with `pytest -m speech`.
pytestmark = [pytest.mark.audio, pytest.mark.speech]


def test_voice_session_answers_a_red_flag_by_voice(pulse: PulseServer, speech_model: Any,
                                                   tmp_path: Path) -> None:
    yes = sorted(FIXTURES.glob("yes__*.wav"))[0]
    transcripts = tmp_path / "transcripts"
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceskill", "run", "--start", "saddle-numbness",
         "--model", str(resolve_model_dir(None)), "--transcripts", str(transcripts),
         "--rate", "180"],
        env={**os.environ, "PULSE_SERVER": pulse.server}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    try:
        def events() -> list[dict]:
            files = list(transcripts.glob("*.jsonl"))
            return read_transcript(files[0]) if files else []

        assert wait_for(lambda: any(e["type"] == "say" for e in events()), 30)
        question = next(e for e in events() if e["type"] == "say")["text"]
        time.sleep(len(question.split()) * 60 / 180 + 1.0)  # let the question finish
        pulse.play(yes, sink="mic").wait(10)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "[outcome: emergency]" in out
    assert question in out  # prompts are shown as captions too
    heard = [e for e in events() if e["type"] == "heard"]
    assert heard and heard[0]["intent"] == "yes"
