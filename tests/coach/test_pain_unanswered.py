"""The pain question left unanswered: the transcript says so (finding 3, session 36).

Before, silence at "Is the pain severe, or is it spreading down a leg?" was written to the
transcript as an ``answer`` with intent ``unsure``, as if the person had said "not sure"; so
were an answer still not understood after the question was said again, and a fourth "repeat",
"help" or "wait". The careful path was right (the red-flag questions), the record was not. Now
these write a ``cautious`` record with the reason, as the screening's questions do
(``reason``: silence, not_understood, or unsure with ``asked``), and the careful path is
unchanged. An answer given ("not sure", "yes", "it hurts") is still an ``answer``.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.coach.test_pain_question import at_the_pain_question

QUESTION = "pain-severe-or-spreading"


def _records(events: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """The pain question's answer and cautious records, each without its type and time."""
    return [(e["type"], {k: v for k, v in e.items() if k not in ("type", "t")})
            for e in events
            if e["type"] in ("answer", "cautious") and e.get("question") == QUESTION]


def _careful(events: list[dict[str, Any]]) -> bool:
    """The red-flag questions came after the pain question (the careful path)."""
    keys = [e["key"] for e in events if e["type"] == "say"]
    return "pain:red-flags" in keys and keys.index("pain:red-flags") > keys.index(
        "pain:question")


def test_silence_is_no_answer_and_still_the_careful_path() -> None:
    events, outcome, _ = at_the_pain_question([])
    assert _records(events) == [
        ("cautious", {"question": QUESTION, "reason": "silence", "target": "red-flags"})]
    assert any(e["type"] == "silence" for e in events)
    assert _careful(events)
    assert outcome == "no-response"  # silence throughout the red-flag questions too


def test_still_not_understood_is_no_answer() -> None:
    events, _, _ = at_the_pain_question(["how long", "how long"])
    assert _records(events) == [("cautious", {"question": QUESTION,
                                              "reason": "not_understood",
                                              "target": "red-flags"})]
    assert _careful(events)


def test_a_request_past_the_limit_is_no_answer() -> None:
    events, _, _ = at_the_pain_question(["wait", "help", "hold on", "repeat"])
    assert _records(events) == [("cautious", {"question": QUESTION, "reason": "unsure",
                                              "asked": "repeat", "target": "red-flags"})]
    assert _careful(events)


@pytest.mark.parametrize(("reply", "intent"), [("not sure", "unsure"), ("yes", "yes"),
                                               ("no", "no"), ("it hurts a lot", "pain")])
def test_an_answer_given_is_still_an_answer(reply: str, intent: str) -> None:
    events, _, _ = at_the_pain_question([reply])
    assert _records(events) == [("answer", {"question": QUESTION, "intent": intent})]
