"""``voiceskill check`` refuses ``reports:`` on an answer of a question outside the red-flag
questions: there a report in the person's words leads back to the red-flag questions
(ScreeningEngine.report) and is never the answer, so the line silently did nothing."""

from __future__ import annotations

from pathlib import Path

from tests.dialog.dialog_copy import copy_dialogs
from voiceskill.dialog.content import check_content


def test_reports_on_a_question_without_a_tier_is_refused(tmp_path: Path) -> None:
    triage = copy_dialogs(tmp_path)
    text = triage.read_text()
    old = "      no: {to: advice, say: All right. We will leave the exercises for another time.}"
    assert old in text
    triage.write_text(text.replace(old, "      no: {to: advice, reports: [fall]}"))
    problems = [str(p) for p in check_content(tmp_path, None).problems]
    assert any("nodes.start-exercises.answers.no.reports" in p and "not a red-flag question" in p
               for p in problems), problems
    line = text.splitlines().index(old) + 1
    assert any(p.startswith(f"{triage}:{line}:") for p in problems), problems


def test_the_shipped_reports_are_accepted(tmp_path: Path) -> None:
    copy_dialogs(tmp_path)
    problems = [str(p) for p in check_content(tmp_path, None).problems]
    assert not any("reports" in p for p in problems), problems
