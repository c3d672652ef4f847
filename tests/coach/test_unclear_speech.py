"""What the running coach does with speech that is not exactly one of its commands: a pain word
anywhere takes the pain path (the safe reading), other words get one "did not catch that" per
exercise (and later only a short one, to what was surely said), and what holds none of our
words (the recognizer's ``[unk]``, fillers) stays silent. Also: the coach stops on every stop
phrase the screening questions stop on."""

from __future__ import annotations

import functools

import pytest

import voiceskill
from voiceskill.coach.engine import RED_FLAG_NODE, TIMER, CoachEngine, CoachState
from voiceskill.conversation import build_conversation
from voiceskill.dialog.load import load_dialog
from voiceskill.events import Action, End, Goto, Heard, Say, TimerFired
from voiceskill.intents import match_intent

NOT_CAUGHT = "Sorry, I did not catch that. Say help to hear what you can say."


@functools.cache
def coach() -> CoachEngine:
    """The coach as a session runs it: inside the conversation, with the screening's intents."""
    return build_conversation(voiceskill.DIALOGS_DIR).coach


def says(actions: list[Action]) -> list[str]:
    return [a.text for a in actions if isinstance(a, Say)]


def typed(state: CoachState, text: str) -> Heard:
    """``text`` as text mode hands it over: matched against the listen in force."""
    assert state.listen is not None
    return Heard(text, match_intent(text, state.listen), 1.0)


def in_first_rep() -> CoachState:
    """The first repetition of the hamstring stretch, its set-up skipped with "next", once
    its words are said (the wake-up after them: its countdown runs)."""
    state, _ = coach().start(0.0, "week-2", "hamstring-stretch", frozenset())
    state, _ = coach().step(state, typed(state, "next"), 1.0)  # past the set-up
    state, _ = coach().step(state, TimerFired(TIMER), 2.0)
    assert state.plan[state.index].kind == "rep" and state.waiting is None
    return state


PAIN_REPORTS = ["sharp pain", "my back hurts", "my back is sore", "it aches", "it hurts a bit",
                "pain down my leg", "ow",
                "stop it hurts", "stop pain", "that is painful", "it is hurting", "ouch ouch",
                "i hurt my back again"]


@pytest.mark.parametrize("text", PAIN_REPORTS)
def test_any_words_with_a_pain_word_take_the_pain_path(text: str) -> None:
    state = in_first_rep()
    heard = typed(state, text)
    assert heard.intent in (None, "pain")  # none of them is a command on its own
    state, actions = coach().step(state, heard, 3.0)
    assert state.mode == "pain"
    assert says(actions)[0] == coach().book.pain.stop
    assert says(actions)[-1] == coach().book.pain.question


def test_a_pain_word_while_paused_takes_the_pain_path() -> None:
    state = in_first_rep()
    state, _ = coach().step(state, typed(state, "pause"), 3.0)
    state, actions = coach().step(state, typed(state, "my back hurts"), 40.0)
    assert state.mode == "pain" and says(actions)[0] == coach().book.pain.stop


def test_a_voice_result_with_a_pain_phrase_among_unknown_words_is_pain() -> None:
    """The recognizer gives back "[unk] it hurts" (intent None) for "oh it hurts so much"."""
    state, _ = coach().step(in_first_rep(), Heard("[unk] it hurts", None, 0.42), 3.0)
    assert state.mode == "pain"


@pytest.mark.parametrize("text", ["pain down my leg", "it hurts more now", "[unk] pain"])
def test_a_pain_word_answering_the_pain_question_goes_to_the_red_flags_at_once(
        text: str) -> None:
    state, _ = coach().step(in_first_rep(), typed(in_first_rep(), "it hurts"), 3.0)
    heard = Heard(text, None, 1.0)
    state, actions = coach().step(state, heard, 6.0)
    assert actions[-1] == Goto(RED_FLAG_NODE) and state.mode == "ended"


def test_words_that_mean_nothing_get_one_full_reply_per_exercise() -> None:
    state = in_first_rep()
    before = state
    state, actions = coach().step(state, typed(state, "hello there"), 3.0)
    assert says(actions) == [NOT_CAUGHT]
    assert (state.mode, state.index, state.countdown) == (
        before.mode, before.index, before.countdown)  # the hold runs on
    # more doubtful speech during the same exercise (background talk comes back so): silent,
    # it must not make the coach chatter
    for at, heard in ((4.0, Heard("next next", None, 0.4)), (50.0, Heard("[unk] back", None, 0.9)),
                      (60.0, Heard("what a day", None, 0.3))):
        state, actions = coach().step(state, heard, at)
        assert says(actions) == []
    # the next exercise may say it once again
    state, _ = coach().step(state, typed(state, "bird dog"), 70.0)
    state, actions = coach().step(state, typed(state, "hello there"), 71.0)
    assert says(actions) == [NOT_CAUGHT]


def test_a_second_sentence_surely_said_gets_a_short_reply() -> None:
    """Review finding 13h (session 35): a second sentence typed (or heard surely) in the same
    exercise got no reply at all, so the person could not tell whether it was received."""
    state = in_first_rep()
    state, _ = coach().step(state, typed(state, "hello there"), 3.0)
    for at, heard in ((4.0, typed(state, "what a day")), (60.0, Heard("next back", None, 0.9))):
        state, actions = coach().step(state, heard, at)
        assert says(actions) == ["Sorry, I did not catch that."]
        assert state.mode == "running"


@pytest.mark.parametrize("heard", [
    Heard("[unk]", None, 0.31), Heard("[unk] [unk]", None, 0.2),  # speech the recognizer rejected
    Heard("", None, 0.0),  # a voice with no words in it
    Heard("um", None, 1.0), Heard("uh hmm", None, 1.0),  # fillers alone
])
def test_what_holds_none_of_our_words_stays_silent(heard: Heard) -> None:
    state = in_first_rep()
    assert coach().step(state, heard, 3.0) == (state, [])


def test_every_stop_phrase_of_the_screening_stops_the_coach() -> None:
    stop_phrases = load_dialog(voiceskill.DIALOGS_DIR).intents["stop"].phrases
    assert {"please stop", "goodbye"} <= set(stop_phrases)
    for phrase in stop_phrases:
        for listen in (coach().running_listen, coach().practice_listen, coach().pain_listen):
            assert match_intent(phrase, listen) == "stop", (phrase, listen.timeout)
        state, actions = coach().step(in_first_rep(), typed(in_first_rep(), phrase), 3.0)
        assert actions[-1] == End("stopped") and state.mode == "ended"


def test_a_pain_report_typed_with_capitals_and_punctuation_is_pain() -> None:
    """Text mode hands the coach what was typed ("My back HURTS!"), not normalised words."""
    engine = coach()
    assert engine.intent_of(Heard("My back HURTS!", None, 1.0)) == "pain"
    assert engine.intent_of(Heard("Ouch.", None, 1.0)) == "pain"
    assert engine.intent_of(Heard("[unk] pain", None, 1.0)) == "pain"
    assert engine.intent_of(Heard("[unk]", None, 1.0)) is None
