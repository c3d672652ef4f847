"""What the coach listens for when it runs inside the conversation (with the screening's
intents), and alone."""

from __future__ import annotations

from collections import defaultdict

import voiceskill
from voiceskill.coach.engine import CoachEngine
from voiceskill.coach.schema import NEVER_CHECKED
from voiceskill.conversation import build_conversation
from voiceskill.dialog.load import load_dialog
from voiceskill.events import Listen
from voiceskill.intents import FILLER
from voiceskill.speech import recognizer


def _meanings(listen: Listen) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for choice in listen.choices:
        out[choice.phrase].add(choice.intent)
    return out


def test_the_pain_question_listens_as_a_red_flag_question_does() -> None:
    """Its "no" ends the session with self-care advice instead of the red-flag questions, so
    it needs what a red-flag "no" needs: the intents' thresholds (the strict second decoding
    comes with them) and near misses, and the hedges as "unsure"."""
    intents = load_dialog(voiceskill.DIALOGS_DIR).intents
    pain = build_conversation(voiceskill.DIALOGS_DIR).coach.pain_listen
    thresholds = dict(pain.thresholds)
    assert thresholds["no"] == intents["no"].threshold > 0.5
    assert thresholds["yes"] == intents["yes"].threshold
    assert set(intents["no"].near_misses) <= set(pain.near_misses)
    meanings = _meanings(pain)
    assert all(len(m) == 1 for m in meanings.values()), meanings
    for phrase in ("a little", "sometimes", "not really", "not sure"):
        assert meanings[phrase] == {"unsure"}
    for phrase in ("no", "no it is not", "no i don't", "not at all"):  # exercises.yaml + intents
        assert meanings[phrase] == {"no"}
    assert {"it hurts", "stop", "repeat"} <= set(meanings)


def test_every_coach_listen_hears_the_fillers() -> None:
    fillers = set(load_dialog(voiceskill.DIALOGS_DIR).intents[FILLER].phrases)
    assert fillers
    coach = build_conversation(voiceskill.DIALOGS_DIR).coach
    for listen in (coach.running_listen, coach.practice_listen, coach.pain_listen):
        assert {c.phrase for c in listen.choices if c.intent == FILLER} == fillers


def test_exercise_names_and_the_disruptive_commands_are_checked_while_running() -> None:
    """exercises.yaml's ``checked:`` section: the names and its commands need its threshold,
    which is above the recognizer's doubt line, so the second decoding checks them."""
    coach = build_conversation(voiceskill.DIALOGS_DIR).coach
    commands = set(coach.book.checked.commands)
    assert {"next", "resume", "back"} <= commands <= set(coach.book.commands)
    assert coach.book.checked.threshold > recognizer.DOUBTFUL_CONFIDENCE
    for listen in (coach.running_listen, coach.practice_listen):
        checked = {intent for intent, _ in listen.thresholds}
        assert checked == {f"exercise:{ex}" for ex in coach.book.exercises} | commands
        assert all(t == coach.book.checked.threshold for _, t in listen.thresholds)
        # A missed "stop", "pause", "it hurts" or "my leg is numb" is worse than a false one:
        # never checked.
        assert not checked & {"stop", "pause", "pain", "nerve"} and set(NEVER_CHECKED) == {
            "stop", "pause", "pain", "nerve"}


def test_a_coach_alone_has_no_fillers_and_no_thresholds() -> None:
    coach = CoachEngine()
    assert not any(c.intent == FILLER for c in coach.running_listen.choices)
    assert coach.pain_listen.thresholds == () and coach.pain_listen.near_misses == ()
