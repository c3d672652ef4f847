"""`voiceskill exercises`: the exercise ids (for `run --start ID`), what each one is, and the
routine of each phase."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import voiceskill
from voiceskill.errors import ContentError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "exercises", help="list the exercise ids (for run --start ID) and the phase routines",
        description="List every exercise of exercises.yaml: id, name and what it involves.",
    )
    parser.add_argument("--dialogs", type=Path, default=voiceskill.DIALOGS_DIR, metavar="DIR",
                        help="content directory (default: the shipped dialogs/)")
    parser.add_argument("--ids", action="store_true", help="print the ids only, one a line")
    parser.set_defaults(func=list_exercises)


def list_exercises(args: argparse.Namespace) -> int:
    from voiceskill.coach.routine import Exercise, load_exercises

    path = args.dialogs / "exercises.yaml"
    try:
        book = load_exercises(path, str(path))
    except ContentError as err:
        print(f"voiceskill: the exercise file is broken.\n{err}", file=sys.stderr)
        return 2
    if args.ids:
        print("\n".join(book.exercises))
        return 0

    def what(ex: Exercise) -> str:
        if ex.practice:
            return "practice at your own pace"
        if ex.timed:
            return f"{ex.hold / 60:g} min" if ex.hold else ""
        parts = []
        if ex.reps > 1:
            count = f"{ex.reps} {ex.unit}" + (" per side" if ex.sides else "")
            parts.append(f"{ex.sets} sets of {count}" if ex.sets > 1 else count)
        if ex.hold is not None:
            parts.append(f"hold {ex.hold:g} s")
        return ", ".join(parts)

    width = max(len(e) for e in book.exercises) + 2
    name_width = max(len(e.name) for e in book.exercises.values()) + 2
    print(f"{'ID':<{width}}{'NAME':<{name_width}}WHAT")
    for ex in book.exercises.values():
        print(f"{ex.id:<{width}}{ex.name:<{name_width}}{what(ex)}")
    print("\nRoutines by phase (run --start PHASE coaches one; run --start EXERCISE one exercise,"
          "\nwith the first days' rules):")
    for phase in book.phases:
        aliases = f" (also: {', '.join(phase.aliases)})" if phase.aliases else ""
        print(f"  {phase.id}{aliases}: {', '.join(phase.routine)}")
    return 0
