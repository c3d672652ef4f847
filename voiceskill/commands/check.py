"""`voiceskill check [DIR]`: validate the content files; exit 0 when they are sound.

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
        "that the speech model knows every word listened for.",
    )
    parser.add_argument("directory", nargs="?", type=Path, default=voiceskill.DIALOGS_DIR,
                        metavar="DIR", help="content directory (default: the shipped dialogs/)")
    parser.add_argument("--model", type=Path, metavar="DIR",
                        help="speech model whose vocabulary is checked (default: the shipped "
                        "model, if it is there; a model named here must be there)")
    parser.add_argument("--no-model", action="store_true",
                        help="skip the check of words against the speech model")
    parser.set_defaults(func=check)


def check(args: argparse.Namespace) -> int:
    from voiceskill.dialog.content import check_content

    directory: Path = args.directory
    if not directory.is_dir():
        print(f"{directory}: not a directory (expected a folder holding triage.yaml, "
              "outcomes.yaml, intents.yaml)", file=sys.stderr)
        return 2
    model, model_problems = _model_for_words(args)
    report = check_content(directory, model)
    for note in report.notes:
        if not (model_problems and note.startswith("no speech model given")):
            print(f"note: {note}", file=sys.stderr)
    if model_problems or not report.ok:
        for problem in [*model_problems, *report.problems]:
            print(problem)
        count = len(model_problems) + len(report.problems)
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


def _model_for_words(args: argparse.Namespace) -> tuple[Path | None, list[str]]:
    """The model whose words are checked, and what is wrong with it. Only the default model
    may be absent (a note): a model named with --model that is not there is a problem. (The
    word check of check_content reads the model's words file and its 8 kHz companion's, and
    reports one that cannot be read.)"""
    if args.no_model:
        return None, []
    model: Path = args.model if args.model is not None else voiceskill.DEFAULT_MODEL_DIR
    words = model / "graph" / "words.txt"
    if args.model is not None and not words.is_file():
        return None, [f"{model}: no speech model here ({words} is missing) (expected a model "
                      "directory such as models/voiceskill-en, or --no-model)"]
    return model, []  # without the default model, check_content notes that words went unchecked
