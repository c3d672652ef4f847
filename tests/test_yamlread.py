"""Plain YAML only: tags, aliases and deep nesting in a content file or a simulation script are
one line each (file:line: key: problem), never a traceback or gigabytes of memory."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from voiceskill.cli import main
from voiceskill.yamlread import read_yaml


def read(tmp_path: Path, text: str) -> tuple[object, list[str]]:
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    document, problems = read_yaml(path, "f.yaml")
    return (document.data if document else None), [str(p) for p in problems]


@pytest.mark.parametrize(("text", "problem"), [
    ("a: 1\nsource: !foo bar\n", "f.yaml:2: source: cannot read a value tagged '!foo'"),
    ("threshold: !!float abc\n", "f.yaml:1: threshold: cannot read a value tagged '!!float'"),
    ("reps: !!int x\n", "f.yaml:1: reps: cannot read a value tagged '!!int'"),
    ("x: !!python/name:os.system ''\n",
     "f.yaml:1: x: cannot read a value tagged '!!python/name:os.system'"),
    ("x: !!binary aGVsbG8=\n", "f.yaml:1: x: cannot read a value tagged '!!binary'"),
    ("l:\n  - ok\n  - !!python/tuple [1, 2]\n",
     "f.yaml:3: l[1]: cannot read a value tagged '!!python/tuple'"),
    ("m: !!set {a, b}\n", "f.yaml:1: m: cannot read a value tagged '!!set'"),
])
def test_a_tagged_value_is_one_problem(tmp_path: Path, text: str, problem: str) -> None:
    data, problems = read(tmp_path, text)
    assert data is None and problems == [f"{problem} (expected plain YAML)"]


def test_plain_values_and_standard_tags_still_read(tmp_path: Path) -> None:
    data, problems = read(tmp_path, "a: !!str 5\nb: 1.5\nc: [yes, no]\nd: 2024-01-01\ne: true\n")
    assert problems == []
    assert data == {"a": "5", "b": 1.5, "c": ["yes", "no"], "d": "2024-01-01", "e": True}


def test_an_alias_is_refused_before_it_is_expanded(tmp_path: Path) -> None:
    """The 'billion laughs': 9 levels of 9 aliases grew to 3.6 GB before."""
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ", ".join([f"*{previous}"] * 9) + "]")
    began = time.monotonic()
    data, problems = read(tmp_path, "\n".join(lines) + "\n")
    assert time.monotonic() - began < 5
    assert data is None and problems == [
        "f.yaml:2: (yaml): an alias (*a) is not allowed (expected each value written out in "
        "full, without & anchors and * aliases)"]


def test_a_recursive_alias_is_refused_too(tmp_path: Path) -> None:
    data, problems = read(tmp_path, "a: &a [1, *a]\n")
    assert data is None and problems[0].startswith("f.yaml:1: (yaml): an alias (*a) is not")


def test_very_deep_nesting_is_one_problem(tmp_path: Path) -> None:
    data, problems = read(tmp_path, "x: " + "[" * 20000 + "]" * 20000 + "\n")
    assert data is None and problems == [
        "f.yaml:1: (yaml): nested too deeply to read (expected lists and mappings at most 50 "
        "levels deep)"]


def test_check_and_simulate_report_a_tag_in_one_line(tmp_path: Path, capsys) -> None:
    from tests.dialog.test_check_cli import edited_content

    directory, intents, line = edited_content(tmp_path, "intents.yaml", "threshold: 0.7",
                                              "threshold: !!float abc")
    assert main(["check", str(directory), "--no-model"]) == 1
    (out,) = capsys.readouterr().out.splitlines()
    assert out.startswith(f"{intents}:{line}: intents.")
    assert out.endswith(".threshold: cannot read a value tagged '!!float' (expected plain YAML)")

    script = tmp_path / "s.yaml"
    script.write_text("replies:\n  - {text: !foo 'no'}\n")
    done = subprocess.run([sys.executable, "-m", "voiceskill", "simulate", str(script)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1] == (
        f"{script}:2: replies[0].text: cannot read a value tagged '!foo' (expected plain YAML)")


def test_the_shipped_content_uses_no_anchors_or_aliases() -> None:
    import voiceskill

    for path in sorted(voiceskill.DIALOGS_DIR.glob("*.yaml")):
        document, problems = read_yaml(path)
        assert document is not None and problems == [], path
