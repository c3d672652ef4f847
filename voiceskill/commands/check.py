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
        count = len(report.problems)
        print(f"{count} problem{'s' if count != 1 else ''} in {directory}", file=sys.stderr)
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

