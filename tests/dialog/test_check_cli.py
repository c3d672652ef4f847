"""`voiceskill check [DIR]`: exit codes, one line per problem, exercises and model words."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import voiceskill
from voiceskill.cli import main

BROKEN = Path(__file__).parent / "broken"


def content_dir(tmp_path: Path, **replaced: Path) -> Path:
    """The shipped content (dialogs and exercises) with some files replaced."""
    target = tmp_path / "dialogs"
    shutil.copytree(voiceskill.DIALOGS_DIR, target)
    for name, source in replaced.items():
        shutil.copy(source, target / f"{name}.yaml")
    return target


def edited_content(tmp_path: Path, file: str, old: str, new: str) -> tuple[Path, Path, int]:
    """The shipped content with the first ``old`` in ``file`` replaced by ``new``: the
    directory, the file and the line of the change."""
    directory = content_dir(tmp_path)
    path = directory / file
    text = path.read_text()
    path.write_text(text.replace(old, new, 1))
    return directory, path, text[: text.index(old)].count("\n") + 1


def words_model(tmp_path: Path, drop: set[str], name: str = "model") -> Path:
    """A copy of the shipped model (of its 8 kHz companion for a ``name`` ending in -8k) whose
    graph/words.txt lacks the words ``drop``: each keeps its id under another spelling, so
    the model still passes the checks run makes."""
    source = voiceskill.DEFAULT_MODEL_DIR
    if name.endswith("-8k"):
        source = source.with_name(source.name + "-8k")
    model = tmp_path / name
    shutil.copytree(source, model)
    words = model / "graph" / "words.txt"
    pairs = [line.split(" ") for line in words.read_text().splitlines()]
    words.write_text("".join(f"{word}-dropped {id_}\n" if word in drop else f"{word} {id_}\n"
                             for word, id_ in pairs))
    return model


def test_shipped_content_passes_through_the_real_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "voiceskill", "check", str(voiceskill.DIALOGS_DIR), "--no-model"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok: ")
    assert "21 red flags" in result.stdout and "7 outcomes" in result.stdout


def test_default_directory_is_the_shipped_dialogs(capsys):
    assert main(["check", "--no-model"]) == 0
    assert str(voiceskill.DIALOGS_DIR) in capsys.readouterr().out


def test_broken_dialog_gives_one_line_per_problem_and_fails(tmp_path, capsys):
    directory = content_dir(tmp_path, triage=BROKEN / "base" / "triage.yaml",
                            intents=BROKEN / "threshold-absurd.intents.yaml")
    (directory / "triage.yaml").write_text(
        (directory / "triage.yaml").read_text().replace("tier: emergency", "tier: critical")
    )
    assert main(["check", str(directory), "--no-model"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"{directory / 'triage.yaml'}:12: nodes.saddle.tier: 'critical' is not allowed "
        "(expected one of emergency, urgent, see-clinician)",
        f"{directory / 'intents.yaml'}:3: intents.yes.threshold: 1.5 is out of range "
        "(expected a confidence from 0 to 0.95)",
    ]
    assert "2 problems" in err


def test_broken_exercises_are_reported_too(tmp_path, capsys):
    directory = content_dir(tmp_path)
    exercises = directory / "exercises.yaml"
    exercises.write_text(exercises.read_text().replace("phases:", "fases:", 1))
    assert main(["check", str(directory), "--no-model"]) == 1
    out = capsys.readouterr().out
    assert out and all(line.startswith(str(exercises)) for line in out.splitlines())


def test_a_missing_exercises_file_fails_the_check_as_it_stops_the_skill(tmp_path, capsys):
    directory = content_dir(tmp_path)
    (directory / "exercises.yaml").unlink()
    assert main(["check", str(directory), "--no-model"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{directory / 'exercises.yaml'}:0: (file): file not found (expected a YAML file here)"
    ]
    assert main(["run", "--text", "--dialogs", str(directory)]) != 0  # the same verdict


def test_a_phase_the_coach_does_not_know_is_reported(tmp_path, capsys):
    directory = content_dir(tmp_path)
    triage = directory / "triage.yaml"
    text = triage.read_text()
    triage.write_text(text.replace("sets: {phase: week-4}", "sets: {phase: week-6}"))
    line = text[: text.index("sets: {phase: week-4}")].count("\n") + 1
    assert main(["check", str(directory), "--no-model"]) == 1
    assert capsys.readouterr().out.startswith(
        f"{triage}:{line}: nodes.time-since-pop.answers.week-4.sets.phase: unknown phase 'week-6'"
    )


def test_a_word_the_model_cannot_recognize_points_at_its_phrase(tmp_path, capsys):
    model = words_model(tmp_path, drop={"yesterday", "bird"})
    assert main(["check", "--model", str(model)]) == 1
    out = capsys.readouterr().out.splitlines()
    triage = (voiceskill.DIALOGS_DIR / "triage.yaml").read_text().splitlines()
    line = next(i for i, text in enumerate(triage, start=1) if "hours ago, yesterday," in text)
    assert out[0] == (
        f"{voiceskill.DIALOGS_DIR / 'triage.yaml'}:{line}: "
        "nodes.time-since-pop.answers.first-72-hours.phrases[8]: word 'yesterday' in "
        "'yesterday' is not recognizable by the speech model "
        f"(expected words listed in {model / 'graph' / 'words.txt'}, or a model rebuilt with "
        "this word)"
    )
    assert len(out) == 2 and "exercises.yaml" in out[1] and "word 'bird'" in out[1]


def test_a_model_that_knows_every_word_passes(tmp_path, capsys):
    assert main(["check", "--model", str(words_model(tmp_path, drop=set()))]) == 0
    assert capsys.readouterr().err == ""  # nothing skipped


def test_a_word_the_8_khz_companion_lacks_is_a_problem_too(tmp_path, capsys):
    model = words_model(tmp_path, drop=set())
    companion = words_model(tmp_path, drop={"yesterday"}, name="model-8k")
    assert main(["check", "--model", str(model)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and "word 'yesterday'" in out[0]
    assert str(companion / "graph" / "words.txt") in out[0]


def test_a_missing_default_model_is_a_note_not_a_failure(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(voiceskill, "DEFAULT_MODEL_DIR", tmp_path / "no-model")
    assert main(["check"]) == 0
    assert "words not checked" in capsys.readouterr().err


def test_a_model_named_on_the_command_line_must_be_there(tmp_path, capsys):
    """A typo in --model had passed with a note and exit 0."""
    model = tmp_path / "no-model"
    assert main(["check", "--model", str(model)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"{model}: model directory does not exist (set --model or $VOICESKILL_MODEL)"]
    assert "1 problem in" in err and "words not checked" not in err


#: What `check` adds to a words-file problem whose message does not say what is expected.
WORDS_EXPECTED = "(expected one 'word id' pair per line, '<eps> 0' first, as Kaldi writes it)"


@pytest.mark.parametrize(("content", "problem"), [
    ("hello\n", f"graph/words.txt: line 1: expected 'word id', got 'hello' {WORDS_EXPECTED}"),
    # read as OpenFst reads it (bytes, words not decoded): the id is what is wrong
    (b"\xff\xfe garbage", "graph/words.txt: line 1: expected 'word id' with a whole number 0 "
                          "or above as the id, got '\ufffd\ufffd garbage' (Vosk refuses the model) "
                          f"{WORDS_EXPECTED}"),
])
def test_a_words_file_with_a_bad_line_is_one_line(tmp_path, capsys, monkeypatch, content,
                                                  problem):
    """In a default model directory holding only graph/words.txt (read as a vocabulary)."""
    graph = tmp_path / "model" / "graph"
    graph.mkdir(parents=True)
    words = graph / "words.txt"
    if isinstance(content, bytes):
        words.write_bytes(content)
    else:
        words.write_text(content)
    monkeypatch.setattr(voiceskill, "DEFAULT_MODEL_DIR", graph.parent)
    monkeypatch.delenv("VOICESKILL_MODEL", raising=False)
    assert main(["check"]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{graph.parent}/{problem}")


def test_a_bad_line_in_the_8_khz_companion_s_words_file_is_one_line(tmp_path, capsys):
    model = words_model(tmp_path, drop=set())
    companion = words_model(tmp_path, drop=set(), name="model-8k")
    (companion / "graph" / "words.txt").write_bytes(b"<eps> 0\nyes 1\n\xff\xfe garbage\n")
    assert main(["check", "--model", str(model)]) == 1
    out, err = capsys.readouterr()
    (line,) = out.splitlines()
    assert line == refusal(companion)  # as run says it
    assert line == (f"{companion / 'graph' / 'words.txt'}: line 3: expected 'word id' with a "
                    "whole number 0 or above as the id, got '\ufffd\ufffd garbage' (Vosk refuses "
                    "the model)")
    assert "1 problem in" in err and "note:" not in err


def test_an_8_khz_companion_without_a_words_file_is_a_problem(tmp_path, capsys):
    model = words_model(tmp_path, drop=set())
    companion = words_model(tmp_path, drop=set(), name="model-8k")
    (companion / "graph" / "words.txt").unlink()
    assert main(["check", "--model", str(model)]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line == refusal(companion)  # as run says it
    assert line == f"{companion / 'graph' / 'words.txt'}: missing (required by Vosk)"


def test_a_broken_words_file_is_reported_before_the_content_problems(tmp_path, capsys,
                                                                       monkeypatch):
    """The words file (of a default model directory holding only it) is read whatever the
    content: its problem comes first, and the words of the dialogs are then not checked
    against it."""
    directory = content_dir(tmp_path)
    (directory / "exercises.yaml").unlink()
    graph = tmp_path / "model" / "graph"
    graph.mkdir(parents=True)
    (graph / "words.txt").write_text("<eps> 0\nhello\n")
    monkeypatch.setattr(voiceskill, "DEFAULT_MODEL_DIR", graph.parent)
    monkeypatch.delenv("VOICESKILL_MODEL", raising=False)
    assert main(["check", str(directory)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"{graph / 'words.txt'}: line 2: expected 'word id', got 'hello' {WORDS_EXPECTED}",
        f"{directory / 'exercises.yaml'}:0: (file): file not found (expected a YAML file here)",
    ]
    assert "1 problem in the speech model" in err and err.count("1 problem in") == 2
    assert "note:" not in err


def test_a_words_file_with_windows_line_endings_is_refused_as_run_refuses_it(tmp_path, capsys):
    """`check --model` read words.txt with a reader of its own that took CRLF line endings,
    while the model checks `run` makes before Vosk loads a model refuse them (OpenFst reads
    the id with the carriage return): check passed a model run then would not start with.
    Now both read it the same way and say the same."""
    from voiceskill.speech.modeldir import ModelDirError, check_model_dir

    model = tmp_path / "model"
    shutil.copytree(voiceskill.DEFAULT_MODEL_DIR, model)
    words = model / "graph" / "words.txt"
    words.write_bytes(words.read_bytes().replace(b"\n", b"\r\n"))
    assert main(["check", "--model", str(model)]) == 1
    out, err = capsys.readouterr()
    (line,) = out.splitlines()
    with pytest.raises(ModelDirError) as refused:
        check_model_dir(model)  # what run (and the kiosk, transcribe) check before loading
    assert line == str(refused.value)
    assert line.startswith(f"{words}: line 1: ends in a carriage return (Windows line endings)")
    assert line.endswith("(expected Unix line endings)")  # said once, not twice
    assert "1 problem in" in err


def test_a_missing_directory_is_one_clear_line(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{tmp_path / 'nowhere'}: not a directory (expected a folder holding triage.yaml, "
        "outcomes.yaml, intents.yaml)"
    ]


def test_a_multi_word_phrase_without_its_phrase_word_is_a_problem(tmp_path, capsys):
    """In a model with phrase words (ours), a phrase added to the dialogs after the graph was
    compiled would be heard in pieces: the check names it."""
    model = words_model(tmp_path, drop={"i_don't_know"})  # its phrase word only
    assert main(["check", "--model", str(model)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert any("phrase 'i don't know' has no phrase word in the speech model" in line
               and "voiceskill model compile --dialogs DIR" in line for line in out), out
    assert not any("'say that again'" in line for line in out)


def test_a_hold_of_nan_seconds_is_refused_by_check_and_run(tmp_path, capsys):
    """`hold: .nan` passed check, and run then held for ever, filling the disk."""
    directory, exercises, line = edited_content(tmp_path, "exercises.yaml", "hold: 300",
                                                "hold: .nan")
    assert main(["check", str(directory), "--no-model"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{exercises}:{line}: exercises.walk.hold: .nan is not a finite number "
        "(expected a number above 0 and at most 3600)"]
    assert main(["run", "--text", "--dialogs", str(directory), "--start", "walk",
                 "--transcripts", str(tmp_path / "t")]) == 2
    assert not (tmp_path / "t").exists()


def test_a_nan_threshold_gets_the_number_message_not_a_comparison(tmp_path, capsys):
    directory, intents, line = edited_content(tmp_path, "intents.yaml", "threshold: 0.7",
                                              "threshold: .nan")
    assert main(["check", str(directory), "--no-model"]) == 1
    (out,) = capsys.readouterr().out.splitlines()
    assert out.startswith(f"{intents}:{line}: intents.")
    assert out.endswith("threshold: .nan is not a finite number "
                        "(expected a confidence from 0 to 0.95)")


# --- The model itself, checked as `run` checks it ---------------------------------------------


def shipped_model(tmp_path: Path, companion: bool = False) -> Path:
    """A copy of the shipped model (and of its 8 kHz companion next to it, as ``<name>-8k``,
    when ``companion``), to break."""
    model = tmp_path / "model"
    shutil.copytree(voiceskill.DEFAULT_MODEL_DIR, model)
    if companion:
        source = voiceskill.DEFAULT_MODEL_DIR.with_name(voiceskill.DEFAULT_MODEL_DIR.name + "-8k")
        shutil.copytree(source, tmp_path / "model-8k")
    return model


def refusal(model: Path) -> str:
    """What the model checks `run` makes before Vosk loads a model say of ``model``."""
    from voiceskill.speech.modeldir import ModelDirError, check_model_dir

    with pytest.raises(ModelDirError) as refused:
        check_model_dir(model)
    return str(refused.value)


def drop_unk(model: Path) -> Path:
    """Take '[unk]' out of ``model``'s words file (its own check passes, the model's does not);
    return the words file."""
    words = model / "graph" / "words.txt"
    lines = words.read_text().splitlines(keepends=True)
    words.write_text("".join(line for line in lines if not line.startswith("[unk] ")))
    return words


def test_the_shipped_model_and_its_companion_pass(tmp_path, capsys):
    assert main(["check", "--model", str(shipped_model(tmp_path, companion=True))]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("ok: ") and err == ""


@pytest.mark.parametrize(("damage", "file", "says"), [
    (drop_unk, "graph/words.txt", "has no '[unk]'"),
    (lambda model: (model / "am" / "global_cmvn.stats").unlink(), "am/global_cmvn.stats",
     "missing: this model was built by voiceskill"),
    (lambda model: os.truncate(model / "am" / "final.mdl",
                               (model / "am" / "final.mdl").stat().st_size // 2),
     "am/final.mdl", "truncated: "),
], ids=["no-unk", "no-cmvn", "truncated-am"])
def test_a_model_run_refuses_is_refused_by_check_with_the_same_line(tmp_path, capsys, damage,
                                                                    file, says):
    """`check --model` read only graph/words.txt, so it passed models that `run` refuses
    before Vosk loads them: a lookahead graph without '[unk]', a model of ours without its
    CMVN statistics, a truncated acoustic model."""
    model = shipped_model(tmp_path)
    damage(model)
    assert main(["check", "--model", str(model)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [refusal(model)]  # one line, as run says it
    assert out.startswith(f"{model / file}: {says}")
    assert "1 problem in" in err and "note:" not in err


def test_a_companion_run_refuses_is_refused_by_check(tmp_path, capsys):
    model = shipped_model(tmp_path, companion=True)
    companion = tmp_path / "model-8k"
    (companion / "am" / "global_cmvn.stats").unlink()
    assert main(["check", "--model", str(model)]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line == refusal(companion)
    assert line.startswith(f"{companion / 'am' / 'global_cmvn.stats'}: missing")


def test_a_model_without_its_words_file_is_refused_as_run_refuses_it(tmp_path, capsys):
    """A model whose graph/words.txt is gone is a broken model, said as run says it, not 'no
    speech model here'."""
    model = shipped_model(tmp_path)
    (model / "graph" / "words.txt").unlink()
    assert main(["check", "--model", str(model)]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line == refusal(model)
    assert str(model / "graph" / "words.txt") in line


def test_a_broken_default_model_is_a_problem_not_a_note(tmp_path, capsys, monkeypatch):
    """Only a default model that is not there at all is a note."""
    model = shipped_model(tmp_path)
    drop_unk(model)
    monkeypatch.setattr(voiceskill, "DEFAULT_MODEL_DIR", model)
    monkeypatch.delenv("VOICESKILL_MODEL", raising=False)
    assert main(["check"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [refusal(model)] and "note:" not in err


def test_a_broken_model_is_reported_before_the_content_problems(tmp_path, capsys):
    directory = content_dir(tmp_path)
    (directory / "exercises.yaml").unlink()
    model = shipped_model(tmp_path)
    drop_unk(model)
    assert main(["check", str(directory), "--model", str(model)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        refusal(model),
        f"{directory / 'exercises.yaml'}:0: (file): file not found (expected a YAML file here)",
    ]
    assert "1 problem in the speech model" in err and err.count("1 problem in") == 2


# --- A model the user names is checked as run checks it, whatever the directory holds ---------


def run_refusal(model: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> str:
    """The line `voiceskill run --model model` refuses the model with, without 'voiceskill: '."""
    code = main(["run", "--model", str(model), "--transcripts", str(tmp_path / "transcripts")])
    assert code == 2
    return capfd.readouterr().err.splitlines()[0].removeprefix("voiceskill: ")


def vocabulary_only(tmp_path: Path) -> Path:
    """A directory holding only a graph/words.txt that knows every word listened for."""
    from voiceskill.dialog.load import dialog_vocabulary

    words = sorted(dialog_vocabulary(voiceskill.DIALOGS_DIR))
    graph = tmp_path / "vocabulary" / "graph"
    graph.mkdir(parents=True)
    lines = ["<eps> 0", *(f"{w} {i}" for i, w in enumerate(words, start=1))]
    (graph / "words.txt").write_text("\n".join(lines) + "\n")
    return graph.parent


def a_plain_file(tmp_path: Path) -> Path:
    (tmp_path / "model.txt").write_text("not a model\n")
    return tmp_path / "model.txt"


@pytest.mark.parametrize(("make", "says"), [
    (vocabulary_only, "am/final.mdl: missing (required by Vosk)"),
    (lambda tmp_path: tmp_path / "nowhere", "model directory does not exist"),
    (a_plain_file, "is not a directory"),
], ids=["only-words", "nowhere", "a-file"])
def test_a_named_directory_run_refuses_is_refused_by_check_with_run_s_line(tmp_path, capfd,
                                                                          make, says):
    """A directory holding only graph/words.txt passed `check --model` (read as a vocabulary)
    although `run --model` refuses it; a missing one was 'no speech model here' where run
    says the directory does not exist."""
    model = make(tmp_path)
    said = run_refusal(model, tmp_path, capfd)
    assert said.startswith(str(model)) and says in said
    assert main(["check", "--model", str(model)]) == 1
    out, err = capfd.readouterr()
    assert out.splitlines() == [said]
    assert "1 problem in" in err and "note:" not in err


def test_a_directory_the_environment_names_is_checked_as_run_checks_it(tmp_path, capfd,
                                                                       monkeypatch):
    model = vocabulary_only(tmp_path)
    monkeypatch.setenv("VOICESKILL_MODEL", str(model))
    said = run_refusal(model, tmp_path, capfd)
    assert main(["check"]) == 1
    assert capfd.readouterr().out.splitlines() == [said]


def test_a_default_directory_holding_only_words_is_read_as_a_vocabulary(tmp_path, capsys,
                                                                        monkeypatch):
    """Only a model check finds by itself is guessed at: words alone are a vocabulary."""
    monkeypatch.setattr(voiceskill, "DEFAULT_MODEL_DIR", vocabulary_only(tmp_path))
    monkeypatch.delenv("VOICESKILL_MODEL", raising=False)
    assert main(["check"]) == 0
    assert capsys.readouterr().err == ""


def test_check_reads_the_words_file_of_a_model_once(tmp_path, capsys, monkeypatch):
    """check_model_dir read graph/words.txt, then check read it again for the dialog's words."""
    model = shipped_model(tmp_path)
    words = model / "graph" / "words.txt"
    opened: list[Path] = []
    real_open = Path.open

    def counting_open(self: Path, *args, **kwargs):
        opened.append(self)
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", counting_open)
    assert main(["check", "--model", str(model)]) == 0
    assert capsys.readouterr().out.startswith("ok: ")
    assert opened.count(words) == 1


def test_the_count_names_the_model_when_the_model_is_at_fault(tmp_path, capsys):
    """`check --model BROKEN` ended "1 problem in .../dialogs", blaming the content (review
    finding 13b); the count now says where each problem is."""
    model = words_model(tmp_path, drop=set())
    (model / "conf" / "model.conf").write_text("--nonsense=1\n", encoding="utf-8")
    assert main(["check", "--model", str(model)]) == 1
    err = capsys.readouterr().err
    assert f"1 problem in the speech model {model.resolve()}" in err
    assert str(voiceskill.DIALOGS_DIR) not in err
