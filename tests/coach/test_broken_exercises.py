"""Broken copies of dialogs/exercises.yaml: each must be refused with its own one-line message
``file:line: key: what is wrong (expected ...)``.

Each case edits the shipped file in one place (the edit must match exactly once) and names the
line the message must point at by a piece of text on that line of the broken file."""

from __future__ import annotations

from pathlib import Path

import pytest

from voiceskill.coach.routine import DEFAULT_EXERCISES_FILE, check_exercises, load_exercises
from voiceskill.errors import ContentError

SHIPPED = DEFAULT_EXERCISES_FILE.read_text(encoding="utf-8")

#: (case id, text to replace, replacement, text on the line the message names or None for
#:  line 0/1, expected message after "file:line: ")
CASES = [
    ("not-yaml", "version: 1\n", "version: 1\nbad: [unclosed\n", None,
     "(yaml): malformed YAML"),
    ("duplicate-key", "    reps: 12\n", "    reps: 12\n    reps: 13\n", "    reps: 13",
     "exercises.bird-dog.reps: duplicate key 'reps' (first defined at line "),
    ("unknown-key", "    reps: 12\n", "    repz: 12\n", "repz",
     "exercises.bird-dog.repz: unknown key 'repz' (expected one of id, name, source"),
    ("misspelt-source", "    phrases: [bird dog, bird]\n", "    phrases: [bird dog, bird]\n"
     "    sourcE: x\n", "sourcE", "exercises.bird-dog.sourcE: unknown key 'sourcE'"),
    ("missing-source", "    source: 000_480a1478617cd6c5.txt\n    phrases: [walk,",
     "    phrases: [walk,", "  - id: walk",
     "exercises.walk.source: missing key 'source' (expected a seed file name"),
    ("missing-required", "    setup:\n      - Sit up tall on a chair.\n", "",
     "  - id: thoracic-rotation",
     "exercises.thoracic-rotation.setup: missing key 'setup' (expected the set-up steps"),
    ("bad-source", "    source: 000_480a1478617cd6c5.txt\n    phrases: [walk,",
     "    source: my notes\n    phrases: [walk,", "source: my notes",
     "exercises.walk.source: 'my notes' is not valid here (expected a seed file name"),
    ("zero-hold", "    hold: 5\n    into: Reach", "    hold: 0\n    into: Reach", "hold: 0",
     "exercises.bird-dog.hold: 0 is out of range (expected a number above 0 and at most 3600)"),
    ("absurd-hold", "    hold: 1200\n", "    hold: 99999\n", "hold: 99999",
     "exercises.heat.hold: 99999 is out of range"),
    ("text-hold", "    hold: 30\n", "    hold: thirty\n", "hold: thirty",
     "exercises.hamstring-stretch.hold: is text (expected a number above 0 and at most 3600)"),
    ("fractional-reps", "    reps: 8\n    hold: 5\n", "    reps: 8.5\n    hold: 5\n", "reps: 8.5",
     "exercises.thoracic-rotation.reps: is a decimal number (expected a whole number from 1"),
    ("absurd-reps", "    reps: 10\n    moves:\n      - Let",
     "    reps: 500\n    moves:\n      - Let", "reps: 500",
     "exercises.cat-cow.reps: 500 is out of range (expected a whole number from 1"),
    ("nerve-phrase-as-word", "  words: [numb, numbness,", "  words: [my leg is numb, numbness,",
     "my leg is numb, numbness",
     "nerve.words[0]: 'my leg is numb' is not valid here (expected one lower-case word"),
    ("report-without-words", "      words: [i fell, fell over, fell down, fell off, i've fallen,"
     " i have fallen, had a fall,\n              fallen over, fallen down, i slipped, i tripped,"
     " i collapsed]\n", "", "    - id: fall",
     "signs.reports.fall: missing key 'words' (expected words, or absent"),
    ("nerve-without-source", "  source: 003_4ff19ceaa20ef4af.txt\n  words: [numb,",
     "  words: [numb,", "nerve:",
     "nerve.source: missing key 'source' (expected a seed file name"),
    ("nerve-without-counts-as", "  counts_as:\n    question: leg", "  count_as:\n    question: leg",
     "nerve:", "nerve.counts_as: missing key 'counts_as' (expected question, answer and say"),
    ("bare-true", '"yes": ["yes", yeah', '"yes": [true, yeah', "yeah, yes it is",
     "answers.yes[0]: true/false without quotes is read as a boolean, not as text"),
    ("unknown-routine-item", "routine: [heat, cat-cow, walk]", "routine: [heat, cat-cow, jog]",
     "routine: [heat, cat-cow, jog]",
     "phases.days-4-7.routine[2]: unknown exercise 'jog' (expected an id from exercises)"),
    ("too-early-in-routine", "routine: [walk, prone-over-pillow, ice]",
     "routine: [walk, prone-over-pillow, ice, heat]",
     "routine: [walk, prone-over-pillow, ice, heat]",
     "phases.first-72-hours.routine[3]: 'heat' is not allowed before 'days-4-7'"),
    ("duplicate-id", "  - id: ice\n", "  - id: walk\n", "  - id: walk\n    name: ice",
     "exercises.walk.id: duplicate id 'walk' (expected each id once)"),
    ("unknown-earliest", "    earliest: week-4\n", "    earliest: month-3\n", "month-3",
     "exercises.dead-bugs.earliest: unknown phase 'month-3' (expected an id from phases)"),
    ("hold-and-moves", "    release: And let go.\n", "    release: And let go.\n    moves: [x]\n",
     "  - id: shoulder-blade-reset", "exercises.shoulder-blade-reset: has hold and moves of "
     "hold/moves/practice (expected exactly one of hold, moves or practice)"),
    ("practice-with-reps", "    practice: true\n", "    practice: true\n    reps: 5\n", "reps: 5",
     "exercises.hip-hinge.reps: 'reps' makes no sense for open practice"),
    ("moves-without-reps", "    reps: 10\n    moves:\n      - Slowly", "    moves:\n      - Slowly",
     "  - id: nerve-glides", "exercises.nerve-glides.reps: missing key 'reps'"),
    ("unknown-placeholder", "Reach your {name} out", "Reach your {limb} out", "{limb}",
     "exercises.bird-dog.into: uses {limb} that the sides do not give (expected {id}, {name})"),
    ("phrase-two-meanings", "phrases: [bird dog, bird]", "phrases: [bird dog, pause]",
     "phrases: [bird dog, pause]",
     "exercises.bird-dog.phrases[1]: phrase 'pause' already means command pause"),
    ("phrase-punctuation", "phrases: [bird dog, bird]", "phrases: [Bird-Dog, bird]",
     "phrases: [Bird-Dog, bird]",
     "exercises.bird-dog.phrases[0]: 'Bird-Dog' is not valid here (expected lower-case words"),
    ("template-placeholder", "  side: Now the {side}.", "  side: Now the {limb}.", "{limb}",
     "say.side: unknown placeholder {limb} (expected {side})"),
    ("after-routine-placeholder", "call {emergency_number} straight away",
     "call {number} straight away", "    - >-\n      If you later",
     "after_routine.say[0]: unknown placeholder {number} (expected {emergency_number} or no "
     "placeholder)"),
    ("pain-help-placeholder", "    If you need someone to help you, call {emergency_number}.",
     "    If you need someone to help you, call {number}.", "  help: >-\n    If you need",
     "pain.help: unknown placeholder {number} (expected {emergency_number} or no placeholder)"),
    ("help-unanswered-placeholder", "    call {emergency_number} now.\n",
     "    call {number} now.\n", "  unanswered: >-",
     "help_now.unanswered: unknown placeholder {number} (expected {emergency_number} or no "
     "placeholder)"),
    ("help-call-not-called", "  call: If you need someone to help you, call {emergency_number}",
     "  call: If you need someone to help you, dial {emergency_number}", "  call: If you",
     "help_now.call: the emergency number is not after 'call'"),
    ("missing-help-call", "  call: If you need someone to help you, call {emergency_number} now.\n",
     "", "\nhelp_now:", "help_now.call: missing key 'call'"),
    ("missing-help-limit", "  paused_limit_seconds: 180\n", "", "\nhelp_now:",
     "help_now.paused_limit_seconds: missing key 'paused_limit_seconds'"),
    # review finding 13a (session 35): heat allowed in the first 72 hours was "ok"
    ("heat-in-first-days", "    phrases: [heat, heat pack, warm pack]\n    earliest: days-4-7",
     "    phrases: [heat, heat pack, warm pack]\n    earliest: first-72-hours",
     "earliest: first-72-hours\n    unit: minutes\n    setup:\n      - Heat is only",
     "exercises.heat.earliest: 'first-72-hours' allows it in 'first-72-hours', whose 'never' "
     "lists 'heat' (expected an earliest phase after 'first-72-hours')"),
    ("heat-in-any-phase", "    phrases: [heat, heat pack, warm pack]\n    earliest: days-4-7\n",
     "    phrases: [heat, heat pack, warm pack]\n", "  - id: heat",
     "exercises.heat: no 'earliest' allows it always in 'first-72-hours', whose 'never' lists "
     "'heat'"),
    ("never-unknown", "    never: [heat]", "    never: [sauna]", "never: [sauna]",
     "phases.first-72-hours.never[0]: unknown exercise 'sauna' (expected an id from exercises)"),
    ("missing-pain-not-understood", "  not_understood: Sorry, I did not catch that.\n", "",
     "\npain:", "pain.not_understood: missing key 'not_understood'"),
    ("missing-pain-wait", "  wait: Take your time. I am listening.\n", "", "\npain:",
     "pain.wait: missing key 'wait'"),
    ("missing-after-routine", "after_routine:\n", "after_the_routine:\n", "version: 1",
     "after_routine: missing key 'after_routine' (expected source and say"),
    ("missing-template", "  hold: Hold.\n", "", "\nsay:",
     "say.hold: missing key 'hold' (expected a line for the coach to say"),
    ("missing-command", "  help: [help]\n", "", "\ncommands:",
     "commands.help: missing key 'help' (expected a list of phrases)"),
    ("unknown-skip", "skip: [nerve-glides, dead-bugs]", "skip: [nerve-glides, dead-bug]",
     "skip: [nerve-glides, dead-bug]",
     "cautions.leg-weakness.skip[1]: unknown exercise 'dead-bug'"),
    ("skip-without-flag", "    flag: leg-weakness\n", "", "  - id: leg-weakness",
     "cautions.leg-weakness: 'skip' needs a 'flag'"),
    ("one-side", "      - {id: left, name: left leg}\n", "", "    sides:\n      - {id: right, "
     "name: right leg}", "exercises.hamstring-stretch.sides: has 1 item (expected two sides"),
    ("same-side-twice", "      - {id: left, name: left leg}", "      - {id: right, name: left leg}",
     "    sides:\n      - {id: right, name: right leg}",
     "exercises.hamstring-stretch.sides: two sides share an id"),
    ("version", "version: 1\n", "version: 2\n", "version: 2",
     "version: 2 is not supported (expected 1)"),
    ("stop-checked", "  commands: [resume, next,", "  commands: [stop, next,",
     "commands: [stop, next,",
     "checked.commands[0]: 'stop' is not allowed (expected a command other than stop, pause"),
    ("missing-checked", "checked:\n  threshold: 0.55\n", "checks:\n  threshold: 0.55\n",
     "version: 1", "checked: missing key 'checked' (expected threshold and commands"),
    ("threshold-at-doubt-line", "  threshold: 0.55\n", "  threshold: 0.5\n", "threshold: 0.5",
     "checked.threshold: 0.5 is out of range (expected a number above 0.5 and at most 1)"),
    ("barge-in-not-a-phrase", "barge_in: [next, skip,", "barge_in: [nxt, skip,",
     "barge_in: [nxt", "barge_in[0]: 'nxt' is not a phrase of any command"),
    ("barge-in-stop-phrase", "barge_in: [next, skip,", "barge_in: [quit, skip,",
     "barge_in: [quit", "barge_in[0]: 'quit' is a phrase of stop, which barges in anyway"),
    ("barge-in-twice", "barge_in: [next, skip,", "barge_in: [next, next,",
     "barge_in: [next", "barge_in[1]: 'next' is listed twice"),
    ("decoy-command", "decoys: [good, okay,", "decoys: [quit, okay,",
     "decoys: [quit", "decoys[0]: 'quit' is a phrase of a command"),
    ("decoy-twice", "decoys: [good, okay,", "decoys: [good, good,",
     "decoys: [good", "decoys[1]: 'good' is listed twice"),
    ("missing-barge-in", "barge_in: [next, skip,", "barge_ins: [next, skip,",
     "version: 1", "barge_in: missing key 'barge_in'"),
    ("bad-pacing", "  rest_seconds: 30 ", "  rest_seconds: -30 ", "rest_seconds: -30",
     "pacing.rest_seconds: -30 is out of range"),
    ("number-not-called", "or weakness in your legs, call {emergency_number} straight away.",
     "or weakness in your legs, ring {emergency_number} straight away.",
     "    - >-\n      If you later",
     "after_routine.say[0]: the emergency number is not after 'call'"),
]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "exercises.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("old", "new", "marker", "message"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_broken_file_gets_its_message(tmp_path: Path, old: str, new: str,
                                      marker: str | None, message: str) -> None:
    assert SHIPPED.count(old) == 1, f"the edit {old!r} must match the shipped file once"
    broken = SHIPPED.replace(old, new)
    path = write(tmp_path, broken)
    with pytest.raises(ContentError) as caught:
        load_exercises(path, "ex.yaml")
    lines = [str(p) for p in caught.value.problems]
    if marker is None:  # a YAML error: reported where the parser noticed it, past the edit
        edited_line = SHIPPED.count("\n", 0, SHIPPED.index(old)) + 1
        assert any(x.startswith("ex.yaml:") and message in x
                   and int(x.split(":")[1]) >= edited_line for x in lines), lines
        return
    at = broken.index(marker) + (1 if marker.startswith("\n") else 0)
    line = broken.count("\n", 0, at) + 1
    assert any(x.startswith(f"ex.yaml:{line}: {message}") for x in lines), (line, lines)


def test_the_shipped_file_is_valid() -> None:
    assert check_exercises() == []


def test_missing_and_empty_files(tmp_path: Path) -> None:
    problems = check_exercises(tmp_path / "nope.yaml", "nope.yaml")
    assert [str(p) for p in problems] == [
        "nope.yaml:0: (file): file not found (expected a YAML file here)"]
    problems = check_exercises(write(tmp_path, "# nothing\n"), "ex.yaml")
    assert [str(p) for p in problems] == [
        "ex.yaml:0: (file): the file is empty (expected a YAML mapping)"]
    problems = check_exercises(write(tmp_path, "- a list\n"), "ex.yaml")
    assert [str(p) for p in problems] == [
        "ex.yaml:1: (top): is a list (expected a mapping of sections: version, pacing, phases, "
        "cautions, exercises, pain, nerve, signs, denials, help_now, after_routine, commands, "
        "checked, barge_in, answers, say)"]


def test_bare_yes_and_no_are_read_as_the_words(tmp_path: Path) -> None:
    """YAML 1.1 would turn a bare yes/no into true/false; the reader keeps the words."""
    bare = SHIPPED.replace('"yes": ["yes"', 'yes: [yes').replace('"no": ["no"', 'no: [no')
    assert bare != SHIPPED
    answers = load_exercises(write(tmp_path, bare), "ex.yaml").answers
    assert answers == load_exercises().answers
    assert answers["yes"][0] == "yes" and answers["no"][0] == "no"


def test_every_problem_is_one_line_naming_file_line_and_key(tmp_path: Path) -> None:
    broken = SHIPPED.replace("    hold: 30\n", "    hold: thirty\n").replace(
        "routine: [heat, cat-cow, walk]", "routine: [heat, cat-cow, jog]")
    with pytest.raises(ContentError) as caught:
        load_exercises(write(tmp_path, broken), "ex.yaml")
    for line in str(caught.value).splitlines():
        file, number, rest = line.split(":", 2)
        assert file == "ex.yaml" and int(number) > 0 and ": " in rest
