"""Numbness between the legs in common words during an exercise (review finding 9, session 35).

Before, "my crotch is numb", "my butt is numb", "my privates are numb", "numb down there" held
no word of the saddle report (groin, buttocks, my bottom, ...), only the numb word: they were
taken for a numb leg, "You told me a leg felt numb, tingly or weak." was said (false), and with
every question answered no the session ended urgent instead of emergency. And a saddle report
("my groin is numb") also counted as a numb leg, saying that false line at the leg question.
Now the saddle report knows these words, and a numb word it uses is not read again as a leg's
(ExerciseBook.reports_in); a leg named with its own numb word still is.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import voiceskill
from tests.coach.harness import coach
from tests.coach.test_nerve_signs import SITUATIONS, typed
from tests.dialog.test_flags import converse, said
from tests.test_run_text import run_text
from voiceskill.coach.routine import words_of as _words
from voiceskill.conversation import build_conversation
from voiceskill.events import End, Goto, Say

SADDLE = [("saddle-numbness", "yes")]
LEG_LINE = "You told me a leg felt numb, tingly or weak."

#: The reviewer's words, and more of the same kind.
SADDLE_REPORTS = ["my crotch is numb", "my butt is numb", "my privates are numb",
                  "numb down there", "my backside is tingling", "I can't feel my bum",
                  "my butt cheeks are numb", "pins and needles in my private parts",
                  "my genital area feels different", "tingling down below",
                  "my bottom went dead", "I've lost feeling in my groin"]


@pytest.mark.parametrize("where", SITUATIONS)
@pytest.mark.parametrize("text", SADDLE_REPORTS)
def test_saddle_numbness_in_common_words_answers_the_saddle_question_only(
        where: str, text: str) -> None:
    state = SITUATIONS[where]
    state, actions = coach().step(state, typed(state.listen, text), 30.0)
    goto = actions[-1]
    assert isinstance(goto, Goto)
    assert [(q, a) for q, a, _ in goto.answered] == SADDLE
    assert [a.key for a in actions if isinstance(a, Say)] == ["sign:stop", "pain:red-flags"]


@pytest.mark.parametrize(("text", "numb_leg"), [
    ("my groin is numb", False), ("numbness in my groin and inner thighs", False),
    ("my groin is numb and my foot tingles", True), ("my butt and legs are numb and tingly", True),
    ("my legs gave way and my foot is numb", True), ("my legs gave way", False)])
def test_a_numb_word_of_a_sign_is_not_read_again_as_a_numb_leg(text: str,
                                                               numb_leg: bool) -> None:
    _, numb = coach().book.reports_in(_words(text))
    assert numb is numb_leg


@pytest.mark.parametrize("text", ["the bottom of my foot is numb", "the balls of my feet are numb"])
def test_a_foot_is_still_a_leg(text: str) -> None:
    signs, numb = coach().book.reports_in(_words(text))
    assert not signs and numb


def test_my_crotch_is_numb_ends_in_the_emergency_without_the_leg_line() -> None:
    """The reviewer's repro, then "no" to everything: the saddle question is answered by the
    report, and the session ends in the emergency outcome; the leg line is never said."""
    engine = build_conversation(voiceskill.DIALOGS_DIR)
    actions = converse(engine, ["my crotch is numb", *["no"] * 25], start="days-4-7")
    assert [a.outcome for a in actions if isinstance(a, End)] == ["emergency"]
    assert LEG_LINE not in said(actions)


def test_run_text_my_crotch_is_numb(tmp_path: Path) -> None:
    stdout, events = run_text(["next", "my crotch is numb", *["no"] * 25], tmp_path,
                              "--start", "days-4-7")
    assert "[outcome: emergency]" in stdout
    assert LEG_LINE not in [e["text"] for e in events if e["type"] == "say"]
