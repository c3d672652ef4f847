"""The screening engine, on a small dialog built in Python (no audio, virtual time)."""

from __future__ import annotations

from dataclasses import replace

from voiceskill.dialog.engine import MAX_REASKS, MAX_REPEATS, WAIT_SECONDS, ScreeningEngine
from voiceskill.events import End, Heard, Listen, Record, Say, Silence, Started

from .small_dialog import small_dialog


def run(replies: list, **overrides) -> tuple[str | None, list]:
    """Play replies (intent strings, None for not understood, 'SILENCE') to the end."""
    engine = ScreeningEngine(small_dialog(**overrides), emergency_number="112")
    state, actions = engine.step(engine.initial_state(), Started(), 0.0)
    log = list(actions)
    for reply in replies:
        if state.outcome:
            break
        event = Silence(8.0) if reply == "SILENCE" else Heard(str(reply), reply, 0.9)
        state, actions = engine.step(state, event, 1.0)
        log += actions
    return state.outcome, log


def says(log: list) -> list[str]:
    return [a.text for a in log if isinstance(a, Say)]


def test_all_no_reaches_exercise_with_phase():
    engine = ScreeningEngine(small_dialog())
    state, _ = engine.step(engine.initial_state(), Started(), 0.0)
    for intent in ("no", "no", "no", "earlier", "yes"):
        state, actions = engine.step(state, Heard(intent, intent, 1.0), 0.0)
    assert state.outcome == "exercise"
    assert state.get("phase") == "days-4-7"
    assert isinstance(actions[-1], End) and actions[-1].outcome == "exercise"


def test_emergency_number_is_filled_in():
    outcome, log = run(["yes"])
    assert outcome == "emergency"
    assert "Call 112 if in doubt." in says(log)[0]
    assert all("{emergency_number}" not in text for text in says(log))


def test_yes_to_each_tier_ends_in_that_tier():
    assert run(["yes"])[0] == "emergency"
    assert run(["no", "yes"])[0] == "urgent"
    assert run(["no", "no", "yes"])[0] == "see-clinician"


def test_unsure_is_reasked_twice_rephrased_then_cautious():
    outcome, log = run(["unsure", "unsure", "unsure"])
    assert outcome == "emergency"
    reprompts = [a for a in log if isinstance(a, Say) and a.key == "reprompt:saddle"]
    assert [r.text for r in reprompts] == [
        "That is all right. Saddle numbness, yes or no?",
        "That is all right. Numb saddle? Yes or no.",
    ]


def test_not_understood_never_counts_as_no():
    outcome, _ = run([None, None, None])
    assert outcome == "emergency"
    assert run(["no", None, None, None])[0] == "urgent"
    assert run(["no", "no", None, "unsure", "SILENCE"])[0] == "see-clinician"


def test_silence_throughout_ends_in_no_response():
    outcome, log = run(["SILENCE"] * 3)
    assert outcome == "no-response"
    assert sum(isinstance(a, Record) and a.type == "reprompt" for a in log) == 2


def test_a_usable_answer_after_reasks_is_taken():
    assert run(["SILENCE", "unsure", "no", "yes"])[0] == "urgent"


def test_repeat_help_and_stop():
    engine = ScreeningEngine(small_dialog())
    state, _ = engine.step(engine.initial_state(), Started(), 0.0)
    again, actions = engine.step(state, Heard("what", "repeat", 1.0), 0.0)
    assert again.node == state.node and again.answers == state.answers
    assert says(actions) == ["Numbness in the saddle area?"]
    again, actions = engine.step(state, Heard("help", "help", 1.0), 0.0)
    assert again.node == state.node and says(actions)[0] == "Say yes or no."
    done, actions = engine.step(state, Heard("quit", "stop", 1.0), 0.0)
    assert done.outcome == "stopped" and actions[-1] == End("stopped")


def test_endless_repeats_end_in_the_cautious_branch():
    # A word misheard as "again" over and over (or steady noise) must not hold a red-flag
    # question for ever: past MAX_REPEATS requests, "repeat" and "help" count as unsure.
    outcome, log = run(["repeat"] * MAX_REPEATS + ["help"] * (MAX_REASKS + 1))
    assert outcome == "emergency"
    assert says(log).count("Numbness in the saddle area?") == 1 + MAX_REPEATS
    refused = [a.data for a in log if isinstance(a, Record) and a.type in ("reprompt", "cautious")]
    assert [r.get("asked") for r in refused] == ["help"] * (MAX_REASKS + 1)
    assert refused[-1]["target"] == "emergency"


def test_repeats_are_counted_per_question():
    outcome, _ = run(["repeat"] * MAX_REPEATS + ["no"] + ["repeat"] * MAX_REPEATS + ["yes"])
    assert outcome == "urgent"


def test_go_back_withdraws_a_mistaken_no_so_the_yes_escalates():
    # "no" to the saddle question by mistake; the fever question has begun; "go back".
    outcome, log = run(["no", "back", "yes"])
    assert outcome == "emergency"
    assert says(log)[-3:-1] == ["Back to the question before.", "Numbness in the saddle area?"]
    back = next(a.data for a in log if isinstance(a, Record) and a.type == "back")
    assert back == {"node": "fever", "to": "saddle", "withdrawn": "no"}


def test_go_back_restores_what_the_answer_had_set():
    engine = ScreeningEngine(small_dialog())
    state, _ = engine.step(engine.initial_state(), Started(), 0.0)
    for intent in ("no", "no", "no", "earlier"):
        state, _ = engine.step(state, Heard(intent, intent, 1.0), 0.0)
    assert state.node == "go" and state.get("phase") == "days-4-7"
    state, _ = engine.step(state, Heard("go back", "back", 1.0), 0.0)
    assert state.node == "when" and state.get("phase") is None
    assert [q for q, _ in state.answers] == ["saddle", "fever", "tingling"]
    for _ in range(3):  # back again and again, as far as the first question
        state, _ = engine.step(state, Heard("go back", "back", 1.0), 0.0)
    assert state.node == "saddle" and state.answers == () and state.undo == ()


def test_go_back_at_the_first_question_is_a_repeat_and_counts_as_one():
    outcome, log = run(["back"] * MAX_REPEATS + ["back"] * (MAX_REASKS + 1))
    assert outcome == "emergency"  # never held for ever: past the repeats it is unsure
    assert says(log).count("Numbness in the saddle area?") == 1 + MAX_REPEATS


def test_wait_keeps_the_question_and_gives_its_answer_longer():
    """'Hold on' while the person checks a feeling: no answer and no re-ask; the question's
    listen waits WAIT_SECONDS. The silence after it is re-asked with the usual wait again."""
    engine = ScreeningEngine(small_dialog())
    state, actions = engine.step(engine.initial_state(), Started(), 0.0)
    usual = next(a for a in actions if isinstance(a, Listen))
    assert usual.timeout is None
    state, actions = engine.step(state, Heard("hold on", "wait", 1.0), 0.0)
    assert state.node == "saddle" and state.answers == () and state.failures == 0
    assert says(actions) == ["Take your time."]
    (longer,) = [a for a in actions if isinstance(a, Listen)]
    assert longer == replace(usual, timeout=WAIT_SECONDS) and WAIT_SECONDS > 8.0
    state, actions = engine.step(state, Silence(WAIT_SECONDS), WAIT_SECONDS)
    assert state.node == "saddle" and says(actions) == ["Are you still there? Saddle numbness, "
                                                       "yes or no?"]
    assert [a for a in actions if isinstance(a, Listen)] == [usual]


def test_repeat_or_help_after_a_wait_goes_back_to_the_usual_wait():
    """The long wait belongs to the "wait" alone: a repeat or help after it listens as usual."""
    engine = ScreeningEngine(small_dialog())
    state, actions = engine.step(engine.initial_state(), Started(), 0.0)
    usual = next(a for a in actions if isinstance(a, Listen))
    for request in ("repeat", "help"):
        state, _ = engine.step(state, Heard("hold on", "wait", 1.0), 0.0)
        state, actions = engine.step(state, Heard(request, request, 1.0), 0.0)
        assert [a for a in actions if isinstance(a, Listen)] == [usual], request
        assert isinstance(actions[-1], Listen)  # after what is said, not before


def test_wait_again_and_again_ends_where_being_unsure_does():
    outcome, log = run(["wait"] * MAX_REPEATS + ["wait"] * (MAX_REASKS + 1))
    assert outcome == "emergency"  # never held for ever: past the repeats it is unsure
    assert says(log).count("Take your time.") == MAX_REPEATS


def test_nothing_before_a_hand_back_from_the_coach_can_be_withdrawn():
    engine = ScreeningEngine(small_dialog())
    state, _ = engine.step(engine.initial_state(), Started(), 0.0)
    for intent in ("no", "no", "no", "earlier", "yes"):
        state, _ = engine.step(state, Heard(intent, intent, 1.0), 0.0)
    state, _ = engine.resume_at(state, "tingling")  # pain during an exercise
    state, actions = engine.step(state, Heard("go back", "back", 1.0), 0.0)
    assert state.node == "tingling" and says(actions) == ["Tingling in a leg?"]


def test_listen_carries_answers_commands_and_thresholds():
    engine = ScreeningEngine(small_dialog())
    _, actions = engine.step(engine.initial_state(), Started(), 0.0)
    listen = next(a for a in actions if isinstance(a, Listen))
    assert listen.phrases == ["yes", "yeah", "no", "nope", "i don't know", "not sure",
                              "repeat", "what", "help", "stop", "quit", "go back", "wait",
                              "hold on"]
    assert dict(listen.thresholds) == {"no": 0.7}


def test_listen_carries_the_near_misses_of_its_intents_that_are_no_phrase_of_it():
    dialog = small_dialog()
    dialog.intents["no"] = replace(dialog.intents["no"], near_misses=("now", "go", "what"))
    engine = ScreeningEngine(dialog)
    _, actions = engine.step(engine.initial_state(), Started(), 0.0)
    listen = next(a for a in actions if isinstance(a, Listen))
    assert listen.near_misses == ("now", "go")  # "what" is a repeat phrase here
    assert "now" not in listen.phrases


def test_multi_choice_question_uses_its_own_phrases():
    _, log = run(["no", "no", "no"])
    listen = [a for a in log if isinstance(a, Listen)][-1]
    assert {c.phrase: c.intent for c in listen.choices}["today"] == "today"


def test_answers_are_recorded_for_the_transcript():
    _, log = run(["no", "yes"])
    records = [a.data for a in log if isinstance(a, Record) and a.type == "answer"]
    assert records == [{"node": "saddle", "intent": "no", "text": "no"},
                       {"node": "fever", "intent": "yes", "text": "yes"}]


def test_start_at_a_node():
    engine = ScreeningEngine(small_dialog())
    state, actions = engine.step(engine.initial_state(), Started("tingling"), 0.0)
    assert state.node == "tingling" and says(actions) == ["Tingling in a leg?"]


def test_an_answers_own_words_come_between_the_answer_and_its_outcome():
    said = "Tingling needs a look within two weeks."
    dialog = small_dialog()
    tingling = dialog.nodes["tingling"]
    yes = replace(tingling.answer_for("yes"), say=said)
    outcome, log = run(["no", "no", "yes"], tingling={"answers": (yes, tingling.answers[1])})
    assert outcome == "see-clinician"
    spoken = [a for a in log if isinstance(a, Say)]
    assert [a.text for a in spoken[-2:]] == [said, "Outcome see-clinician. Number 112."]
    assert spoken[-2].key == "answer:tingling"
    assert isinstance(log[-1], End)
    assert said not in says(run(["no", "no", "no", "today", "yes"],
                                tingling={"answers": (yes, tingling.answers[1])})[1])



def test_a_text_if_screened_is_said_only_once_every_red_flag_was_answered_no():
    """``ask_if_screened`` / ``say_if_screened``: words that presuppose the red-flag answers
    are said only when every red-flag question had a "no" in this session: not before them,
    not in a session started past some of them, not once "go back" withdrew one of the "no"s;
    and again after the coach hands back."""
    thanked = "No warning signs so far. When did it pop?"
    plain = "When did it pop? Today or earlier?"
    engine = ScreeningEngine(small_dialog(when={"text_if_screened": thanked},
                                          welcome={"text_if_screened": "Once more."}))

    def step(state, *intents):
        for intent in intents:
            state, actions = engine.step(state, Heard(intent, intent, 1.0), 0.0)
        return state, says(actions)

    state, actions = engine.step(engine.initial_state(), Started(), 0.0)
    assert says(actions)[0].startswith("Not a diagnosis.")  # nothing answered yet
    state, said = step(state, "no", "no", "no")
    assert said == [thanked]
    assert step(state, "repeat")[1] == [thanked]  # said again as it was asked
    withdrawn, said = step(state, "back")  # the "no" to tingling withdrawn
    assert "Tingling in a leg?" in said
    state, actions = engine.resume_at(withdrawn, "welcome")  # as the coach hands back
    assert says(actions)[0].startswith("Not a diagnosis.")
    state, actions = engine.resume_at(step(withdrawn, "no")[0], "welcome")
    assert says(actions)[0] == "Once more."
    started, _ = engine.step(engine.initial_state(), Started("tingling"), 0.0)
    assert step(started, "no")[1] == [plain]  # saddle and fever never asked
    assert step(started, "no", "repeat")[1] == [plain]
