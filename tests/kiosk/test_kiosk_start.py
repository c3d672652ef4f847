"""`voiceskill kiosk --start ID`: only where every warning-sign question is still ahead. An
exercise, or a dialog node past any of the red-flag questions (start-exercises,
time-since-pop), would skip them for every person who walks up to the box."""

from __future__ import annotations

import pytest

import voiceskill
from voiceskill.cli import main


@pytest.mark.parametrize("start", ["cat-cow", "no-such-node"])
def test_the_kiosk_refuses_to_start_anywhere_but_a_dialog_node(start: str, capfd) -> None:
    assert main(["kiosk", "--start", start]) == 2
    err = capfd.readouterr().err  # the kiosk funnels fd 2
    assert f"--start {start}: not a dialog node" in err
    assert "never starts at an exercise" in err


@pytest.mark.parametrize(
    ("start", "count", "first"),
    [("start-exercises", 21, "saddle-numbness"), ("time-since-pop", 21, "saddle-numbness"),
     ("bladder-control", 1, "saddle-numbness"), ("fever-back-pain", 10, "saddle-numbness")],
)
def test_the_kiosk_refuses_a_node_past_a_warning_sign_question(
    start: str, count: int, first: str, capfd
) -> None:
    assert main(["kiosk", "--start", start]) == 2
    assert (f"--start {start}: from there a session can reach the exercises or home advice "
            f"without asking {count} of the warning-sign questions (the first: {first}); the "
            "kiosk starts only where every one is still ahead, such as red-flags"
            ) in capfd.readouterr().err


@pytest.mark.parametrize("start", ["welcome", "red-flags", "saddle-numbness"])
def test_a_node_before_every_warning_sign_question_passes(start: str) -> None:
    from voiceskill.conversation import build_conversation
    from voiceskill.kiosk.build import check_kiosk_start

    dialog = build_conversation(voiceskill.PROJECT_ROOT / "dialogs", "911").screening.dialog
    check_kiosk_start(start, dialog)  # raises KioskSetupError otherwise
