"""Loading dialogs/*.yaml: the shipped content, and every broken file under broken/.

Each broken case is one file ``<case>.<part>.yaml`` that replaces ``<part>.yaml`` of the valid
dialog in broken/base/; its ``# expect:`` lines list every problem the loader must report,
exactly (``file:line: key: problem``), and each problem must also say what would be valid.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import voiceskill
from voiceskill.dialog.load import dialog_vocabulary, load_dialog
from voiceskill.dialog.model import TIERS
from voiceskill.errors import ContentError

BROKEN = Path(__file__).parent / "broken"
BASE = BROKEN / "base"
PARTS = ("triage", "outcomes", "intents")
CASES = sorted(p for p in BROKEN.glob("*.yaml"))


def dialog_dir(tmp_path: Path, **replaced: Path) -> Path:
    """A copy of the base dialog with some parts replaced by other files."""
    for part in PARTS:
        shutil.copy(replaced.get(part, BASE / f"{part}.yaml"), tmp_path / f"{part}.yaml")
    return tmp_path


def problems_of(directory: Path) -> list[str]:
    """Every problem the loader reports, with the directory left out of file names."""
    with pytest.raises(ContentError) as caught:
        load_dialog(directory)
    lines = []
    for problem in caught.value.problems:
        assert problem.expected, f"no 'expected' hint in: {problem}"
        lines.append(f"{Path(problem.file).name}:{problem.line}: {problem.key}: {problem.problem}")
    return lines


def test_there_are_at_least_thirty_broken_cases():
    assert len(CASES) >= 30


def test_the_base_of_the_broken_cases_is_valid():
    dialog = load_dialog(BASE)
    assert dialog.start == "welcome"
    assert [a.intent for a in dialog.nodes["saddle"].answers] == ["yes", "no"]


@pytest.mark.parametrize("case", CASES, ids=[c.name.removesuffix(".yaml") for c in CASES])
def test_broken_dialog_is_refused_with_its_message(case: Path, tmp_path: Path):
    part = case.name.split(".")[-2]
    expected = [line.removeprefix("# expect: ").rstrip()
                for line in case.read_text().splitlines() if line.startswith("# expect: ")]
    assert expected, f"{case.name} has no '# expect:' line"
    assert problems_of(dialog_dir(tmp_path, **{part: case})) == expected


def test_a_missing_file_is_named(tmp_path: Path):
    dialog_dir(tmp_path)
    (tmp_path / "intents.yaml").unlink()
    assert problems_of(tmp_path) == ["intents.yaml:0: (file): file not found"]


def test_problems_in_several_files_are_all_reported(tmp_path: Path):
    found = problems_of(dialog_dir(tmp_path, triage=BROKEN / "unknown-tier.triage.yaml",
                                   intents=BROKEN / "threshold-absurd.intents.yaml"))
    assert found == [
        "triage.yaml:13: nodes.saddle.tier: 'critical' is not allowed",
        "intents.yaml:3: intents.yes.threshold: 1.5 is out of range",
    ]


def test_message_format_names_file_line_key_problem_and_expected(tmp_path: Path):
    with pytest.raises(ContentError) as caught:
        load_dialog(dialog_dir(tmp_path, triage=BROKEN / "unknown-target.triage.yaml"))
    assert str(caught.value) == (
        f"{tmp_path / 'triage.yaml'}:16: nodes.saddle.answers.no: unknown target 'whenn' "
        "(expected a node id or one of emergency, urgent, see-clinician, exercise, advice, "
        "stopped, no-response)"
    )


# ------------------------------------------------------------------ the shipped content


@pytest.fixture(scope="module")
def shipped():
    return load_dialog(voiceskill.DIALOGS_DIR)


def test_shipped_dialog_opens_with_the_disclaimer_then_red_flags(shipped):
    welcome = shipped.nodes[shipped.start]
    assert "not a diagnosis" in welcome.text and "{emergency_number}" in welcome.text
    assert welcome.next == "red-flags"
    assert not shipped.nodes["red-flags"].is_question


def test_shipped_red_flags_cover_every_tier_in_order(shipped):
    order, node = [], shipped.nodes[shipped.start]
    while node.next or node.answer_for("no"):
        if node.tier:
            order.append(node.tier)
        target = node.next or node.answer_for("no").target
        if target not in shipped.nodes:
            break
        node = shipped.nodes[target]
    assert order == sorted(order, key=TIERS.index), "tiers must come most severe first"
    # emergency: nine signs and the read-back of all of them
    assert {t: order.count(t) for t in TIERS} == {"emergency": 10, "urgent": 5,
                                                 "see-clinician": 6}


def test_shipped_nice_early_signs_name_their_source(shipped):
    nice = [n.id for n in shipped.nodes.values() if "NICE CKS" in n.source]
    assert nice == ["saddle-numbness", "sciatica-both-legs", "urine-start-difficulty",
                    "full-bowel-feeling", "genital-numbness", "sexual-dysfunction",
                    "emergency-check"]
    assert all(shipped.nodes[n].tier == "emergency" for n in nice)
    # the guideline's saddle anaesthesia or paraesthesia: tingling is asked as well as numbness
    assert all("tingling" in shipped.nodes[n].text for n in ("saddle-numbness", "genital-numbness"))


def test_shipped_time_since_pop_sets_the_coach_phases(shipped):
    from voiceskill.coach.routine import load_exercises

    phases = {p.id for p in load_exercises(voiceskill.DIALOGS_DIR / "exercises.yaml").phases}
    node, in_days = shipped.nodes["time-since-pop"], shipped.nodes["days-since-pop"]
    assert {dict(a.sets)["phase"] for n in (node, in_days) for a in n.answers if a.sets} == phases
    # "this week", "last week": two days ago or ten; asked again in days instead of a guess
    vague = next(a for a in node.answers if "last week" in a.phrases)
    assert vague.target == "days-since-pop" and not vague.sets
    assert node.if_unsure == in_days.if_unsure == "advice"
    assert node.if_asked_before == "exercise-hurt"  # back from the coach after pain
    today = next(a for a in node.answers if "today" in a.phrases)
    assert dict(today.sets) == {"phase": "first-72-hours"}


def test_shipped_yes_and_no_stay_words_not_booleans(shipped):
    assert [a.intent for a in shipped.nodes["saddle-numbness"].answers] == ["yes", "no"]
    assert "yes" in shipped.intents["yes"].phrases and "no" in shipped.intents["no"].phrases


def test_shipped_no_is_stricter_than_yes(shipped):
    assert shipped.intents["no"].threshold > shipped.intents["yes"].threshold


def test_shipped_folded_text_is_one_line(shipped):
    texts = [n.text for n in shipped.nodes.values()]
    texts += [p for o in shipped.outcomes.values() for p in o.say]
    assert all("\n" not in t and "  " not in t for t in texts)


def test_shipped_outcomes_that_end_with_worry_name_the_emergency_number(shipped):
    for name in ("emergency", "urgent", "see-clinician", "advice", "stopped", "no-response"):
        assert any("{emergency_number}" in p for p in shipped.outcomes[name].say), name


def test_vocabulary_has_every_word_listened_for(shipped):
    words = dialog_vocabulary(voiceskill.DIALOGS_DIR)
    assert {"yes", "no", "not", "sure", "repeat", "pardon", "stop", "yesterday", "weeks"} <= words
    assert {"bird", "dog", "pause", "louder"} <= words  # the coach's phrases (exercises.yaml)
    assert all(w == w.lower() and " " not in w and w for w in words)
    assert "saddle" not in words  # question text is spoken, not listened for
