"""A call for help said with pain or a warning sign (finding 1, session 36).

Before, "call an ambulance, it hurts" typed (or "help me it hurts" heard) during an exercise
went to the pain question: pain outranked the call for help, so the emergency number was said
only once the person asked for help again. Now the call to action with the number
(``help_now.call``) is said first, at once, and the pain question still follows: the person
has the number before anything else, and the pain still decides where the session goes
(silence or "not sure" there: the careful path, the warning-sign questions). The same when the
call comes with a warning sign ("I need a doctor, my leg is numb"), and at the pain question.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

import voiceskill
from tests.coach.test_nerve_signs import SITUATIONS, typed
from tests.test_run_text import run_text
from voiceskill.coach.engine import CoachEngine
from voiceskill.conversation import build_conversation
from voiceskill.events import Goto, Heard, Say

#: A call for help with pain: typed, and as the recognizer returns two phrases of the
#: running coach's grammar said together (text, no single intent).
WITH_PAIN = ["call an ambulance, it hurts", "it hurts, call an ambulance",
             "I need a doctor, my back hurts", "help me it hurts", "it hurts help me",
             "ouch, call 911"]
CALL = "If you need someone to help you, call 112 now."


@cache
def _coach() -> CoachEngine:
    """The coach as a session builds it, with the number set."""
    return build_conversation(voiceskill.DIALOGS_DIR, emergency_number="112").coach


@pytest.mark.parametrize("where", [w for w in SITUATIONS if w != "pain question"])
@pytest.mark.parametrize("text", WITH_PAIN)
def test_the_call_to_action_comes_first_then_the_pain_question(where: str, text: str) -> None:
    engine = _coach()
    state = SITUATIONS[where]
    state, actions = engine.step(state, typed(state.listen, text), 30.0)
    says = [a for a in actions if isinstance(a, Say)]
    assert says[0].text == CALL
    assert [a.key for a in says[1:]] == ["pain:stop", "pain:advice", "pain:question"]
    assert state.mode == "pain"


@pytest.mark.parametrize("text", ["help me it hurts", "it hurts help me"])
def test_spoken_help_me_with_it_hurts(text: str) -> None:
    """Voice mode: "help me" and "it hurts" are phrases of the running coach's grammar; said in
    one breath they come back as one text with no single intent."""
    engine = _coach()
    state = SITUATIONS["hold"]
    state, actions = engine.step(state, Heard(text, None, 0.9), 30.0)
    says = [a for a in actions if isinstance(a, Say)]
    assert says[0].text == CALL and says[-1].key == "pain:question"


def test_pain_alone_says_no_call() -> None:
    engine = _coach()
    state = SITUATIONS["hold"]
    _, actions = engine.step(state, typed(state.listen, "it hurts"), 30.0)
    assert [a.key for a in actions if isinstance(a, Say)] == ["pain:stop", "pain:advice",
                                                              "pain:question"]


@pytest.mark.parametrize("where", SITUATIONS)
@pytest.mark.parametrize("text", ["I need a doctor, my leg is numb",
                                  "call an ambulance I wet myself"])
def test_with_a_warning_sign_the_call_comes_first_then_the_questions(where: str,
                                                                    text: str) -> None:
    engine = _coach()
    state = SITUATIONS[where]
    state, actions = engine.step(state, typed(state.listen, text), 30.0)
    says = [a for a in actions if isinstance(a, Say)]
    assert says[0].text == CALL
    assert says[-1].key == "pain:red-flags" and isinstance(actions[-1], Goto)


def test_at_the_pain_question_it_hurts_call_an_ambulance() -> None:
    """At the pain question a pain word is a cautious answer (the warning-sign questions);
    with a call for help the call to action comes first."""
    engine = _coach()
    state = SITUATIONS["pain question"]
    state, actions = engine.step(state, typed(state.listen, "it hurts, call an ambulance"),
                                 30.0)
    says = [a for a in actions if isinstance(a, Say)]
    assert [a.text for a in says[:1]] == [CALL]
    assert says[-1].key == "pain:red-flags" and isinstance(actions[-1], Goto)


def test_run_text_the_number_is_said_at_once(tmp_path: Path) -> None:
    stdout, events = run_text(["next", "call an ambulance, it hurts"], tmp_path,
                              "--start", "days-4-7", "--emergency-number", "112")
    said = [e["text"] for e in events if e["type"] == "say"]
    heard = max(i for i, e in enumerate(events) if e["type"] == "heard")
    after = [e["text"] for e in events[heard:] if e["type"] == "say"]
    assert after[0] == CALL
    assert _coach().book.pain.question in after
    assert said.count(CALL) == 1
