"""Numbness, tingling or weakness reported during an exercise: the exercise stops and the
red-flag questions are asked again, as for severe or spreading pain but with no question first
(article 003: such signs in the legs need a doctor straight away).

Before, "my leg has gone numb" typed in ``run --text`` got "Sorry, I did not catch that", and
"numb", "my leg is tingling" or "my leg feels weak" no reply at all: the routine went on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import voiceskill
from tests.coach.harness import coach
from tests.test_run_text import run_text
from voiceskill.coach.engine import RED_FLAG_NODE, CoachState
from voiceskill.conversation import build_conversation
from voiceskill.events import Goto, Heard, Listen, Say, Silence, StartTimer, TimerFired
from voiceskill.intents import match_intent
from voiceskill.textio import answer_words

#: Reports as people type them (the first four are the reviewer's).
REPORTS = ["my leg has gone numb", "numb", "my leg is tingling", "my leg feels weak",
           "pins and needles in my foot", "my foot is numb", "numbness down my leg",
           "it tingles", "my leg feels tingly", "weakness in my knee", "my leg is getting weaker",
           "stop my leg is numb", "it hurts and my leg is numb", "Numb!"]


def typed(listen: Listen | None, text: str) -> Heard:
    """What ``run --text`` makes of a typed line (voiceskill.textio.TextEar)."""
    assert listen is not None
    return Heard(text, match_intent(answer_words(text), listen), 1.0)


def _running_in(exercise: str, seconds: float) -> CoachState:
    """The coach ``seconds`` into ``exercise``, every timer fired on time."""
    engine = coach()
    state, _ = engine.start(0.0, "week-2", exercise, frozenset())
    state, actions = engine.step(state, TimerFired("coach"), 0.0)
    now = 0.0
    while True:
        deadlines = [a.deadline for a in actions if isinstance(a, StartTimer)]
        if not deadlines or deadlines[-1] > seconds:
            return state
        now = deadlines[-1]
        state, actions = engine.step(state, TimerFired("coach"), now)


def situations() -> dict[str, CoachState]:
    """The coach at each kind of moment a report can come in."""
    engine = coach()
    setup = _running_in("cat-cow", 1.0)
    move = _running_in("cat-cow", 7.0)
    hold = _running_in("hamstring-stretch", 20.0)
    practice = _running_in("hip-hinge", 8.0)
    paused, _ = engine.step(move, Heard("pause", "pause"), 7.5)
    pain, _ = engine.step(move, Heard("it hurts", "pain"), 7.5)
    states = {"set-up": setup, "move": move, "hold": hold, "practice": practice,
              "paused": paused, "pain question": pain}
    assert [s.mode for s in states.values()] == ["running"] * 4 + ["paused", "pain"]
    assert hold.plan[hold.index].beats[hold.beat].hold
    assert practice.plan[practice.index].kind == "practice"
    return states


SITUATIONS = situations()


def _hands_back(actions: list) -> bool:
    """The last action hands back to the red-flag questions, the report answering the leg
    question (tests/coach/test_reported_signs.py)."""
    return actions[-1:] == [Goto(RED_FLAG_NODE, (coach().book.nerve.counts_as.answered(),))]


@pytest.mark.parametrize("text", REPORTS)
def test_a_typed_report_stops_the_exercise_and_hands_back_with_its_own_line(text: str) -> None:
    state = SITUATIONS["move"]
    state, actions = coach().step(state, typed(state.listen, text), 8.0)
    says = [a.text for a in actions if isinstance(a, Say)]
    book = coach().book
    assert says == [book.nerve.say, book.pain.red_flags]
    assert _hands_back(actions) and state.mode == "ended"


@pytest.mark.parametrize("where", SITUATIONS)
@pytest.mark.parametrize("text", [*REPORTS, *coach().book.commands["nerve"],
                                  *sorted(coach().book.nerve.words)])
def test_a_nerve_word_never_continues_the_routine(where: str, text: str) -> None:
    """Safety: wherever the coach is, whatever else is said with it (stop, pain, a command),
    a report of numbness, tingling or weakness goes to the red-flag questions; and after it
    nothing the coach is asked brings the routine back."""
    state, actions = coach().step(SITUATIONS[where], typed(SITUATIONS[where].listen, text), 30.0)
    assert _hands_back(actions) and state.mode == "ended"
    assert not [a for a in actions if isinstance(a, StartTimer)]
    for event in (TimerFired("coach"), Silence(8.0), Heard("resume", "resume"),
                  Heard("next", "next")):
        assert coach().step(state, event, 40.0) == (state, [])


def test_every_phrase_of_the_nerve_command_is_heard_in_voice_mode() -> None:
    """The recognizer returns only phrases of the listen: the running coach's listens, and the
    pain question's, offer the nerve phrases, so a spoken report can be heard at all."""
    engine = build_conversation(voiceskill.DIALOGS_DIR).coach
    phrases = engine.book.commands["nerve"]
    assert 1 <= len(phrases) <= 5  # few: each can also catch unrelated speech
    for listen in (engine.running_listen, engine.practice_listen, engine.pain_listen):
        assert {c.phrase for c in listen.choices if c.intent == "nerve"} == set(phrases)
        assert "nerve" not in dict(listen.thresholds)  # never waits for the second decoding
    cutting = engine.running_listen.barge_in
    assert cutting is not None
    assert {c.phrase for c in cutting.choices if c.intent == "nerve"} == set(phrases)


def test_the_shipped_model_hears_each_phrase_said_by_the_synthesizer() -> None:
    """Each phrase, said by the coach's own espeak-ng voice, through the microphone's chunk
    path into the shipped model with the running coach's listen (accuracy over many voices is
    measured as the other commands' is, in bench/model_accuracy.py)."""
    from tests.speech.heard import said
    from voiceskill.clock import VirtualClock
    from voiceskill.speech.ear import AudioEar
    from voiceskill.speech.modeldir.locate import resolve_model_dir
    from voiceskill.speech.recognizer import Recognizer, open_model
    from voiceskill.speech.voice import Synthesizer

    engine = build_conversation(voiceskill.DIALOGS_DIR).coach
    model = open_model(resolve_model_dir(None))
    synth = Synthesizer()
    for phrase in engine.book.commands["nerve"]:
        ear = AudioEar(said(synth.synthesize(phrase)), Recognizer(model), VirtualClock())
        heard = ear.listen(engine.running_listen, until=30.0)
        assert heard is not None and engine.intent_of(heard) == "nerve", (phrase, heard)
    synth.close()


def test_typed_in_run_text_it_leads_to_the_red_flag_questions(tmp_path: Path) -> None:
    """End to end: reported during cat-cow, then "no" to every sign before the leg question and
    "yes" to it: care today."""
    answers = ["my leg has gone numb", *["no"] * 13, "yes"]
    stdout, events = run_text(answers, tmp_path, "--start", "week-2")
    book = coach().book
    said = [e["text"] for e in events if e["type"] == "say"]
    assert said.index(book.nerve.say) < said.index(book.pain.red_flags)
    assert "Let your belly sink and lift your head, arching your back." not in said
    assert "[outcome: urgent]" in stdout
