""""I can't get up" is read as "I can't stand up" (task B.3, session 37).

Before, "I can't get up" during the exercises was only a call for help (a help pause: the
number, then "Say resume to carry on"), while "I can't stand up" was also the ``walking``
report: the call to action, then every red-flag question (none answered). On the floor, getting
up is standing up; either may be article 000's severe leg weakness or 003's weakness in the
legs, or pain (002: difficulty walking or standing), and a help pause alone could be left with
"resume" into the exercise, the legs never asked about. Now both are the report and the call.

At the screening's questions such a report had no call to action at all ("I can't stand up"
led back to the red-flag questions with no number said); a report said with a call for help
now says how to get help first there too, as the coach does.
"""

from __future__ import annotations

import pytest

from tests.coach.harness import coach
from tests.coach.test_absent_words import _ids, _reports, conversation
from tests.coach.test_nerve_signs import SITUATIONS, typed
from tests.dialog.test_flags import converse
from voiceskill.coach.engine import RED_FLAG_NODE
from voiceskill.events import End, Goto, Say

CANT_GET_UP = ["I can't get up", "I cannot get up off the floor", "I couldn't get up",
               "I'm unable to get up", "help, I can't get up"]


@pytest.mark.parametrize("text", [*CANT_GET_UP, "I can't stand up"])
def test_it_is_the_walking_report(text: str) -> None:
    assert _ids(text) == ("walking",)


@pytest.mark.parametrize("text", ["I can't get up that high", "I can't get my leg any higher",
                                  "I can't stand up straight"])
def test_a_stretch_or_a_stiff_back_is_none(text: str) -> None:
    assert _ids(text) is None


@pytest.mark.parametrize("where", SITUATIONS)
@pytest.mark.parametrize("text", [*CANT_GET_UP, "I can't stand up"])
def test_during_the_exercises_the_call_then_every_red_flag_question(where: str,
                                                                     text: str) -> None:
    state = SITUATIONS[where]
    state, actions = coach().step(state, typed(state.listen, text), 30.0)
    keys = [a.key for a in actions if isinstance(a, Say)]
    assert keys == ["coach:help-now", "sign:stop", "pain:red-flags"]
    call = next(a.text for a in actions if isinstance(a, Say))
    assert call == coach().book.help_now.call.replace("{emergency_number}", "911")
    assert actions[-1] == Goto(RED_FLAG_NODE, ())
    assert state.mode == "ended"


def test_im_stuck_is_still_a_help_pause() -> None:
    state = SITUATIONS["hold"]
    state, actions = coach().step(state, typed(state.listen, "I'm stuck"), 30.0)
    assert [a.key for a in actions if isinstance(a, Say)] == ["coach:help-now"]
    assert state.mode == "paused"


HELP_NOW = "If you need someone to help you now, call 911."


@pytest.mark.parametrize("start", ["start-exercises", "red-flags"])
@pytest.mark.parametrize("text", ["I can't get up", "I can't stand up"])
def test_at_a_question_how_to_get_help_then_the_report(start: str, text: str) -> None:
    actions = converse(conversation(), [text], start=start)
    assert _reports(actions) == ["walking"]
    says = [a.text for a in actions if isinstance(a, Say)]
    reported = next(i for i, t in enumerate(says) if t == HELP_NOW)
    assert "What you just told me can be a warning sign." in says[reported + 1:]
    assert not [a for a in actions if isinstance(a, End)]


def test_at_a_question_a_report_with_no_call_has_no_call() -> None:
    actions = converse(conversation(), ["I can't walk"], start="start-exercises")
    assert _reports(actions) == ["walking"]
    assert HELP_NOW not in [a.text for a in actions if isinstance(a, Say)]


def test_at_a_question_an_emergency_report_with_a_call_says_the_call_first() -> None:
    actions = converse(conversation(), ["help me, I wet myself"], start="start-exercises")
    says = [a.text for a in actions if isinstance(a, Say)]
    assert HELP_NOW in says and _reports(actions)[0] == "bladder"
    assert [a.outcome for a in actions if isinstance(a, End)] == ["emergency"]
