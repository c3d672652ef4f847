"""`voiceskill run --text` end to end, as a person would use it: answers piped on stdin, or
typed on a terminal (a pty)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

NO_RED_FLAGS = ["no"] * 21


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
        ([*NO_RED_FLAGS, "two weeks ago", "yes", "no"], "advice"),  # read back, then no coach
        (["no", "stop"], "stopped"),
        ([], "no-response"),
        (["", "", ""], "no-response"),  # Enter alone: was "not understood", the emergency
        (["", "", "no", "", "", ""], "no-response"),
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


def test_a_no_said_by_mistake_is_put_right_with_go_back(tmp_path):
    stdout, events = run_text(["no", "go back", "yes"], tmp_path)
    assert "back to the question before" in stdout
    assert "[outcome: emergency]" in stdout
    answers = [(e["node"], e["intent"]) for e in events if e["type"] == "answer"]
    assert answers == [("saddle-numbness", "no"), ("saddle-numbness", "yes")]
    (back,) = [e for e in events if e["type"] == "back"]
    assert back["to"] == "saddle-numbness" and back["withdrawn"] == "no"


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
    ["--silence-timeout", "-1"], ["--silence-timeout", "0.5"], ["--silence-timeout", "121"],
    ["--emergency-number", "abc"], ["--emergency-number", "9-1-1"],
])
def test_unusable_options_are_refused_before_the_session(tmp_path, option):
    """`--silence-timeout nan` spun at full CPU for ever, and half a second ended a session in
    no-response before anyone could answer; `--emergency-number abc` was spoken as "call abc
    now". All are refused with the settings file's rules, nothing is written."""
    proc = subprocess.run(
        [sys.executable, "-m", "voiceskill", "run", "--text", "--transcripts",
         str(tmp_path / "t"), *option],
        input="yes\n", capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    if option[0] == "--silence-timeout":  # one rule, whatever the value: "0" was "above 0"
        assert proc.stderr.splitlines()[-1].endswith(
            f"'{option[1]}' is not usable (expected a number from 1 to 120)")
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
        "voiceskill: unknown start 'bogus' (expected a dialog node, an exercise id or a phase; "
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


def test_ctrl_c_in_text_mode_ends_as_sigterm_does_with_the_closing_lines(tmp_path):
    """Ctrl-C had stopped with no closing safety line ("... call 911"), where SIGTERM gives
    it. Now both say the stopped outcome's lines, then name the transcript; Ctrl-C still
    leaves with 130 and "Stopped." as an interrupted command does."""
    import signal

    done, events = _interrupted(tmp_path, signal.SIGINT)
    assert done.returncode == 130 and done.stderr.rstrip().endswith("Stopped.")
    assert "Traceback" not in done.stderr
    assert "we will stop here" in done.stdout and "call 911" in done.stdout.split("> no")[1]
    *_, outcome, transcript = done.stdout.splitlines()
    assert outcome == "[outcome: stopped]" and transcript.startswith("[transcript: ")
    said = [e["key"] for e in events if e["type"] == "say"]
    assert said[-3:] == ["outcome:stopped"] * 3
    assert events[-1] == {**events[-1], "type": "end", "outcome": "stopped"}
    assert [e["intent"] for e in events if e["type"] == "answer"] == ["no"]
    assert [e["type"] for e in events].count("end") == 1


# ---------------------------------------------------------------- on a terminal (a pty)


class Terminal:
    """``voiceskill run --text`` with a pty as its terminal: what it prints (with the
    terminal's echo of what is typed) and a keyboard."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        import os
        import threading

        self.master, slave = os.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "voiceskill", "run", "--text", "--transcripts",
             str(tmp_path), *args],
            stdin=slave, stdout=slave, stderr=subprocess.PIPE)
        os.close(slave)
        self.output = b""
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        import os

        while True:
            try:
                data = os.read(self.master, 4096)
            except OSError:  # EIO: the program has closed the terminal
                data = b""
            with self._changed:
                self.output += data
                self._changed.notify_all()
            if not data:
                return

    def wait_for(self, text: str, after: int = 0, timeout: float = 60.0) -> int:
        """Wait until ``text`` is printed after position ``after``; the position after it."""
        with self._changed:
            found = self._changed.wait_for(
                lambda: text.encode() in self.output[after:], timeout)
            assert found, self.output.decode(errors="replace")
            return self.output.index(text.encode(), after) + len(text)

    def type(self, keys: str) -> None:
        import os

        os.write(self.master, keys.encode())

    def finish(self, timeout: float = 60.0) -> tuple[str, list[dict]]:
        """Wait for the end; what was shown on the terminal and the transcript's events."""
        import os

        try:
            self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(10)
            self._reader.join(10)
            os.close(self.master)
        assert self.process.returncode == 0, self.process.stderr.read()  # type: ignore[union-attr]
        path = self.output.decode().split("[transcript: ")[1].split("]")[0]
        events = [json.loads(line) for line in Path(path).read_text().splitlines()]
        return self.output.decode(), events


def test_after_ctrl_d_on_a_terminal_a_typed_yes_is_still_read(tmp_path):
    """One Ctrl-D had closed the ear for the whole session: a "yes" typed after it to a
    red-flag question was echoed but never read, and the session ended "no-response"."""
    term = Terminal(tmp_path, "--silence-timeout", "1")
    at = term.wait_for("saddle?")
    term.type("no\n")
    at = term.wait_for("?", term.wait_for("no", at))  # the next question
    term.type("\x04")  # Ctrl-D
    term.type("yes\n")
    shown, events = term.finish()
    assert "[outcome: emergency]" in shown
    heard = [(e["text"], e["intent"]) for e in events if e["type"] == "heard"]
    assert heard == [("no", "no"), ("yes", "yes")]


def test_ctrl_d_on_a_terminal_is_one_silence(tmp_path):
    """Ctrl-D and nothing else: that turn ends as a silence, and the question is asked again
    (a later answer is still read)."""
    term = Terminal(tmp_path, "--silence-timeout", "1")
    at = term.wait_for("saddle?")
    term.type("\x04")
    at = term.wait_for("I did not hear an answer.", at)
    term.type("y\n")
    shown, events = term.finish()
    assert "[outcome: emergency]" in shown
    kinds = [e["type"] for e in events if e["type"] in ("silence", "heard")]
    assert kinds == ["silence", "heard"]


# ---------------------------------------------------------------- what typing means


def test_y_and_n_are_yes_and_no_when_typed(tmp_path):
    """Three "n" had ended in the emergency outcome (not understood, asked again, then the
    cautious branch); "y" was not understood either."""
    _, events = run_text(["n", "n", "y"], tmp_path)
    answers = [(e["text"], e["intent"]) for e in events if e["type"] == "answer"]
    assert answers == [("n", "no"), ("n", "no"), ("y", "yes")]


def test_only_a_whole_y_or_n_is_shorthand(tmp_path):
    _, events = run_text(["n/a", "ny", "no y"], tmp_path)
    assert [(e["text"], e["intent"]) for e in events if e["type"] == "heard"] == [
        ("n/a", None), ("ny", None), ("no y", None)]
    assert events[-1]["outcome"] == "emergency"  # not understood three times: the cautious way


@pytest.mark.parametrize(("typed", "phase"), [
    ("3", "first-72-hours"), ("5", "days-4-7"), ("12", "week-2"), ("twelve", "week-2")])
def test_a_number_of_days_typed_as_digits_is_understood(tmp_path, typed, phase):
    """"How many days ago? Say a number": a typed "3" was not understood."""
    _, events = run_text([typed], tmp_path, "--start", "days-since-pop")
    (answer,) = [e for e in events if e["type"] == "answer"]
    assert (answer["text"], answer["intent"]) == (typed, phase)


def test_numbers_the_dialogs_do_not_know_stay_not_understood(tmp_path):
    _, events = run_text(["21", "3.5", "-1"], tmp_path, "--start", "days-since-pop")
    assert [e["intent"] for e in events if e["type"] == "heard"] == [None, None, None]
    assert not [e for e in events if e["type"] == "answer"]


def test_the_transcript_keeps_what_was_typed_and_has_it_at_once(tmp_path):
    """The transcript had the normalised text: `Ünïcödé ñö 🙂` became "n c d". Each answer
    is on disk as typed before the session says its next line."""
    from voiceskill.transcript import read_transcript

    proc = subprocess.Popen(
        [sys.executable, "-m", "voiceskill", "run", "--text", "--transcripts", str(tmp_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        encoding="utf-8")
    assert proc.stdin is not None and proc.stdout is not None
    try:
        for typed in ["Ünïcödé ñö 🙂", "  No!  "]:
            proc.stdin.write(typed + "\n")
            proc.stdin.flush()
            while not proc.stdout.readline().startswith(f"> {typed.rstrip()}"):
                pass
            assert proc.stdout.readline()  # what the session says next: the answer is taken
            (path,) = tmp_path.glob("*.jsonl")
            heard = [e for e in read_transcript(path) if e["type"] == "heard"]
            assert heard[-1]["text"] == typed
        assert [(e["text"], e["intent"]) for e in heard] == [
            ("Ünïcödé ñö 🙂", None), ("  No!  ", "no")]
        assert proc.poll() is None  # still waiting for the next answer
    finally:
        proc.kill()
        proc.communicate(timeout=30)


def test_louder_softer_slower_faster_say_what_they_do_in_text_mode(tmp_path):
    """Typed "louder" got "Okay, louder." though a terminal has no voice to make louder. They
    change only the spoken voice: text mode says so, and the coach goes on."""
    stdout, events = run_text(["louder", "speak up", "softer", "slower", "faster", "stop"],
                              tmp_path, "--start", "cat-cow")
    for confirmation in ("Okay, louder.", "Okay, softer.", "Okay, I will speak"):
        assert confirmation not in stdout
    from voiceskill.textio import NO_RATE, NO_VOLUME

    said = [e["text"] for e in events if e["type"] == "say" and e["key"] == "voice:unchanged"]
    assert said == [NO_VOLUME] * 3 + [NO_RATE] * 2
    assert " ".join(NO_VOLUME.split()) in " ".join(stdout.split())
    assert "[outcome: stopped]" in stdout


def test_lists_of_commands_leave_out_the_voice_ones_in_text_mode(tmp_path):
    """The coach's list of commands ("You can say pause, repeat, next, back, slower, louder,
    how long, or stop at any time.") and its help offered slower/louder (and faster/softer)
    in text mode, where typed they change nothing (e2d3a96 made them say so). Text mode's
    lists leave them out; the rest of each list is as it was."""
    from voiceskill.textio import COMMAND_LIST_KEYS, VOICE_ONLY_COMMANDS

    stdout, events = run_text(["help", "stop"], tmp_path, "--start", "cat-cow")
    lists = {e["key"]: e["text"] for e in events
             if e["type"] == "say" and e["key"] in COMMAND_LIST_KEYS}
    assert lists == {
        "coach:commands": "You can say pause, repeat, next, back, how long, or stop at any "
                          "time.",
        "coach:help": "Say pause or resume, repeat, next or back, next exercise, how long, "
                      "list, stop, or it hurts. If a leg goes numb, tingles or feels weak, say "
                      "my leg is numb, and we stop. You can also ask for an exercise by name.",
    }
    shown = " ".join(stdout.split())
    for text in lists.values():
        assert text in shown
    assert not VOICE_ONLY_COMMANDS & set(shown.lower().replace(",", " ").split())
    assert "[outcome: stopped]" in stdout


def test_voice_mode_still_lists_the_voice_commands():
    """The engine itself (voice mode, simulations, the kiosk) is unchanged."""
    import voiceskill
    from voiceskill.conversation import build_conversation
    from voiceskill.events import Say, Started

    engine = build_conversation(voiceskill.DIALOGS_DIR)
    _, actions = engine.step(engine.initial_state(), Started("cat-cow"), 0.0)
    (listed,) = [a.text for a in actions if isinstance(a, Say) and a.key == "coach:commands"]
    assert "slower, louder" in listed


@pytest.mark.parametrize(
    ("listed", "shown"),
    [
        ("You can say pause, slower, louder, or stop.", "You can say pause, or stop."),
        ("Say pause, stop, or louder.", "Say pause, or stop."),
        ("Say pause, stop, or slower or faster.", "Say pause, or stop."),
        ("Say pause, louder or softer, stop.", "Say pause, stop."),
        ("Say pause, repeat, or stop.", "Say pause, repeat, or stop."),
        ("Say louder, or stop.", "Say louder, or stop."),  # "say louder" is not only voice
        ("Okay.", "Okay."),
    ],
)
def test_without_voice_commands(listed, shown):
    from voiceskill.textio import without_voice_commands

    assert without_voice_commands(listed) == shown
