"""Walks every path of a dialog through the real engine and checks the safety invariants.

Not examples: every reachable state is visited with every kind of reply (each accepted intent,
"not understood", silence), so a proof over the shipped dialogs covers all conversations.

Invariants:
1. A "yes" to a tier question ends in that tier's outcome (or a more severe one) at once, and
   nothing after a tier-1 "yes" offers exercise.
2. Unsure, not understood, silence and a question's ``not_answers`` ("yes" when asked when)
   are never taken as an answer: the engine re-asks (at most
   twice), then ends in the cautious outcome — never ``exercise`` or ``advice`` for a red-flag
   question; only silence throughout gives ``no-response``.
3. ``exercise`` and ``advice`` are reached only after an explicit "no" to every red-flag question
   of the dialog.
4. "stop" ends in ``stopped``; "repeat" says the question again; "help" answers without moving;
   "wait" says so and moves nothing; past MAX_REPEATS such requests on one question, a further
   one counts as unsure (rule 2).
5. Every path ends: asking for "repeat" again and again ends where being unsure does.
6. "go back" only withdraws: it asks the last answered question again with that answer gone
   and ends nothing; with no answer to withdraw it is "repeat" (rule 4).
7. A warning sign reported in the person's own words that answers an emergency question "yes"
   ("I wet myself": :meth:`ScreeningEngine.report` at any question, or the coach's hand-back
   after the exercises, :meth:`ScreeningEngine.resume_at`) ends in the emergency at once, with
   no question asked first (rule 1 for a "yes" said in other words).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from voiceskill.dialog.engine import (
    MAX_REASKS,
    MAX_REPEATS,
    ScreeningEngine,
    ScreeningState,
    SignReport,
)
from voiceskill.dialog.flags import reachable
from voiceskill.dialog.model import SEVERITY, TIERS, Dialog, Outcome
from voiceskill.events import Action, End, Event, Heard, Listen, Say, Silence, Started

#: Requests a question grants MAX_REPEATS times without moving (rule 4).
REQUESTS = ("repeat", "help", "wait")

#: Outcomes that mean "no medical care needed now": only after every red flag was denied.
HOME_OUTCOMES = ("exercise", "advice")


@dataclass
class SafetyReport:
    """What the walk found."""

    violations: list[str] = field(default_factory=list)
    """One line per broken invariant, naming the path that breaks it."""

    states: int = 0
    """Distinct engine states visited."""

    outcomes: dict[str, int] = field(default_factory=dict)
    """How many distinct end states reach each outcome."""

    @property
    def ok(self) -> bool:
        """True when no invariant is broken."""
        return not self.violations


def red_flags_skipped(dialog: Dialog, start: str) -> list[str]:
    """The red-flag questions some path from node ``start`` passes by on its way to exercise
    or home advice (invariant 3 for a session begun there); empty when all are still ahead."""
    return [node.id for node in dialog.nodes.values() if node.is_red_flag
            and any(home in reachable(dialog, start, avoiding=node.id) for home in HOME_OUTCOMES)]


def check_safety(engine: ScreeningEngine, limit: int = 200_000) -> SafetyReport:
    """Explore every state of ``engine`` from its start and check the invariants."""
    report = SafetyReport()
    dialog = engine.dialog
    red_flags = {n.id for n in dialog.nodes.values() if n.is_red_flag}
    reports = emergency_reports(dialog)
    restart = next((n.id for n in dialog.nodes.values() if n.is_red_flag), dialog.start)
    start, actions = engine.step(engine.initial_state(), Started(), 0.0)
    stack: list[tuple[ScreeningState, list[Action], tuple[str, ...]]] = [(start, actions, ())]
    seen: set[ScreeningState] = set()
    while stack:
        state, actions, path = stack.pop()
        if state in seen:
            continue
        seen.add(state)
        report.states += 1
        if report.states > limit:
            report.violations.append(f"more than {limit} states: the dialog may not terminate")
            break
        end = _end(actions)
        if end is not None:
            report.outcomes[end] = report.outcomes.get(end, 0) + 1
            if end in HOME_OUTCOMES:
                denied = {node for node, intent in state.answers if intent == "no"}
                missing = sorted(red_flags - denied)
                if missing:
                    report.violations.append(
                        f"{_p(path)}: reaches {end} without a 'no' to {', '.join(missing)}"
                    )
            if end == "exercise":  # the coach runs: a report there hands back
                for answered in reports:
                    _check_report(engine.resume_at(state, restart, (answered,), told=True),
                                  (*path, f"coach>{answered[0]}=reported"), report)
            continue
        node = dialog.nodes[state.node] if state.node else None
        listen = _listen(actions) or (engine.listen_for(node) if node else None)
        if node is None or listen is None:
            report.violations.append(f"{_p(path)}: stops without an outcome or a question")
            continue
        for label, event in _replies(listen):
            new_state, new_actions = engine.step(state, event, 0.0)
            here = (*path, f"{node.id}={label}")
            _check_step(engine, node.id, state, event, label, new_state, new_actions, here, report)
            if new_state != state:
                stack.append((new_state, new_actions, here))
        for answered in reports:
            heard = Heard("(a report)", None, 1.0)
            _check_report(engine.report(state, heard, SignReport(("walk",), (answered,)), restart),
                          (*path, f"{node.id}>{answered[0]}=reported"), report)
        _check_silence_run(engine, node.id, state, path, report)
        _check_repeat_run(engine, node.id, state, path, report)
    return report


def _check_step(engine, node_id, state, event, label, new_state, actions, path, report) -> None:
    node = engine.dialog.nodes[node_id]
    end = _end(actions)
    intent = event.intent if isinstance(event, Heard) else None
    if intent == "yes" and node.is_red_flag:
        if end is None or SEVERITY[end] < SEVERITY[node.tier]:
            report.violations.append(
                f"{_p(path)}: 'yes' to a {node.tier} question does not end in {node.tier}"
            )
        if node.tier == "emergency" and any(
            isinstance(a, Say) and "start-exercises" in a.key for a in actions
        ):
            report.violations.append(f"{_p(path)}: exercise offered after an emergency 'yes'")
    told = engine._tier_reported(state)  # a warning sign reported: stop ends in its care
    if intent == "stop" and end != (told or "stopped"):
        report.violations.append(f"{_p(path)}: 'stop' does not end in {told or 'stopped'}")
    if intent == "back" and state.undo:
        question = state.undo[-1][0]
        if end is not None or new_state.node != question or new_state.answers != state.answers[:-1]:
            report.violations.append(f"{_p(path)}: 'back' does not only withdraw the last answer "
                                     f"(to {question})")
        return
    if intent == "back":
        intent = "repeat"  # nothing to withdraw
    granted = intent in REQUESTS and state.repeats < MAX_REPEATS
    if granted and (new_state.node != state.node or new_state.answers != state.answers
                    or end is not None):
        report.violations.append(f"{_p(path)}: '{intent}' moves the conversation")
    if intent in REQUESTS and not any(isinstance(a, Say) and a.text for a in actions):
        report.violations.append(f"{_p(path)}: '{intent}' says nothing")
    unusable = (intent in (None, "unsure", *node.not_answers) or isinstance(event, Silence)
                or (intent in REQUESTS and not granted))
    if unusable:
        if end is None and new_state.node != node_id:
            report.violations.append(f"{_p(path)}: '{label}' was taken as an answer")
        if end is not None and node.is_red_flag and end != "no-response":
            if SEVERITY[end] < SEVERITY[node.tier]:
                report.violations.append(
                    f"{_p(path)}: '{label}' on a {node.tier} question ends in {end}"
                )
        if end in HOME_OUTCOMES and node.is_red_flag:
            report.violations.append(f"{_p(path)}: '{label}' on a red flag ends in {end}")
        if end is None and state.failures >= MAX_REASKS:
            report.violations.append(f"{_p(path)}: asked more than {MAX_REASKS} extra times")


def emergency_reports(dialog: Dialog) -> list[tuple[str, str, str]]:
    """One report per answer of an emergency question that ends the conversation (its "yes"),
    as the coach's ``counts_as`` gives it: (question id, intent, line said in its place)."""
    return [(node.id, answer.intent, "You told me so.")
            for node in dialog.nodes.values() if node.tier == TIERS[0]
            for answer in node.answers if isinstance(dialog.resolve(answer.target), Outcome)]


def _check_report(result: tuple[ScreeningState, list[Action]], path: tuple[str, ...],
                  report: SafetyReport) -> None:
    """Rule 7: the report's step ends in the emergency, with no question asked first."""
    _, actions = result
    end = _end(actions)
    asked = [a.key for a in actions if isinstance(a, Say) and a.key.startswith("question:")]
    if end is None or SEVERITY[end] < SEVERITY[TIERS[0]] or asked:
        report.violations.append(
            f"{_p(path)}: an emergency sign reported does not end in {TIERS[0]} at once "
            f"(got {end or 'no end'}{', asked ' + ', '.join(asked) if asked else ''})")


def _check_repeat_run(engine, node_id, state, path, report) -> None:
    """Asking for "repeat" again and again on a fresh question ends where being unsure does."""
    if state.failures or state.repeats:
        return
    repeated, unsure = state, state
    repeat_actions: list[Action] = []
    unsure_actions: list[Action] = []
    for _ in range(MAX_REPEATS + MAX_REASKS + 1):
        repeated, repeat_actions = engine.step(repeated, Heard("again", "repeat", 1.0), 0.0)
    for _ in range(MAX_REASKS + 1):
        unsure, unsure_actions = engine.step(unsure, Heard("not sure", "unsure", 1.0), 0.0)
    got, wanted = _end(repeat_actions), _end(unsure_actions)
    stuck = got is None and repeated.node == node_id
    if stuck or got != wanted or repeated.node != unsure.node:
        label = f"{node_id}=repeat x{MAX_REPEATS + MAX_REASKS + 1}"
        report.violations.append(
            f"{_p((*path, label))}: repeating does not end where being unsure does "
            f"(got {got or repeated.node}, unsure gives {wanted or unsure.node})"
        )


def _check_silence_run(engine, node_id, state, path, report) -> None:
    """Silence through every re-ask of a freshly asked question ends in no-response."""
    if state.failures:
        return
    actions: list[Action] = []
    for _ in range(MAX_REASKS + 1):
        state, actions = engine.step(state, Silence(8.0), 0.0)
    if _end(actions) != "no-response":
        report.violations.append(
            f"{_p((*path, node_id + '=silence x3'))}: silence throughout does not end in "
            f"no-response (got {_end(actions)})"
        )


def _replies(listen: Listen) -> list[tuple[str, Event]]:
    """One reply per accepted intent, plus not understood and silence."""
    replies: list[tuple[str, Event]] = []
    for intent in dict.fromkeys(c.intent for c in listen.choices):
        phrase = next(c.phrase for c in listen.choices if c.intent == intent)
        replies.append((intent, Heard(phrase, intent, 1.0)))
    replies.append(("not-understood", Heard("[unk]", None, 0.0)))
    replies.append(("silence", Silence(8.0)))
    return replies


def _end(actions: list[Action]) -> str | None:
    return next((a.outcome for a in actions if isinstance(a, End)), None)


def _listen(actions: list[Action]) -> Listen | None:
    return next((a for a in reversed(actions) if isinstance(a, Listen)), None)


def _p(path: tuple[str, ...]) -> str:
    return " > ".join(path) if path else "start"
