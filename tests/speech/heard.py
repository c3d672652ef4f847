"""The audio fixtures and what the shipped model hears in them, shared by the speech tests.

Accuracy over every voice is measured in test_recognizer.py. The other speech tests are about
plumbing (a session, the PulseAudio loop, a simulation): they take :func:`understood`, a fixture
the model hears as the wanted intent on its own, so they fail only when the plumbing does.
"""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import voiceskill
from voiceskill.clock import VirtualClock
from voiceskill.dialog.engine import ScreeningEngine
from voiceskill.dialog.load import load_dialog
from voiceskill.events import Choice, Heard, Listen
from voiceskill.intents import FILLER
from voiceskill.session import apply_thresholds
from voiceskill.speech.audio import CHUNK, ScriptedAudio, silence
from voiceskill.speech.ear import AudioEar
from voiceskill.speech.recognizer import Recognizer
from voiceskill.speech.wav import TARGET_RATE, read_wav, wav_from_bytes

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "audio"

#: A red-flag question's turn: answers, synonyms and commands.
YES_NO = Listen((
    Choice("yes", "yes"), Choice("yeah", "yes"), Choice("correct", "yes"),
    Choice("yes i do", "yes"), Choice("no", "no"), Choice("nope", "no"),
    Choice("no i don't", "no"), Choice("not really", "no"), Choice("i don't know", "unsure"),
    Choice("not sure", "unsure"), Choice("repeat", "repeat"), Choice("say that again", "repeat"),
    Choice("help", "help"), Choice("stop", "stop"), Choice("pause", "pause"),
    Choice("wait", "wait"),
))

#: Silence before the words in :func:`understood`'s checks: a person starts talking soon or late
#: after the question, and the pick must not depend on it.
LEADS = (0.2, 0.5, 1.5)

#: Further starts :func:`understood` checks, in samples after the first lead. Live words start
#: anywhere within a microphone chunk (800 samples) and a 10 ms feature frame (160 samples);
#: these 15 starts, with the lead itself, fall every 10 samples of a frame. Picked with
#: chunk-aligned starts only, the first "yes" (espeak "Mike") came back "[unk]" for 45 of 800
#: starts (78-130 samples into a frame) and in 8 of 140 plays through PulseAudio, and the voice
#: session test failed now and then.
OFFSETS = tuple(range(50, CHUNK, 50))


def fixtures(stem: str) -> list[Path]:
    """Every fixture of ``stem`` (one per voice), sorted; skips the test when there is none."""
    found = sorted(FIXTURES.glob(f"{stem}__*.wav"))
    if not found:
        pytest.skip(f"no audio fixtures named {stem}__*.wav")
    return found


def said(audio: Path | np.ndarray, lead: float = 0.5, tail: float = 1.0) -> ScriptedAudio:
    """A chunk source of ``audio`` (a WAV file or 16 kHz int16 samples) said ``lead`` s into a
    turn and followed by ``tail`` s of silence: what the microphone would deliver."""
    source = ScriptedAudio()
    source.push(silence(lead))
    source.push(read_wav(audio) if isinstance(audio, Path) else audio.astype(np.int16))
    source.push(silence(tail))
    return source


def hear(model: Any, path: Path, listen: Listen = YES_NO, lead: float = 0.5) -> Heard | None:
    """What the ear hears when ``path`` is said after ``lead`` s of silence (the microphone's
    chunk path: ScriptedAudio → AudioEar → Recognizer, on a virtual clock)."""
    return AudioEar(said(path, lead), Recognizer(model), VirtualClock()).listen(listen, until=30.0)


def intent_taken(model: Any, path: Path, listen: Listen = YES_NO, lead: float = 0.5
                 ) -> str | None:
    """The intent a session takes when ``path`` is said (:func:`hear`, then the listen's
    thresholds); None when nothing is taken."""
    heard = hear(model, path, listen, lead)
    return apply_thresholds(heard, listen).intent if heard is not None else None


def intents_taken(model: Any, paths: list[Path], listen: Listen) -> dict[str, str | None]:
    """:func:`intent_taken` for each of ``paths``, by file name."""
    return {p.name: intent_taken(model, p, listen) for p in paths}


def without_fillers(listen: Listen) -> Listen:
    """``listen`` without its filler phrases ("um", "uh"): the control of the filler tests."""
    return replace(listen, choices=tuple(c for c in listen.choices if c.intent != FILLER))


def red_flag_question() -> tuple[str, Listen]:
    """The shipped dialog's first emergency question: its id, and what a session listens for
    when it asks it (answers, commands and thresholds)."""
    dialog = load_dialog(voiceskill.DIALOGS_DIR)
    first = next(n for n in dialog.nodes.values() if n.tier == "emergency")
    return first.id, ScreeningEngine(dialog).listen_for(first)


def red_flag_listen() -> Listen:
    """What a session listens for at the shipped dialog's first emergency question."""
    return red_flag_question()[1]


_UNDERSTOOD: dict[tuple[str, str, Listen], Path | None] = {}


def understood(model: Any, stem: str, intent: str, listen: Listen = YES_NO) -> Path:
    """The first fixture of ``stem`` that the model hears as ``intent`` in ``listen`` (over
    its thresholds, as a session takes it) after each of :data:`LEADS` and :data:`OFFSETS`;
    skips the test (with the reason) when no voice comes through."""
    key = (stem, intent, listen)
    starts = (*LEADS, *(LEADS[0] + n / TARGET_RATE for n in OFFSETS))

    def heard_as_meant(path: Path, lead: float) -> bool:
        return intent_taken(model, path, listen, lead) == intent

    if key not in _UNDERSTOOD:
        _UNDERSTOOD[key] = next(
            (path for path in fixtures(stem)
             if all(heard_as_meant(path, lead) for lead in starts)), None)
    path = _UNDERSTOOD[key]
    if path is None:
        pytest.skip(f"the model understands no {stem}__*.wav fixture as {intent!r}")
    return path


def sox_noise(kind: str, seconds: float, dbfs: float) -> np.ndarray:
    """``seconds`` of sox's white, pink or brown noise at ``dbfs`` (RMS), the same every run
    (``-R``). sox is another generator than the model builder's own (``augment``)."""
    out = subprocess.run(
        ["sox", "-R", "-n", "-r", str(TARGET_RATE), "-b", "16", "-t", "wav", "-"]
        + ["synth", str(seconds), kind],
        capture_output=True,
        check=True,
    ).stdout
    x = wav_from_bytes(out).astype(np.float64)
    return x / np.sqrt(np.mean(x**2)) * 32768 * 10 ** (dbfs / 20)
