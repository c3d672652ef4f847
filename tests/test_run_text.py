"""`voiceskill run --text` end to end, as a person would use it: answers piped on stdin."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

NO_RED_FLAGS = ["no"] * 20


def run_text(answers: list[str], tmp_path: Path, *args: str) -> tuple[str, list[dict]]:
    proc = subprocess.run(
        [sys.executable, "-m", "voiceskill", "run", "--text",
         "--transcripts", str(tmp_path), *args],
        input="".join(a + "\n" for a in answers), capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    (transcript,) = tmp_path.glob("*.jsonl")
    events = [json.loads(line) for line in transcript.read_text().splitlines()]
    return proc.stdout, events


@pytest.mark.parametrize(
    ("answers", "outcome"),
    [
        (["yes"], "emergency"),
        (["no"] * 9 + ["yes"], "emergency"),  # a yes at the read-back of the nine signs
        (["no"] * 9 + ["not sure"] * 3, "emergency"),  # and an unsure one
        (["no"] * 10 + ["yes"], "urgent"),
        (["no"] * 13 + ["yes"], "see-clinician"),
        ([*NO_RED_FLAGS, "last week", "no"], "advice"),
        (["no", "stop"], "stopped"),
        ([], "no-response"),
        (["maybe", "i don't know", "what is this"], "emergency"),
    ],
)
def test_each_outcome_from_typed_answers(tmp_path, answers, outcome):
    stdout, events = run_text(answers, tmp_path)
    assert f"[outcome: {outcome}]" in stdout
    assert events[-1] == {**events[-1], "type": "end", "outcome": outcome}


def test_emergency_names_the_configured_number(tmp_path):
    stdout, _ = run_text(["yes"], tmp_path, "--emergency-number", "112")
    assert "112" in stdout and "911" not in stdout


def test_answers_are_in_the_transcript_in_order(tmp_path):
    _, events = run_text(["no", "no", "yes"], tmp_path)
    answers = [(e["node"], e["intent"]) for e in events if e["type"] == "answer"]
    assert answers == [("saddle-numbness", "no"), ("bladder-control", "no"),
                       ("leg-weakness-severe", "yes")]


def test_a_broken_dialog_never_starts(tmp_path):
    dialogs = tmp_path / "dialogs"
    dialogs.mkdir()
    (dialogs / "triage.yaml").write_text("start: nowhere\nnodes: {}\n")
    proc = subprocess.run(
        [sys.executable, "-m", "voiceskill", "run", "--text", "--dialogs", str(dialogs)],
        input="yes\n", capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert "not starting" in proc.stderr and "triage.yaml" in proc.stderr


@pytest.mark.parametrize("option", [
    ["--silence-timeout", "nan"], ["--silence-timeout", "inf"], ["--silence-timeout", "0"],
    ["--silence-timeout", "-1"], ["--emergency-number", "abc"], ["--emergency-number", "9-1-1"],
])
def test_unusable_options_are_refused_before_the_session(tmp_path, option):
    """`--silence-timeout nan` spun at full CPU for ever; `--emergency-number abc` was spoken
    as "call abc now". Both are refused with the settings file's rules, nothing is written."""
    proc = subprocess.run(
        [sys.executable, "-m", "voiceskill", "run", "--text", "--transcripts",
         str(tmp_path / "t"), *option],
        input="yes\n", capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines()[-1].startswith(
        f"voiceskill run: error: argument {option[0]}: '{option[1]}' ")
    assert not (tmp_path / "t").exists()
