"""The coach's pain question ("Is the pain severe, or is it spreading down a leg?", asked when
"it hurts" is said during an exercise), in a session: the conversation with the screening's
intents, run by the real Session loop on a virtual clock.

- "Wait" or "hold on" answers nothing: "Take your time", and the question waits 30 s for its
  answer instead of 8, as a red-flag question does; "help" says how to answer it, then asks it
  again (review finding 10: "wait" was not understood, "help" only said the question again).
- A stop asked for there (said, or from outside: a kiosk's stop, SIGTERM) ends the session as
  a stop; it is no answer to the question (review: it was recorded as an ``answer`` with
  intent ``stop``).
"""

from __future__ import annotations

from typing import Any

import pytest

import voiceskill
from tests.coach.harness import coach
from voiceskill.clock import VirtualClock
from voiceskill.conversation import build_conversation
from voiceskill.dialog.engine import MAX_REPEATS, WAIT_SECONDS
from voiceskill.events import Heard, Listen, Silence
from voiceskill.intents import match_intent
from voiceskill.session import DEFAULT_SILENCE_TIMEOUT, Session
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


def at_the_pain_question(replies: list[str | float | None], start: str = "cat-cow",
                         emergency_number: str = "911"
                         ) -> tuple[list[dict[str, Any]], str, TypedEar]:
    """A session started at ``start``, "it hurts" said during the first exercise, then
    ``replies``: the transcript's events, the outcome and the ear."""
    clock = VirtualClock()
    ear = TypedEar(clock, ["it hurts", *replies])
    conversation = build_conversation(voiceskill.DIALOGS_DIR, emergency_number=emergency_number)
    session = Session(conversation, ear, Mouth(clock), clock, Transcript(None))
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


def _after(events: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """The events after the last line said with ``key``."""
    last = max(i for i, e in enumerate(events) if e["type"] == "say" and e["key"] == key)
    return events[last + 1:]


@pytest.mark.parametrize("wait", ["wait", "hold on"])
def test_wait_answers_nothing_and_the_question_waits_30_seconds(wait: str) -> None:
    events, outcome, ear = at_the_pain_question([wait])
    heard = [e for e in events if e["type"] == "heard"]
    assert (heard[-1]["text"], heard[-1]["intent"]) == (wait, "wait")
    assert not [e for e in events[:events.index(heard[-1]) + 3] if e["type"] == "answer"]
    said = [e for e in events if e["type"] == "say"]
    waited = next(i for i, e in enumerate(said) if e["key"] == "pain:wait")
    assert said[waited]["text"] == coach().book.pain.wait == "Take your time. I am listening."
    assert said[waited - 1]["key"] == "pain:question"  # not said again after the wait line
    assert ear.listens[2].timeout == WAIT_SECONDS  # "it hurts", "wait", then the long wait
    # silence then counts from the end of that line (1 s on this mouth): 30 s, not 8
    silence = next(e for e in _after(events, "pain:wait") if e["type"] == "silence")
    assert silence["seconds"] == pytest.approx(WAIT_SECONDS)
    assert silence["t"] - said[waited]["t"] == pytest.approx(1.0 + WAIT_SECONDS)
    # silence is still no answer: the careful path, the red-flag questions
    assert "pain:red-flags" in _says(_after(events, "pain:wait"))
    assert outcome == "no-response"


def test_after_a_wait_the_usual_silence_is_back() -> None:
    """"Wait", then "repeat": the question is said again, and waits the usual 8 s."""
    events, _, ear = at_the_pain_question(["wait", "repeat"])
    assert [listen.timeout for listen in ear.listens[1:4]] == [None, WAIT_SECONDS, None]
    silence = next(e for e in _after(events, "pain:question") if e["type"] == "silence")
    assert silence["seconds"] == pytest.approx(DEFAULT_SILENCE_TIMEOUT)


def test_an_answer_after_a_wait_counts() -> None:
    events, outcome, _ = at_the_pain_question(["wait", 20.0, "no"])
    assert [(e["question"], e["intent"]) for e in events if e["type"] == "answer"] == [
        ("pain-severe-or-spreading", "no")]
    assert outcome == "advice"


@pytest.mark.parametrize("help_", ["help", "help me", "i'm stuck"])
def test_help_says_how_to_get_help_and_to_answer_then_the_question(help_: str) -> None:
    """"help", and a call for help ("help me", "I'm stuck": the exercise has stopped
    already), say how to get help, with the configured number, and how to answer."""
    events, _, _ = at_the_pain_question([help_], emergency_number="112")
    said = [(e["key"], e["text"]) for e in events if e["type"] == "say"]
    text = coach().book.pain.help.replace("{emergency_number}", "112")
    helped = said.index(("pain:help", text))
    assert said[helped + 1] == ("pain:question", QUESTION)
    assert text.startswith("If you need someone to help you, call 112.")
    assert all(word in text for word in ("yes", "no", "not sure", "repeat", "wait", "stop"))


def test_wait_help_and_repeat_count_together_then_the_careful_path() -> None:
    """As at a red-flag question, a word misheard as "wait" again and again cannot hold the
    question for ever: after MAX_REPEATS requests, one more is taken as unsure."""
    requests = ["wait", "help", "hold on", "repeat"]
    assert len(requests) == MAX_REPEATS + 1
    events, _, _ = at_the_pain_question(requests)
    keys = _says(events)
    assert keys.count("pain:wait") == 2 and keys.count("pain:help") == 1
    last = max(i for i, e in enumerate(events) if e["type"] == "heard")
    assert events[last]["intent"] == "repeat"
    assert [e for e in events[last:] if e["type"] == "say"][0]["key"] == "pain:red-flags"
