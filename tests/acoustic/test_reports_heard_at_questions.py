"""The shipped model hears the coach's voice phrases of warning signs ("my leg is numb", "pins
and needles", "my legs gave way") at the screening's questions outside the red-flag questions,
said by the synthesizer, through the ear and the conversation's own listen of that question
(voiceskill.conversation.Conversation._hearing_reports), and the conversation takes them as a
report: the red-flag questions are asked again.

Before, those questions' grammar did not hold the phrases: the report was not understood, or
came back as an answer ("pins and needles" as "two weeks ago", week two's exercises).
"""

from __future__ import annotations

import pytest

import voiceskill
from tests.dialog.test_reports_at_questions import TO_THE_QUESTION
from tests.speech.heard import said as spoken
from voiceskill.clock import VirtualClock
from voiceskill.conversation import build_conversation
from voiceskill.events import End, Listen, Record, Say, Started
from voiceskill.session import apply_thresholds
from voiceskill.speech.ear import AudioEar
from voiceskill.speech.modeldir.locate import resolve_model_dir
from voiceskill.speech.recognizer import Recognizer, open_model

#: Voice phrases of a sign that answers an emergency question ("my legs gave way": legs that
#: give way, article 000).
EMERGENCY_PHRASES = {"my legs gave way"}


@pytest.fixture(scope="module")
def hear_at():
    """What the conversation does when a phrase is said at a question (started there)."""
    from voiceskill.speech.voice import Synthesizer

    conversation = build_conversation(voiceskill.DIALOGS_DIR)
    model = open_model(resolve_model_dir(None))
    synth = Synthesizer()
    audio: dict[str, object] = {}

    def hear(question: str, phrase: str):
        state, actions = conversation.step(conversation.initial_state(), Started(question), 0.0)
        listen = next(a for a in reversed(actions) if isinstance(a, Listen))
        samples = audio.setdefault(phrase, synth.synthesize(phrase))
        ear = AudioEar(spoken(samples), Recognizer(model), VirtualClock())  # type: ignore[arg-type]
        heard = ear.listen(listen, until=30.0)
        assert heard is not None, (question, phrase)
        return conversation.step(state, apply_thresholds(heard, listen), 1.0)

    yield hear
    synth.close()


@pytest.mark.parametrize("question", TO_THE_QUESTION)
def test_the_shipped_model_hears_each_report_phrase_at_the_question(hear_at, question) -> None:
    book = build_conversation(voiceskill.DIALOGS_DIR).coach.book
    phrases = [*book.commands["nerve"], *(p for r in book.signs.reports for p in r.phrases)]
    assert "my leg is numb" in phrases and "my legs gave way" in phrases
    for phrase in phrases:
        state, actions = hear_at(question, phrase)
        reports = [a for a in actions if isinstance(a, Record) and a.type == "report"]
        assert reports and reports[0].data["node"] == question, (question, phrase, actions)
        # an emergency sign ends in the emergency at once (3730d4d); any other is asked about
        # again from the first red-flag question
        emergency = [a.outcome for a in actions if isinstance(a, End)] == ["emergency"]
        assert emergency or state.screening.node == "saddle-numbness", (question, phrase)
        assert emergency == (phrase in EMERGENCY_PHRASES), (question, phrase)


@pytest.mark.parametrize("question", ["saddle-numbness", "bowel-control", *TO_THE_QUESTION])
def test_the_shipped_model_hears_help_me_at_every_question(hear_at, question) -> None:
    """"Help me" (exercises.yaml's help_now: phrase) at a red-flag question or another: how to
    get help, then the question again (tests/dialog/test_help_now_at_questions.py)."""
    state, actions = hear_at(question, "help me")
    assert f"help-now:{question}" in [a.key for a in actions if isinstance(a, Say)], actions
    assert state.screening.node == question
