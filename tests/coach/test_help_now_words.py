"""Asking for an ambulance or a doctor during an exercise (review finding 3, session 35).

Before, "call an ambulance", "call 911", "I need a doctor" and "get an ambulance" typed during
the heat hold got "Sorry, I did not catch that" and the hold went on: none held a word of
``help_now:`` ("help me", "I can't get up", ...). Now they are such a call: the exercise is
paused and the help line says to call the configured number. "Call" with any number
(``help_now.dial``: "call 112", "dial nine one one") counts; "call" alone does not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import voiceskill
from tests.coach.test_nerve_signs import SITUATIONS, typed
from tests.test_run_text import run_text
from voiceskill.coach.engine import HELP_NOW
from voiceskill.conversation import build_conversation
from voiceskill.events import Say

CALLS = ["call an ambulance", "call 911", "I need a doctor", "get an ambulance",
         "Call 112!", "dial 999", "call 000", "call nine one one", "ring one one two",
         "get me a doctor", "it's an emergency", "phone 911 please", "call for help"]
NOT_CALLS = ["call", "what do you call this", "I'll call it a day", "one more", "next"]


@pytest.mark.parametrize("where", [w for w in SITUATIONS if w != "pain question"])
@pytest.mark.parametrize("text", CALLS)
def test_asking_for_an_ambulance_or_a_doctor_says_how_to_get_help(where: str,
                                                                   text: str) -> None:
    engine = build_conversation(voiceskill.DIALOGS_DIR, emergency_number="112").coach
    state = SITUATIONS[where]
    state, actions = engine.step(state, typed(state.listen, text), 30.0)
    says = [a for a in actions if isinstance(a, Say)]
    assert [a.key for a in says] == ["coach:help-now"]
    assert "call 112 now" in says[0].text
    assert state.mode == "paused"


@pytest.mark.parametrize("text", CALLS)
def test_at_the_pain_question_it_gets_the_help_with_the_number(text: str) -> None:
    engine = build_conversation(voiceskill.DIALOGS_DIR, emergency_number="112").coach
    state = SITUATIONS["pain question"]
    state, actions = engine.step(state, typed(state.listen, text), 30.0)
    assert state.mode == "pain"
    assert [a.key for a in actions if isinstance(a, Say)] == ["pain:help", "pain:question"]
    assert "call 112" in actions[0].text


@pytest.mark.parametrize("text", NOT_CALLS)
def test_call_alone_is_no_call_for_help(text: str) -> None:
    state = SITUATIONS["move"]
    assert build_conversation(voiceskill.DIALOGS_DIR).coach.intent_of(
        typed(state.listen, text)) != HELP_NOW


def test_run_text_call_an_ambulance_during_the_heat_hold(tmp_path: Path) -> None:
    stdout, events = run_text(["next", "call an ambulance"], tmp_path, "--start", "days-4-7",
                              "--emergency-number", "112")
    said = [e["text"] for e in events if e["type"] == "say"]
    assert any("call 112 now" in text for text in said)
    assert "Halfway." not in said
