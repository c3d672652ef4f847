"""`voiceskill run` in voice mode as a real process on the PulseAudio loop."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.pulse import PulseServer
from tests.speech.heard import red_flag_question, understood
from tests.speech.loop import voiced_spans, wait_for, wait_until_quiet
from voiceskill.speech.modeldir import resolve_model_dir
from voiceskill.transcript import read_transcript

pytestmark = pytest.mark.audio


def test_voice_session_answers_a_red_flag_by_voice(pulse: PulseServer, speech_model: Any,
                                                   tmp_path: Path) -> None:
    start, listen = red_flag_question()
    # the session is under test, not accuracy: a "yes" the model hears in this question's
    # grammar wherever it falls in the microphone's chunks
    yes = understood(speech_model, "yes", "yes", listen)
    transcripts = tmp_path / "transcripts"
    before = pulse.state()
    marks = {"recording": time.monotonic()}
    speaker, mic = pulse.record("spk"), pulse.record("mic")
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceskill", "run", "--start", start,
         "--model", str(resolve_model_dir(None)), "--transcripts", str(transcripts),
         "--rate", "400"],
        env={**os.environ, "PULSE_SERVER": pulse.server}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )

    def events() -> list[dict]:
        files = list(transcripts.glob("*.jsonl"))
        return read_transcript(files[0]) if files else []

    out = err = ""
    try:
        assert wait_for(lambda: any(e["type"] == "say" for e in events()), 30)
        marks["question logged"] = time.monotonic()
        question = next(e for e in events() if e["type"] == "say")["text"]
        # answer once the question is over (said over it, "yes" would be barge-in, not heard)
        assert wait_until_quiet(speaker, quiet=0.8, timeout=30), "the question was never heard"
        marks["yes played"] = time.monotonic()
        pulse.play(yes, sink="mic").wait(10)
        marks["yes done"] = time.monotonic()
        out, err = process.communicate(timeout=60)
    finally:
        heard_by_pulse = {"speaker": speaker.stop(), "microphone": mic.stop()}
        if process.poll() is None:
            process.kill()
            out, err = process.communicate()
    said = events()
    report = _report(said, marks, heard_by_pulse, f"before:\n{before}\nafter:\n{pulse.state()}",
                     out, err)
    assert process.returncode == 0, report
    assert "[outcome: emergency]" in out, report
    assert question in out, report  # prompts are shown as captions too
    heard = [e for e in said if e["type"] == "heard"]
    assert heard and heard[0]["intent"] == "yes", report


def _report(said: list[dict], marks: dict[str, float], audio: dict[str, np.ndarray],
            pulse_state: str, out: str, err: str) -> str:
    """Everything a failure needs to explain itself, on one clock: the transcript's (seconds
    since the session started; the test's moments are placed by when the first prompt was
    logged, at most one 20 ms poll late)."""
    says = [e["t"] for e in said if e["type"] == "say"]
    t0 = marks["question logged"] - says[0] if says and "question logged" in marks else None

    def at(moment: float) -> str:
        return f"{moment - t0:.2f}" if t0 is not None else "?"

    lines = ["transcript:", *(f"  {json.dumps(e)}" for e in said)]
    lines.append("test: " + ", ".join(f"{name} at {at(m)}" for name, m in marks.items()))
    for name, samples in audio.items():
        spans = voiced_spans(samples)
        lines.append(f"sound in the {name} (recorded from the {name} sink's monitor): " + " ".join(
            f"{at(marks['recording'] + a)}-{at(marks['recording'] + b)}" for a, b in spans))
    lines += [f"PulseAudio {pulse_state}", f"stdout:\n{out}", f"stderr:\n{err}"]
    return "\n".join(lines)
