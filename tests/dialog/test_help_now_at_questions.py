"""A call for help at a question of the screening ("help me", "I'm stuck": the words of
exercises.yaml's help_now:). Before, it was not understood ("Sorry, I did not catch that.")
and the question was asked again, then the careful path; nothing said how to get help.

Now, as the coach does during the exercises, the first thing said is how to get help now
(intents.yaml's help_now line, with the configured emergency number), then how to answer
(the question's help) and the question again. It answers nothing: it counts with repeat and
help towards the question's limit, and the line is said every time, also past that limit.
An answer with such words in it ("yes, please help") stays that answer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import voiceskill
from tests.dialog.test_flags import NO_RED_FLAGS, converse, said
from tests.test_run_text import run_text
from voiceskill.conversation import build_conversation
from voiceskill.dialog.engine import MAX_REPEATS
from voiceskill.events import Action, End, Heard, Listen, Say, Started

HELP_NOW = "If you need someone to help you now, call 911."

#: Answers that lead to a question (a red-flag one, or one outside them).
TO_THE_QUESTION = {"saddle-numbness": [], "bowel-control": ["no"] * 3,
                   "time-since-pop": NO_RED_FLAGS,
                   "start-exercises": [*NO_RED_FLAGS, "two weeks", "yes"]}  # "yes": read back


def talk(answers: list[str], emergency_number: str = "911") -> list[Action]:
    return converse(build_conversation(voiceskill.DIALOGS_DIR, emergency_number), answers)


def keys(actions: list[Action]) -> list[str]:
    return [a.key for a in actions if isinstance(a, Say)]


@pytest.mark.parametrize("question", TO_THE_QUESTION)
@pytest.mark.parametrize("text", ["help me", "Help me!", "please help", "I need help",
                                  "I'm stuck", "um help me"])
def test_help_me_says_how_to_get_help_then_the_question_again(question: str, text: str) -> None:
    before = TO_THE_QUESTION[question]
    actions = talk([*before, text])
    after = keys(actions)[len(keys(talk(before))):]
    assert after == [f"help-now:{question}", f"help:{question}", f"question:{question}"], after
    assert HELP_NOW in said(actions)
    assert not [a for a in actions if isinstance(a, End)]


def test_the_configured_number_is_said() -> None:
    assert "If you need someone to help you now, call 112." in said(talk(["help me"], "112"))


def test_help_me_answers_nothing_and_cannot_hold_a_question() -> None:
    actions = talk(["no", "no", "no", *["help me"] * (MAX_REPEATS + 3)])
    assert [a.outcome for a in actions if isinstance(a, End)] == ["emergency"]  # cautious branch
    assert said(actions).count(HELP_NOW) == MAX_REPEATS + 3  # said every time


def test_an_answer_with_help_words_stays_the_answer() -> None:
    engine = build_conversation(voiceskill.DIALOGS_DIR)
    state, _ = engine.step(engine.initial_state(), Started("saddle-numbness"), 0.0)
    state, actions = engine.step(state, Heard("yes please help", "yes", 1.0), 1.0)
    assert [a.outcome for a in actions if isinstance(a, End)] == ["emergency"]


def test_help_alone_is_the_usual_help() -> None:
    actions = talk(["help"])
    assert HELP_NOW not in said(actions) and "help:saddle-numbness" in keys(actions)


def test_run_text_help_me_at_a_question(tmp_path: Path) -> None:
    stdout, _ = run_text(["help me", "yes"], tmp_path, "--emergency-number", "112")
    flat = " ".join(stdout.split())
    assert "If you need someone to help you now, call 112." in flat
    assert "[outcome: emergency]" in flat


def test_every_question_listens_for_help_me_in_voice_mode() -> None:
    """The coach's voice phrase of a call for help, with its intent, at every question."""
    book = build_conversation(voiceskill.DIALOGS_DIR).coach.book
    wanted = {(p, "help-now") for p in book.help_now.phrases}
    assert ("help me", "help-now") in wanted
    for count in range(len(NO_RED_FLAGS) + 2):
        actions = talk([*["no"] * min(count, len(NO_RED_FLAGS)),
                        *["two weeks"] * (count > len(NO_RED_FLAGS))])
        listen = next(a for a in reversed(actions) if isinstance(a, Listen))
        assert wanted <= {(c.phrase, c.intent) for c in listen.choices}, count
