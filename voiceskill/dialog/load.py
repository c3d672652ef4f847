"""Load the screening dialog from dialogs/*.yaml: the one place sentences come from.

``load_dialog(directory)`` reads triage.yaml (start, nodes), outcomes.yaml (outcomes) and
intents.yaml (global intents, engine messages), validates their structure with JSON Schema,
then checks references and safety rules across them. Anything wrong raises
:class:`~voiceskill.errors.ContentError` listing every problem as
``file:line: key: what is wrong (expected ...)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from voiceskill.dialog import schema
from voiceskill.dialog.checks import Documents, check_dialog
from voiceskill.dialog.model import Answer, Dialog, Intent, Node, Outcome
from voiceskill.errors import ContentError, Problem
from voiceskill.yamlread import YamlDocument, read_yaml
from voiceskill.yamlschema import validate

#: The dialog files and the schema each must follow.
FILES = {
    "triage": ("triage.yaml", schema.TRIAGE),
    "outcomes": ("outcomes.yaml", schema.OUTCOMES),
    "intents": ("intents.yaml", schema.INTENTS),
}


def load_dialog(directory: Path) -> Dialog:
    """The screening dialog in ``directory``; raises ContentError with every problem found."""
    directory = Path(directory)
    documents: dict[str, YamlDocument] = {}
    problems: list[Problem] = []
    for part, (name, part_schema) in FILES.items():
        document, found = read_yaml(directory / name)
        problems += found
        if document is not None:
            problems += validate(document, part_schema)
            documents[part] = document
    if problems or len(documents) < len(FILES):
        raise ContentError(_in_order(problems, directory))
    docs = Documents(documents["triage"], documents["outcomes"], documents["intents"])
    dialog = build_dialog(docs)
    problems = check_dialog(dialog, docs)
    if problems:
        raise ContentError(_in_order(problems, directory))
    return dialog


def _in_order(problems: list[Problem], directory: Path) -> list[Problem]:
    """Problems file by file (triage, outcomes, intents), then by line; no repeats."""
    order = {str(directory / name): i for i, (name, _) in enumerate(FILES.values())}
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (order.get(p.file, len(order)), p.line))


def build_dialog(docs: Documents) -> Dialog:
    """The model objects of three schema-valid documents (references not yet checked)."""
    triage, outcomes, intents = docs.triage, docs.outcomes, docs.intents
    nodes = {
        node_id: _node(node_id, raw, triage.line(("nodes", node_id)))
        for node_id, raw in triage.data["nodes"].items()
    }
    return Dialog(
        start=triage.data["start"],
        nodes=nodes,
        outcomes={
            name: Outcome(name, tuple(_clean(p) for p in raw["say"]), _clean(raw["source"]),
                          outcomes.line(("outcomes", name)))
            for name, raw in outcomes.data["outcomes"].items()
        },
        intents={
            name: Intent(name, tuple(raw["phrases"]), float(raw.get("threshold", 0.0)),
                         intents.line(("intents", name)), tuple(raw.get("near_misses", ())))
            for name, raw in intents.data["intents"].items()
        },
        messages={name: _clean(text) for name, text in intents.data["messages"].items()},
    )


def _node(node_id: str, raw: dict[str, Any], line: int) -> Node:
    answers = tuple(_answer(intent, value) for intent, value in raw.get("answers", {}).items())
    return Node(
        id=node_id,
        text=_clean(raw.get("ask") or raw.get("say") or ""),
        source=_clean(raw["source"]),
        next=raw.get("next"),
        tier=raw.get("tier"),
        answers=answers,
        reprompts=tuple(_clean(r) for r in raw.get("reprompts", ())),
        help=_clean(raw["help"]) if raw.get("help") else None,
        if_unsure=raw.get("if_unsure"),
        if_asked_before=raw.get("if_asked_before"),
        if_reported=raw.get("if_reported"),
        not_answers=tuple(raw.get("not_answers", {}).get("intents", ())),
        not_answer_line=_clean(raw["not_answers"]["say"]) if raw.get("not_answers") else None,
        typed_only=tuple(raw.get("typed_only", ())),
        text_if_screened=_clean(screened) if (
            screened := raw.get("ask_if_screened") or raw.get("say_if_screened")) else None,
        line=line,
    )


def _answer(intent: str, value: str | dict[str, Any]) -> Answer:
    if isinstance(value, str):
        return Answer(intent, value)
    return Answer(
        intent,
        value["to"],
        tuple(value.get("phrases", ())),
        tuple((str(k), str(v)) for k, v in value.get("sets", {}).items()),
        _clean(value["say"]) if value.get("say") else None,
        tuple(value.get("typed", ())),
        tuple(value.get("reports", ())),
        float(value.get("threshold", 0.0)),
        tuple(value.get("extra_phrases", ())),
        bool(value.get("again", False)),
    )


def _clean(text: str) -> str:
    """One line, single spaces: folded YAML may leave line breaks in long sentences."""
    return " ".join(str(text).split())


def dialog_vocabulary(directory: Path) -> set[str]:
    """Every lower-case word of every phrase any turn listens for.

    Screening intents and question-specific answers, plus the coach's command and exercise
    phrases when ``voiceskill.coach`` offers them. The speech model's graph compiler uses this
    to make sure the model knows each word. Raises ContentError on a broken dialog.
    """
    return {word for phrase in listened_phrases(directory) for word in phrase.split()}


def listened_phrases(directory: Path) -> set[str]:
    """Every phrase (lower case) any turn listens for: screening intents (with their near
    misses, which the stricter second decoding listens for), question-specific answers, and the
    coach's commands and answers. Raises ContentError on a broken dialog."""
    directory = Path(directory)
    dialog = load_dialog(directory)
    phrases: list[str] = [p for intent in dialog.intents.values()
                          for p in (*intent.phrases, *intent.near_misses)]
    phrases += [p for node in dialog.nodes.values() for a in node.answers
                for p in (*a.phrases, *a.extra_phrases)]
    phrases += coach_phrases(directory)
    return {" ".join(phrase.lower().split()) for phrase in phrases}


def coach_phrases(directory: Path) -> list[str]:
    """The phrases the exercise coach listens for ([] when the directory has no exercises.yaml)."""
    path = Path(directory) / "exercises.yaml"
    if not path.exists():
        return []
    from voiceskill.coach.routine import load_exercises

    return load_exercises(path).all_phrases()
