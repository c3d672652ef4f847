"""A fever told during an exercise (review finding 4, session 35).

Before, "I have a fever" typed during the heat hold got "Sorry, I did not catch that" and the
hold went on. Article 000 lists fever with back pain that does not let up as a reason to go to
the emergency department; triage.yaml's fever-back-pain asks "Have you had a fever since your
back started to hurt?", fever alone (the pain that never lets up is said with its yes). A fever
told during the exercises, which are for that back, is that question's yes: now it is a
``signs:`` report (fever) whose counts_as answers it, so the exercise stops, the red-flag
questions are asked, that one is not, and the session ends urgent with its line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import voiceskill
from tests.coach.harness import coach
from tests.coach.test_nerve_signs import SITUATIONS, typed
from tests.dialog.test_flags import converse
from tests.test_run_text import run_text
from voiceskill.conversation import build_conversation
from voiceskill.events import End, Goto, Say

FEVERS = ["I have a fever", "I think I've got a temperature", "I'm feverish",
          "I've been running a temperature", "I had a fever last night", "fever"]
NOT_FEVERS = ["I have hay fever", "I don't have a fever", "what temperature should the pack be",
              "is the temperature of the pack right", "no fever"]


@pytest.mark.parametrize("where", SITUATIONS)
@pytest.mark.parametrize("text", FEVERS)
def test_a_fever_stops_the_exercise_and_answers_the_fever_question(where: str,
                                                                  text: str) -> None:
    state = SITUATIONS[where]
    state, actions = coach().step(state, typed(state.listen, text), 30.0)
    goto = actions[-1]
    assert isinstance(goto, Goto)
    assert [(q, a) for q, a, _ in goto.answered] == [("fever-back-pain", "yes")]
    assert [a.key for a in actions if isinstance(a, Say)] == ["sign:stop", "pain:red-flags"]


@pytest.mark.parametrize("text", NOT_FEVERS)
def test_other_talk_of_fever_or_temperature_is_no_report(text: str) -> None:
    state = SITUATIONS["hold"]
    assert coach().intent_of(typed(state.listen, text)) != "sign"


def test_after_every_other_no_it_ends_urgent_without_asking_about_fever() -> None:
    engine = build_conversation(voiceskill.DIALOGS_DIR)
    actions = converse(engine, ["I have a fever", *["no"] * 25], start="days-4-7")
    keys = [a.key for a in actions if isinstance(a, Say)]
    assert [a.outcome for a in actions if isinstance(a, End)] == ["urgent"]
    assert "question:fever-back-pain" not in keys
    assert "reported:fever-back-pain" in keys


def test_run_text_the_reviewers_repro(tmp_path: Path) -> None:
    stdout, events = run_text(["next", "I have a fever", *["no"] * 25], tmp_path,
                              "--start", "days-4-7")
    said = [e["text"] for e in events if e["type"] == "say"]
    assert "You told me you have a fever." in said
    assert "If the back pain does not let up at all, go to an emergency department now." in said
    assert "[outcome: urgent]" in stdout
