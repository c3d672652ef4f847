"""JSON Schemas of the dialog files (triage.yaml, outcomes.yaml, intents.yaml).

Each schema item may carry ``x-expected`` (and a mapping ``x-missing``): the words shown after
"expected" when the item is wrong; :func:`voiceskill.yamlschema.validate` turns the errors into
one-line problems. Structure lives here; references between items are checked in ``checks.py``.
"""

from __future__ import annotations

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
        "say": PARAGRAPH,
        "typed": PHRASES,
        "reports": {"type": "array", "items": ID, "minItems": 1,
                    "x-expected": "a list of warning-sign ids of exercises.yaml (signs: reports, "
                                  "or nerve), e.g. [fall]"},
        "threshold": {"type": "number", "minimum": 0, "maximum": 0.95,
                      "x-expected": "a confidence from 0 to 0.95"},
        "extra_phrases": {**PHRASES, "x-expected": "a list of phrases that also mean this "
                          "global intent's answer here, e.g. [i fell]"},
        "again": {"type": "boolean",
                  "x-expected": "true (the target is a question on the way here, asked again)"},
    },
    "required": ["to"],
    "additionalProperties": False,
    "x-expected": "a target, or a mapping with to, phrases, sets, say, typed, reports, "
                  "threshold, extra_phrases and again",
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
        "if_asked_before": {
            **ID, "x-expected": "the node id or outcome name that replaces this question when "
                                "it was already answered in the session or the coach handed "
                                "back"},
        "if_reported": {
            **ID, "x-expected": "the node id or outcome name that replaces this question once "
                                "a warning sign was reported (never the exercises)"},
        "not_answers": {
            "type": "object",
            "properties": {
                "intents": {"type": "array", "items": ID, "minItems": 1,
                            "x-expected": "a list of global intents, e.g. [yes, no]"},
                "say": TEXT,
            },
            "required": ["intents", "say"],
            "additionalProperties": False,
            "x-expected": "intents (global intents that answer nothing here) and say (the line "
                          "said before the question is asked again)"},
        "typed_only": {
            "type": "array", "items": {"enum": ["back"]}, "minItems": 1, "uniqueItems": True,
            "x-expected": "question commands heard here only when typed, left out of the voice "
                          "listen: [back] (stop, repeat, help and wait are heard at every "
                          "question)"},
        "ask_if_screened": {
            **TEXT, "x-expected": "the question said instead of ask once every red-flag "
                                  "question was answered no in the session (at most 400 "
                                  "characters)"},
        "source": SOURCE,
    },
    "required": ["ask", "answers", "reprompts", "source"],
    "additionalProperties": False,
    "x-expected": "ask, answers, reprompts, source, and optionally tier, help, if_unsure, "
                  "if_asked_before, if_reported, not_answers, typed_only, ask_if_screened",
}
STATEMENT = {
    "properties": {
        "say": PARAGRAPH,
        "next": {**ID, "x-expected": "the node id or outcome name that follows"},
        "say_if_screened": {
            **PARAGRAPH, "x-expected": "the statement said instead of say once every red-flag "
                                       "question was answered no in the session (at most 600 "
                                       "characters)"},
        "source": SOURCE,
    },
    "required": ["say", "next", "source"],
    "x-missing": {"say": "say (a statement) or ask (a question)"},
    "additionalProperties": False,
    "x-expected": "say, next and source, and optionally say_if_screened (a statement), or ask, "
                  "answers ... (a question)",
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
#: Lines the engine speaks when a dialog has them: ``back``, before a question asked again
#: after "go back"; ``wait``, when a question is given longer after "wait";
#: ``skipped_screening``, when a session starts past some red-flag questions (``run --start``
#: at an exercise, a phase or a later node).
OPTIONAL_MESSAGES = ("back", "wait", "skipped_screening", "reported", "reported_ahead",
                     "reported_no_exercise", "help_now")

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
                    "near_misses": PHRASES,
                    "source": SOURCE,
                },
                "required": ["phrases", "source"],
                "additionalProperties": False,
                "x-expected": "phrases, source and optionally threshold and near_misses",
            },
            "x-expected": "a mapping of intent names to intents",
        },
        "messages": {
            "type": "object",
            "properties": {name: TEXT for name in (*REQUIRED_MESSAGES, *OPTIONAL_MESSAGES)},
            "required": list(REQUIRED_MESSAGES),
            "x-missing": "the engine's lines: " + ", ".join(REQUIRED_MESSAGES),
            "additionalProperties": False,
            "x-expected": ", ".join(REQUIRED_MESSAGES) + " and optionally "
                          + ", ".join(OPTIONAL_MESSAGES),
        },
    },
    "required": ["intents", "messages"],
    "additionalProperties": False,
    "x-expected": "intents and messages",
}
