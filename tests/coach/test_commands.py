"""Every coach command said in the middle of a hold (the first 30 s hamstring stretch), through
the real Session loop on a virtual clock; pause/resume arithmetic to the tenth of a second."""

from __future__ import annotations

import pytest

from tests.coach.conftest import EXERCISE, HOLD, INTO
from tests.coach.harness import coach, holds, run
from voiceskill.dialog.engine import MAX_REPEATS


def test_pause_keeps_the_remaining_time_and_resume_continues_it(start: float) -> None:
    pause_at, resume_at = start + INTO, start + 200.0
    done = run(EXERCISE, schedule=[(pause_at, "pause"), (resume_at, "resume")])
    (pause,), (resume,) = done.timers("pause"), done.timers("resume")
    assert pause["t"] == pytest.approx(pause_at) and resume["t"] == pytest.approx(resume_at)
    assert pause["remaining"] == resume["remaining"] == round(HOLD - INTO, 1)
    first_start, first_end = holds(done)[0]
    assert first_end["t"] - resume_at == pytest.approx(HOLD - INTO, abs=1e-3)
    assert first_end["t"] - first_start["t"] == pytest.approx(HOLD + (resume_at - pause_at))
    # nothing was cued while paused; the cues after the pause moved by the paused time
    cues = [c for c in done.timers("cue") if first_start["t"] <= c["t"] <= first_end["t"]]
    assert not [c for c in cues if pause_at < c["t"] < resume_at]
    ten_left = next(c for c in cues if c["cue"] == "ten-left")
    assert first_end["t"] - ten_left["t"] == pytest.approx(10.0, abs=1e-3)
    assert "Paused. Say resume when you are ready." in done.texts()
    assert done.outcome == "exercise"


@pytest.mark.parametrize("cycles", [1, 3, 7])
def test_many_pauses_add_exactly_the_paused_time(start: float, cycles: int) -> None:
    schedule, paused = [], 0.0
    for i in range(cycles):
        at = start + 1.1 + i * 3.7 + paused
        schedule += [(at, "pause"), (at + 0.3 + 11.13 * i, "resume")]
        paused += 0.3 + 11.13 * i
    done = run(EXERCISE, schedule=schedule)
    first_start, first_end = holds(done)[0]
    assert first_end["t"] - first_start["t"] == pytest.approx(HOLD + paused, abs=2e-3)
    lefts = [e["remaining"] for e in done.timers() if e["event"] in ("pause", "resume")]
    assert lefts[0::2] == lefts[1::2]  # each resume continues with what its pause kept


def test_resume_says_the_set_up_again_after_a_pause_during_it(start: float) -> None:
    """A pause said over the set-up cuts what the coach was saying (voice mode drops the rest
    of that turn's prompts), and a pause can be long: resume says the step again, and the
    hold still comes after the rest of the set-up's time."""
    pause_at, resume_at = 1.0, 61.0
    assert pause_at < start  # still in the set-up step
    done = run(EXERCISE, schedule=[(pause_at, "pause"), (resume_at, "resume")])
    setup = coach().steps[EXERCISE][0]
    assert setup.kind == "setup"
    after = [text for t, text in done.mouth.said if t >= resume_at]
    assert after[:2] == ["Carrying on.", setup.instruction]
    assert holds(done)[0][0]["t"] == pytest.approx(start + (resume_at - pause_at))
    assert done.outcome == "exercise"


def test_resume_during_a_hold_only_carries_on(start: float) -> None:
    """In a hold the person is in position: resume does not read the step out again."""
    pause_at, resume_at = start + INTO, start + INTO + 5.0
    done = run(EXERCISE, schedule=[(pause_at, "pause"), (resume_at, "resume")])
    first_end = holds(done)[0][1]["t"]
    during = [text for t, text in done.mouth.said if resume_at <= t < first_end]
    assert during[0] == "Carrying on."
    assert coach().steps[EXERCISE][1].instruction not in during


def test_resume_in_the_quiet_after_a_hold_only_carries_on(start: float) -> None:
    """The beat after a hold says nothing (the person is coming back from it): resume does
    not read the next position out before its time."""
    first_end = start + HOLD
    pause_at, resume_at = first_end + 0.5, first_end + 10.0
    done = run(EXERCISE, schedule=[(pause_at, "pause"), (resume_at, "resume")])
    steps = coach().steps[EXERCISE]
    assert steps[1].beats[2].say == () and not steps[1].beats[2].hold  # the quiet after
    after = [text for t, text in done.mouth.said if t >= resume_at]
    assert after[0] == "Carrying on."
    assert steps[1].instruction not in after[1:2] and steps[2].instruction not in after[1:2]


def test_resume_during_a_rest_between_sets_only_carries_on() -> None:
    """A rest between sets needs no instruction again; the next set says its own."""
    plain = run("dead-bugs")
    (rest_at,) = [t for t, text in plain.mouth.said if text.startswith("Rest now.")]
    done = run("dead-bugs", schedule=[(rest_at + 5.0, "pause"), (rest_at + 15.0, "resume")])
    after = [text for t, text in done.mouth.said if t >= rest_at + 15.0]
    assert after[0] == "Carrying on."
    assert not after[1].startswith("Rest now."), after[:3]
    assert "Set 2 of 2." in after


def test_repeat_says_the_step_again_without_touching_the_hold(start: float) -> None:
    done = run(EXERCISE, schedule=[(start + INTO, "repeat")])
    instruction = coach().steps[EXERCISE][1].instruction
    assert instruction in [text for t, text in done.mouth.said if t >= start + INTO]
    assert holds(done)[0][1]["t"] - start == pytest.approx(HOLD)


def test_next_ends_the_hold_early_and_goes_to_the_next_rep(start: float) -> None:
    done = run(EXERCISE, schedule=[(start + INTO, "next")])
    first_start, first_end = holds(done)[0]
    assert first_end["t"] == pytest.approx(start + INTO)
    assert first_end["remaining"] == round(HOLD - INTO, 1)
    assert holds(done)[1][0]["side"] == "left"  # one hold a leg: the next is the other leg's
    assert "1 hamstring stretch with a towel" in done.summary  # the skipped one: not counted


def test_back_goes_to_the_previous_rep(start: float) -> None:
    second = holds(run(EXERCISE))[1][0]["t"]
    done = run(EXERCISE, schedule=[(second + 4.0, "back")])
    sides = [s["side"] for s, _ in holds(done)]
    assert sides[:4] == ["right", "left", "right", "left"]


def test_next_exercise_skips_the_rest_of_this_exercise() -> None:
    done = run(phase="week-2", schedule=[(20.0, "next-exercise")])
    texts = done.texts()
    assert texts.index("Next: seated nerve glides.") < texts.index("Next: bird-dog.")
    # set-up 5 s, then 6 s a round: two rounds were complete at 20 s
    assert done.summary.startswith("You did 2 rounds of cat-cow, 10 seated nerve glides")


@pytest.mark.parametrize(("intent", "step"), [("slower", (-1, 0)), ("faster", (1, 0)),
                                              ("louder", (0, 1)), ("softer", (0, -1))])
def test_voice_commands_adjust_the_voice_and_leave_the_hold_alone(
        start: float, intent: str, step: tuple[int, int]) -> None:
    done = run(EXERCISE, schedule=[(start + INTO, intent)])
    assert done.mouth.adjusted == [step]
    assert holds(done)[0][1]["t"] - start == pytest.approx(HOLD)


def test_how_long_gives_the_hold_and_the_routine(start: float) -> None:
    done = run(EXERCISE, schedule=[(start + INTO, "how-long")])
    answer = next(text for t, text in done.mouth.said if "left in this hold" in text)
    assert answer.startswith("18 seconds left in this hold")
    remaining_total = done.clock.now() - (start + INTO)
    said_total = int(answer.split("about ")[1].split(" seconds")[0])
    assert said_total == pytest.approx(remaining_total, abs=5)


def test_how_long_while_paused_gives_the_kept_time(start: float) -> None:
    done = run(EXERCISE, schedule=[(start + 3.0, "pause"), (start + 90.0, "how-long"),
                                   (start + 95.0, "resume")])
    assert any(text.startswith("27 seconds left in this hold") for text in done.texts())


def test_stop_ends_with_a_summary_and_outcome_stopped(start: float) -> None:
    first_end = holds(run(EXERCISE))[0][1]["t"]
    done = run(EXERCISE, schedule=[(first_end + 10.0, "stop")])
    assert done.outcome == "stopped"
    assert done.texts()[-2] == "Okay."
    assert done.texts()[-1].startswith("You did 1 hamstring stretch with a towel,")
    assert done.timers()[-1]["event"] == "end"


def test_stop_before_anything_is_done_says_so(start: float) -> None:
    done = run(EXERCISE, schedule=[(start + INTO, "stop")])
    # no "That took 0 seconds" when the stop came at once (a typed or piped session)
    assert done.texts()[-1] == "We did not finish any exercise this time."


def test_list_names_the_exercises_of_the_plan() -> None:
    done = run(phase="days-4-7", schedule=[(12.0, "list")])
    assert any(t.startswith("This plan has heat, cat-cow and gentle walk.")
               for t in done.texts())


def test_help_lists_what_can_be_said(start: float) -> None:
    done = run(EXERCISE, schedule=[(start + INTO, "help")])
    assert any(t.startswith("Say pause or resume") for t in done.texts())


def test_asking_for_an_exercise_by_name_starts_it(start: float) -> None:
    done = run(EXERCISE, schedule=[(start + INTO, "exercise:bird-dog")])
    first_start, first_end = holds(done)[0]
    assert first_end["t"] == pytest.approx(start + INTO)
    assert holds(done)[1][0]["exercise"] == "bird-dog"
    assert done.outcome == "exercise"


def test_asking_for_planks_gives_the_caution(start: float) -> None:
    done = run(EXERCISE, schedule=[(start + INTO, "caution:no-planks-early")])
    assert any(t.startswith("Leave planks out for now") for t in done.texts())
    assert holds(done)[0][1]["t"] - start == pytest.approx(HOLD)


def test_pain_stops_the_hold_and_a_no_ends_with_care_advice(start: float) -> None:
    done = run(EXERCISE, schedule=[(start + INTO, "pain"), (start + INTO + 3.0, "no")])
    assert done.outcome == "advice"
    assert done.timers()[-1] == {**done.timers()[-1], "event": "end",
                                 "remaining": round(HOLD - INTO, 1)}
    texts = done.texts()
    assert "Is the pain severe, or is it spreading down a leg?" in texts
    assert texts[-1] == coach().book.pain.care[-1]
    answer = [e for e in done.result.events if e["type"] == "answer"]
    assert answer[0]["intent"] == "no"


@pytest.mark.parametrize("answer", ["yes", "unsure", None])
def test_pain_that_is_severe_spreading_or_unanswered_goes_to_the_red_flags(
        start: float, answer: str | None) -> None:
    schedule = [(start + INTO, "pain")]
    if answer is not None:
        schedule.append((start + INTO + 3.0, answer))
    done = run(EXERCISE, schedule=schedule)
    assert done.outcome == "goto:red-flags"
    assert done.texts()[-1] == coach().book.pain.red_flags


def test_asking_for_the_pain_question_again_and_again_goes_to_the_red_flags(
        start: float) -> None:
    # "repeat" heard over and over (a misheard word, steady noise) must not hold the pain
    # question for ever: past MAX_REPEATS it counts as unsure, the careful path (recorded as
    # such, not as an answer: tests/coach/test_pain_unanswered.py).
    schedule = [(start + INTO, "pain")]
    schedule += [(start + INTO + 3.0 * (i + 1), "repeat") for i in range(MAX_REPEATS + 1)]
    done = run(EXERCISE, schedule=schedule)
    question = coach().book.pain.question
    assert done.texts().count(question) == 1 + MAX_REPEATS
    assert done.outcome == "goto:red-flags"
    assert not [e for e in done.result.events if e["type"] == "answer"]
    cautious = [e for e in done.result.events if e["type"] == "cautious"]
    assert [(e["reason"], e["asked"]) for e in cautious] == [("unsure", "repeat")]
