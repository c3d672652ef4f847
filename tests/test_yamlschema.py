"""One wording for schema problems in every content file (voiceskill.yamlschema).

The broken-file suites in tests/dialog and tests/coach cover each file's own cases; these
tests pin what the shared translator derives from a schema and that both kinds of file
word the same mistake the same way."""

from __future__ import annotations

from pathlib import Path

from voiceskill.coach.routine import DEFAULT_EXERCISES_FILE, check_exercises
from voiceskill.dialog import schema as dialog_schema
from voiceskill.yamlread import read_yaml
from voiceskill.yamlschema import validate

SHIPPED_EXERCISES = DEFAULT_EXERCISES_FILE.read_text(encoding="utf-8")


def problems(tmp_path: Path, text: str, schema: dict) -> list[str]:
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    document, found = read_yaml(path, "f.yaml")
    assert document is not None and not found
    return [str(p) for p in validate(document, schema)]


def test_without_hints_the_schema_itself_is_described(tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "properties": {
            "count": {"type": "integer", "minimum": 1, "maximum": 9},
            "seconds": {"type": "number", "exclusiveMinimum": 0},
            "lines": {"type": "array", "minItems": 3, "maxItems": 3},
            "mode": {"enum": ["fast", "slow"]},
        },
        "required": ["count", "seconds", "lines", "mode"],
    }
    assert problems(tmp_path, "count: 0\nseconds: 0\nlines: [a]\nmode: quick\n", schema) == [
        "f.yaml:1: count: 0 is out of range (expected a whole number from 1 to 9)",
        "f.yaml:2: seconds: 0 is out of range (expected a number above 0)",
        "f.yaml:3: lines: has 1 item (expected a list with exactly 3 items)",
        "f.yaml:4: mode: 'quick' is not allowed (expected one of fast, slow)",
    ]
    assert problems(tmp_path, "count: 2.5\nlines: []\nmode: slow\n", schema) == [
        "f.yaml:1: count: is a decimal number (expected a whole number from 1 to 9)",
        "f.yaml:1: seconds: missing key 'seconds' (expected a number above 0)",
        "f.yaml:2: lines: has 0 items (expected a list with exactly 3 items)",
    ]


def test_a_hint_in_the_schema_wins_over_the_description(tmp_path: Path) -> None:
    schema = {"type": "object", "properties": {
        "level": {"type": "number", "maximum": 1, "x-expected": "a share from 0 to 1"}}}
    assert problems(tmp_path, "level: 2\n", schema) == [
        "f.yaml:1: level: 2 is out of range (expected a share from 0 to 1)"]


def test_unquoted_true_gets_the_boolean_hint_in_dialog_files_too(tmp_path: Path) -> None:
    """The hint came from the exercise reader; the dialog files now get it as well."""
    intents = ("intents:\n  yes:\n    phrases: [true, yeah]\n"
               "    source: voiceskill interaction design\n")
    found = problems(tmp_path, intents, dialog_schema.INTENTS)
    assert ("f.yaml:3: intents.yes.phrases[0]: true/false without quotes is read as a boolean, "
            "not as text (expected lower-case words separated by single spaces, e.g. say that "
            "again)") in found


def test_a_dialog_file_and_the_exercise_file_word_a_stray_key_alike(tmp_path: Path) -> None:
    dialog = problems(tmp_path, "start: a\nnodes: {}\nextra: 1\n", dialog_schema.TRIAGE)
    path = tmp_path / "exercises.yaml"
    path.write_text(SHIPPED_EXERCISES.replace("version: 1\n", "version: 1\nextra: 1\n"),
                    encoding="utf-8")
    exercises = [str(p) for p in check_exercises(path, "f.yaml")]
    assert "f.yaml:3: extra: unknown key 'extra' (expected one of start, nodes)" in dialog
    assert any(p.startswith("f.yaml:8: extra: unknown key 'extra' (expected one of version, ")
               for p in exercises), exercises


def test_nan_and_infinities_are_not_numbers_in_range(tmp_path: Path) -> None:
    """NaN passes every range test (nan > 3600 is false): a hold of .nan seconds never ended
    and wrote silence lines until the disk was full. It is refused like any wrong type."""
    schema = {"type": "object", "properties": {
        "hold": {"type": "number", "exclusiveMinimum": 0, "maximum": 3600},
        "reps": {"type": "integer", "minimum": 1},
        "threshold": {"type": "number", "minimum": 0, "maximum": 0.95,
                      "x-expected": "a confidence from 0 to 0.95"}}}
    assert problems(tmp_path, "hold: .nan\nreps: .inf\nthreshold: -.inf\n", schema) == [
        "f.yaml:1: hold: .nan is not a finite number (expected a number above 0 and at most 3600)",
        "f.yaml:2: reps: .inf is not a finite number (expected a whole number from 1 upwards)",
        "f.yaml:3: threshold: -.inf is not a finite number (expected a confidence from 0 to 0.95)",
    ]
    assert problems(tmp_path, "hold: 5.5\nreps: 2\nthreshold: 0.5\n", schema) == []
