"""An answer to the coach's pain question that is not understood gets "Sorry, I did not catch
that." before the question again, as the screening's questions do (review finding 13g,
session 35). Before, the question alone was said again ("pause", "how long"), so the person
could not tell whether they had been heard. ("it's spreading down my leg" and "severe" were
here too: they are a yes now, tests/coach/test_pain_words.py.)
"""

from __future__ import annotations

import pytest

import voiceskill
from tests.coach.harness import coach
from tests.coach.test_pain_question import at_the_pain_question
from voiceskill.dialog.load import load_dialog

SORRY = "Sorry, I did not catch that."


def test_the_line_is_the_screening_s() -> None:
    assert coach().book.pain.not_understood == SORRY
    assert load_dialog(voiceskill.DIALOGS_DIR).messages["not_understood"] == SORRY


@pytest.mark.parametrize("reply", ["pause", "how long", "not severe"])
def test_not_understood_says_sorry_then_the_question(reply: str) -> None:
    events, outcome, _ = at_the_pain_question([reply, "no"])
    keys = [e["key"] for e in events if e["type"] == "say"]
    first = keys.index("pain:question")
    assert keys[first + 1:first + 3] == ["pain:not-understood", "pain:question"]
    assert outcome == "advice"


def test_twice_not_understood_takes_the_careful_path_as_before() -> None:
    events, outcome, _ = at_the_pain_question(["how long", "how long"])
    keys = [e["key"] for e in events if e["type"] == "say"]
    assert keys.count("pain:not-understood") == 1
    assert "pain:red-flags" in keys


def test_repeat_and_help_say_no_sorry() -> None:
    events, _, _ = at_the_pain_question(["repeat", "help", "no"])
    keys = [e["key"] for e in events if e["type"] == "say"]
    assert "pain:not-understood" not in keys
