"""Numbness or weakness of a leg in everyday words during an exercise (review finding 2,
session 35): "I can't feel my leg", "my leg went dead", "my legs feel like jelly".

Before, none held a word of ``nerve.words`` (numb, tingling, weak, ...): typed during the
heat hold, each got "Sorry, I did not catch that" and the hold ran on (a second one in the
same exercise no reply at all). Now ``nerve.everyday`` (runs of words with a leg named, as
``signs:`` reports match them) makes each a nerve report: the exercise stops and the red-flag
questions are asked, the leg question answered. Talk about the stretch is no report.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.coach.harness import coach
from tests.coach.test_nerve_signs import SITUATIONS, typed
from tests.test_run_text import run_text
from voiceskill.coach.engine import RED_FLAG_NODE
from voiceskill.events import Goto, Say

#: The reviewer's five, and more said the same ways.
REPORTS = ["I can't feel my leg", "I lost feeling in my legs", "my leg went dead",
           "I can't move my leg", "my legs feel like jelly", "I cant feel my foot",
           "there's no feeling in my toes", "my foot has gone dead", "my leg fell asleep",
           "I can\u2019t feel my knee", "I cannot move my legs",
           "I'm losing the feeling in my foot"]
#: Everyday talk during the exercises, with "can't feel", "dead", "asleep" or a leg in it.
NOT_REPORTS = ["I can't feel the stretch", "I can't feel the stretch in my leg",
               "I can't feel anything", "I can't move my leg any further",
               "I can't move my leg that far", "I can't move", "I fell asleep",
               "my legs are tired", "the dead bugs are hard", "I feel it in my leg",
               "I can't feel it stretching my leg"]


@pytest.mark.parametrize("where", SITUATIONS)
@pytest.mark.parametrize("text", REPORTS)
def test_everyday_words_of_a_numb_or_weak_leg_are_a_nerve_report(where: str, text: str) -> None:
    state = SITUATIONS[where]
    state, actions = coach().step(state, typed(state.listen, text), 30.0)
    book = coach().book
    assert [a.text for a in actions if isinstance(a, Say)] == [book.nerve.say,
                                                               book.pain.red_flags]
    assert actions[-1] == Goto(RED_FLAG_NODE, (book.nerve.counts_as.answered(),))
    assert state.mode == "ended"


@pytest.mark.parametrize("text", NOT_REPORTS)
def test_talk_about_the_stretch_is_no_report(text: str) -> None:
    state = SITUATIONS["hold"]
    assert coach().intent_of(typed(state.listen, text)) not in ("nerve", "sign")


def test_typed_in_run_text_during_the_heat_hold(tmp_path: Path) -> None:
    """The reviewer's repro: "next" (to the heat hold), then "I can't feel my leg"."""
    stdout, events = run_text(["next", "I can't feel my leg", *["no"] * 13, "yes"], tmp_path,
                              "--start", "days-4-7")
    said = [e["text"] for e in events if e["type"] == "say"]
    book = coach().book
    assert book.nerve.say in said and book.say["not_caught"] not in said
    assert "Halfway." not in said
    assert "[outcome: urgent]" in stdout
