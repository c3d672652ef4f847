"""Everyday answers to "Shall we start the exercises now?" (review finding 9): "yes please",
"ok", "sure", "let's go", "go ahead" start them when typed; "no thanks", "not now", "later"
leave them for another time, typed or said (in the recognizer's grammar: not starting is the
safe side). The everyday ways to say yes are typed only (`typed:` in triage.yaml): never in
the grammar, never taken from what voice mode heard.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import voiceskill
from tests.dialog.test_flags import NO_RED_FLAGS, converse
from tests.test_run_text import run_text
from voiceskill.conversation import build_conversation
from voiceskill.events import End, Heard, Listen, Say, Started

TO_THE_QUESTION = [*NO_RED_FLAGS, "two weeks ago", "yes"]  # "yes": "Two weeks ago, is that right?"
LATER = "We will leave the exercises for another time."


def first_end(answers: list[str]) -> str:
    """The screening's outcome (``exercise``: the coach has begun)."""
    actions = converse(build_conversation(voiceskill.DIALOGS_DIR), answers)
    if any(isinstance(a, Say) and a.key == "outcome:exercise" for a in actions):
        return "exercise"
    return next(a.outcome for a in actions if isinstance(a, End))


def start_listen() -> tuple[object, Listen]:
    engine = build_conversation(voiceskill.DIALOGS_DIR)
    state, actions = engine.step(engine.initial_state(), Started("start-exercises"), 0.0)
    listen = actions[-1]
    assert isinstance(listen, Listen)
    return (engine, state), listen


@pytest.mark.parametrize("said", ["yes please", "ok", "okay", "Sure!", "let's go", "go ahead",
                                  "all right", "um, okay", "yes"])
def test_everyday_yes_starts_the_exercises(said: str) -> None:
    assert first_end([*TO_THE_QUESTION, said]) == "exercise"


@pytest.mark.parametrize("said", ["no thanks", "not now", "later", "no thank you", "nope",
                                  "maybe later", "not today", "no"])
def test_everyday_no_leaves_them_for_another_time(said: str) -> None:
    assert first_end([*TO_THE_QUESTION, said]) == "advice"


@pytest.mark.parametrize("said", ["okay no", "sure not now", "not sure", "yes later"])
def test_a_mixed_or_unsure_answer_never_starts_them(said: str) -> None:
    assert first_end([*TO_THE_QUESTION, said, said, said]) == "advice"


def test_typed_yes_phrases_are_not_in_the_grammar_and_not_taken_from_voice() -> None:
    (engine, state), listen = start_listen()
    assert {"okay", "ok", "sure", "go ahead", "yes please"}.isdisjoint(listen.phrases)
    assert {"not now", "later", "no thanks"} <= set(listen.phrases)
    # What voice mode hears is only the grammar's words; a below-threshold "yes" (intent None)
    # stays not understood.
    _, actions = engine.step(state, Heard("yes", None, 0.2), 1.0)
    assert not [a for a in actions if isinstance(a, End)]


def test_run_text_end_to_end(tmp_path: Path) -> None:
    stdout, _ = run_text([*TO_THE_QUESTION, "yes please"], tmp_path / "yes")
    assert "Let us start the exercises" in stdout
    stdout, _ = run_text([*TO_THE_QUESTION, "not now"], tmp_path / "no")
    assert LATER in stdout and "[outcome: advice]" in stdout
