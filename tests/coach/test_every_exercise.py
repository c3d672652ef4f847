"""Every exercise coached to the end on a virtual clock: hold lengths, rep counts, sides, sets,
cue times and the spoken summary. The expected numbers are the seeds' (issue 5), written here
independently of dialogs/exercises.yaml so that a wrong number in the file fails a test."""

from __future__ import annotations

import time

import pytest

from tests.coach.harness import coach, holds, run

#: id → (sets, reps per side, sides, hold seconds or None) as given by the seed articles.
SEED_FACTS: dict[str, tuple[int, int, tuple[str, ...], float | None]] = {
    "walk": (1, 1, (), 300),
    "prone-over-pillow": (1, 1, (), 600),
    "ice": (1, 1, (), 900),
    "heat": (1, 1, (), 1200),
    "cat-cow": (1, 10, (), None),
    "nerve-glides": (1, 10, (), None),
    "bird-dog": (1, 12, ("right", "left"), 5),
    # "Hold 30 seconds, 3x/day per leg": three a day, one at a time (review finding 13d)
    "hamstring-stretch": (1, 1, ("right", "left"), 30),
    "thoracic-rotation": (1, 8, ("right", "left"), 5),
    "shoulder-blade-reset": (1, 1, (), 20),
    "dead-bugs": (2, 8, (), None),
}


def expected_cue_offsets(hold: float) -> list[tuple[float, str]]:
    """Seconds after the start of a hold at which each cue is due (issue 5)."""
    cues = []
    if hold >= 20 and hold != 20:  # in a 20 s hold halfway is ten seconds left: said once
        cues.append((hold / 2, "halfway"))
    if hold >= 120:
        cues.append((hold - 60, "one-minute"))
    if hold >= 20:
        cues.append((hold - 10, "ten-left"))
    cues += [(hold - 3, "count"), (hold - 2, "count"), (hold - 1, "count")]
    return sorted(cues)


def test_every_seed_exercise_is_in_the_file() -> None:
    assert set(SEED_FACTS) | {"hip-hinge"} == set(coach().book.exercises)


@pytest.mark.parametrize("exercise_id", [e for e, f in SEED_FACTS.items() if f[3] is not None])
def test_holds_have_the_seed_length_sides_reps_and_cues(exercise_id: str) -> None:
    sets, reps, sides, hold = SEED_FACTS[exercise_id]
    done = run(exercise_id)
    assert done.outcome == "exercise"
    pairs = holds(done)
    assert len(pairs) == sets * reps * max(1, len(sides))
    expected_order = [(side or None, rep)
                      for side in (sides or ("",)) for rep in range(1, reps + 1)]
    assert [(s["side"], s["rep"] if reps > 1 else 1) for s, _ in pairs] == expected_order
    cues = done.timers("cue")
    for start, end in pairs:
        assert start["exercise"] == exercise_id
        assert start["remaining"] == hold and end["remaining"] == 0
        assert end["t"] - start["t"] == pytest.approx(hold, abs=1e-3)
        offsets = [(round(c["t"] - start["t"], 3), c["cue"]) for c in cues
                   if start["t"] <= c["t"] <= end["t"] and c["rep"] == start["rep"]
                   and c["side"] == start["side"]]
        assert offsets == [(pytest.approx(at, abs=1e-3), kind)
                           for at, kind in expected_cue_offsets(hold)]
        for cue in cues:
            if start["t"] <= cue["t"] <= end["t"]:
                assert cue["remaining"] == pytest.approx(hold - (cue["t"] - start["t"]), abs=0.05)


@pytest.mark.parametrize("exercise_id", [e for e, f in SEED_FACTS.items() if f[3] is None])
def test_repetitions_are_counted_aloud_in_sets(exercise_id: str) -> None:
    sets, reps, _, _ = SEED_FACTS[exercise_id]
    done = run(exercise_id)
    assert done.outcome == "exercise"
    counts = [text for text in done.texts() if text.rstrip(".").isdigit()]
    assert counts == [f"{n}." for _ in range(sets) for n in range(1, reps + 1)]
    if sets > 1:
        assert [t for t in done.texts() if t.startswith("Set ")] == ["Set 1 of 2.", "Set 2 of 2."]
        rest_at = [t for t, text in done.mouth.said if text.startswith("Rest now.")]
        assert len(rest_at) == 1
        resume_at = done.mouth.said[[x for _, x in done.mouth.said].index("Set 2 of 2.")][0]
        rest = coach().book.pacing.rest_seconds
        assert resume_at - rest_at[0] == pytest.approx(rest)
    assert f"{sets * reps} " in done.summary


def test_sides_are_announced_before_their_first_rep() -> None:
    texts = run("bird-dog").texts()
    right, left = texts.index("Now the right arm and left leg."), texts.index(
        "Now the left arm and right leg.")
    assert texts[right + 1] == "1." and texts[left + 1] == "1."
    assert texts[right:left].count("Hold.") == 12 and texts[left:].count("Hold.") == 12


def test_setup_steps_are_read_before_the_first_rep() -> None:
    book = coach().book
    for exercise in book.exercises.values():
        texts = run(exercise.id).texts()
        first = texts.index(f"Next: {exercise.name}.")
        assert texts[first + 1: first + 1 + len(exercise.setup)] == list(exercise.setup)


def test_hip_hinge_has_no_count_and_ends_when_the_person_says_done() -> None:
    done = run("hip-hinge", schedule=[(40.0, "next")])
    assert done.outcome == "exercise"
    assert not any(text.rstrip(".").isdigit() for text in done.texts())
    assert done.timers() == []
    assert "hip-hinge practice" in done.summary


def test_hip_hinge_moves_on_by_itself_after_reminders_in_silence() -> None:
    done = run("hip-hinge")
    assert done.outcome == "exercise"
    pacing = coach().book.pacing
    assert done.texts().count("Take your time. Say next when you are done.") == (
        pacing.practice_reminders)


def test_summary_says_what_was_done_and_how_long() -> None:
    done = run("hamstring-stretch")
    summary = done.summary
    assert "2 hamstring stretches with a towel" in summary
    minutes, seconds = divmod(round(done.clock.now()), 60)
    assert f"{minutes} minute{'s' * (minutes != 1)} and {seconds} seconds" in summary
    assert "20 minutes" in run("heat").summary


@pytest.mark.parametrize(("exercise", "item"), [
    # the unit is a word of the name: counted in the name, never "1 reset of shoulder-blade reset"
    ("shoulder-blade-reset", "You did 1 shoulder-blade reset,"),
    ("nerve-glides", "You did 10 seated nerve glides,"),
    ("hamstring-stretch", "You did 2 hamstring stretches with a towel,"),
    # a unit the name does not say: "count unit of name"
    ("cat-cow", "You did 10 rounds of cat-cow,"),
    ("bird-dog", "You did 24 holds of bird-dog,"),
])
def test_summary_names_each_count_once(exercise: str, item: str) -> None:
    assert run(exercise).summary.startswith(item)


def test_a_routine_with_every_exercise_skipped_is_not_praised() -> None:
    """"next exercise" through the whole plan: no "Well done" for a routine nobody did."""
    done = run(phase="days-4-7", schedule=[(1.0 + i, "next-exercise") for i in range(3)])
    assert done.outcome == "exercise"
    assert done.texts()[-3:-1] == ["That is the end of today's plan.",
                                   "We did not finish any exercise this time."]
    assert "That completes the routine. Well done." in run("cat-cow").texts()


def test_speaking_never_stretches_a_hold() -> None:
    """Each word takes 0.4 s of clock time; holds still last exactly their length."""
    done = run("hamstring-stretch", seconds_per_word=0.4)
    for start, end in holds(done):
        assert end["t"] - start["t"] == pytest.approx(30, abs=1e-3)


def test_a_long_routine_runs_on_the_virtual_clock_not_the_wall_clock() -> None:
    began = time.perf_counter()
    done = run(phase="first-72-hours")  # 5 + 10 + 15 minutes of holds
    assert done.outcome == "exercise"
    assert done.clock.now() > 30 * 60
    assert time.perf_counter() - began < 60  # nothing waited in real time (it takes < 1 s)


def test_small_timer_delays_do_not_add_up_over_a_routine() -> None:
    """Every timer fires 5 ms late: the routine still ends 5 ms after its plan, not 74 × 5 ms."""
    planned = sum(step.nominal_seconds for step in coach().steps["bird-dog"])
    done = run("bird-dog", late=0.005)
    assert done.result.events[-1]["t"] == pytest.approx(planned + 0.005, abs=1e-3)
    for start, end in holds(done):
        assert end["t"] - start["t"] == pytest.approx(5.0, abs=1e-3)


def test_nerve_glides_are_for_the_affected_leg_as_the_seed_says() -> None:
    """Seed 000: "slowly straighten affected leg". Not "choose one leg to start with", which
    promised a second leg that never came."""
    said = " ".join(t for step in coach().steps["nerve-glides"] for b in step.beats for t in b.say)
    assert "affected leg" in said
    assert "Choose one leg" not in said and "other leg" not in said


def test_the_pillow_tip_does_not_presume_nerve_pain() -> None:
    """Said to people who answered no to leg pain: nerve pain only as an "if" (seed 000: lying
    face down over a pillow "to centralize nerve pain")."""
    tips = coach().book.exercises["prone-over-pillow"].tips
    assert any("nerve pain" in tip for tip in tips)
    assert all(tip.startswith("If ") for tip in tips if "nerve pain" in tip)
