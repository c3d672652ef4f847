"""A question's prompt is cut only by a command its question would take as an answer (task
A.1, session 37).

A question's barge-in listen (:func:`voiceskill.session.barge_in_listen`: its stop and wait
phrases) carried no thresholds, so a "stop" heard at 0.5 over a question's prompt cut it, and
the session then took the cut words at the question's own thresholds (stop 0.6): not
understood. The prompt was lost for nothing ("Sorry, I did not catch that."). Now the
barge-in listen carries the question's thresholds for its intents.

Measured on the session path (/tmp/s37/a/cutq.py: SimMouth, shipped model, a fresh Vosk
recognizer and noise floor per play; the saddle and fever questions' prompts, 0 and 0.5 s
in). Nearly every word decoded over a prompt comes back at confidence 1.0, so the change is
small: the 233 out-of-grammar clips cut them 83 times in 932 before (2 of them a "stop" under
0.6: 0.51, 0.58), 82 after; the nine held-out voices' stop phrases (stop, quit, goodbye,
please stop, stop now) cut 156 and 154 of 180 times, "wait"/"hold on" 62 and 63 of 72, every
cut at confidence 1.0 both times (the differences are the decoder's run-to-run noise).
"""

from __future__ import annotations

import voiceskill
from voiceskill.clock import VirtualClock
from voiceskill.conversation import build_conversation
from voiceskill.events import Heard, Listen, Started
from voiceskill.session import Session, barge_in_listen, interrupts
from voiceskill.transcript import Transcript

PROMPT = "Do you have a fever, or have you felt unwell?"


def question_listen() -> Listen:
    conversation = build_conversation(voiceskill.DIALOGS_DIR)
    _, actions = conversation.step(conversation.initial_state(), Started("saddle-numbness"), 0.0)
    return next(a for a in reversed(actions) if isinstance(a, Listen))


def test_a_question_s_barge_in_listen_carries_its_thresholds() -> None:
    question = question_listen()
    cutting = barge_in_listen(question)
    assert cutting is not None
    own = dict(question.thresholds)
    assert dict(cutting.thresholds) == {"stop": own["stop"], "wait": own["wait"]}
    assert own["stop"] == 0.6 and own["wait"] == 0.5


def test_a_doubtful_stop_does_not_cut_a_question_s_prompt() -> None:
    cutting = barge_in_listen(question_listen())
    assert not interrupts(Heard("stop", "stop", 0.5), PROMPT, cutting)
    assert not interrupts(Heard("hold on", "wait", 0.4), PROMPT, cutting)
    assert interrupts(Heard("stop", "stop", 0.6), PROMPT, cutting)
    assert interrupts(Heard("stop", "stop", 1.0), PROMPT, cutting)
    assert interrupts(Heard("hold on", "wait", 0.5), PROMPT, cutting)


class HearingMouth:
    """Says each line; over the saddle question's prompt it hears ``over`` and, as the voice
    and simulated mouths do, stops only if it :func:`interrupts` the prompt."""

    def __init__(self, clock: VirtualClock, over: Heard) -> None:
        self.clock, self.over, self.said = clock, over, []

    def say(self, text: str, barge_in: Listen | None) -> Heard | None:
        self.clock.advance(1.0)
        if text.startswith("Is any part of your groin") and interrupts(self.over, text, barge_in):
            self.said.append(text[:10])
            return self.over
        self.said.append(text)
        return None

    def adjust(self, rate_step: int, volume_step: int) -> None:
        return None


class QuietEar:
    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock

    def listen(self, listen: Listen, until: float) -> Heard | None:
        self.clock.sleep_until(until)
        return None


def run(over: Heard) -> tuple[list[str], list[dict]]:
    clock = VirtualClock()
    mouth = HearingMouth(clock, over)
    session = Session(build_conversation(voiceskill.DIALOGS_DIR), QuietEar(clock), mouth, clock,
                      Transcript(None))
    result = session.run("saddle-numbness")
    return mouth.said, result.events


def test_a_doubtful_stop_over_a_question_is_not_taken_as_a_cut_answer() -> None:
    said, events = run(Heard("stop", "stop", 0.5))
    assert said[0].startswith("Is any part of your groin") and len(said[0]) > 10
    assert not [e for e in events if e.get("barge_in")]
    assert "Sorry, I did not catch that." not in " ".join(said)


def test_a_sure_stop_over_a_question_still_ends_the_session() -> None:
    said, events = run(Heard("stop", "stop", 0.9))
    assert said[0] == "Is any par"
    assert [e["intent"] for e in events if e.get("barge_in")] == ["stop"]
    assert events[-1]["outcome"] == "stopped"
