"""A fall said at the fall question is its yes by voice too ("Did this back pain begin after
a fall, a car accident, or another hard blow?"; task A.3 of session 36).

Before, "I fell" counted as yes only when typed (the answer's ``reports: [fall]``): its words
were not in the recognizer's grammar, so a spoken "I fell" came back not understood (5 of 9
held-out voices) or "not sure" (2), and "I had a fall" never as yes (0 of 9). The yes answer
uses the shared yes phrases, and a global intent's answer may not carry ``phrases:``; now an
answer may list ``extra_phrases:``, meaning it at this question only, in the grammar beside the
intent's own (triage.yaml's measurement: out-of-grammar clips as yes 10 -> 12 of 233, the
over-cautious ending; none taken as no; held-out "i fell" 2 -> 8 and "i had a fall" 0 -> 8 of
9 as yes; "no I didn't fall" and "not sure" never yes).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import voiceskill
from tests.dialog.dialog_copy import copy_dialogs
from voiceskill.conversation import build_conversation
from voiceskill.dialog.content import check_content
from voiceskill.dialog.load import listened_phrases
from voiceskill.events import End, Heard, Listen, Record, Started
from voiceskill.intents import match_intent

QUESTION = "pain-after-accident"
FALLS = ("i fell", "i had a fall")


def at_the_question():
    conversation = build_conversation(voiceskill.DIALOGS_DIR)
    state, actions = conversation.step(conversation.initial_state(), Started(QUESTION), 0.0)
    return conversation, state, next(a for a in reversed(actions) if isinstance(a, Listen))


@pytest.mark.parametrize("phrase", FALLS)
def test_a_fall_is_in_the_question_s_grammar_as_its_yes(phrase: str) -> None:
    _, _, listen = at_the_question()
    assert {c.intent for c in listen.choices if c.phrase == phrase} == {"yes"}
    assert phrase in listened_phrases(voiceskill.DIALOGS_DIR)  # compiled into the graph


def test_a_fall_is_heard_at_the_fall_question_only() -> None:
    conversation = build_conversation(voiceskill.DIALOGS_DIR)
    state, actions = conversation.step(conversation.initial_state(), Started("saddle-numbness"),
                                       0.0)
    listen = next(a for a in reversed(actions) if isinstance(a, Listen))
    assert not {c.phrase for c in listen.choices} & set(FALLS)


@pytest.mark.parametrize("phrase", FALLS)
def test_a_fall_heard_by_voice_is_the_yes(phrase: str) -> None:
    conversation, state, _ = at_the_question()
    state, actions = conversation.step(state, Heard(phrase, "yes", 0.9), 1.0)
    assert [a.outcome for a in actions if isinstance(a, End)] == ["urgent"]
    answer = [a.data for a in actions if isinstance(a, Record) and a.type == "answer"][-1]
    assert answer == {"node": QUESTION, "intent": "yes", "text": phrase}


@pytest.mark.parametrize(("text", "intent"), [
    ("I fell", "yes"), ("I had a fall", "yes"), ("um I fell", "yes"),
    ("I fell asleep", None), ("no I didn't fall", None), ("I fell no", None)])
def test_typed_words_read_as_the_listen_s_phrases(text: str, intent: str | None) -> None:
    _, _, listen = at_the_question()
    assert match_intent(text, listen) == intent


def problems_with(tmp_path: Path, old: str, new: str) -> list[str]:
    triage = copy_dialogs(tmp_path)
    text = triage.read_text()
    assert text.count(old) == 1, old
    triage.write_text(text.replace(old, new))
    return [str(p) for p in check_content(tmp_path, None).problems]


def test_check_refuses_an_extra_phrase_meaning_something_else_there(tmp_path: Path) -> None:
    problems = problems_with(tmp_path, "extra_phrases: [i fell, i had a fall]",
                             "extra_phrases: [i fell, not sure]")
    assert len(problems) == 1, problems
    assert f"nodes.{QUESTION}.answers.yes" in problems[0]
    assert "phrase 'not sure' already means 'unsure'" in problems[0]


def test_check_refuses_an_extra_phrase_the_intent_has(tmp_path: Path) -> None:
    problems = problems_with(tmp_path, "extra_phrases: [i fell, i had a fall]",
                             "extra_phrases: [i fell, yeah]")
    assert len(problems) == 1, problems
    assert f"nodes.{QUESTION}.answers.yes" in problems[0] and "'yeah'" in problems[0]


def test_check_finds_an_extra_phrase_s_word_the_model_lacks(tmp_path: Path) -> None:
    """``voiceskill check`` compares every word listened for with the model's: extra
    phrases are listened for (it had counted only ``phrases`` and near misses)."""
    copy_dialogs(tmp_path)
    assert check_content(tmp_path, voiceskill.DEFAULT_MODEL_DIR).ok
    triage = tmp_path / "triage.yaml"
    triage.write_text(triage.read_text().replace("extra_phrases: [i fell, i had a fall]",
                                                 "extra_phrases: [i fell, i zorbled]"))
    problems = [str(p) for p in check_content(tmp_path, voiceskill.DEFAULT_MODEL_DIR).problems]
    assert problems and all("'zorbled'" in p for p in problems), problems
    assert f"nodes.{QUESTION}.answers.yes.extra_phrases" in problems[0]
