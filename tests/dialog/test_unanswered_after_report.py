"""A warning sign reported, then silence or "stop" before its question comes: the session ends
in that sign's care, not in the bare "stopped" / "no-response" goodbye.

"my leg is numb" during the exercises hands back to the red-flag questions, which ask the
emergency ones first (the leg question waits, answered by the report). A "stop" or silence
there ended "All right, we will stop here. ... If you are worried about your symptoms, please
contact a doctor.": the person had told of a sign that needs a doctor today (article 003),
and heard it undersold (noticed by helper-56 after 3730d4d).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_run_text import run_text


@pytest.mark.parametrize("then, reason", [(["stop"], "stop"), ([], "silence")])
@pytest.mark.parametrize("report", ["my leg is numb", "my foot is dragging"])
def test_a_reported_urgent_sign_then_no_answer_ends_urgent(
        tmp_path: Path, report: str, then: list[str], reason: str) -> None:
    stdout, events = run_text(["next", report, *then], tmp_path, "--start", "days-4-7")
    assert "[outcome: urgent]" in stdout, stdout[-600:]
    assert "please contact a doctor" not in stdout
    assert "needs a doctor to look at it today" in stdout


def test_stop_without_a_report_still_stops(tmp_path: Path) -> None:
    stdout, _ = run_text(["next", "stop"], tmp_path, "--start", "days-4-7")
    assert "[outcome: stopped]" in stdout
