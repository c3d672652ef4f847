"""Checks across items that a schema cannot express: references, reachability, safety rules.

They run on a structurally valid dialog (see ``schema.py``) and report every problem at the
line of the offending key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from voiceskill.dialog.model import QUESTION_COMMANDS, SEVERITY, Answer, Dialog, Node
from voiceskill.dialog.readback import WHEN
from voiceskill.dialog.schema import OUTCOME_NAMES
from voiceskill.errors import Problem
from voiceskill.yamlread import Path_, YamlDocument, walk_strings

#: The only placeholder a text may contain; the engine fills it in from the settings.
PLACEHOLDERS = ("emergency_number",)

#: Node the coach returns to when pain gets severe or spreads during the exercises.
RED_FLAGS_NODE = "red-flags"

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

#: The emergency number anywhere but right after "call ": the voice then reads it as a
#: quantity ("nine hundred and eleven"); voiceskill.speech.voice.spoken_form spells only a
#: number after "call".
_NUMBER_NOT_CALLED = re.compile(r"(?<!\bcall )\{emergency_number\}", re.IGNORECASE)
#: What the content must say instead.
CALL_THE_NUMBER = "'call {emergency_number}', so that the number is said digit by digit"


def number_not_called(text: str) -> bool:
    """Whether ``text`` names the emergency number other than as "call {emergency_number}"."""
    return bool(_NUMBER_NOT_CALLED.search(text))


@dataclass(frozen=True)
class Documents:
    """The three parsed dialog files, for line numbers."""

    triage: YamlDocument
    """triage.yaml: start and nodes."""

    outcomes: YamlDocument
    """outcomes.yaml: outcome messages."""

    intents: YamlDocument
    """intents.yaml: global intents and engine messages."""


def check_dialog(dialog: Dialog, docs: Documents) -> list[Problem]:
    """Every cross-reference and safety problem of ``dialog``."""
    problems = _references(dialog, docs)
    if not problems:  # with a dangling reference, reachability would only repeat it
        problems += _reachability(dialog, docs)
    if not problems:
        problems += _read_backs(dialog, docs)
    for check in (_answers, _texts, _thresholds, _near_misses):
        problems += check(dialog, docs)
    return problems


def targets(node: Node, again: bool = True) -> Iterator[tuple[Path_, str]]:
    """Every (path in triage.yaml, target) a node can lead to; without the answers that ask a
    question on the way again (``again: true``) when ``again`` is False: the ways forward."""
    base: Path_ = ("nodes", node.id)
    if node.next is not None:
        yield (*base, "next"), node.next
    for answer in node.answers:
        if again or not answer.again:
            yield (*base, "answers", answer.intent), answer.target
    if node.if_unsure is not None:
        yield (*base, "if_unsure"), node.if_unsure
    if node.if_asked_before is not None:
        yield (*base, "if_asked_before"), node.if_asked_before
    if node.if_reported is not None:
        yield (*base, "if_reported"), node.if_reported


def _references(dialog: Dialog, docs: Documents) -> list[Problem]:
    t = docs.triage
    problems = []
    if dialog.start not in dialog.nodes:
        problems.append(t.problem(("start",), f"unknown node '{dialog.start}'",
                                  "the id of a node in nodes"))
    if RED_FLAGS_NODE not in dialog.nodes:
        problems.append(t.problem(("nodes",), f"no node '{RED_FLAGS_NODE}'",
                                  "a statement 'red-flags' before the warning-sign questions "
                                  "(the coach returns there when pain gets worse)"))
    for name in dialog.nodes:
        if name in OUTCOME_NAMES:
            problems.append(t.problem(("nodes", name), f"node id '{name}' is an outcome name",
                                      "a node id different from every outcome name"))
    for node in dialog.nodes.values():
        for path, target in targets(node):
            if target in dialog.nodes or target in dialog.outcomes:
                continue
            if target in OUTCOME_NAMES:
                problem = f"outcome '{target}' is not defined in {docs.outcomes.file}"
            else:
                problem = f"unknown target '{target}'"
            problems.append(t.problem(path, problem, "a node id or one of "
                                      + ", ".join(OUTCOME_NAMES)))
    return problems


def _answers(dialog: Dialog, docs: Documents) -> list[Problem]:
    t = docs.triage
    problems = []
    for node in dialog.nodes.values():
        if not node.is_question:
            continue
        base: Path_ = ("nodes", node.id)
        intents = {a.intent for a in node.answers}
        heard: dict[str, str] = {}  # phrase -> intent, for every phrase of this turn
        for name in QUESTION_COMMANDS:
            for phrase in dialog.intents[name].phrases if name in dialog.intents else ():
                heard.setdefault(phrase, name)
        for answer in node.answers:
            path = (*base, "answers", answer.intent)
            if answer.intent in QUESTION_COMMANDS:
                problems.append(t.problem(path, f"'{answer.intent}' is handled by the engine at "
                                          "every question", "an answer such as yes or no"))
                continue
            if answer.phrases and answer.intent in dialog.intents:
                problems.append(t.problem(path, f"phrases given for the global intent "
                                          f"'{answer.intent}'", "a new answer name for "
                                          "question-specific phrases"))
            if not answer.phrases and answer.intent not in dialog.intents:
                problems.append(t.problem(path, f"unknown intent '{answer.intent}'",
                                          "a global intent (" + ", ".join(dialog.intents)
                                          + ") or phrases for this answer"))
                continue
            phrases = answer.phrases or dialog.intents[answer.intent].phrases
            problems += _extra_phrases(answer, phrases, path, docs)
            for phrase in (*phrases, *answer.extra_phrases, *answer.typed):
                other = heard.setdefault(phrase, answer.intent)
                if other != answer.intent:
                    problems.append(t.problem(path, f"phrase '{phrase}' already means '{other}' "
                                              "at this question", "each phrase to mean one thing"))
        problems += _not_answers(node, dialog, docs, heard)
        if node.if_unsure is not None and node.if_unsure in dialog.nodes:
            problems.append(t.problem((*base, "if_unsure"), f"'{node.if_unsure}' is a node",
                                      "an outcome: after the re-asks the conversation ends"))
        for key in ("if_asked_before", "if_reported"):
            if getattr(node, key) is not None:
                problems += _asked_before(node, dialog, docs, key)
        if node.tier is not None:
            problems += _tier(node, intents, docs)
        elif node.if_unsure is None:
            problems.append(t.problem(base, "a question without a tier has no if_unsure",
                                      "if_unsure: where to go when the person cannot answer"))
    return problems


def _extra_phrases(answer: Answer, phrases: tuple[str, ...], path: Path_,
                   docs: Documents) -> list[Problem]:
    """``extra_phrases`` only beside a global intent's phrases, none of them one of those."""
    if answer.extra_phrases and answer.phrases:
        return [docs.triage.problem((*path, "extra_phrases"), "extra_phrases beside phrases",
                                    "the phrases of a question-specific answer in phrases")]
    return [docs.triage.problem((*path, "extra_phrases"), f"'{phrase}' is already a phrase "
                                f"of '{answer.intent}'", "a phrase the intent does not have")
            for phrase in answer.extra_phrases if phrase in phrases]


def _not_answers(node: Node, dialog: Dialog, docs: Documents,
                 heard: dict[str, str]) -> list[Problem]:
    """Every intent of ``not_answers`` is a global one that is no answer or command here, and
    none of its phrases already means something else at this question (``heard``)."""
    problems = []
    for k, name in enumerate(node.not_answers):
        path: Path_ = ("nodes", node.id, "not_answers", "intents", k)
        if name not in dialog.intents or name in QUESTION_COMMANDS:
            what = "a question command" if name in QUESTION_COMMANDS else "an unknown intent"
            problems.append(docs.triage.problem(path, f"'{name}' is {what}",
                                                "a global intent that answers nothing here"))
        elif node.answer_for(name) is not None:
            problems.append(docs.triage.problem(path, f"'{name}' is an answer of this question",
                                                "a global intent that answers nothing here"))
        else:
            for phrase in dialog.intents[name].phrases:
                other = heard.setdefault(phrase, name)
                if other != name:
                    problems.append(docs.triage.problem(
                        path, f"phrase '{phrase}' of '{name}' already means '{other}' at this "
                        "question", "each phrase to mean one thing"))
    return problems


def _asked_before(node: Node, dialog: Dialog, docs: Documents,
                  key: str = "if_asked_before") -> list[Problem]:
    """A question is only ever reached twice when the coach handed back after pain, and
    ``if_reported`` after a warning sign was reported: what replaces it must not lead to the
    exercises (again)."""
    from voiceskill.dialog.flags import COACH_OUTCOME, reachable

    target = getattr(node, key) or ""
    if COACH_OUTCOME not in reachable(dialog, target):
        return []
    when = ("reached only after pain during the exercises" if key == "if_asked_before"
            else "reached only after a warning sign was reported")
    return [docs.triage.problem(("nodes", node.id, key),
                                f"'{target}' can lead to {COACH_OUTCOME}",
                                f"a way that ends without exercise ({when})")]


def _tier(node: Node, intents: set[str], docs: Documents) -> list[Problem]:
    t = docs.triage
    base: Path_ = ("nodes", node.id)
    tier = node.tier or ""
    problems = []
    if intents != {"yes", "no"}:
        problems.append(t.problem((*base, "answers"), f"a red-flag question (tier {tier}) "
                                  "accepts " + ", ".join(sorted(intents)), "exactly yes and no"))
    yes = node.answer_for("yes")
    if yes is not None and yes.target != tier and SEVERITY.get(yes.target, -1) < SEVERITY[tier]:
        problems.append(t.problem((*base, "answers", "yes"), f"yes to a red-flag question (tier "
                                  f"{tier}) leads to '{yes.target}'", f"the outcome {tier}"))
    if node.if_unsure in SEVERITY and SEVERITY[node.if_unsure] < SEVERITY[tier]:
        problems.append(t.problem((*base, "if_unsure"), f"'{node.if_unsure}' is less cautious "
                                  f"than the tier {tier}", "an outcome at least as cautious as "
                                  + " or ".join(o for o in OUTCOME_NAMES
                                                if SEVERITY[o] >= SEVERITY[tier])))
    return problems


def _reachability(dialog: Dialog, docs: Documents) -> list[Problem]:
    """Every node is reachable, the flow never loops, and every node can reach an outcome."""
    t = docs.triage
    entries = [n for n in (dialog.start, RED_FLAGS_NODE) if n in dialog.nodes]
    problems: list[Problem] = []
    reached: set[str] = set()
    on_path: list[str] = []

    def visit(name: str) -> None:  # depth-first; an edge back onto the path is a loop
        reached.add(name)
        on_path.append(name)
        for path, target in targets(dialog.nodes[name], again=False):
            if target in on_path:
                problems.append(t.problem(path, f"leads back to '{target}': the conversation "
                                          "could go round in a loop",
                                          "a node further on, or an outcome"))
            elif target in dialog.nodes and target not in reached:
                visit(target)
        on_path.pop()

    for entry in entries:
        if entry not in reached:
            visit(entry)
    ends: set[str] = set()  # nodes from which an answer or next can reach an outcome
    changed = True
    while changed:
        changed = False
        for node in dialog.nodes.values():
            if node.id not in ends and any(
                target in dialog.outcomes or target in ends
                for path, target in targets(node)
                if path[-1] != "if_unsure"
            ):
                ends.add(node.id)
                changed = True
    for node in dialog.nodes.values():
        path = ("nodes", node.id)
        if node.id not in reached:
            problems.append(t.problem(path, "unreachable: no path from the start leads here",
                                      "a next, answer, if_unsure, if_asked_before or if_reported "
                                      f"pointing to '{node.id}'"))
        if node.id not in ends:
            what = "no answer" if node.is_question else "it never"
            kind = "question" if node.is_question else "statement"
            problems.append(t.problem(path, f"a {kind} with no way out: {what} leads on to an "
                                      "outcome", "at least one path on to an outcome"))
    return problems


def _read_backs(dialog: Dialog, docs: Documents) -> list[Problem]:
    """A question holding ``{when}`` (the last answer read back) is reached only by answers
    of questions, and an answer with ``again: true`` leads to a question on the way to its
    own question, which is then asked again (no loop: the engine counts them)."""
    from voiceskill.dialog.flags import reachable

    t = docs.triage
    problems = []
    for node in dialog.nodes.values():
        texts = (node.text, *node.reprompts, node.text_if_screened or "")
        if any(WHEN in text for text in texts):
            ways = [(path, other) for other in dialog.nodes.values()
                    for path, target in targets(other) if target == node.id]
            bad = [path for path, other in ways if len(path) < 4 or path[2] != "answers"]
            if node.id == dialog.start or bad:
                how = ".".join(str(p) for p in bad[0]) if bad else "the start"
                problems.append(t.problem(
                    ("nodes", node.id), f"'{WHEN}' reads back the answer that led here, but "
                    f"{how} leads here without one", f"only answers of questions leading to a "
                    f"question with '{WHEN}'"))
        for answer in node.answers:
            target = dialog.nodes.get(answer.target)
            if answer.again and (target is None or not target.is_question
                                 or node.id not in reachable(dialog, answer.target)):
                problems.append(t.problem(
                    ("nodes", node.id, "answers", answer.intent),
                    f"again: '{answer.target}' is not a question on the way here",
                    "again: true only to a question that leads here, which is asked again"))
    return problems


def _texts(dialog: Dialog, docs: Documents) -> list[Problem]:
    """Placeholders other than {emergency_number}, and stray braces."""
    problems = []
    for doc in (docs.triage, docs.outcomes, docs.intents):
        for path, text in walk_strings(doc.data, ()):
            if "source" in path or path[-2:-1] == ("phrases",):
                continue
            for name in _PLACEHOLDER.findall(text):
                if name not in PLACEHOLDERS and not (doc is docs.triage and path[0] == "nodes"
                                                     and f"{{{name}}}" == WHEN):
                    problems.append(doc.problem(path, f"unknown placeholder '{{{name}}}'",
                                                "only {emergency_number}"))
            if number_not_called(text):
                problems.append(doc.problem(path, "the emergency number is not after 'call'",
                                            CALL_THE_NUMBER))
            if "{" in _PLACEHOLDER.sub("", text) or "}" in _PLACEHOLDER.sub("", text):
                problems.append(doc.problem(path, "unmatched brace in the text",
                                            "braces only around {emergency_number}"))
    return problems


def _thresholds(dialog: Dialog, docs: Documents) -> list[Problem]:
    """A misheard "no" skips a warning sign, so "no" must be at least as strict as "yes"."""
    yes, no = dialog.intents.get("yes"), dialog.intents.get("no")
    if yes is None or no is None or no.threshold >= yes.threshold:
        return []
    return [docs.intents.problem(("intents", "no", "threshold"),
                                 f"the threshold of no ({no.threshold}) is lower than that of "
                                 f"yes ({yes.threshold})", "no at least as strict as yes")]


def _near_misses(dialog: Dialog, docs: Documents) -> list[Problem]:
    """A near miss is one word that is no phrase and does not sound like one: the stricter
    second decoding hears it instead of the phrase, so "know" beside "no" would block every
    spoken "no" (Vosk picks between words that sound alike by the grammar, not the sound)."""
    from voiceskill.acoustic.lexicon import pronunciations

    phrases = {p for intent in dialog.intents.values() for p in intent.phrases}
    sounds = {pron: word for word in phrases if " " not in word
              for pron in pronunciations(word, use_espeak=False)}
    problems = []
    for intent in dialog.intents.values():
        for k, word in enumerate(intent.near_misses):
            path = ("intents", intent.name, "near_misses", k)
            alike = sorted({sounds[p] for p in pronunciations(word, use_espeak=False)
                            if p in sounds})
            if " " in word:
                problem = f"the near miss '{word}' is more than one word"
            elif word in phrases:
                problem = f"the near miss '{word}' is also a phrase"
            elif alike:
                problem = f"the near miss '{word}' sounds like the phrase '{alike[0]}'"
            else:
                continue
            problems.append(docs.intents.problem(
                path, problem, "one word that sounds almost, not exactly, like a phrase"))
    return problems
