"""Screening flags the coach acts on (``leg-weakness``): set by the screening, handed to the coach
when the screening can still end in ``exercise``, and proven to escalate first when it cannot."""

from __future__ import annotations

import shutil
from pathlib import Path

import voiceskill
from voiceskill.cli import main
from voiceskill.conversation import Conversation, build_conversation
from voiceskill.dialog.content import check_content
from voiceskill.events import Action, End, Heard, Listen, Say, Started
from voiceskill.intents import match_intent

NO_RED_FLAGS = ["no"] * 21
LEG_WEAKNESS_QUESTIONS = {"leg-weakness-severe", "leg-symptoms-since-pop", "foot-drop"}

#: A question outside the red flags that records a mild weakness and goes on to the exercises
#: (not in the shipped dialog: it makes the flag reach the coach, to test the hand-over).
MILD_WEAKNESS_NODE = """\
  leg-check:
    ask: Does one of your legs feel a little weak today?
    reprompts:
      - Is one leg a little weak today? Please say yes or no.
    answers:
      yes: {to: start-exercises, sets: {leg-weakness: yes}}
      no: start-exercises
    if_unsure: advice
    source: 000_480a1478617cd6c5.txt

"""


def content_dir(tmp_path: Path, edit=lambda text: text) -> Path:
    """A copy of the shipped content with triage.yaml passed through ``edit``."""
    target = tmp_path / "dialogs"
    shutil.copytree(voiceskill.DIALOGS_DIR, target)
    triage = target / "triage.yaml"
    edited = edit(triage.read_text(encoding="utf-8"))
    triage.write_text(edited, encoding="utf-8")
    return target


def with_mild_weakness_question(text: str) -> str:
    before = "ask about seeing a rheumatologist.\n    next: start-exercises\n"
    assert text.count(before) == 1 and text.count("  start-exercises:\n") == 1
    text = text.replace(before, before.replace("start-exercises", "leg-check"))
    return text.replace("  start-exercises:\n", MILD_WEAKNESS_NODE + "  start-exercises:\n")


def converse(engine: Conversation, answers: list[str], start: str | None = None) -> list[Action]:
    """Steps the conversation with typed answers (from ``start`` when given); every action, in
    order. Stops at an End or when the answers run out."""
    state, actions = engine.step(engine.initial_state(), Started(start), 0.0)
    log = list(actions)
    for now, text in enumerate(answers, start=1):
        if any(isinstance(a, End) for a in actions):
            break
        listen = next(a for a in reversed(actions) if isinstance(a, Listen))
        state, actions = engine.step(state, Heard(text, match_intent(text, listen)), float(now))
        log += actions
    return log


def said(actions: list[Action]) -> str:
    return " ".join(a.text for a in actions if isinstance(a, Say))


def test_the_shipped_leg_weakness_flag_always_escalates_first() -> None:
    report = check_content(voiceskill.DIALOGS_DIR, None)
    assert report.ok, report.problems
    (route,) = [r for r in report.flags if r.flag == "leg-weakness"]
    assert {node for node, _ in route.set_by} == LEG_WEAKNESS_QUESTIONS
    assert not route.reaches_coach
    # Why it cannot: each question that reports it is a red flag, whose yes ends the screening.
    assert report.dialog is not None
    assert all(report.dialog.nodes[node].tier for node in LEG_WEAKNESS_QUESTIONS)


def test_check_says_where_the_flag_leads(capsys) -> None:
    assert main(["check", "--no-model"]) == 0
    out = capsys.readouterr().out
    assert ("flag leg-weakness: set by leg-weakness-severe (yes), leg-symptoms-since-pop (yes), "
            "foot-drop (yes); every one of them escalates") in out


def test_reporting_leg_weakness_ends_in_care_never_in_the_coach() -> None:
    engine = build_conversation(voiceskill.DIALOGS_DIR)
    for answers, outcome in ((["no", "no", "yes"], "emergency"),
                             (["no"] * 13 + ["yes"], "urgent"),
                             (["no"] * 14 + ["yes"], "urgent")):
        actions = converse(engine, [*answers, "two weeks ago", "yes"])
        ends = [a.outcome for a in actions if isinstance(a, End)]
        assert ends == [outcome], answers
        assert "nerve glides" not in said(actions).lower()


def test_a_flag_that_can_reach_exercise_is_handed_to_the_coach(tmp_path: Path) -> None:
    directory = content_dir(tmp_path, with_mild_weakness_question)
    report = check_content(directory, None)
    assert report.ok, report.problems
    (route,) = report.flags
    assert ("leg-check", "yes") in route.set_by and route.reaches_coach

    engine = build_conversation(directory)
    weak = said(converse(engine, [*NO_RED_FLAGS, "two weeks ago", "yes", "yes", "yes"]))
    assert "Because one of your legs feels weak, we leave out nerve glides" in weak
    not_weak = said(converse(engine, [*NO_RED_FLAGS, "two weeks ago", "yes", "no", "yes"]))
    assert "legs feels weak" not in not_weak
    assert "Nerve glides" in not_weak or "nerve glides" in not_weak


def test_a_flag_no_answer_sets_is_a_problem(tmp_path: Path) -> None:
    directory = content_dir(tmp_path, lambda t: t.replace(", sets: {leg-weakness: yes}", "")
                            .replace("        sets: {leg-weakness: yes}\n", ""))
    report = check_content(directory, None)
    lines = [str(p) for p in report.problems]
    exercises = directory / "exercises.yaml"
    line = exercises.read_text().splitlines().index("    flag: leg-weakness") + 1
    assert lines == [
        f"{exercises}:{line}: cautions.leg-weakness.flag: flag 'leg-weakness' is never set by "
        f"the screening (expected sets: {{leg-weakness: yes}} on the answers in "
        f"{directory / 'triage.yaml'} that report it)"]


def test_a_flag_is_never_cleared(tmp_path: Path) -> None:
    clears = "      no: {to: start-exercises, sets: {leg-weakness: no}}\n"
    directory = content_dir(tmp_path, lambda t: with_mild_weakness_question(t).replace(
        "      no: start-exercises\n", clears))
    lines = [str(p) for p in check_content(directory, None).problems]
    assert len(lines) == 1
    assert lines[0].endswith("nodes.leg-check.answers.no.sets.leg-weakness: 'no' for the coach "
                             "flag 'leg-weakness' (expected leg-weakness: yes (a flag is only ever "
                             "set, never cleared))")
