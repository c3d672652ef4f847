"""`voiceskill` itself: a mistyped command is named, no command (or options only) runs."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from voiceskill.cli import COMMANDS, build_parser, main


def test_a_mistyped_command_is_named_with_the_commands(capsys) -> None:
    """`voiceskill chek` had said 'unrecognized arguments: chek' (taken as run's argument)."""
    assert main(["chek"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "voiceskill: unknown command 'chek' (did you mean check? commands: "
        + ", ".join(COMMANDS) + "; with none, `voiceskill` runs a session)"]
    assert main(["zzz", "--text"]) == 2
    assert "unknown command 'zzz' (commands: run," in capsys.readouterr().err


def test_options_alone_still_run_a_session(tmp_path: Path) -> None:
    for argv in (["--text"], ["run", "--text"], ["--transcripts", str(tmp_path), "--text"]):
        proc = subprocess.run(
            [sys.executable, "-m", "voiceskill", *argv, "--transcripts", str(tmp_path)],
            input="yes\n", capture_output=True, text=True, timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
        assert "[outcome: emergency]" in proc.stdout


def _parsers(parser: argparse.ArgumentParser, path: str = "voiceskill"):
    """Every parser under ``parser`` with its command line and the help its parent lists."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            listed = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                yield f"{path} {name}", sub, listed.get(name)
                yield from _parsers(sub, f"{path} {name}")


def test_every_command_and_option_says_what_it_is_for() -> None:
    """`voiceskill run --help` (and devices, kiosk, model ...) had no line saying what the
    command does, and `model build --dialogs` no help at all."""
    missing = []
    for command, parser, listed in _parsers(build_parser()):
        if not listed:
            missing.append(f"{command}: not described in its parent's list")
        if not parser.description:
            missing.append(f"{command} --help: no description")
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                continue
            if not action.help or not action.help.strip():
                missing.append(f"{command} {'/'.join(action.option_strings) or action.dest}: "
                               "no help")
    assert missing == []


def test_help_shows_the_description(capsys) -> None:
    for command in ("run", "devices", "kiosk"):
        with pytest.raises(SystemExit) as done:
            main([command, "--help"])
        assert done.value.code == 0
        usage, description = capsys.readouterr().out.split("\n\n")[:2]
        assert usage.startswith(f"usage: voiceskill {command}")
        assert not description.lstrip().startswith(("options:", "positional arguments:"))
