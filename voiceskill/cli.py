"""Command line: `voiceskill <command>`; each command lives in voiceskill/commands/<name>.py.

A command module exposes ``register(subparsers)`` which adds its parser and sets
``func=callable(args) -> int`` as the default. With no sub-command (nothing, or options only),
``run`` is used; a first word that is no command is refused, not taken as run's argument.
"""

from __future__ import annotations

import argparse
import importlib
import os
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


def unknown_command(word: str) -> str:
    """``unknown command 'chek' (did you mean check?; commands: run, ...)``."""
    import difflib

    close = difflib.get_close_matches(word, COMMANDS, n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    return (f"unknown command {word!r} ({hint}commands: {', '.join(COMMANDS)}; "
            "with none, `voiceskill` runs a session)")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    known = set(COMMANDS)  # each command module registers the parser of its name
    if argv and argv[0] not in known and not argv[0].startswith("-"):
        # `run` takes no words, only options: a word here is a mistyped command.
        print(f"voiceskill: {unknown_command(argv[0])}", file=sys.stderr)
        return 2
    if not argv or (argv[0] not in known and argv[0] not in ("-h", "--help")):
        argv = ["run", *argv]
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("\nStopped.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Whoever read stdout has gone (`voiceskill transcribe *.wav | head -1`): nothing more
        # can be said there, and Python's own flush at exit must not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
