"""An exercise as a list of steps the coach walks through: set-up, repetitions, rests, practice.

A :class:`Step` is what "next", "back" and "repeat" act on. Each step is a few :class:`Beat` s:
say something, then wait a number of seconds once it is said (or hold, with cues), then the
next beat.
"""

from __future__ import annotations

from dataclasses import dataclass

from voiceskill.coach.routine import Exercise, ExerciseBook, Side


@dataclass(frozen=True)
class Beat:
    """Say something, then wait; the smallest piece of coaching."""

    say: tuple[str, ...]
    """Texts spoken when the beat starts (a hold beat says the "hold" word)."""

    seconds: float | None
    """How long the beat lasts, counted from when its words (and any said with them) have
    been heard; None = until the person says next."""

    hold: bool = False
    """A hold: cues while it runs, timer events in the transcript, ``release`` at the end."""

    release: str = ""
    """Said when a hold ends."""

    again: str = ""
    """Said again on "repeat" (and after "resume") during this beat; '' = the step's
    ``instruction``. A move of a repetition of several moves says only itself again."""


@dataclass(frozen=True)
class Step:
    """One unit of an exercise for next/back/repeat."""

    kind: str
    """``setup``, ``rep``, ``rest`` or ``practice``."""

    exercise: str
    """Id of the exercise the step belongs to."""

    beats: tuple[Beat, ...]
    """What happens in this step, in order."""

    instruction: str
    """Said again on "repeat" (and after "resume"), unless the beat under way has its own
    words for that (:attr:`Beat.again`)."""

    set_number: int = 1
    """Which set (1-based)."""

    side: str | None = None
    """Side id, or None for exercises without sides."""

    rep: int = 0
    """Repetition within the side and set (1-based; 0 for set-up, rest and practice)."""

    @property
    def nominal_seconds(self) -> float:
        """Planned length of the step (open beats count as zero)."""
        return sum(b.seconds or 0.0 for b in self.beats)


def exercise_steps(exercise: Exercise, book: ExerciseBook) -> tuple[Step, ...]:
    """Every step of one exercise, from "Next: ..." to its last repetition."""
    say, pacing = book.say, book.pacing
    opening = (say["begin"].format(name=exercise.name), *exercise.setup, *exercise.tips)
    steps = [
        Step("setup", exercise.id, (Beat(opening, pacing.setup_seconds),),
             " ".join((*exercise.setup, *exercise.tips)))
    ]
    if exercise.practice:
        steps.append(Step("practice", exercise.id, (Beat((say["practice"],), None),),
                          " ".join(exercise.setup)))
    else:
        for set_number in range(1, exercise.sets + 1):
            if set_number > 1:
                rest = say["rest"].format(set=set_number, seconds=round(pacing.rest_seconds))
                steps.append(Step("rest", exercise.id, (Beat((rest,), pacing.rest_seconds),),
                                  rest, set_number))
            for side_index, side in enumerate(exercise.sides or (None,)):
                for rep in range(1, exercise.reps + 1):
                    prefix: list[str] = []
                    if rep == 1 and side_index == 0 and exercise.sets > 1:
                        prefix.append(say["set"].format(set=set_number, sets=exercise.sets))
                    if rep == 1 and side is not None:
                        prefix.append(say["side"].format(side=side.name))
                    if exercise.reps > 1:
                        prefix.append(say["count"].format(rep=rep))
                    steps.append(_rep_step(exercise, book, tuple(prefix), set_number, side, rep))
    if exercise.often:
        last = steps[-1]
        steps[-1] = Step(last.kind, last.exercise, (*last.beats, Beat((exercise.often,), 0.0)),
                         last.instruction, last.set_number, last.side, last.rep)
    return tuple(steps)


def _rep_step(exercise: Exercise, book: ExerciseBook, prefix: tuple[str, ...],
              set_number: int, side: Side | None, rep: int) -> Step:
    pacing = book.pacing
    side_id = side.id if side is not None else None
    if exercise.hold is not None:
        words = {"id": side.id, "name": side.name, "other": side.other} if side else {}
        into = exercise.into.format(**words)
        beats = (
            Beat((*prefix, into), pacing.settle_seconds),
            Beat((book.say["hold"],), exercise.hold, hold=True,
                 release=exercise.release or book.say["release"]),
            Beat((), pacing.release_seconds),
        )
        return Step("rep", exercise.id, beats, into, set_number, side_id, rep)
    first, *rest = exercise.moves
    beats = (
        Beat((*prefix, first), pacing.move_seconds, again=first),
        *(Beat((move,), pacing.move_seconds, again=move) for move in rest),
    )
    return Step("rep", exercise.id, beats, " ".join(exercise.moves), set_number, side_id, rep)


def build_plan(book: ExerciseBook, exercise_ids: list[str] | tuple[str, ...]) -> tuple[Step, ...]:
    """Steps of several exercises, one after the other."""
    return tuple(
        step for exercise_id in exercise_ids
        for step in exercise_steps(book.exercise(exercise_id), book)
    )


def plan_exercises(plan: tuple[Step, ...]) -> list[str]:
    """Exercise ids of a plan, in order, each once."""
    return list(dict.fromkeys(step.exercise for step in plan))
