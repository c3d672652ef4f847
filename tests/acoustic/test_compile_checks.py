"""`voiceskill model compile` refuses what would give a broken or wrong graph, before it
writes anything, with one line that names the file (and line), exit 2; and it compiles the
model $VOICESKILL_MODEL names when there is no --model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import voiceskill
from voiceskill.acoustic.graph import STAGING_DIR, GraphConfig, compile_graph, stage_graph
from voiceskill.cli import main
from voiceskill.speech.modeldir import MODEL_ENV, check_model_dir, narrowband_companion


@pytest.fixture
def model(tmp_path: Path) -> Path:
    copy = tmp_path / "model"
    shutil.copytree(voiceskill.DEFAULT_MODEL_DIR, copy)
    return copy


def _files(model: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(model)): p.read_bytes()
        for p in sorted(model.rglob("*"))
        if p.is_file() and p.parts[-2] in ("graph", "conf")
    }


def _refused(model: Path, capsys, *args: str) -> str:
    """Run `model compile ARGS --model MODEL`; it must exit 2 and change nothing."""
    before = _files(model)
    assert main(["model", "compile", *args, "--model", str(model)]) == 2
    out = capsys.readouterr()
    assert "compiled" not in out.out
    assert _files(model) == before
    assert sorted(p.name for p in model.iterdir()) == ["EXPERIMENTS.md", "README.md", "am",
                                                       "conf", "graph"]
    return out.err.strip()


def test_a_missing_or_empty_dialog_directory_is_refused(tmp_path: Path, model: Path,
                                                        capsys) -> None:
    """Before: "compiled 140 words", exit 0, and the model lacked the dialogs' words."""
    err = _refused(model, capsys, "--dialogs", str(tmp_path / "nowhere"))
    assert err == f"voiceskill model compile: {tmp_path / 'nowhere'}: no such dialog directory"
    (tmp_path / "empty").mkdir()
    err = _refused(model, capsys, "--dialogs", str(tmp_path / "empty"))
    assert err.endswith(f"{tmp_path / 'empty'}: no dialog files (*.yaml) in it")
    # `model context` too, before it copies anything
    out = tmp_path / "out"
    assert main(["model", "context", "--model", str(model), "--out", str(out),
                 "--dialogs", str(tmp_path / "nowhere")]) == 2
    assert f"{tmp_path / 'nowhere'}: no such dialog directory" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--acoustic-scale", "-1", "--acoustic-scale=-1: must not be negative"),
        ("--acoustic-scale", "0", "--acoustic-scale=0: must be above 0"),
        ("--word-cost", "nan", "--word-cost=nan: must be a finite number"),
        ("--unk-cost", "-3", "--unk-cost=-3: must not be negative"),
        ("--unk-cost", "20", "--unk-cost=20: must be below the beam (14)"),
        ("--unk-frame-cost", "inf", "--unk-frame-cost=inf: must be a finite number"),
    ],
)
def test_graph_options_out_of_range_are_refused_before_writing(
    tmp_path: Path, model: Path, capsys, option: str, value: str, says: str
) -> None:
    """Before: --acoustic-scale -1 printed "compiled 24 words", exit 0, and Vosk then
    refused the model."""
    words = tmp_path / "words.txt"
    words.write_text("yes\nno\n")
    err = _refused(model, capsys, "--words", str(words), option, value)
    assert says in err and "nothing was written" in err
    check_model_dir(model)


def test_reserved_symbols_in_a_words_file_are_refused(tmp_path: Path, model: Path,
                                                      capsys) -> None:
    """Before: words.txt began "<eps> 2 / </s> 1 / <s> 2" (no id 0, id 2 twice)."""
    words = tmp_path / "words.txt"
    words.write_text("yes\nno\n<s> hello </s>\n")
    err = _refused(model, capsys, "--words", str(words))
    assert err == (f"voiceskill model compile: {words}:3: <s> is a reserved symbol of the "
                   "graph, not a word; remove it")


def test_a_vocabulary_never_renumbers_eps(model: Path) -> None:
    """compile_graph itself (dialogs, `model context`) leaves reserved symbols out."""
    compile_graph(["<eps>", "<s>", "</s>", "yes", "no"], model)
    table = [line.split() for line in (model / "graph" / "words.txt").read_text().splitlines()]
    assert table[0] == ["<eps>", "0"]
    ids = [int(i) for _, i in table]
    assert ids == list(range(len(ids)))
    assert "<s>" not in dict(table) and "</s>" not in dict(table)


def test_words_outside_the_latin_script_are_refused_and_accented_latin_kept(
    tmp_path: Path, model: Path, capsys
) -> None:
    """Before: 日本 got espeak-ng's "Chinese letter" phones."""
    words = tmp_path / "words.txt"
    words.write_text("yes\ncafé naïve\n日本\n")
    err = _refused(model, capsys, "--words", str(words))
    assert err.startswith(f"voiceskill model compile: {words}:3: '日本' has '日' (U+65E5), "
                          "outside the Latin script")
    words.write_text("yes\ncafé naïve\n")
    assert main(["model", "compile", "--words", str(words), "--model", str(model)]) == 0
    lexicon = (model / "graph" / "lexicon.txt").read_text()
    assert "café K AE F EY" in lexicon.splitlines() and "\nnaïve " in lexicon
    # and from a vocabulary that does not come from a file: no made-up pronunciation
    assert compile_graph(["yes", "日本"], model) == ["日本"]
    assert "日本" not in (model / "graph" / "words.txt").read_text()


def test_a_words_file_that_is_not_utf8_or_a_directory_is_named(tmp_path: Path, model: Path,
                                                                capsys) -> None:
    """Before: "'utf-8' codec can't decode byte 0xff…" naming no file, and "/tmp: no such
    file" for a directory."""
    words = tmp_path / "words.txt"
    words.write_bytes(b"yes\nno\ncaf\xe9\n")  # Latin-1
    err = _refused(model, capsys, "--words", str(words))
    assert err == (f"voiceskill model compile: {words}:3: byte 0xe9 is not UTF-8 text "
                   "(save the file as UTF-8)")
    err = _refused(model, capsys, "--words", str(tmp_path))
    assert err == f"voiceskill model compile: {tmp_path}: is a directory; --words takes a file " \
        "of words"


def test_the_help_says_what_a_phrase_line_becomes(capsys) -> None:
    """Before: "file of words or phrases", though a phrase line gives separate words."""
    with pytest.raises(SystemExit):
        main(["model", "compile", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "a phrase on a line gives its words one by one" in help_text
    assert "$VOICESKILL_MODEL" in help_text


def test_compile_check_and_context_take_the_model_the_environment_names(
    tmp_path: Path, model: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """Before: `model compile` without --model compiled the shipped model even with
    $VOICESKILL_MODEL set. (A copy stands in for the shipped model, so that the shipped one
    is never compiled into, whatever happens.)"""
    shipped = tmp_path / "shipped"
    shutil.copytree(voiceskill.DEFAULT_MODEL_DIR, shipped)
    monkeypatch.setattr(voiceskill, "DEFAULT_MODEL_DIR", shipped)
    monkeypatch.setenv(MODEL_ENV, str(model))
    shipped_files = _files(shipped)
    words = tmp_path / "words.txt"
    words.write_text("yes\nno\nbanana\n")
    assert main(["model", "compile", "--words", str(words)]) == 0
    assert f"into {model / 'graph'}" in capsys.readouterr().out
    assert "banana" in (model / "graph" / "words.txt").read_text().split()
    assert _files(shipped) == shipped_files

    monkeypatch.setenv(MODEL_ENV, str(tmp_path / "nowhere"))
    assert main(["model", "check"]) == 2
    assert f"{tmp_path / 'nowhere'}: model directory does not exist" in capsys.readouterr().err
    assert main(["model", "context", "--out", str(tmp_path / "out")]) == 2
    assert f"{tmp_path / 'nowhere'}: model directory does not exist" in capsys.readouterr().err


def test_model_compile_checks_each_models_graph_options_once(
    tmp_path: Path, model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`model compile` checks the options of both models before staging either; staging
    them checked them all over again (each check writes a model.conf and reads it back).
    The real check runs; it is only counted."""
    from voiceskill.acoustic import graph

    companion = narrowband_companion(voiceskill.DEFAULT_MODEL_DIR)
    targets = [model]
    if companion is not None:
        shutil.copytree(companion, tmp_path / "model-8k")
        targets.append(tmp_path / "model-8k")
    checked: list[GraphConfig] = []
    real_check = graph.check_config

    def counted(cfg: GraphConfig) -> None:
        checked.append(cfg)
        real_check(cfg)

    monkeypatch.setattr(graph, "check_config", counted)
    words = tmp_path / "words.txt"
    words.write_text("yes\nno\n")
    assert main(["model", "compile", "--words", str(words), "--model", str(model)]) == 0
    assert len(checked) == len(targets)
    for target in targets:
        assert "no" in (target / "graph" / "words.txt").read_text().split()[::2], target


def test_staging_a_graph_directly_still_checks_its_options(model: Path) -> None:
    """compile_graph (model build, model context) and stage_graph itself get no check from
    `model compile`: bad options are refused there too, before anything is written."""
    before = _files(model)
    bad = GraphConfig(acoustic_scale=-1.0)
    for stage in (stage_graph, compile_graph):
        with pytest.raises(ValueError, match="--acoustic-scale=-1: must not be negative"):
            stage(["yes", "no"], model, bad)
        assert _files(model) == before
        assert not (model / STAGING_DIR).exists()
