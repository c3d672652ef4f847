"""Command line: `voiceskill <command>`; each command lives in voiceskill/commands/<name>.py.

A command module exposes ``register(subparsers)`` which adds its parser and sets
``func=callable(args) -> int`` as the default. With no sub-command, ``run`` is used.
"""

from __future__ import annotations

import argparse
import importlib
import sys

#: Command modules in the order they appear in --help.
COMMANDS = [
    "run",
    "simulate",
    "check",
    "graph",
    "exercises",
    "transcribe",
    "model",
    "devices",
    "kiosk",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voiceskill",
        description="Offline voice coach for a lower back that pops and hurts. "
        "Not a diagnosis: if in doubt, call your emergency number.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"voiceskill.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    known = {a for a in parser._subparsers._group_actions[0].choices}  # type: ignore[union-attr]
    if not argv or (argv[0] not in known and argv[0] not in ("-h", "--help")):
        argv = ["run", *argv]
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("\nStopped.", file=sys.stderr)
        return 130
