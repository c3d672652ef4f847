"""`voiceskill transcribe` at its edges, as a tester found them: a pipe for a file, a reader
of stdout that goes away, a grammar Vosk would empty, a file that fails among others with
--json, a name that is not UTF-8, and the model given as "." (its companion beside it).

Real Vosk with the shipped models; the audio is the committed answer fixtures.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import voiceskill
from voiceskill.cli import main
from voiceskill.speech.modeldir import narrowband_companion
from voiceskill.speech.wav import read_wav, write_wav

AUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "audio"
YES = AUDIO / "yes__flite-slt.wav"
NO = AUDIO / "no__flite-slt.wav"


@pytest.fixture(autouse=True)
def _shipped_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOICESKILL_MODEL", raising=False)


def _cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "voiceskill", "transcribe", *args],
                          input=stdin, capture_output=True, timeout=120)


def test_a_pipe_is_read_whole_and_the_files_after_it_are_heard_too() -> None:
    """/dev/stdin cannot seek to a WAV file's chunks: it was a traceback, and the files after
    it were never heard."""
    proc = _cli(str(YES), "/dev/stdin", str(NO), stdin=NO.read_bytes())
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().splitlines() == [f"{YES}: yes", "/dev/stdin: no", f"{NO}: no"]


def test_a_reader_of_stdout_that_goes_away_is_no_traceback() -> None:
    """`voiceskill transcribe a.wav b.wav | head -1` printed BrokenPipeError every time."""
    read, write = os.pipe()
    os.close(read)  # nobody reads: the first line printed meets a closed pipe
    proc = subprocess.run([sys.executable, "-m", "voiceskill", "transcribe", str(YES), str(NO)],
                          stdout=write, stderr=subprocess.PIPE, timeout=120)
    os.close(write)
    assert proc.returncode == 1
    assert b"Traceback" not in proc.stderr and b"BrokenPipe" not in proc.stderr


def test_an_empty_grammar_is_refused(capsys) -> None:
    """It answered `[unk]` (or, with --no-unk, called `[]` "not a JSON list of phrases")."""
    for extra in ([], ["--no-unk"]):
        assert main(["transcribe", "--grammar", " , ", *extra, str(YES)]) == 2
        out = capsys.readouterr()
        assert out.out == ""
        assert out.err.strip() == ('voiceskill transcribe: --grammar has no phrases (expected '
                                   'comma-separated phrases, e.g. "yes,no")')


def test_words_the_model_does_not_know_are_named(capsys) -> None:
    """Vosk drops them with only a warning of Kaldi's; a grammar made of nothing else is
    refused, one with some known phrases goes on after saying which words are left out."""
    assert main(["transcribe", "--grammar", "xqzt, blorple yes", str(YES)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("voiceskill transcribe: no phrase of --grammar can be heard: 'xqzt', "
                          "'blorple' not in the vocabulary of ")
    assert main(["transcribe", "--grammar", "yes,xqzt", str(YES)]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == f"{YES}: yes"
    assert "--grammar: 'xqzt' not in the vocabulary" in out.err


def test_with_json_a_file_that_fails_still_gets_its_object(tmp_path: Path, capsys) -> None:
    """One object per file given, in order, so a reader can pair them up."""
    bad = tmp_path / "notes.wav"
    bad.write_text("these are my notes, not a recording")
    assert main(["transcribe", "--json", str(YES), str(bad), str(NO)]) == 1
    objects = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["file"] for o in objects] == [str(YES), str(bad), str(NO)]
    assert [o.get("text") for o in objects] == ["yes", None, "no"]
    assert "not a WAV file" in objects[1]["error"]


def test_a_file_name_that_is_not_utf8_is_valid_json(tmp_path: Path) -> None:
    """The name came out as a lone surrogate ("caf\\udce9"), which JSON readers refuse."""
    name = os.fsencode(tmp_path) + b"/caf\xe9.wav"
    shutil.copy(YES, name)
    proc = subprocess.run([sys.executable, "-m", "voiceskill", "transcribe", "--json",
                           os.fsdecode(name)], capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    heard = json.loads(proc.stdout.decode("utf-8", "strict"))
    assert heard["file"].endswith("caf\ufffd.wav") and heard["text"] == "yes"


def test_the_model_given_as_dot_finds_its_companion(tmp_path: Path, monkeypatch,
                                                    capsys) -> None:
    """`--model .` was a traceback (". has an empty name"); `--model ..` from inside the model
    decoded 8 kHz audio without the companion beside it."""
    companion = narrowband_companion(voiceskill.DEFAULT_MODEL_DIR)
    if companion is None:
        pytest.skip("no 8 kHz companion is shipped")
    narrow = tmp_path / "yes_8k.wav"
    write_wav(narrow, read_wav(YES, rate=8000), rate=8000)
    monkeypatch.chdir(voiceskill.DEFAULT_MODEL_DIR / "am")
    for given in (str(voiceskill.DEFAULT_MODEL_DIR / "am" / ".."), ".."):
        assert main(["transcribe", "--json", "--model", given, str(narrow)]) == 0
        assert json.loads(capsys.readouterr().out)["model"] == str(companion)
    monkeypatch.chdir(voiceskill.DEFAULT_MODEL_DIR)
    proc = _cli("--json", "--model", ".", str(narrow))
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout)["model"] == str(companion)
