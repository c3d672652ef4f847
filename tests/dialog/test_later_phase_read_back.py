"""A later phase is read back before its care ("Ten days ago, is that right?"): 13 of the 233
out-of-grammar clips of bench/model_accuracy.py still passed the strict second decoding at the
days question as week two or four (bare numbers), whose heat and exercises are not for the
first days (task A of session 36).

triage.yaml's ``later-read-back`` question: the week-2 and week-4 answers of both days
questions lead there; "yes" goes on to care-later, "no" asks the days question again (``again:
true``; a third "no" ends in advice), silence, unsure or not understood are asked again, then
advice: never the later phase. Typed answers too: the engine does not know whether an answer
was typed or heard (a Heard carries no channel, and the recognizer's confidence can be 1.0).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import voiceskill
from tests.dialog.dialog_copy import copy_dialogs
from tests.dialog.test_flags import NO_RED_FLAGS, converse, said
from voiceskill.conversation import build_conversation, phases_leading_to
from voiceskill.dialog.content import check_content
from voiceskill.dialog.readback import answer_words, as_time_ago
from voiceskill.events import End, Heard, Listen, Say, Silence, Started

QUESTIONS = {"time-since-pop": NO_RED_FLAGS, "days-since-pop": [*NO_RED_FLAGS, "last week"]}
READ_BACK = "later-read-back"


def at(question: str):
    conversation = build_conversation(voiceskill.DIALOGS_DIR)
    state, _ = conversation.step(conversation.initial_state(), Started(question), 0.0)
    return conversation, state


def keys(actions) -> list[str]:
    return [a.key for a in actions if isinstance(a, Say)]


@pytest.mark.parametrize("question", QUESTIONS)
@pytest.mark.parametrize(("text", "intent", "back"), [
    ("ten", "week-2", "Ten days ago, is that right?"),
    ("um ten days", "week-2", "Ten days ago, is that right?"),
    ("two weeks ago", "week-2", "Two weeks ago, is that right?"),
    ("a month", "week-4", "A month ago, is that right?"),
])
def test_a_later_phase_is_read_back_before_its_care(question, text, intent, back) -> None:
    conversation, state = at(question)
    if question == "time-since-pop" and text in ("ten", "um ten days"):
        text = text.replace("ten", "ten days") if text == "ten" else text
    state, actions = conversation.step(state, Heard(text, intent, 0.9), 1.0)
    says = [a for a in actions if isinstance(a, Say)]
    assert "statement:care-later" not in keys(actions)
    assert says[-1].key == f"question:{READ_BACK}" and says[-1].text == back, says
    assert state.screening.node == READ_BACK
    state, actions = conversation.step(state, Heard("yes", "yes", 0.9), 2.0)
    assert "statement:care-later" in keys(actions)
    assert state.screening.get("phase") == intent


@pytest.mark.parametrize("question", QUESTIONS)
def test_no_asks_the_days_again(question: str) -> None:
    conversation, state = at(question)
    state, _ = conversation.step(state, Heard("twelve days ago", "week-2", 0.9), 1.0)
    state, actions = conversation.step(state, Heard("no", "no", 0.9), 2.0)
    assert state.screening.node == "days-since-pop"
    assert "question:days-since-pop" in keys(actions)
    state, actions = conversation.step(state, Heard("two", "first-72-hours", 0.9), 3.0)
    assert "statement:care-first-72-hours" in keys(actions)
    assert state.screening.get("phase") == "first-72-hours"


def test_no_again_and_again_ends_in_advice() -> None:
    conversation, state = at("days-since-pop")
    for now in range(3):
        state, _ = conversation.step(state, Heard("ten", "week-2", 0.9), 2.0 * now)
        state, actions = conversation.step(state, Heard("no", "no", 0.9), 2.0 * now + 1)
    assert [a.outcome for a in actions if isinstance(a, End)] == ["advice"]
    assert "statement:care-later" not in keys(actions)


@pytest.mark.parametrize("reply", [Silence(8.0), Heard("not sure", "unsure", 1.0),
                                   Heard("[unk]", None, 0.0)])
def test_no_answer_to_the_read_back_never_gives_the_later_phase(reply) -> None:
    conversation, state = at("days-since-pop")
    state, _ = conversation.step(state, Heard("ten", "week-2", 0.9), 1.0)
    seen: list[str] = []
    for now in range(3):
        state, actions = conversation.step(state, reply, 2.0 + now)
        seen += keys(actions)
    ends = [a.outcome for a in actions if isinstance(a, End)]
    assert ends in (["advice"], ["no-response"]), ends
    assert "statement:care-later" not in seen
    assert seen[:2] == [f"reprompt:{READ_BACK}"] * 2


def test_typed_answers_are_read_back_too() -> None:
    text = said(converse(build_conversation(voiceskill.DIALOGS_DIR),
                         [*NO_RED_FLAGS, "last week", "ten", "yes", "yes"]))
    assert "Ten days ago, is that right?" in text
    assert "By now, regular gentle movement helps your back most" in text


def test_the_read_back_hears_yes_and_no_and_its_yes_needs_the_strict_decoding() -> None:
    """Yes has threshold 0.7 there (the later phases' own): of the 13 out-of-grammar clips
    taken as a later phase at the days question, 1 came back yes at the read-back with the
    shared yes's 0.5, none with 0.7 (triage.yaml's comment)."""
    conversation, state = at("days-since-pop")
    state, actions = conversation.step(state, Heard("ten", "week-2", 0.9), 1.0)
    assert state.screening.node == READ_BACK
    listen = next(a for a in reversed(actions) if isinstance(a, Listen))
    assert {"yes", "no"} <= {c.intent for c in listen.choices}
    assert dict(listen.thresholds)["yes"] == 0.7


def test_the_phases_of_the_care_nodes_are_unchanged() -> None:
    dialog = build_conversation(voiceskill.DIALOGS_DIR).screening.dialog
    assert phases_leading_to(dialog, "care-first-72-hours") == ("first-72-hours",)
    assert phases_leading_to(dialog, "care-days-4-7") == ("days-4-7",)
    assert phases_leading_to(dialog, "care-later") == ("week-2", "week-4")


@pytest.mark.parametrize(("words", "ago"), [
    ("ten", "ten days ago"), ("more than twenty", "more than twenty days ago"),
    ("two weeks", "two weeks ago"), ("a month ago", "a month ago"), ("months", "months ago"),
    ("10", "10 days ago")])
def test_the_words_said_as_a_time_ago(words: str, ago: str) -> None:
    assert as_time_ago(words) == ago


def test_the_answer_s_words_without_fillers_or_repeats() -> None:
    assert answer_words("um ten ten", ("ten", "ten days"), ("um",)) == "ten"
    assert answer_words("10", ("ten",), ("um",)) == "10"


def test_check_refuses_the_read_back_reached_without_an_answer(tmp_path: Path) -> None:
    triage = copy_dialogs(tmp_path)
    text = triage.read_text()
    # the welcome's next straight to the read-back: nothing said to read back
    triage.write_text(text.replace("    next: red-flags\n    source: voiceskill interaction "
                                   "design", f"    next: {READ_BACK}\n    source: voiceskill "
                                   "interaction design", 1))
    problems = [str(p) for p in check_content(tmp_path, None).problems]
    said_problems = [p for p in problems if "{when}" in p]
    assert len(said_problems) == 1, problems
    assert f"nodes.{READ_BACK}" in said_problems[0] and "welcome" in said_problems[0]


def test_check_refuses_again_to_a_question_not_on_the_way(tmp_path: Path) -> None:
    triage = copy_dialogs(tmp_path)
    text = triage.read_text()
    triage.write_text(text.replace("to: days-since-pop\n        again: true",
                                   "to: start-exercises\n        again: true", 1))
    problems = [str(p) for p in check_content(tmp_path, None).problems]
    assert len(problems) == 1 and f"nodes.{READ_BACK}.answers.no" in problems[0], problems
