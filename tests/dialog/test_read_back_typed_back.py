""""Go back" at the read-back of a later phase only when typed (task A.3, session 37).

At "Ten days ago, is that right?" a spoken "yeah" came back "back" for 2 of the 9 held-out
voices: the last answer withdrawn and the days question asked again (safe, but a "yes" lost).
The read-back's "no" asks the days again anyway, so its voice listen leaves "go back" and
"back" out (``typed_only: [back]`` in triage.yaml); typed, "go back" still withdraws the
answer. Measured (shipped model, session path, /tmp/s37/a/measure_rb3.py): "yeah" as yes
6 -> 8 of 9, the other answers as before but "nope" as no 7 -> 6; out-of-grammar clips taken
as yes there 1-2 of 233 either way (figures in triage.yaml).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import voiceskill
from tests.dialog.test_later_phase_read_back import READ_BACK, at, keys
from tests.dialog.test_load import BASE, problems_of
from voiceskill.dialog.load import load_dialog
from voiceskill.events import Heard, Listen, Record, Say

BACK = ("go back", "back", "previous question", "change my answer")


def read_back():
    conversation, state = at("days-since-pop")
    state, actions = conversation.step(state, Heard("ten", "week-2", 0.9), 1.0)
    assert state.screening.node == READ_BACK
    return conversation, state, next(a for a in reversed(actions) if isinstance(a, Listen))


def test_the_read_back_does_not_listen_for_go_back_by_voice() -> None:
    _, _, listen = read_back()
    assert not set(BACK) & set(listen.phrases)
    assert "back" not in dict(listen.thresholds)
    intents = {c.intent for c in listen.choices}
    assert {"yes", "no", "unsure", "repeat", "help", "stop", "wait"} <= intents


def test_every_other_question_still_does() -> None:
    for question in ("days-since-pop", "time-since-pop", "saddle-numbness"):
        conversation, _ = at(question)
        engine = conversation.screening
        listen = engine.listen_for(engine.dialog.nodes[question])
        assert set(BACK) <= set(listen.phrases), question


@pytest.mark.parametrize("typed", ["go back", "back", "um go back", "change my answer"])
def test_go_back_typed_at_the_read_back_withdraws_the_days(typed: str) -> None:
    conversation, state, _ = read_back()
    state, actions = conversation.step(state, Heard(typed, None, 1.0), 2.0)
    assert [a.data for a in actions if isinstance(a, Record) and a.type == "back"] == [
        {"node": READ_BACK, "to": "days-since-pop", "withdrawn": "week-2"}]
    assert "question:days-since-pop" in keys(actions)
    assert state.screening.node == "days-since-pop"
    assert state.screening.get("phase") is None


def test_typed_back_words_inside_other_words_are_no_command() -> None:
    conversation, state, _ = read_back()
    state, actions = conversation.step(state, Heard("my back hurts", None, 1.0), 2.0)
    assert state.screening.node == READ_BACK
    assert not [a for a in actions if isinstance(a, Record) and a.type == "back"]


def test_the_read_back_s_help_does_not_offer_go_back() -> None:
    conversation, state, _ = read_back()
    state, actions = conversation.step(state, Heard("help", "help", 1.0), 2.0)
    help_text = " ".join(a.text for a in actions if isinstance(a, Say))
    assert "go back" not in help_text and "say yes" in help_text.lower()
    assert state.screening.node == READ_BACK


def test_typed_only_names_back_only(tmp_path: Path) -> None:
    for name in ("intents", "outcomes"):
        shutil.copy(BASE / f"{name}.yaml", tmp_path / f"{name}.yaml")
    text = (BASE / "triage.yaml").read_text()
    unsure = "    if_unsure: advice\n"
    assert unsure in text
    triage = tmp_path / "triage.yaml"
    triage.write_text(text.replace(unsure, f"{unsure}    typed_only: [back]\n", 1))
    assert load_dialog(tmp_path).nodes  # back: fine
    triage.write_text(text.replace(unsure, f"{unsure}    typed_only: [stop]\n", 1))
    problems = problems_of(tmp_path)
    assert len(problems) == 1 and "typed_only[0]: 'stop' is not allowed" in problems[0], problems


def test_the_shipped_read_back_is_the_only_typed_only_question() -> None:
    dialog = load_dialog(voiceskill.DIALOGS_DIR)
    assert {n.id: n.typed_only for n in dialog.nodes.values() if n.typed_only} == {
        READ_BACK: ("back",)}
