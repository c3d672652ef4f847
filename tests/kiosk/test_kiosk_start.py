"""`voiceskill kiosk --start ID`: never an exercise (it would skip the warning-sign questions
for every person who walks up to the box)."""

from __future__ import annotations

import pytest

from voiceskill.cli import main


@pytest.mark.parametrize("start", ["cat-cow", "no-such-node"])
def test_the_kiosk_refuses_to_start_anywhere_but_a_dialog_node(start: str, capfd) -> None:
    assert main(["kiosk", "--start", start]) == 2
    err = capfd.readouterr().err  # the kiosk funnels fd 2
    assert f"--start {start}: not a dialog node" in err
    assert "never starts at an exercise" in err
