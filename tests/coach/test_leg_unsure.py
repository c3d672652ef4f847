""""My leg is not right" is a report (task B.4, session 37).

Before, a leg said to be wrong in uncertain words ("my leg is not right", "my leg feels
strange", "something's wrong with my leg") was no report during the exercises: "Sorry, I did
not catch that." and the exercise went on. It may be numbness, tingling or weakness in a leg
(article 003: serious signs requiring immediate medical evaluation; 000: never ignore leg
symptoms after the pop), or nothing. Not known, so, as for "I can't walk", the exercise stops
and every red-flag question is asked, none answered (the leg questions among them). A stretch
named with it, or the leg said fine, is none.
"""

from __future__ import annotations

import pytest

from tests.coach.harness import coach
from tests.coach.test_absent_words import _ids, _reports, conversation
from tests.coach.test_nerve_signs import SITUATIONS, typed
from tests.dialog.test_flags import converse
from voiceskill.coach.engine import RED_FLAG_NODE
from voiceskill.events import Goto, Say

UNSURE = ["my leg is not right", "My leg isn't right.", "my leg feels strange",
          "something's wrong with my leg", "my leg doesn't feel right", "my foot feels funny",
          "my knee feels weird"]

NONE = ["nothing's wrong with my leg", "my leg doesn't feel wrong",
        "my leg feels strange in this stretch", "my right leg is fine",
        "this doesn't feel right", "my back is not right", "am I doing it right with my leg"]


@pytest.mark.parametrize("text", UNSURE)
def test_it_is_a_report(text: str) -> None:
    assert _ids(text) == ("leg-unsure",)


@pytest.mark.parametrize("text", NONE)
def test_none(text: str) -> None:
    assert _ids(text) is None


@pytest.mark.parametrize("where", SITUATIONS)
@pytest.mark.parametrize("text", UNSURE)
def test_during_the_exercises_every_red_flag_question(where: str, text: str) -> None:
    state = SITUATIONS[where]
    state, actions = coach().step(state, typed(state.listen, text), 30.0)
    assert [a.key for a in actions if isinstance(a, Say)][-2:] == ["sign:stop", "pain:red-flags"]
    assert actions[-1] == Goto(RED_FLAG_NODE, ())
    assert state.mode == "ended"


def test_at_a_question_outside_the_red_flags_it_leads_to_them() -> None:
    actions = converse(conversation(), ["my leg is not right"], start="start-exercises")
    assert _reports(actions) == ["leg-unsure"]
