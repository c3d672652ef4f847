"""The pain question answered, typed, in its own words (task C.1, session 36).

Before, at "Is the pain severe, or is it spreading down a leg?", typed "it's spreading down my
leg", "severe", "it is severe" or "it's spreading" were "Sorry, I did not catch that." and the
question again, although each plainly says yes. Now ``pain.yes_words`` (exercises.yaml) read
them as yes: the red-flag questions at once. Said with a denying word or a hedge ("severe but
not spreading", "I don't think it's severe", "maybe it's spreading") they are not sure: the
same careful path. Plainly denied ("it's not spreading", "not severe") they are not understood
as before: a denial of one half of the question says nothing of the other, and such words are
never a "no" (which skips the red-flag questions).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.coach.harness import coach
from tests.coach.test_pain_question import at_the_pain_question
from voiceskill.coach.words import words_of

QUESTION = "pain-severe-or-spreading"

YES = ["it's spreading down my leg", "severe", "it is severe", "it's spreading", "Severe!",
       "yes, it's spreading", "It's spreading into my leg.", "it spreads down the leg",
       "I think it's severe"]

UNSURE = ["severe but not spreading", "I don't think it's severe", "maybe it's spreading",
          "it's not really spreading", "sometimes it spreads", "it doesn't go down my leg",
          "not severe but it's spreading", "it is not severe any more"]

DENIED = ["it's not spreading", "not severe", "it isn't severe", "no it is not severe",
          "it's neither severe nor spreading", "it doesn't spread", "no spreading",
          "not severe, not spreading", "it's not severe and it's not spreading"]


def _answers(events: list[dict[str, Any]]) -> list[str]:
    return [e["intent"] for e in events if e["type"] == "answer" and e["question"] == QUESTION]


def _keys(events: list[dict[str, Any]]) -> list[str]:
    return [e["key"] for e in events if e["type"] == "say"]


@pytest.mark.parametrize("reply", YES)
def test_the_question_s_own_words_are_a_yes(reply: str) -> None:
    events, _, _ = at_the_pain_question([reply])
    keys = _keys(events)
    assert _answers(events) == ["yes"]
    assert "pain:not-understood" not in keys
    assert keys[keys.index("pain:question") + 1] == "pain:red-flags"


@pytest.mark.parametrize("reply", UNSURE)
def test_with_a_denial_or_a_hedge_they_are_not_sure_and_careful(reply: str) -> None:
    events, _, _ = at_the_pain_question([reply])
    keys = _keys(events)
    assert _answers(events) == ["unsure"]
    assert keys[keys.index("pain:question") + 1] == "pain:red-flags"


@pytest.mark.parametrize("reply", DENIED)
def test_plainly_denied_they_are_not_understood_never_a_no(reply: str) -> None:
    events, outcome, _ = at_the_pain_question([reply, "no"])
    keys = _keys(events)
    first = keys.index("pain:question")
    assert keys[first + 1:first + 3] == ["pain:not-understood", "pain:question"]
    assert _answers(events) == ["no"]  # the "no" said after, not the denial
    assert outcome == "advice"


@pytest.mark.parametrize("reply", DENIED)
def test_denied_twice_takes_the_careful_path(reply: str) -> None:
    events, _, _ = at_the_pain_question([reply, reply])
    assert _answers(events) == []
    assert [e["reason"] for e in events
            if e["type"] == "cautious" and e.get("question") == QUESTION] == ["not_understood"]
    assert "pain:red-flags" in _keys(events)


def test_no_reading_of_these_words_is_a_no() -> None:
    """The reading gives yes, unsure or nothing: never the "no" that skips the red-flag
    questions, whatever the words."""
    engine = coach()
    for reply in YES + UNSURE + DENIED:
        assert engine.book.pain.answer_in(words_of(reply), engine.book.denials,
                                          engine.hedges) in ("yes", "unsure", None)


def test_a_spoken_answer_is_read_as_before() -> None:
    """Voice mode hears only the question's phrases (none of these words is in its grammar):
    a phrase heard is its intent, and [unk] is not understood."""
    events, _, _ = at_the_pain_question(["[unk]", "no"])
    keys = _keys(events)
    first = keys.index("pain:question")
    assert keys[first + 1] == "pain:not-understood" and _answers(events) == ["no"]
