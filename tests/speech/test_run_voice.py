"""`voiceskill run` in voice mode as a real process on the PulseAudio loop."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.pulse import PulseServer
from tests.speech.heard import understood
from tests.speech.loop import wait_for, wait_until_quiet
from voiceskill.speech.modeldir import resolve_model_dir
from voiceskill.transcript import read_transcript

pytestmark = pytest.mark.audio


def test_voice_session_answers_a_red_flag_by_voice(pulse: PulseServer, speech_model: Any,
                                                   tmp_path: Path) -> None:
    yes = understood(speech_model, "yes", "yes")  # the session is under test, not accuracy
    transcripts = tmp_path / "transcripts"
    speaker = pulse.record("spk")
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
        # answer once the question is over (said over it, "yes" would be barge-in, not heard)
        assert wait_until_quiet(speaker, quiet=0.8, timeout=30), "the question was never heard"
        pulse.play(yes, sink="mic").wait(10)
        out, err = process.communicate(timeout=60)
    finally:
        speaker.stop()
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "[outcome: emergency]" in out
    assert question in out  # prompts are shown as captions too
    heard = [e for e in events() if e["type"] == "heard"]
    assert heard and heard[0]["intent"] == "yes"
