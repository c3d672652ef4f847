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
        (["no"] * 13 + ["yes"], "urgent"),  # leg numbness, tingling or weakness: care today
        (["no"] * 15 + ["yes"], "see-clinician"),
        ([*NO_RED_FLAGS, "two weeks ago", "no"], "advice"),
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


def _run_cli(tmp_path: Path, *args: str, answers: str = "no\n") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "voiceskill", "run", "--text", *args],
        input=answers, capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )


def test_an_unknown_start_is_one_line_and_nothing_is_written(tmp_path):
    proc = _run_cli(tmp_path, "--start", "bogus", "--transcripts", "t")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "voiceskill: unknown start 'bogus' (expected a dialog node or an exercise id; "
        "see `voiceskill exercises`)"]
    assert not (tmp_path / "t").exists()


def test_a_bad_or_missing_settings_file_is_handled_as_the_kiosk_does(tmp_path):
    (tmp_path / "bad.toml").write_text("[voice]\nrate = 1000\n[safety]\nemergency_number = 'x'\n")
    proc = _run_cli(tmp_path, "--config", "bad.toml")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "voiceskill run: bad settings, not starting.",
        "bad.toml:2: voice.rate: 1000 is out of range (expected a whole number from 60 to 400)",
        "bad.toml:4: safety.emergency_number: 'x' is not a phone number "
        "(expected digits only, e.g. \"911\" or \"112\")",
    ]
    proc = _run_cli(tmp_path, "--config", "missing.toml")
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == ["voiceskill run: bad settings, not starting.",
                                        "missing.toml: settings file not found"]


def test_a_settings_file_is_used_by_the_text_session(tmp_path):
    (tmp_path / "s.toml").write_text("[safety]\nemergency_number = '112'\n"
                                     "[transcripts]\ndirectory = 'kept'\n")
    proc = _run_cli(tmp_path, "--config", "s.toml", answers="yes\n")
    assert proc.returncode == 0, proc.stderr
    assert "call 112" in proc.stdout and len(list((tmp_path / "kept").glob("*.jsonl"))) == 1


@pytest.mark.parametrize("where", ["a-file", "a-file/below"])
def test_a_transcript_directory_that_cannot_be_made_is_one_line(tmp_path, where):
    (tmp_path / "a-file").write_text("not a directory\n")
    proc = _run_cli(tmp_path, "--transcripts", where)
    assert proc.returncode == 2 and proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    assert line.startswith(f"voiceskill: {where}: cannot keep transcripts here (")
    assert line.endswith("(expected a directory that can be created and written; "
                         "see --transcripts)")


def _interrupted(tmp_path: Path, signum: int) -> tuple[subprocess.CompletedProcess, list[dict]]:
    """A session waiting for its second answer (stdin still open) gets ``signum``."""
    import signal  # noqa: F401 - the caller passes signal.SIG*

    proc = subprocess.Popen(
        [sys.executable, "-m", "voiceskill", "run", "--text", "--transcripts", str(tmp_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("no\n")
    proc.stdin.flush()
    seen = ""
    while "> no" not in seen or "?" not in seen.split("> no")[1]:  # the next question is out
        line = proc.stdout.readline()
        assert line, "the session ended before the signal"
        seen += line
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    (path,) = tmp_path.glob("*.jsonl")
    events = [json.loads(line) for line in path.read_text().splitlines()]
    done = subprocess.CompletedProcess(proc.args, proc.returncode, seen + out, err)
    assert f"[transcript: {path}]" in done.stdout
    return done, events


def test_sigterm_in_text_mode_stops_politely_with_an_end_line(tmp_path):
    """SIGTERM had killed --text mode (rc -15) with no end line; voice mode stops politely."""
    import signal

    done, events = _interrupted(tmp_path, signal.SIGTERM)
    assert done.returncode == 0, done.stderr
    assert "[outcome: stopped]" in done.stdout and "we will stop here" in done.stdout
    assert events[-1]["type"] == "end" and events[-1]["outcome"] == "stopped"
    assert [e["intent"] for e in events if e["type"] == "answer"] == ["no"]


def test_ctrl_c_in_text_mode_still_writes_the_end_line(tmp_path):
    import signal

    done, events = _interrupted(tmp_path, signal.SIGINT)
    assert done.returncode == 130 and "Stopped." in done.stderr
    assert events[-1] == {**events[-1], "type": "end", "outcome": "stopped"}
    assert [e["intent"] for e in events if e["type"] == "answer"] == ["no"]
    assert [e["type"] for e in events].count("end") == 1
