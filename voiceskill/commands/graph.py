"""`voiceskill graph [DIR] -o FILE.svg|.png`: draw the screening dialog with Graphviz."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import voiceskill


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "graph", help="draw the dialog tree (questions, answers, tiers, outcomes) with Graphviz",
        description="Draw the screening dialog for review. The format follows the file "
        "suffix: .svg, .png, .pdf, or .dot (the Graphviz source, no 'dot' needed).",
    )
    parser.add_argument("directory", nargs="?", type=Path, default=voiceskill.DIALOGS_DIR,
                        metavar="DIR", help="dialog directory (default: the shipped dialogs/)")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="FILE",
                        help="picture to write: FILE.svg, FILE.png, FILE.pdf or FILE.dot")
    parser.set_defaults(func=graph)


def graph(args: argparse.Namespace) -> int:
    import graphviz

    from voiceskill.dialog.graph import FORMATS, dialog_graph
    from voiceskill.dialog.load import load_dialog
    from voiceskill.errors import ContentError

    output: Path = args.output
    fmt = output.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        print(f"{output}: unknown picture format '{output.suffix}' (expected a file ending in "
              + ", ".join(f".{f}" for f in FORMATS) + ")", file=sys.stderr)
        return 2
    try:
        dialog = load_dialog(args.directory)
    except ContentError as err:
        print(f"voiceskill graph: the dialogs are broken; fix them first "
              f"(voiceskill check {args.directory}):\n{err}", file=sys.stderr)
        return 1
    drawing = dialog_graph(dialog, title=f"voiceskill screening dialog ({args.directory.name})")
    if fmt == "dot":
        data = drawing.source.encode()
    else:
        try:
            data = drawing.pipe(format=fmt)
        except graphviz.ExecutableNotFound:
            print("voiceskill graph: Graphviz's 'dot' program is not installed (expected it "
                  "on PATH: apt-get install graphviz), or write FILE.dot instead",
                  file=sys.stderr)
            return 3
    try:
        output.write_bytes(data)
    except OSError as err:
        print(f"{output}: cannot write the picture: {err.strerror}", file=sys.stderr)
        return 2
    print(f"wrote {output}: {len(dialog.nodes)} nodes, {len(dialog.outcomes)} outcomes")
    return 0
