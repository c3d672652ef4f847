"""`voiceskill` itself: a mistyped command is named, no command (or options only) runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from voiceskill.cli import COMMANDS, main


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
