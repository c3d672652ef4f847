"""The shipped model (models/voiceskill-en) loads in the real Vosk and hears the committed
fixtures: answers, commands, exercise names and numbers spoken by voices it never trained on,
and out-of-vocabulary speech that must come back as nothing or [unk] — never as an answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import voiceskill
from tests.fixtures.make_fixtures import (
    ANSWERS,
    COMMANDS,
    CORRECTIONS,
    DAYS_AGO,
    EXERCISES,
    FILLED,
    FILLED_COMMANDS,
    HEDGES,
    WAITS,
    taken_as_no,
    text_of,
)
from voiceskill.acoustic.corpus import NUMBERS
from voiceskill.acoustic.lexicon import missing_words
from voiceskill.commands.transcribe import recognize
from voiceskill.speech.modeldir import open_model
from voiceskill.speech.wav import read_wav

AUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "audio"
#: Per-turn grammars like the coach uses (each with [unk]); a question hears hedges too.
GRAMMARS = {"answers": ANSWERS, "commands": COMMANDS, "exercises": EXERCISES, "numbers": NUMBERS,
            "hedges": ANSWERS + HEDGES, "filled": ANSWERS + ["um", "uh", "well"],
            "filled commands": COMMANDS + ["um", "uh", "well"],
            "corrections": ANSWERS + CORRECTIONS, "waits": ANSWERS + WAITS}


@pytest.fixture(scope="module")
def model():
    return open_model(voiceskill.DEFAULT_MODEL_DIR)


def _grammar_for(text: str) -> list[str]:
    for phrases in GRAMMARS.values():
        if text in phrases:
            return [*phrases, "[unk]"]
    if text in FILLED:  # phrases one after the other: the grammar allows it
        return [*GRAMMARS["filled"], "[unk]"]
    if text in FILLED_COMMANDS:
        return [*GRAMMARS["filled commands"], "[unk]"]
    raise AssertionError(f"fixture text {text!r} is in no grammar")


def test_vocabulary_covers_dialogs_commands_and_numbers() -> None:
    needed = ANSWERS + HEDGES + CORRECTIONS + WAITS + COMMANDS + EXERCISES + NUMBERS
    assert missing_words(needed, voiceskill.DEFAULT_MODEL_DIR) == []


def test_in_vocabulary_fixtures_are_recognized(model) -> None:
    files = sorted(AUDIO.glob("*.wav"))
    assert len(files) > 90
    wrong = []
    for path in files:
        text, _ = recognize(model, read_wav(path), _grammar_for(text_of(path)))
        if text != text_of(path):
            wrong.append(f"{path.name} -> {text!r}")
    accuracy = 1 - len(wrong) / len(files)
    assert accuracy >= ACCURACY_FLOOR, f"{accuracy:.0%} correct; wrong: " + "; ".join(wrong)


def test_out_of_vocabulary_speech_is_not_an_answer(model) -> None:
    files = sorted((AUDIO / "oov").glob("*.wav"))
    assert len(files) >= 30
    answers = [*ANSWERS, "repeat", "help", "stop", "[unk]"]
    heard_as_answer: dict[str, str] = {}
    for path in files:
        text, words = recognize(model, read_wav(path), answers)
        if any(w != "[unk]" for w in text.split()):
            heard_as_answer[path.name] = text
    rejected = 1 - len(heard_as_answer) / len(files)
    assert rejected >= REJECTION_FLOOR, f"{rejected:.0%} rejected; {heard_as_answer}"
    # The dangerous error: unrelated speech taken as "no" to a red-flag question ("no", but
    # also "[unk] no", "um no", "no i don't"). The clips of TAKEN_AS_NO are kept because one
    # plain decoding hears them as "no"; what holds for them is the session's second decoding
    # (tests/speech/test_recognizer.py).
    kept = {path.name for _, _, path in taken_as_no()}
    as_no = {name: text for name, text in heard_as_answer.items() if "no" in text.split()}
    assert not {name: text for name, text in as_no.items() if name not in kept}, as_no


def days_heard(model, node: str, dialogs: Path = voiceskill.DIALOGS_DIR) -> dict[str, str | None]:
    """Fixture file → the answer (phase) the question ``node`` takes from it: decoded with
    that question's own phrases (and [unk]), then read as typed text would be."""
    from voiceskill.dialog.engine import ScreeningEngine
    from voiceskill.dialog.load import load_dialog
    from voiceskill.intents import match_intent

    engine = ScreeningEngine(load_dialog(dialogs))
    listen = engine.listen_for(engine.dialog.nodes[node])
    heard = {}
    for text in DAYS_AGO:
        for path in sorted((AUDIO / "days").glob(f"{text.replace(' ', '_')}__*.wav")):
            decoded, _ = recognize(model, read_wav(path), [*listen.phrases, "[unk]"])
            heard[path.name] = match_intent(decoded, listen)
    return heard


def test_days_inside_the_first_72_hours_are_never_heard_as_a_later_phase(model) -> None:
    """"About how many days ago did your back pop?" heard a spoken "three days ago" (or "two
    days ago") as "three weeks ago" at full confidence: week two's exercises started inside
    the first 72 hours (5 of these 18 clips of held-out voices before the question listened
    for "<n> days ago"; 7 of 16 voices for each phrase through a simulated session). "When
    did your back pop?" heard "a day ago" as "a year ago", week four (3 of these 9 clips; 10
    of 16 voices), before that was asked again in days. Neither question may now take one of
    these clips for a later phase; a re-ask or the days question is fine."""
    later_phases = ("days-4-7", "week-2", "week-4")
    for node in ("days-since-pop", "time-since-pop"):
        heard = days_heard(model, node)
        assert len(heard) == 3 * 9
        later = {name: phase for name, phase in heard.items() if phase in later_phases}
        assert not later, (node, later)
        assert sum(phase == "first-72-hours" for phase in heard.values()) >= 23, (node, heard)


def test_real_people_saying_numbers_are_heard(model) -> None:
    """Recordings of real people (CMU test data) decoded with every phrase the skill knows: the
    number words they say come through in order, and few numbers are added where other words
    ("of clubs") were said."""
    files = sorted((AUDIO / "real").glob("*.wav"))
    assert len(files) >= 5
    everything = sorted({*ANSWERS, *COMMANDS, *EXERCISES, *NUMBERS, "[unk]"})
    said_total = found = added = 0
    heard_all = []
    for path in files:
        said = [w for w in text_of(path).split() if w in NUMBERS]
        text, _ = recognize(model, read_wav(path), everything)
        heard = [w for w in text.split() if w in NUMBERS]
        heard_all.append(f"{path.name} -> {text!r}")
        common = _in_order(said, heard)
        said_total += len(said)
        found += common
        added += len(heard) - common
    # Measured 2026-11-22 (phrase words): 9 of 10 numbers found ("ten" of "go forward ten
    # meters" is lost in [unk]); 4 added ("of clubs" → "twelve six", twice). Before phrase
    # words, also 9 of 10 but 1 added: "of clubs" came back as pieces of phrases ("coach say"),
    # which the grammar no longer has.
    assert said_total == 10
    assert found >= 8, heard_all
    assert added <= 4, heard_all


def _in_order(said: list[str], heard: list[str]) -> int:
    """Length of the longest common subsequence of two word lists."""
    best = [[0] * (len(heard) + 1) for _ in range(len(said) + 1)]
    for i, a in enumerate(said):
        for j, b in enumerate(heard):
            best[i + 1][j + 1] = best[i][j] + 1 if a == b else max(best[i][j + 1], best[i + 1][j])
    return best[-1][-1]


def test_words_carry_confidences(model) -> None:
    path = next(AUDIO.glob("yes__*.wav"))
    _, words = recognize(model, read_wav(path), ["yes", "no", "[unk]"])
    assert words and all(0.0 <= w["conf"] <= 1.0 for w in words)
    assert json.dumps(words)


# Measured floors for the shipped model (see models/voiceskill-en/README.md); a regression in
# the model, the graph costs or the feature pipeline drops below them.
# Measured 2026-11-21 (real-speech model mixed with the synthetic one): 67% exact phrases (most
# misses are near words or [unk], i.e. "say again"), 94% out-of-vocabulary rejected, none as "no".
ACCURACY_FLOOR = 0.6
REJECTION_FLOOR = 0.88
