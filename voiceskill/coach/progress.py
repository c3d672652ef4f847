"""What the coach has done with the person, and how it says so: the progress it credits, the
closing summary ("You did 6 hamstring stretches with a towel, in 4 minutes altogether.") and
the spoken durations "how long" uses too. Pure functions of :class:`Progress` values."""

from __future__ import annotations

from dataclasses import dataclass

from voiceskill.coach.routine import ExerciseBook


@dataclass(frozen=True)
class Progress:
    """What was done of one exercise."""

    exercise: str
    """Exercise id."""

    reps: int = 0
    """Completed repetitions (all sides and sets)."""

    seconds: float = 0.0
    """Seconds held (timed routines: walk, ice, heat, lying face down)."""


def credit(done: tuple[Progress, ...], exercise: str, reps: int = 0,
           seconds: float = 0.0) -> tuple[Progress, ...]:
    """``done`` with ``reps`` and ``seconds`` more of ``exercise`` (added at the end if new)."""
    for i, progress in enumerate(done):
        if progress.exercise == exercise:
            updated = Progress(exercise, progress.reps + reps, progress.seconds + seconds)
            return (*done[:i], updated, *done[i + 1:])
    return (*done, Progress(exercise, reps, seconds))


def summary(book: ExerciseBook, done: tuple[Progress, ...], seconds: float) -> str:
    """What was ``done`` in ``seconds``, in words (the coach's last line)."""
    say, items = book.say, []
    for progress in done:
        if not did_something((progress,)):
            continue
        ex = book.exercises[progress.exercise]
        if ex.timed:
            items.append(say["done_timed"].format(
                name=ex.name, time=spoken_duration(progress.seconds)))
        elif ex.practice:
            items.append(ex.name)
        else:
            unit = _singular(ex.unit) if progress.reps == 1 else ex.unit
            named = _counted_name(ex.name, ex.unit, progress.reps)
            if named is not None:  # "2 shoulder-blade resets", not "2 resets of ..."
                items.append(say["done_named"].format(count=progress.reps, name=named))
            else:
                items.append(say["done_item"].format(count=progress.reps, unit=unit,
                                                     name=ex.name))
    time = spoken_duration(seconds)
    if not items:
        return say["nothing_done"].format(time=time)
    return say["summary"].format(items=join_names(items), time=time)


def did_something(done: tuple[Progress, ...]) -> bool:
    """Whether any repetition or any held time was done (what the summary can name)."""
    return any(p.reps or round(p.seconds) > 0 for p in done)  # never "walk for 0 seconds"


def _singular(unit: str) -> str:
    """``stretches`` → ``stretch``, ``holds`` → ``hold`` (a unit named for one repetition)."""
    if unit.endswith(("ches", "shes", "sses", "xes")):
        return unit[:-2]
    return unit[:-1] if unit.endswith("s") else unit


def _counted_name(name: str, unit: str, count: int) -> str | None:
    """``name`` with its word for ``unit`` in the number of ``count`` ("hamstring stretch with a
    towel", stretches, 6 → "hamstring stretches with a towel"); None when no word of the name is
    the unit."""
    forms = {unit, _singular(unit)}
    words = name.split(" ")
    for i, word in enumerate(words):
        if word in forms:
            words[i] = _singular(unit) if count == 1 else unit
            return " ".join(words)
    return None


def join_names(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def spoken_duration(seconds: float, rough: bool = False) -> str:
    """``45 seconds``, ``2 minutes and 5 seconds``; ``rough`` rounds to whole minutes."""
    total = max(0, round(seconds))
    minutes, secs = divmod(total, 60)
    if rough and minutes:
        minutes = round(total / 60)
        return f"{minutes} minute" + ("s" if minutes != 1 else "")
    parts = []
    if minutes:
        parts.append(f"{minutes} minute" + ("s" if minutes != 1 else ""))
    if secs or not minutes:
        parts.append(f"{secs} second" + ("s" if secs != 1 else ""))
    return " and ".join(parts)
