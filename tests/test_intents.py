"""Reading what was said as the phrases of a turn (voiceskill/intents.py)."""

from __future__ import annotations

import pytest

from voiceskill.events import Choice, Listen
from voiceskill.intents import FILLER, match_intent

TURN = Listen((
    Choice("yes", "yes"), Choice("i do", "yes"),
    Choice("no", "no"), Choice("no i don't", "no"), Choice("not at all", "no"),
    Choice("i don't know", "unsure"), Choice("repeat", "repeat"),
    Choice("um", FILLER), Choice("well", FILLER),
))


@pytest.mark.parametrize(("said", "intent"), [
    ("yes", "yes"),
    ("Yes, I do!", "yes"),
    ("um no", "no"),
    ("um, well, no i don't", "no"),
    ("no no", "no"),
    ("no, not at all", "no"),
    ("yes yes i do", "yes"),
    ("repeat repeat", "repeat"),
])
def test_phrases_of_one_intent_after_fillers_are_that_intent(said: str, intent: str) -> None:
    assert match_intent(said, TURN) == intent


@pytest.mark.parametrize("said", [
    "um",                 # a filler alone is no answer
    "well um",
    "no um",              # a filler after the answer: "numb" came back like this
    "yes um yes",
    "yes no",             # two answers
    "no i don't know",    # "no" + "i don't know", or a "no i don't" + "know": not one reading
    "um maybe",           # not a phrase of the turn
    "nope",
    "",
])
def test_anything_else_is_not_understood(said: str) -> None:
    assert match_intent(said, TURN) is None
