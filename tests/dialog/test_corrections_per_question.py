""""No" to a read-back is counted per read-back question, not for the whole session (task A.2,
session 37).

An answer with ``again: true`` ("no" to "Ten days ago, is that right?") asks a question on the
way again; after MAX_REASKS of them the read-back's cautious branch is taken, so a misheard
number read back again and again cannot hold the session in that loop for ever. The count
bounds one read-back's loop: "no" twice at one read-back must not leave a second, different
read-back with a single try. The count is not reset by a new reading of the same read-back
("Twelve days ago?" after "Ten days ago?" was denied): that would unbound the loop.
"""

from __future__ import annotations

from dataclasses import replace

from voiceskill.dialog.engine import MAX_REASKS, ScreeningEngine
from voiceskill.dialog.model import Answer, Dialog, Node
from voiceskill.events import End, Heard, Say, Started

from .small_dialog import S, small_dialog


def two_read_backs() -> Dialog:
    """The small dialog with two read-backs: "when" (earlier) is read back before "go", and
    "go"'s yes is read back before the exercises; each "no" asks its question again."""
    dialog = small_dialog()
    nodes = dict(dialog.nodes)
    when = nodes["when"]
    nodes["when"] = replace(when, answers=(when.answers[0],
                                           replace(when.answers[1], target="check-when")))
    nodes["check-when"] = Node("check-when", "Earlier, is that right?", S,
                               answers=(Answer("yes", "go"),
                                        Answer("no", "when", again=True)),
                               if_unsure="advice")
    go = nodes["go"]
    nodes["go"] = replace(go, answers=(Answer("yes", "check-go"), go.answers[1]))
    nodes["check-go"] = Node("check-go", "Exercises now, is that right?", S,
                             answers=(Answer("yes", "exercise"),
                                      Answer("no", "go", again=True)),
                             if_unsure="advice")
    return replace(dialog, nodes=nodes)


def play(engine: ScreeningEngine, replies: list[str]):
    state, actions = engine.step(engine.initial_state(), Started(), 0.0)
    for reply in replies:
        state, actions = engine.step(state, Heard(reply, reply, 0.9), 1.0)
    return state, actions


SCREENED = ["no", "no", "no"]


def test_no_at_one_read_back_leaves_the_other_its_own_tries() -> None:
    engine = ScreeningEngine(two_read_backs())
    denied = ["earlier", "no"] * MAX_REASKS  # check-when denied twice, each time asked again
    state, actions = play(engine, [*SCREENED, *denied, "earlier", "yes", "yes", "no"])
    assert state.outcome is None, actions
    assert state.node == "go"
    assert [a.key for a in actions if isinstance(a, Say)] == ["question:go"]


def test_each_read_back_still_ends_in_its_cautious_branch_after_max_reasks() -> None:
    engine = ScreeningEngine(two_read_backs())
    state, actions = play(engine, [*SCREENED, "earlier", "yes", *["yes", "no"] * (MAX_REASKS + 1)])
    assert [a.outcome for a in actions if isinstance(a, End)] == ["advice"]
    state, actions = play(engine, [*SCREENED, *["earlier", "no"] * (MAX_REASKS + 1)])
    assert [a.outcome for a in actions if isinstance(a, End)] == ["advice"]


def test_a_new_reading_of_the_same_read_back_does_not_start_its_count_again() -> None:
    """The shipped read-back: "ten" denied, "twelve" denied, "fifteen" denied ends in advice
    (a reading per number would never end)."""
    import voiceskill
    from voiceskill.conversation import build_conversation

    conversation = build_conversation(voiceskill.DIALOGS_DIR)
    state, _ = conversation.step(conversation.initial_state(), Started("days-since-pop"), 0.0)
    for number in ("ten", "twelve", "fifteen"):
        state, _ = conversation.step(state, Heard(number, "week-2", 0.9), 1.0)
        state, actions = conversation.step(state, Heard("no", "no", 0.9), 2.0)
    assert [a.outcome for a in actions if isinstance(a, End)] == ["advice"]
