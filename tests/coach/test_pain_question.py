"""The coach's pain question ("Is the pain severe, or is it spreading down a leg?", asked when
"it hurts" is said during an exercise), in a session: the conversation with the screening's
intents, run by the real Session loop on a virtual clock.

- A stop asked for there (said, or from outside: a kiosk's stop, SIGTERM) ends the session as
  a stop; it is no answer to the question (review: it was recorded as an ``answer`` with
  intent ``stop``).
"""

from __future__ import annotations

from typing import Any

import pytest

import voiceskill
from voiceskill.clock import VirtualClock
from voiceskill.conversation import build_conversation
from voiceskill.events import Heard, Listen, Silence
from voiceskill.intents import match_intent
from voiceskill.session import Session
from voiceskill.transcript import Transcript

QUESTION = "Is the pain severe, or is it spreading down a leg?"


class TypedEar:
    """Types each reply of ``replies`` as soon as it is given a turn (a reply of None: asks
    the session to stop instead, as a kiosk or SIGTERM does; a number: that many seconds of
    silence)."""

    def __init__(self, clock: VirtualClock, replies: list[str | float | None]) -> None:
        self.clock, self.replies = clock, list(replies)
        self.session: Session | None = None
        self.listens: list[Listen] = []

    def listen(self, listen: Listen, until: float) -> Heard | Silence | None:
        self.listens.append(listen)
        if not self.replies:
            self.clock.sleep_until(until)
            return None
        reply = self.replies[0]
        if reply is None:
            self.replies.pop(0)
            assert self.session is not None
            self.session.request_stop()
            self.clock.advance(0.5)
            return None
        if isinstance(reply, float | int):
            if self.clock.now() + reply > until:  # the turn ends first: its silence
                self.replies[0] = self.clock.now() + reply - until
                self.clock.sleep_until(until)
                return None
            self.replies.pop(0)
            self.clock.advance(reply)
            return self.listen(listen, until)
        self.replies.pop(0)
        self.clock.advance(0.5)
        return Heard(reply, match_intent(reply, listen), 1.0)


class Mouth:
    """Records what is said (a second a line)."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock, self.said = clock, []

    def say(self, text: str, barge_in: Listen | None) -> None:
        self.said.append(text)
        self.clock.advance(1.0)

    def adjust(self, rate_step: int, volume_step: int) -> None:
        pass


def at_the_pain_question(replies: list[str | float | None],
                         start: str = "cat-cow") -> tuple[list[dict[str, Any]], str, TypedEar]:
    """A session started at ``start``, "it hurts" said during the first exercise, then
    ``replies``: the transcript's events, the outcome and the ear."""
    clock = VirtualClock()
    ear = TypedEar(clock, ["it hurts", *replies])
    session = Session(build_conversation(voiceskill.DIALOGS_DIR), ear, Mouth(clock), clock,
                      Transcript(None))
    ear.session = session
    result = session.run(start)
    return result.events, result.outcome, ear


def _says(events: list[dict[str, Any]]) -> list[str]:
    return [e["key"] for e in events if e["type"] == "say"]


@pytest.mark.parametrize("stop", ["stop", None], ids=["said", "requested"])
def test_a_stop_at_the_pain_question_is_a_stop_not_an_answer(stop: str | None) -> None:
    events, outcome, _ = at_the_pain_question([stop])
    assert outcome == "stopped"
    assert "pain:question" in _says(events)
    assert not [e for e in events if e["type"] == "answer"]
    assert events[-1]["type"] == "end" and events[-1]["outcome"] == "stopped"
    assert _says(events)[-1].startswith("outcome:")  # the dialog's own stopped ending
