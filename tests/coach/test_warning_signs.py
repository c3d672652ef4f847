"""Warning signs other than a numb leg, and calls for help, reported while the coach runs
(``signs:`` and ``help_now:`` in exercises.yaml; review finding 2).

Before, "I just wet myself" typed during cat-cow got "Sorry, I did not catch that", and "my
knee gave way", "my foot is dragging" and "help me" no answer at all (one "not caught" per
exercise): the coach kept counting. Now a sign stops the exercise and goes to the red-flag
questions, the emergency signs of article 000 answering their own question there (as the numb
leg does, tests/coach/test_reported_signs.py), and "help me" pauses the exercise and says how
to get help, with the configured emergency number, and what to say.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import voiceskill
from tests.coach.harness import coach, run
from tests.coach.test_nerve_signs import SITUATIONS, typed
from tests.dialog.test_flags import NO_RED_FLAGS, converse, said
from tests.test_run_text import run_text
from voiceskill.coach.engine import RED_FLAG_NODE
from voiceskill.conversation import build_conversation
from voiceskill.events import End, Goto, Heard, Say, Silence, StartTimer, TimerFired

NERVE = ("leg-symptoms-since-pop", "yes")

#: What people type → the red-flag questions (and answers) the report stands for.
REPORTS: dict[str, list[tuple[str, str]]] = {
    "I just wet myself": [("bladder-control", "yes")],
    "I can't pee": [("bladder-control", "yes")],
    "my bladder leaked": [("bladder-control", "yes")],
    "I lost control of my bowels": [("bowel-control", "yes")],
    "I pooped myself": [("bowel-control", "yes")],
    "my knee gave way": [("leg-weakness-severe", "yes")],
    "my legs buckled": [("leg-weakness-severe", "yes")],
    "my foot is dragging": [("foot-drop", "yes")],
    "I can't lift my foot": [("foot-drop", "yes")],
    # the numb word is the saddle's, not a numb leg's (tests/coach/test_saddle_words.py)
    "my groin is numb": [("saddle-numbness", "yes")],
    "numbness between my legs": [("saddle-numbness", "yes")],
    "my groin is numb and my foot tingles": [("saddle-numbness", "yes"), NERVE],
    "I fell": [],
    "I fell over": [],
    "stop, my knee gave way": [("leg-weakness-severe", "yes")],
    "it hurts and I wet myself": [("bladder-control", "yes")],
}
#: Everyday talk that names no sign: not a report.
NOT_REPORTS = ["I need to pee", "my back gave out", "a stretch in my groin", "I fell asleep",
               "the towel is wet", "my foot is cold", "the bottom of my foot is numb"]


def _answered(actions: list) -> list[tuple[str, str]]:
    goto = actions[-1]
    assert isinstance(goto, Goto) and goto.node == RED_FLAG_NODE
    return [(question, answer) for question, answer, _ in goto.answered]


@pytest.mark.parametrize("where", SITUATIONS)
@pytest.mark.parametrize("text", REPORTS)
def test_a_typed_sign_stops_the_exercise_and_hands_back(where: str, text: str) -> None:
    """Wherever the coach is (set-up, a move, a hold, open practice, paused, its pain
    question), the sign stops it, says why, and hands back to the red-flag questions with the
    questions it answers; nothing after it brings the routine back."""
    state = SITUATIONS[where]
    state, actions = coach().step(state, typed(state.listen, text), 30.0)
    book = coach().book
    assert [a.text for a in actions if isinstance(a, Say)] == [book.signs.say,
                                                               book.pain.red_flags]
    assert sorted(_answered(actions)) == sorted(REPORTS[text])
    assert state.mode == "ended" and not [a for a in actions if isinstance(a, StartTimer)]
    for event in (TimerFired("coach"), Silence(8.0), Heard("resume", "resume")):
        assert coach().step(state, event, 40.0) == (state, [])


@pytest.mark.parametrize("text", NOT_REPORTS)
def test_everyday_talk_is_no_sign(text: str) -> None:
    state = SITUATIONS["move"]
    assert coach().intent_of(typed(state.listen, text)) != "sign"


def test_an_emergency_sign_ends_in_the_emergency_at_once() -> None:
    """"I just wet myself": a "yes" to the bladder question, taken at once, and the session
    ends in the emergency outcome with no other question asked first (review finding 8:
    it had asked the saddle question first, where silence ended in no-response)."""
    engine = build_conversation(voiceskill.DIALOGS_DIR, emergency_number="112")
    actions = converse(engine, ["I just wet myself", *["no"] * 25], start="days-4-7")
    keys = [a.key for a in actions if isinstance(a, Say)]
    assert [a.outcome for a in actions if isinstance(a, End)] == ["emergency"]
    after = keys[keys.index("sign:stop"):]
    assert after[:4] == ["sign:stop", "pain:red-flags", "reported:bladder-control",
                         "outcome:emergency"]
    assert "question:bladder-control" not in after
    assert "call 112" in said(actions)


def test_a_dragging_foot_ends_in_care_today_after_every_other_no() -> None:
    engine = build_conversation(voiceskill.DIALOGS_DIR)
    actions = converse(engine, ["my foot is dragging", *["no"] * 30], start="days-4-7")
    keys = [a.key for a in actions if isinstance(a, Say)]
    assert [a.outcome for a in actions if isinstance(a, End)] == ["urgent"]
    assert "question:foot-drop" not in keys and "reported:foot-drop" in keys
    assert "question:leg-symptoms-since-pop" in keys  # not reported: asked
    assert "Because the exercise brought on pain" not in said(actions)


def test_a_fall_leads_to_the_questions_and_never_back_to_the_exercises() -> None:
    engine = build_conversation(voiceskill.DIALOGS_DIR)
    actions = converse(engine, ["I fell", *NO_RED_FLAGS, "yesterday", "yes"],
                       start="days-4-7")
    keys = [a.key for a in actions if isinstance(a, Say)]
    assert "question:pain-after-accident" in keys  # asked: a fall answers no question
    assert [a.outcome for a in actions if isinstance(a, End)] == ["advice"]
    assert not [k for k in keys[keys.index("sign:stop"):] if k.startswith("step:")]


# ---------------------------------------------------------------- help me


@pytest.mark.parametrize("where", [w for w in SITUATIONS if w != "pain question"])
@pytest.mark.parametrize("text", ["help me", "Help me!", "please help", "I'm stuck",
                                  "I need help"])
def test_help_me_pauses_and_says_how_to_get_help(where: str, text: str) -> None:
    engine = build_conversation(voiceskill.DIALOGS_DIR, emergency_number="112").coach
    state = SITUATIONS[where]
    state, actions = engine.step(state, typed(state.listen, text), 30.0)
    says = [a for a in actions if isinstance(a, Say)]
    assert [a.key for a in says] == ["coach:help-now"]
    assert "call 112" in says[0].text and "911" not in says[0].text
    assert "resume" in says[0].text and "stop" in says[0].text
    assert state.mode == "paused"
    limit = engine.book.help_now.paused_limit_seconds  # its own (tests/coach/test_help_pause.py)
    assert StartTimer("coach", 30.0 + limit) in actions


def test_help_me_then_resume_carries_on() -> None:
    state = SITUATIONS["hold"]
    state, _ = coach().step(state, typed(state.listen, "help me"), 30.0)
    state, actions = coach().step(state, typed(state.listen, "resume"), 40.0)
    assert state.mode == "running"
    assert [a.text for a in actions if isinstance(a, Say)][0] == coach().book.say["resumed"]


def test_help_me_at_the_pain_question_gets_its_help() -> None:
    state = SITUATIONS["pain question"]
    state, actions = coach().step(state, typed(state.listen, "help me"), 30.0)
    assert state.mode == "pain"
    assert coach().book.pain.question in [a.text for a in actions if isinstance(a, Say)]


def test_help_me_left_paused_ends_unanswered() -> None:
    """(tests/coach/test_help_pause.py: with the call to action again, last)"""
    done = run("hamstring-stretch", schedule=[(20.0, "help-now")])
    assert done.outcome == "no-response"
    assert coach().book.help_now.say.replace("{emergency_number}", "911") in done.texts()


# ---------------------------------------------------------------- voice mode


def test_the_voice_phrases_are_in_every_coach_listen_and_cut_the_coach_short() -> None:
    engine = build_conversation(voiceskill.DIALOGS_DIR).coach
    phrases = {"my legs gave way": "sign:legs-give-way", "help me": "help-now"}
    cutting = engine.running_listen.barge_in
    assert cutting is not None
    for listen in (engine.running_listen, engine.practice_listen, engine.pain_listen, cutting):
        for phrase, intent in phrases.items():
            assert any(c.phrase == phrase and c.intent == intent for c in listen.choices)
        assert not {intent for intent, _ in listen.thresholds} & set(phrases.values())
    assert engine.intent_of(Heard("my legs gave way", "sign:legs-give-way")) == "sign"
    assert engine.intent_of(Heard("help me", "help-now")) == "help-now"


def test_the_shipped_model_hears_each_phrase_said_by_the_synthesizer() -> None:
    from tests.speech.heard import said as spoken
    from voiceskill.clock import VirtualClock
    from voiceskill.speech.ear import AudioEar
    from voiceskill.speech.modeldir.locate import resolve_model_dir
    from voiceskill.speech.recognizer import Recognizer, open_model
    from voiceskill.speech.voice import Synthesizer

    engine = build_conversation(voiceskill.DIALOGS_DIR).coach
    model = open_model(resolve_model_dir(None))
    synth = Synthesizer()
    for phrase, meant in (("my legs gave way", "sign"), ("help me", "help-now")):
        ear = AudioEar(spoken(synth.synthesize(phrase)), Recognizer(model), VirtualClock())
        heard = ear.listen(engine.running_listen, until=30.0)
        assert heard is not None and engine.intent_of(heard) == meant, (phrase, heard)
    synth.close()


# ---------------------------------------------------------------- run --text


def test_run_text_the_reviewers_reports(tmp_path: Path) -> None:
    stdout, events = run_text(["next exercise", "help me", "resume", "I just wet myself",
                               *["no"] * 3], tmp_path, "--start", "days-4-7",
                              "--emergency-number", "112")
    assert "If you need someone to help you, call 112 now." in stdout
    assert "You told me about trouble with your bladder." in stdout
    assert "[outcome: emergency]" in stdout and "911" not in stdout
    reports = [e for e in events if e["type"] == "report"]
    assert reports == [{**reports[0], "sign": "bladder"}]
