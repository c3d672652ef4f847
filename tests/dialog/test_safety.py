"""The exhaustive safety walk: proves the invariants on the shipped dialogs, and catches
dialogs that break them (so the proof can fail)."""

from __future__ import annotations

from dataclasses import replace

import pytest

import voiceskill
from voiceskill.dialog.engine import ScreeningEngine
from voiceskill.dialog.load import load_dialog
from voiceskill.dialog.model import Answer, Node
from voiceskill.dialog.safety import check_safety

from .small_dialog import small_dialog


def violations(**overrides) -> list[str]:
    return check_safety(ScreeningEngine(small_dialog(**overrides))).violations


def test_small_dialog_is_safe_and_reaches_every_outcome():
    report = check_safety(ScreeningEngine(small_dialog()))
    assert report.violations == []
    assert set(report.outcomes) == {"emergency", "urgent", "see-clinician", "exercise",
                                    "advice", "stopped", "no-response"}


def test_yes_to_a_red_flag_that_continues_is_caught():
    found = violations(saddle={"answers": (Answer("yes", "fever"), Answer("no", "fever"))})
    assert any("'yes' to a emergency question does not end in emergency" in v for v in found)


def test_skipping_a_red_flag_is_caught():
    found = violations(saddle={"answers": (Answer("yes", "emergency"), Answer("no", "tingling"))})
    assert any("reaches exercise without a 'no' to fever" in v for v in found)


def test_unsure_leading_home_is_caught():
    found = violations(fever={"if_unsure": "exercise"})
    assert any("on a urgent question ends in exercise" in v for v in found)


def test_a_tier_one_yes_that_offers_exercise_is_caught():
    found = violations(saddle={"answers": (Answer("yes", "go"), Answer("no", "fever"))})
    assert any("does not end in emergency" in v for v in found)


class _BackThatKeepsTheAnswer(ScreeningEngine):
    """A broken "go back": asks the question again but keeps the answer it was to withdraw."""

    def _go_back(self, state, node):
        question, _ = state.undo[-1]
        return self.enter(replace(state, undo=state.undo[:-1]), question)


def test_a_go_back_that_keeps_the_answer_is_caught():
    # its states never repeat (answers pile up), so the walk is cut short: the first "back" is
    # caught long before the limit
    found = check_safety(_BackThatKeepsTheAnswer(small_dialog()), limit=5_000).violations
    assert any("'back' does not only withdraw the last answer (to saddle)" in v for v in found)


class _WaitThatAnswersNo(ScreeningEngine):
    """A broken "wait": taken as the question's "no"."""

    def _on_heard(self, state, heard):
        if heard.intent == "wait":
            heard = replace(heard, intent="no")
        return super()._on_heard(state, heard)


def test_a_wait_taken_as_an_answer_is_caught():
    found = check_safety(_WaitThatAnswersNo(small_dialog()), limit=5_000).violations
    assert any("saddle=wait" in v and "'wait' moves the conversation" in v for v in found), found


class _ReportThatWaits(ScreeningEngine):
    """The engine before review finding 8: an emergency sign reported ("I wet myself") waits
    for its question, so the questions before it are asked first (silence there ended in
    no-response, "stop" in stopped)."""

    def _emergency_reported(self, state):
        return None


def test_an_emergency_report_that_waits_for_its_question_is_caught():
    """Two emergency questions: a report answering the second, said at the first (or during
    the exercises), must not wait for it."""
    dialog = small_dialog(saddle={"answers": (Answer("yes", "emergency"), Answer("no", "numb"))})
    dialog.nodes["numb"] = Node("numb", "Bladder trouble?", "test", tier="emergency",
                                answers=(Answer("yes", "emergency"), Answer("no", "fever")))
    report = check_safety(_ReportThatWaits(dialog), limit=20_000)
    found = report.violations
    assert any("numb=reported" in v and "does not end in emergency at once" in v
               for v in found), found
    assert any("coach>numb=reported" in v for v in found), found
    assert check_safety(ScreeningEngine(dialog)).violations == []


@pytest.mark.parametrize("number", ["911", "112", "999"])
def test_shipped_dialog_is_safe_on_every_path(number):
    engine = ScreeningEngine(load_dialog(voiceskill.DIALOGS_DIR), emergency_number=number)
    report = check_safety(engine)
    assert report.violations == []
    assert set(report.outcomes) == {"emergency", "urgent", "see-clinician", "exercise",
                                    "advice", "stopped", "no-response"}
    assert report.states > 100


def test_every_shipped_red_flag_is_asked_before_exercise():
    dialog = load_dialog(voiceskill.DIALOGS_DIR)
    tiers = [n.tier for n in dialog.nodes.values() if n.tier]
    assert tiers.count("emergency") == 10 and tiers.count("urgent") == 5  # 9 + read-back
    assert tiers.count("see-clinician") == 6
    # the walk above proves exercise needs a "no" to each of them
