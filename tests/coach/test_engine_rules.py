"""The pure coach engine called directly: routines by phase and flags, cautions, the pain
question (silence and "I don't know" never count as "no"), and the grammar it listens with."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.coach.harness import coach
from voiceskill.coach.engine import RED_FLAG_NODE, TIMER, CoachEngine, spoken_duration
from voiceskill.coach.plan import plan_exercises
from voiceskill.events import (
    AdjustVoice,
    End,
    Goto,
    Heard,
    Listen,
    Record,
    Say,
    Silence,
    Started,
    StartTimer,
    TimerFired,
)


def says(actions: list) -> list[str]:
    return [a.text for a in actions if isinstance(a, Say)]


@pytest.mark.parametrize(("phase", "routine"), [
    ("first-72-hours", ["walk", "prone-over-pillow", "ice"]),
    ("days-4-7", ["heat", "cat-cow", "walk"]),
    ("week-2", ["cat-cow", "nerve-glides", "bird-dog", "hamstring-stretch",
                "thoracic-rotation", "shoulder-blade-reset", "hip-hinge"]),
    ("later", ["cat-cow", "nerve-glides", "bird-dog", "hamstring-stretch",
               "thoracic-rotation", "shoulder-blade-reset", "hip-hinge"]),
    ("week-4", ["cat-cow", "nerve-glides", "bird-dog", "dead-bugs", "hamstring-stretch",
                "thoracic-rotation", "shoulder-blade-reset", "hip-hinge"]),
])
def test_the_routine_follows_the_phase(phase: str, routine: list[str]) -> None:
    state, actions = coach().start(0.0, phase, None, frozenset())
    assert plan_exercises(state.plan) == routine
    assert 'If the pain gets worse at any point, stop and say "it hurts".' in says(actions)


def test_phase_rules_keep_heat_and_later_exercises_out_of_early_phases() -> None:
    book = coach().book
    early = {e for e in book.phase("first-72-hours").routine}
    assert "heat" not in early and "dead-bugs" not in early and "nerve-glides" not in early
    assert "dead-bugs" not in book.phase("week-2").routine


def test_leg_weakness_skips_nerve_glides_and_dead_bugs_and_sends_to_a_specialist() -> None:
    state, actions = coach().start(0.0, "week-4", None, frozenset({"leg-weakness"}))
    assert "dead-bugs" not in plan_exercises(state.plan)
    assert any("spine specialist" in text for text in says(actions))
    state, _ = coach().start(0.0, "week-2", None, frozenset({"leg-weakness"}))
    assert "nerve-glides" not in plan_exercises(state.plan)
    _, actions = coach().step(state, Heard("dead bugs", "exercise:dead-bugs"), 1.0)
    assert any("spine specialist" in text for text in says(actions))
    _, actions = coach().start(0.0, "", "nerve-glides", frozenset({"leg-weakness"}))
    assert any("spine specialist" in text for text in says(actions))


def test_an_exercise_asked_for_too_early_is_refused_with_the_reason() -> None:
    state, _ = coach().start(0.0, "first-72-hours", None, frozenset())
    state, _ = coach().step(state, TimerFired(TIMER), 2.0)  # the introduction has been said
    after, actions = coach().step(state, Heard("heat", "exercise:heat"), 3.0)
    assert says(actions) == ["Not yet: the plan starts heat in days four to seven."]
    # the routine is untouched (only the note of when the refusal was said differs)
    assert replace(after, speech=None) == replace(state, speech=None)
    state, actions = coach().start(0.0, "week-2", "dead-bugs", frozenset())
    assert "Not yet: the plan starts dead bugs in week four." in says(actions)
    assert "dead-bugs" not in plan_exercises(state.plan)


@pytest.mark.parametrize("exercise", ["bird-dog", "hamstring-stretch", "thoracic-rotation",
                                      "shoulder-blade-reset", "hip-hinge"])
def test_the_daily_exercises_wait_for_week_two_also_when_asked_for_by_name(exercise) -> None:
    # Early on article 000 says to avoid bending forward; the hip hinge ends with picking keys
    # up from the floor. These had no earliest phase and were coached from the first day.
    name = coach().book.exercises[exercise].name
    for phase in ("first-72-hours", "days-4-7"):
        state, _ = coach().start(0.0, phase, None, frozenset())
        after, actions = coach().step(state, Heard(name, f"exercise:{exercise}"), 3.0)
        assert says(actions) == [f"Not yet: the plan starts {name} in week two."], phase
        assert exercise not in plan_exercises(after.plan)


def test_started_event_begins_with_an_exercise_id_or_the_default_routine() -> None:
    engine = coach()
    state, _ = engine.step(engine.initial_state(), Started("ice"), 0.0)
    assert plan_exercises(state.plan) == ["ice"]
    state, _ = engine.step(engine.initial_state(), Started(None), 0.0)
    assert plan_exercises(state.plan) == list(engine.book.phase(engine.default_phase).routine)


def test_unknown_phase_or_exercise_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"unknown phase 'week-9' \(expected one of: first-72"):
        coach().start(0.0, "week-9", None, frozenset())
    with pytest.raises(ValueError, match=r"unknown exercise 'planks' \(expected one of: walk"):
        coach().start(0.0, "", "planks", frozenset())
    assert coach().knows("bird-dog") and not coach().knows("planks")


def test_every_listen_offers_all_commands_and_exercise_names() -> None:
    state, actions = coach().start(0.0, "week-2", None, frozenset())
    listen = next(a for a in actions if isinstance(a, Listen))
    intents = {c.intent for c in listen.choices}
    assert set(coach().book.commands) <= intents
    assert {f"exercise:{e}" for e in coach().book.exercises} <= intents
    assert ("bird dog", "exercise:bird-dog") in {(c.phrase, c.intent) for c in listen.choices}
    assert all(len(p.split()) <= 4 for p in listen.phrases)


def pain_state(engine: CoachEngine):
    state, _ = engine.start(0.0, "", "hamstring-stretch", frozenset())
    state, actions = engine.step(state, Heard("it hurts", "pain"), 5.0)
    return state, actions


def test_it_hurts_stops_gives_advice_and_asks_about_severe_or_spreading_pain() -> None:
    state, actions = pain_state(coach())
    assert state.mode == "pain"
    texts = says(actions)
    assert texts[0].startswith("Stop the exercise now")
    assert texts[-1] == "Is the pain severe, or is it spreading down a leg?"
    listen = next(a for a in actions if isinstance(a, Listen))
    assert {"yes", "no", "unsure", "repeat", "stop"} <= {c.intent for c in listen.choices}
    assert not any(isinstance(a, StartTimer) for a in actions)


@pytest.mark.parametrize("event", [
    Heard("yes", "yes"), Heard("i don't know", "unsure"), Heard("it hurts", "pain"),
    Silence(8.0),
])
def test_yes_unsure_or_silence_go_to_the_red_flag_questions(event) -> None:
    state, _ = pain_state(coach())
    state, actions = coach().step(state, event, 9.0)
    assert actions[-1] == Goto(RED_FLAG_NODE)
    assert not any(isinstance(a, End) for a in actions)
    assert state.mode == "ended"


def test_not_understood_is_asked_again_once_then_taken_as_yes() -> None:
    state, _ = pain_state(coach())
    state, actions = coach().step(state, Heard("purple", None, 0.2), 9.0)
    # "Sorry" first, as the screening says it (tests/coach/test_pain_not_understood.py)
    assert says(actions) == ["Sorry, I did not catch that.",
                             "Is the pain severe, or is it spreading down a leg?"]
    state, actions = coach().step(state, Heard("purple", None, 0.2), 15.0)
    assert actions[-1] == Goto(RED_FLAG_NODE)


def test_no_gives_care_advice_and_ends_with_advice() -> None:
    state, _ = pain_state(coach())
    state, actions = coach().step(state, Heard("no", "no"), 9.0)
    assert actions[-1] == End("advice")
    assert says(actions) == list(coach().book.pain.care)
    assert Record("answer", {"question": "pain-severe-or-spreading", "intent": "no"}) in actions


def test_a_stale_timer_after_pain_does_nothing() -> None:
    state, _ = pain_state(coach())
    assert coach().step(state, TimerFired(TIMER), 40.0) == (state, [])


def test_after_the_end_events_are_ignored() -> None:
    state, _ = coach().start(0.0, "", "walk", frozenset())
    state, actions = coach().step(state, Heard("stop", "stop"), 2.0)
    assert actions[-1] == End("stopped") and state.mode == "ended"
    assert coach().step(state, TimerFired(TIMER), 400.0) == (state, [])


def test_voice_commands_emit_adjust_voice() -> None:
    state, _ = coach().start(0.0, "", "walk", frozenset())
    _, actions = coach().step(state, Heard("slow down", "slower"), 2.0)
    assert AdjustVoice(rate_step=-1) in actions


@pytest.mark.parametrize(("seconds", "rough", "text"), [
    (0.2, False, "0 seconds"), (1, False, "1 second"), (17.66, False, "18 seconds"),
    (60, False, "1 minute"), (125, False, "2 minutes and 5 seconds"),
    (125, True, "2 minutes"), (150, True, "2 minutes"), (151, True, "3 minutes"),
    (45, True, "45 seconds"),
])
def test_spoken_duration(seconds: float, rough: bool, text: str) -> None:
    assert spoken_duration(seconds, rough) == text
