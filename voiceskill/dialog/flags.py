"""Screening flags the exercise coach acts on, and whether each can reach the coach at all.

An answer in triage.yaml records a flag with ``sets: {leg-weakness: yes}``; the conversation
hands every flag whose value is ``yes`` to the coach (:mod:`voiceskill.conversation`), and a
caution in exercises.yaml with ``flag: leg-weakness`` then leaves its exercises out.

Most flags are set by red-flag questions, whose "yes" ends the screening in a tier outcome: the
coach never starts after them. :func:`flag_routes` works that out from the dialog's arrows, so
``voiceskill check`` can say for every flag whether it reaches the coach or always escalates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from voiceskill.dialog.checks import targets
from voiceskill.dialog.model import Dialog

#: The only value of a flag the coach acts on.
FLAG_SET = "yes"

#: The outcome after which the coach starts.
COACH_OUTCOME = "exercise"


@dataclass(frozen=True)
class FlagRoute:
    """Where the screening sets one flag, and whether the coach can ever see it."""

    flag: str
    """Flag name, e.g. ``leg-weakness``."""

    set_by: tuple[tuple[str, str], ...]
    """(node id, answer intent) of every answer that sets the flag; empty = never set."""

    reaches_coach: bool
    """True when some path goes on from such an answer to ``exercise`` (the coach then acts
    on the flag); False when every answer that sets it ends the screening elsewhere first."""

    def describe(self) -> str:
        """One line for ``voiceskill check``."""
        if not self.set_by:
            return f"flag {self.flag}: never set by the screening"
        where = ", ".join(f"{node} ({intent})" for node, intent in self.set_by)
        if self.reaches_coach:
            return f"flag {self.flag}: set by {where}; reaches the coach, which acts on it"
        return (f"flag {self.flag}: set by {where}; every one of them escalates, so the coach "
                "never starts with it")


def flag_routes(dialog: Dialog, flags: Iterable[str]) -> dict[str, FlagRoute]:
    """For each flag: the answers that set it and whether ``exercise`` can follow them."""
    routes = {}
    for flag in flags:
        set_by = []
        reaches = False
        for node in dialog.nodes.values():
            for answer in node.answers:
                if (flag, FLAG_SET) in answer.sets:
                    set_by.append((node.id, answer.intent))
                    reaches = reaches or COACH_OUTCOME in reachable(dialog, answer.target)
        routes[flag] = FlagRoute(flag, tuple(set_by), reaches)
    return routes


def reachable(dialog: Dialog, target: str, avoiding: str | None = None) -> set[str]:
    """Every node and outcome that can follow ``target`` (itself included) by the dialog's
    arrows: answers, ``next`` and ``if_unsure``, never passing through node ``avoiding``. The
    engine's other ways out (stop, silence, a tier's outcome) end the screening, so
    ``exercise`` missing here can never be reached."""
    seen: set[str] = set()
    todo = [target]
    while todo:
        name = todo.pop()
        if name in seen or name == avoiding:
            continue
        seen.add(name)
        node = dialog.nodes.get(name)
        if node is not None:
            todo += [target for _path, target in targets(node, again=False)]
    return seen
