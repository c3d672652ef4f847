"""Two ways a red-flag "no" was taken that was not one, found by a tester through the real
audio path (PulseAudio), reproduced here on the microphone's chunk path with the real model:

- espeak-ng's en-us+f3 "now" came back "no" from both decodings for some starts within a
  chunk (its near misses are now listed three times in the strict decoding);
- "no", 0.3 s, "yes" (a quick correction) ended at the "no", and the "yes" was lost while the
  next question was spoken (a "no" in a turn with near misses now waits a second).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import voiceskill
from tests.speech.heard import FIXTURES, OFFSETS, red_flag_listen, said
from voiceskill.clock import VirtualClock
from voiceskill.conversation import build_conversation
from voiceskill.events import Heard, Listen
from voiceskill.session import apply_thresholds
from voiceskill.speech import recognizer
from voiceskill.speech.audio import silence
from voiceskill.speech.ear import AudioEar
from voiceskill.speech.recognizer import Endpointing, Recognizer
from voiceskill.speech.wav import read_wav

NOW = FIXTURES / "near_no_starts" / "now__espeak-en-us-f3.wav"


def _heard(rec: Recognizer, samples: np.ndarray, listen: Listen, lead: float = 0.5
           ) -> tuple[Heard | None, AudioEar]:
    ear = AudioEar(said(samples, lead), rec, VirtualClock())
    heard = ear.listen(listen, until=60.0)
    return (apply_thresholds(heard, listen) if heard is not None else None), ear


def _taken_as_no(model: Any, path: Path) -> int:
    """Of 12 starts (two leads, six places within a chunk), how many a red-flag question
    takes as "no"."""
    rec = Recognizer(model)
    rec.bandwidth.decided = True
    x, listen, taken = read_wav(path), red_flag_listen(), 0
    for lead in (0.2, 0.5):
        for offset in (0, *OFFSETS[::3]):
            heard, _ = _heard(rec, np.concatenate([np.zeros(offset, np.int16), x]), listen, lead)
            taken += heard is not None and heard.intent == "no"
    return taken


def test_now_by_a_voice_no_test_had_is_never_a_no(speech_model: Any, monkeypatch) -> None:
    assert _taken_as_no(speech_model, NOW) == 0
    monkeypatch.setattr(recognizer, "NEAR_MISS_REPEATS", 1)
    assert _taken_as_no(speech_model, NOW) >= 1, "a weak control"


def _no_then_yes(gap: float) -> np.ndarray:
    no = read_wav(FIXTURES / "no__flite-slt.wav")
    yes = read_wav(FIXTURES / "yes__flite-slt.wav")
    return np.concatenate([no, silence(gap), yes])


def test_a_no_corrected_at_once_is_not_taken_as_no(speech_model: Any) -> None:
    listen = red_flag_listen()
    rec = Recognizer(speech_model)
    rec.bandwidth.decided = True
    heard, _ = _heard(rec, _no_then_yes(0.3), listen)
    assert heard is not None and heard.intent is None and heard.text.split() == ["no", "yes"]
    alone, _ = _heard(rec, read_wav(FIXTURES / "no__flite-slt.wav"), listen)
    assert alone is not None and alone.intent == "no"  # a plain "no" is still a no
    quick = Recognizer(speech_model, Endpointing(correction_silence=0.0))
    quick.bandwidth.decided = True
    control, _ = _heard(quick, _no_then_yes(0.3), listen)
    assert control is not None and control.intent == "no", "a weak control"


def test_the_running_coach_does_not_wait_for_corrections(speech_model: Any) -> None:
    """Its commands need the strict decoding too, but it lists no near misses: "pause" ends
    as soon as before, well under the second a red-flag "no" waits."""
    listen = build_conversation(voiceskill.DIALOGS_DIR).coach.running_listen
    assert not listen.near_misses
    rec = Recognizer(speech_model)
    rec.bandwidth.decided = True
    heard, ear = _heard(rec, read_wav(FIXTURES / "pause__espeak-en-us-f4.wav"), listen)
    assert heard is not None and heard.intent == "pause"
    turn = ear.last_turn
    assert turn.speech_ended_at is not None and turn.fed - turn.speech_ended_at < 0.5
