"""``Node.is_red_flag``: one name for "a question with a red-flag tier", which the engine,
the safety walk and ``voiceskill check`` each spelled ``node.tier in TIERS`` (task A.4,
session 37)."""

from __future__ import annotations

import voiceskill
from voiceskill.dialog.load import load_dialog
from voiceskill.dialog.model import TIERS

from .small_dialog import small_dialog


def test_a_node_with_a_tier_is_a_red_flag() -> None:
    nodes = small_dialog().nodes
    assert {n.id for n in nodes.values() if n.is_red_flag} == {"saddle", "fever", "tingling"}
    assert not nodes["when"].is_red_flag and not nodes["welcome"].is_red_flag


def test_the_shipped_red_flags_are_the_questions_with_a_tier() -> None:
    nodes = load_dialog(voiceskill.DIALOGS_DIR).nodes.values()
    flagged = [n for n in nodes if n.is_red_flag]
    assert flagged == [n for n in nodes if n.tier in TIERS]
    assert len(flagged) == 21  # voiceskill check: "25 questions, 21 red flags"
    assert all(n.is_question for n in flagged)
