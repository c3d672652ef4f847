"""JSON Schemas of the dialog files, and jsonschema's errors turned into one-line problems.

Each schema item may carry ``x-expected``: the words shown after "expected" when the item is
wrong. Structure lives here; references between items are checked in ``checks.py``.
"""

from __future__ import annotations

import re
from typing import Any

import jsonschema

from voiceskill.errors import Problem
from voiceskill.yamlread import YamlDocument

#: Outcome names a dialog may define and lead to.
OUTCOME_NAMES = (
    "emergency", "urgent", "see-clinician", "exercise", "advice", "stopped", "no-response",
)

ID = {
    "type": "string",
    "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$",
    "x-expected": "lower-case words joined by hyphens, e.g. saddle-numbness",
}
TEXT = {
    "type": "string",
    "pattern": r"\S",
    "maxLength": 400,
    "x-expected": "a short spoken sentence or two (at most 400 characters)",
}
PARAGRAPH = {
    **TEXT, "maxLength": 600, "x-expected": "a short spoken paragraph (at most 600 characters)",
}
SOURCE = {
    "type": "string",
    "pattern": r"^\s*(\d{3}_[0-9a-f]{16}\.txt|NICE CKS cauda equina red flags|voiceskill "
               r"interaction design)(\s*,\s*(\d{3}_[0-9a-f]{16}\.txt|NICE CKS cauda equina red "
               r"flags|voiceskill interaction design))*\s*$",
    "x-expected": "a seed file name like 000_480a1478617cd6c5.txt, 'NICE CKS cauda equina red "
                  "flags' or 'voiceskill interaction design', several separated by commas",
}
PHRASE = {
    "type": "string",
    "pattern": r"^[a-z0-9']+( [a-z0-9']+)*$",
    "maxLength": 60,
    "x-expected": "lower-case words separated by single spaces, e.g. say that again",
}
PHRASES = {"type": "array", "items": PHRASE, "minItems": 1, "x-expected": "a list of phrases"}

ANSWER_OBJECT = {
    "type": "object",
    "properties": {
        "to": {**ID, "x-expected": "the node id or outcome name this answer leads to"},
        "phrases": PHRASES,
        "sets": {
            "type": "object",
            "propertyNames": ID,
            "additionalProperties": ID,
            "maxProperties": 4,
            "x-expected": "a mapping of names to values, e.g. {phase: days-4-7}",
        },
    },
    "required": ["to"],
    "additionalProperties": False,
    "x-expected": "a target, or a mapping with to, phrases and sets",
}
ANSWER = {
    "if": {"type": "string"},
    "then": {**ID, "x-expected": "the node id or outcome name this answer leads to"},
    "else": ANSWER_OBJECT,
}

QUESTION = {
    "properties": {
        "ask": TEXT,
        "tier": {"enum": ["emergency", "urgent", "see-clinician"],
                 "x-expected": "one of emergency, urgent, see-clinician"},
        "answers": {
            "type": "object",
            "propertyNames": ID,
            "additionalProperties": ANSWER,
            "minProperties": 1,
            "x-expected": "a mapping of answer intents to targets, e.g. {yes: emergency, no: next}",
        },
        "reprompts": {
            "type": "array", "items": TEXT, "minItems": 1, "maxItems": 2,
            "x-expected": "one or two shorter rephrasings (a question is re-asked at most twice)",
        },
        "help": TEXT,
        "if_unsure": {**ID, "x-expected": "the node id or outcome name for unsure answers"},
        "source": SOURCE,
    },
    "required": ["ask", "answers", "reprompts", "source"],
    "additionalProperties": False,
    "x-expected": "ask, answers, reprompts, source, and optionally tier, help, if_unsure",
}
STATEMENT = {
    "properties": {
        "say": PARAGRAPH,
        "next": {**ID, "x-expected": "the node id or outcome name that follows"},
        "source": SOURCE,
    },
    "required": ["say", "next", "source"],
    "x-missing": {"say": "say (a statement) or ask (a question)"},
    "additionalProperties": False,
    "x-expected": "say, next and source (a statement), or ask, answers ... (a question)",
}
NODE = {
    "type": "object",
    "if": {"required": ["ask"]},
    "then": QUESTION,
    "else": STATEMENT,
    "x-expected": "a mapping: a statement (say, next) or a question (ask, answers)",
}

TRIAGE = {
    "type": "object",
    "properties": {
        "start": {**ID, "x-expected": "the id of the first node"},
        "nodes": {
            "type": "object",
            "propertyNames": ID,
            "additionalProperties": NODE,
            "minProperties": 1,
            "x-expected": "a mapping of node ids to nodes",
        },
    },
    "required": ["start", "nodes"],
    "additionalProperties": False,
    "x-expected": "start and nodes",
}

OUTCOMES = {
    "type": "object",
    "properties": {
        "outcomes": {
            "type": "object",
            "propertyNames": {"enum": list(OUTCOME_NAMES),
                              "x-expected": "one of " + ", ".join(OUTCOME_NAMES)},
            "required": list(OUTCOME_NAMES),
            "x-missing": "all seven outcomes: " + ", ".join(OUTCOME_NAMES),
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "say": {"type": "array", "items": PARAGRAPH, "minItems": 1,
                            "x-expected": "a list of short paragraphs"},
                    "source": SOURCE,
                },
                "required": ["say", "source"],
                "additionalProperties": False,
                "x-expected": "say and source",
            },
            "x-expected": "a mapping of outcome names to outcomes",
        },
    },
    "required": ["outcomes"],
    "additionalProperties": False,
    "x-expected": "outcomes",
}

#: Intents every dialog must define (answers and the commands heard at every question).
REQUIRED_INTENTS = ("yes", "no", "unsure", "repeat", "help", "stop")
#: Lines the engine speaks on its own.
REQUIRED_MESSAGES = ("help", "not_understood", "silence", "unsure")

INTENTS = {
    "type": "object",
    "properties": {
        "intents": {
            "type": "object",
            "propertyNames": ID,
            "required": list(REQUIRED_INTENTS),
            "x-missing": "the intents heard at every question: " + ", ".join(REQUIRED_INTENTS),
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "phrases": PHRASES,
                    "threshold": {"type": "number", "minimum": 0, "maximum": 0.95,
                                  "x-expected": "a confidence from 0 to 0.95"},
                    "source": SOURCE,
                },
                "required": ["phrases", "source"],
                "additionalProperties": False,
                "x-expected": "phrases, source and optionally threshold",
            },
            "x-expected": "a mapping of intent names to intents",
        },
        "messages": {
            "type": "object",
            "properties": {name: TEXT for name in REQUIRED_MESSAGES},
            "required": list(REQUIRED_MESSAGES),
            "x-missing": "the engine's lines: " + ", ".join(REQUIRED_MESSAGES),
            "additionalProperties": False,
            "x-expected": ", ".join(REQUIRED_MESSAGES),
        },
    },
    "required": ["intents", "messages"],
    "additionalProperties": False,
    "x-expected": "intents and messages",
}

_TYPE_WORDS = {
    dict: "a mapping", list: "a list", str: "text", int: "a number", float: "a number",
    bool: "true/false", type(None): "empty",
}


def validate(document: YamlDocument, schema: dict[str, Any]) -> list[Problem]:
    """Every way ``document`` breaks ``schema``, one problem per offending key."""
    validator = jsonschema.Draft202012Validator(schema)
    problems: list[Problem] = []
    for error in validator.iter_errors(document.data):
        problems += _problems(document, error)
    return sorted(set(problems), key=lambda p: (p.line, p.key, p.problem))


def _problems(document: YamlDocument, error: jsonschema.ValidationError) -> list[Problem]:
    path = tuple(error.absolute_path)
    expected = error.schema.get("x-expected", "") if isinstance(error.schema, dict) else ""
    instance = error.instance
    kind = error.validator
    if "propertyNames" in error.absolute_schema_path:  # instance is the bad key itself
        key_path = (*path, str(instance))
        if kind == "enum":
            return [document.problem(key_path, f"unknown name '{instance}'", expected)]
        return [document.problem(key_path, f"'{instance}' is not a valid name", expected)]
    if kind == "required":
        names = re.findall(r"'([^']+)' is a required property", error.message)
        subschemas = error.schema.get("properties", {})
        missing = error.schema.get("x-missing", {})
        return [
            document.problem((*path, name), f"missing key '{name}'",
                             (missing.get(name) if isinstance(missing, dict) else missing)
                             or subschemas.get(name, {}).get("x-expected", "") or expected)
            for name in names
            if name not in instance
        ]
    if kind == "additionalProperties":
        allowed = error.schema.get("properties", {})
        extra = [k for k in instance if k not in allowed]
        return [
            document.problem((*path, key), f"unexpected key '{key}'",
                             "one of " + ", ".join(allowed) if allowed else expected)
            for key in extra
        ]
    if kind == "type":
        return [document.problem(path, f"is {_TYPE_WORDS.get(type(instance), 'something else')}",
                                 expected or f"{error.validator_value}")]
    if kind == "enum":
        return [document.problem(path, f"'{instance}' is not allowed", expected)]
    if kind == "pattern":
        if isinstance(instance, str) and not instance.strip():
            return [document.problem(path, "text is empty", expected)]
        return [document.problem(path, f"'{_short(instance)}' is not valid here", expected)]
    if kind in ("maxLength", "minLength"):
        return [document.problem(path, f"text is {len(instance)} characters long", expected)]
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return [document.problem(path, f"{instance} is out of range", expected)]
    if kind in ("minItems", "maxItems"):
        return [document.problem(path, f"has {len(instance)} items", expected)]
    if kind in ("minProperties", "maxProperties"):
        return [document.problem(path, f"has {len(instance)} entries", expected)]
    return [document.problem(path, error.message, expected)]


def _short(value: Any, limit: int = 50) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
