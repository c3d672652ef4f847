"""`voiceskill check [DIR]`: validate the content files, and the speech model as `run` checks
it; exit 0 when they are sound.

One line per problem: ``file:line: key: what is wrong (expected ...)``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import voiceskill


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "check", help="validate dialog and exercise files (exit 0 when valid)",
        description="Validate triage.yaml, outcomes.yaml, intents.yaml and exercises.yaml, and "
        "that the speech model (checked as run checks it) knows every word listened for.",
    )
    parser.add_argument("directory", nargs="?", type=Path, default=voiceskill.DIALOGS_DIR,
                        metavar="DIR", help="content directory (default: the shipped dialogs/)")
    parser.add_argument("--model", type=Path, metavar="DIR",
                        help="speech model to check as run checks it, and every word listened "
                        "for against (default: $VOICESKILL_MODEL, else the shipped model if "
                        "it is there)")
    parser.add_argument("--no-model", action="store_true",
                        help="skip the checks of the speech model and of words against it")
    parser.set_defaults(func=check)


def check(args: argparse.Namespace) -> int:
    from voiceskill.dialog.content import check_content
    from voiceskill.speech.modeldir.locate import named_model_dir

    directory: Path = args.directory
    if not directory.is_dir():
        print(f"{directory}: not a directory (expected a folder holding triage.yaml, "
              "outcomes.yaml, intents.yaml)", file=sys.stderr)
        return 2
    # A model named with --model or $VOICESKILL_MODEL is checked as run checks it, whatever
    # the directory holds; only the shipped one may be absent (a note).
    named = named_model_dir(args.model)
    model = None if args.no_model else named or voiceskill.DEFAULT_MODEL_DIR
    report = check_content(directory, model, model_named=named is not None)
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    if not report.ok:
        for problem in report.problems:
            print(problem)
        print(count_by_place(report.problems, directory), file=sys.stderr)
        return 1
    dialog = report.dialog
    assert dialog is not None
    questions = sum(1 for n in dialog.nodes.values() if n.is_question)
    red_flags = sum(1 for n in dialog.nodes.values() if n.tier)
    print(f"ok: {directory}: {len(dialog.nodes)} nodes ({questions} questions, {red_flags} "
          f"red flags), {len(dialog.outcomes)} outcomes, {len(dialog.intents)} intents, "
          f"{report.exercises} exercises, {report.words} words listened for")
    for route in report.flags:
        print(route.describe())
    return 0



#: Folders of a model directory: a problem in a file below one is the model's.
_MODEL_PARTS = frozenset({"am", "conf", "graph", "ivector"})


def count_by_place(problems: list, directory: Path) -> str:
    """How many problems, and where: the content directory, or the speech model directory
    (its own or its 8 kHz companion) a problem's file is in. "1 problem in dialogs/" had
    blamed the content for a broken model."""
    places: dict[str, int] = {}
    content = directory.resolve()
    for problem in problems:
        path = Path(problem.file).resolve()
        if path == content or content in path.parents:
            place = str(directory)
        else:
            model = next((d.parent for d in (path, *path.parents) if d.name in _MODEL_PARTS), path)
            place = f"the speech model {model}"
        places[place] = places.get(place, 0) + 1
    return ", ".join(f"{n} problem{'s' if n != 1 else ''} in {place}"
                     for place, n in places.items())
