"""A yes or a no at "When did your back pop?" or the days question is no time (review finding,
task A of session 36): a spoken "yes" came back as "yesterday", the first 72 hours, for 8 of 9
held-out voices, since neither word was in those questions' grammar; typed, it was "Sorry, I
did not catch that."

Now both questions list ``not_answers: {intents: [yes, no], say: ...}`` (triage.yaml): the
phrases are in the grammar, and one heard is an unusable answer: the question's own line, then
the question again as a re-ask; after two, its cautious branch (advice), never a phase.
"""

from __future__ import annotations

import pytest

import voiceskill
from tests.dialog.test_flags import NO_RED_FLAGS, converse, said
from voiceskill.conversation import build_conversation
from voiceskill.events import End, Heard, Listen, Record, Say, Started
from voiceskill.intents import match_intent
from voiceskill.textio import answer_words

QUESTIONS = ("time-since-pop", "days-since-pop")


def started_at(question: str):
    conversation = build_conversation(voiceskill.DIALOGS_DIR)
    state, actions = conversation.step(conversation.initial_state(), Started(question), 0.0)
    return conversation, state, next(a for a in reversed(actions) if isinstance(a, Listen))


@pytest.mark.parametrize("question", QUESTIONS)
def test_yes_and_no_are_in_the_grammar_of_the_question(question: str) -> None:
    _, _, listen = started_at(question)
    meant = {c.phrase: c.intent for c in listen.choices}
    assert meant["yes"] == "yes" and meant["yeah"] == "yes" and meant["no"] == "no"
    # no threshold or near miss of theirs: they only ever lead to a re-ask
    assert not {"yes", "no"} & {intent for intent, _ in listen.thresholds}
    assert "now" not in listen.near_misses


@pytest.mark.parametrize("question", QUESTIONS)
@pytest.mark.parametrize(("text", "intent"), [("yes", "yes"), ("yeah", "yes"), ("no", "no")])
def test_a_yes_or_no_is_said_to_be_no_time_and_the_question_asked_again(
        question: str, text: str, intent: str) -> None:
    conversation, state, _ = started_at(question)
    state, actions = conversation.step(state, Heard(text, intent, 0.9), 1.0)
    says = [a for a in actions if isinstance(a, Say)]
    assert [a.key for a in says] == [f"reprompt:{question}"], actions
    assert says[0].text.startswith("A yes or a no does not tell me "), says[0].text
    assert state.screening.node == question and state.screening.get("phase") is None
    records = [a for a in actions if isinstance(a, Record)]
    assert records[0].data["reason"] == "not_an_answer", records


@pytest.mark.parametrize("question", QUESTIONS)
def test_yes_again_and_again_ends_in_advice_never_a_phase(question: str) -> None:
    conversation, state, _ = started_at(question)
    for _ in range(3):
        state, actions = conversation.step(state, Heard("yes", "yes", 1.0), 1.0)
    assert [a.outcome for a in actions if isinstance(a, End)] == ["advice"]
    assert state.screening.get("phase") is None


@pytest.mark.parametrize("typed", ["yes", "y", "no", "n", "Yes."])
def test_typed_yes_or_no_is_read_as_such(typed: str) -> None:
    """Text mode reads a typed line against the same listen: "y" is "yes", refused the same way."""
    _, _, listen = started_at("time-since-pop")
    assert match_intent(answer_words(typed), listen) in ("yes", "no")
    text = said(converse(build_conversation(voiceskill.DIALOGS_DIR),
                         [*NO_RED_FLAGS, answer_words(typed)]))
    assert "A yes or a no does not tell me when it popped." in text


def test_a_time_after_the_yes_is_still_taken() -> None:
    text = said(converse(build_conversation(voiceskill.DIALOGS_DIR),
                         [*NO_RED_FLAGS, "yes", "two days ago"]))
    assert "A yes or a no does not tell me when it popped." in text
    assert "For the first three days, cool the sore area." in text
