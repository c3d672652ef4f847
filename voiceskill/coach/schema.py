"""JSON schema of dialogs/exercises.yaml (structure only; cross-references are checked in
:mod:`voiceskill.coach.routine`).

Items carry ``x-expected`` / ``x-missing`` hints where the schema alone would not say what a
person should write; :func:`voiceskill.yamlschema.validate` words every problem from them."""

from __future__ import annotations

from typing import Any

from voiceskill.intents import DOUBTFUL_CONFIDENCE

ID = {"type": "string", "pattern": "^[a-z][a-z0-9-]*$",
      "x-expected": "lower-case letters, digits and dashes, e.g. bird-dog"}
TEXT = {"type": "string", "minLength": 1, "x-expected": "some words, e.g. a short sentence"}
TEXTS = {"type": "array", "items": TEXT, "minItems": 1, "x-expected": "a list of sentences"}
#: Seed article file names, e.g. ``000_480a1478617cd6c5.txt``.
SOURCE = {"type": "string", "pattern": r"^[0-9]{3}_[0-9a-f]{16}\.txt$",
          "x-expected": "a seed file name such as 000_480a1478617cd6c5.txt"}
#: Lower-case words as they go into the recognizer grammar.
PHRASE = {"type": "string", "pattern": "^[a-z][a-z' ]*[a-z]$",
          "x-expected": "lower-case words and spaces only, e.g. bird dog"}
PHRASES = {"type": "array", "items": PHRASE, "minItems": 1, "x-expected": "a list of phrases"}
#: Single lower-case words, matched against the words of what was heard (not grammar phrases).
WORDS = {"type": "array", "minItems": 1, "x-expected": "a list of single words",
         "items": {"type": "string", "pattern": "^[a-z][a-z']*$",
                   "x-expected": "one lower-case word, e.g. hurts"}}
#: Words or runs of words, matched in the words of what was heard or typed (not grammar phrases).
RUNS = {"type": "array", "items": PHRASE, "minItems": 1,
        "x-expected": "a list of words or runs of words, e.g. [gave way, buckled]"}
SECONDS = {"type": "number", "exclusiveMinimum": 0, "maximum": 3600}
COUNT = {"type": "integer", "minimum": 1, "maximum": 100}

#: Coach templates every file must define (see ``say:`` in exercises.yaml).
SAY_KEYS = (
    "welcome", "welcome_unknown", "routine", "single", "commands", "begin", "side", "set",
    "count", "hold", "halfway", "one_minute", "ten_left", "countdown", "release", "rest",
    "practice", "practice_reminder", "practice_moving_on", "paused", "resumed",
    "how_long_hold", "how_long_rest", "how_long", "slower", "faster", "louder", "softer",
    "list", "help", "not_yet", "done_item", "done_named", "done_timed", "summary",
    "nothing_done", "finished", "finished_nothing_done", "stopped", "paused_too_long",
    "not_caught", "not_caught_again",
)

#: Intents the coach understands; each needs at least one phrase.
COMMAND_INTENTS = (
    "pause", "resume", "repeat", "next", "next-exercise", "back", "slower", "faster",
    "louder", "softer", "how-long", "list", "help", "stop", "pain", "nerve",
)

#: Commands a missed one of is worse than a false one: ``checked:`` may not list them, and
#: every phrase of them cuts the coach's prompts short at any confidence (not in ``barge_in:``).
#: ``nerve``: numbness, tingling or weakness reported (``nerve:`` in exercises.yaml).
NEVER_CHECKED = ("stop", "pause", "pain", "nerve")


def _object(properties: dict[str, Any], required: tuple[str, ...], **hints: str) -> dict[str, Any]:
    """A mapping with exactly these keys; ``hints`` become ``x-`` annotations
    (``expected=...`` → ``x-expected``, ``missing=...`` → ``x-missing``)."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
        **{f"x-{name}": text for name, text in hints.items()},
    }


#: ``checked:``: what the running coach acts on only when the recognizer is sure.
CHECKED = _object(
    {
        "threshold": {"type": "number", "exclusiveMinimum": DOUBTFUL_CONFIDENCE, "maximum": 1},
        "commands": {
            "type": "array",
            "items": {"enum": [c for c in COMMAND_INTENTS if c not in NEVER_CHECKED],
                      "x-expected": "a command other than stop, pause, pain and nerve, which "
                                    "must never wait for a check"},
            "x-expected": "a list of commands",
        },
    },
    ("threshold", "commands"),
    expected="threshold and commands, as in the shipped exercises.yaml",
)

#: ``barge_in:``: phrases of other commands that cut the coach's own prompts short as well
#: (every phrase of stop, pause, pain and nerve always does).
BARGE_IN = {**PHRASES, "minItems": 0, "x-expected": "a list of command phrases, e.g. [next, skip]"}

#: ``decoys:`` (optional): what people say while they follow along that sounds almost like
#: a command ("good" like "goodbye") and means nothing to the coach.
DECOYS = {**PHRASES, "minItems": 0,
          "x-expected": "a list of everyday words, e.g. [good, okay, thank you]"}

#: ``counts_as:``: the red-flag question (triage.yaml) a report made during the exercises
#: answers, so that question is not asked again after the hand-back; ``say`` is said instead.
COUNTS_AS = _object(
    {"question": ID, "answer": ID, "say": TEXT}, ("question", "answer", "say"),
    expected="question, answer and say, e.g. question: leg-symptoms-since-pop, answer: \"yes\"",
)

#: One kind of warning sign reported during the exercises (``signs.reports``).
#: ``words`` may be left out only when ``absent`` or ``absent_last`` is there
#: (voiceskill.coach.checks).
REPORT = _object(
    {"id": ID, "source": SOURCE, "words": RUNS, "together_with": RUNS, "absent": RUNS,
     "absent_last": RUNS, "unless": RUNS, "phrases": PHRASES, "counts_as": COUNTS_AS},
    ("id", "source"),
    expected="id, source and words (or absent); optional together_with, absent, absent_last, "
             "unless, phrases, counts_as",
)

#: The nerve report in everyday words (``nerve.everyday``): matched as a report's words are.
EVERYDAY = _object(
    {"words": RUNS, "together_with": RUNS, "absent": RUNS, "unless": RUNS}, (),
    expected="words (or absent); optional together_with, absent and unless",
)

EXERCISE = _object(
    {
        "id": ID,
        "name": TEXT,
        "source": SOURCE,
        "phrases": PHRASES,
        "earliest": ID,
        "unit": TEXT,
        "setup": {**TEXTS, "x-expected": "the set-up steps, a list of sentences"},
        "tips": TEXTS,
        "sides": {
            "type": "array",
            "minItems": 2,
            "x-expected": "two sides or more, each with an id and a name",
            "items": _object({"id": ID, "name": TEXT, "other": TEXT}, ("id", "name")),
        },
        "sets": COUNT,
        "reps": COUNT,
        "hold": SECONDS,
        "into": TEXT,
        "release": TEXT,
        "moves": TEXTS,
        "practice": {"const": True, "x-expected": "true for open practice, else no practice key"},
        "often": TEXT,
    },
    ("id", "name", "source", "phrases", "unit", "setup"),
)

PHASE = _object(
    {
        "id": ID,
        "name": TEXT,
        "aliases": {"type": "array", "items": ID},
        "source": SOURCE,
        "advice": TEXTS,
        "routine": {"type": "array", "items": ID, "minItems": 1},
        "never": {"type": "array", "items": ID, "minItems": 1},
    },
    ("id", "name", "source", "routine"),
)

CAUTION = _object(
    {
        "id": ID,
        "source": SOURCE,
        "say": TEXT,
        "phrases": PHRASES,
        # A screening flag: triage.yaml answers record it with `sets: {leg-weakness: yes}` and
        # the conversation hands it to the coach. `voiceskill check` refuses a flag no answer
        # sets, and says whether it can reach the coach at all: the shipped leg-weakness is set
        # only by red-flag questions, whose "yes" always escalates, so today the coach never
        # starts with it; the caution stays as the rule for content that asks about mild
        # weakness outside the red flags (tests/dialog/test_flags.py covers both).
        "flag": ID,
        "skip": {"type": "array", "items": ID, "minItems": 1},
    },
    ("id", "source", "say"),
)

PACING = _object(
    {
        "move_seconds": SECONDS,
        "settle_seconds": SECONDS,
        "release_seconds": SECONDS,
        "setup_seconds": SECONDS,
        "rest_seconds": SECONDS,
        "practice_reminder_seconds": SECONDS,
        "practice_reminders": COUNT,
        "paused_limit_seconds": SECONDS,
    },
    (
        "move_seconds", "settle_seconds", "release_seconds", "setup_seconds", "rest_seconds",
        "practice_reminder_seconds", "practice_reminders", "paused_limit_seconds",
    ),
)

SCHEMA: dict[str, Any] = _object(
    {
        "version": {"const": 1},
        "pacing": PACING,
        "phases": {"type": "array", "items": PHASE, "minItems": 1},
        "cautions": {"type": "array", "items": CAUTION},
        "exercises": {"type": "array", "items": EXERCISE, "minItems": 1},
        "pain": _object(
            {
                "source": SOURCE,
                "words": WORDS,
                "stop": TEXT,
                "advice": TEXT,
                "question": TEXT,
                "red_flags": TEXT,
                "care": TEXTS,
                "help": TEXT,
                "wait": TEXT,
                "not_understood": TEXT,
                "yes_words": RUNS,
            },
            ("source", "words", "stop", "advice", "question", "red_flags", "care", "help",
             "wait", "not_understood", "yes_words"),
        ),
        "nerve": _object(
            {"source": SOURCE, "words": WORDS, "say": TEXT, "counts_as": COUNTS_AS,
             "everyday": {"type": "array", "items": EVERYDAY, "minItems": 1,
                          "x-expected": "a list of runs of words, each with optional "
                                        "together_with, absent and unless"}},
            ("source", "words", "say", "counts_as"),
            expected="source, words, say and counts_as; optional everyday",
        ),
        "signs": _object(
            {"say": TEXT, "reports": {"type": "array", "items": REPORT, "minItems": 1,
                                      "x-expected": "a list of reports"}},
            ("say", "reports"), expected="say and reports, as in the shipped exercises.yaml"),
        "denials": _object(
            {"words": WORDS, "between": WORDS, "not_after": WORDS, "unless": RUNS,
             "doubts": RUNS, "doubt_between": WORDS},
            ("words", "between", "not_after", "unless"),
            expected="words, between, not_after and unless: how a sign denied is read; "
                     "optional doubts and doubt_between"),
        "help_now": _object(
            {"source": SOURCE, "words": RUNS, "phrases": PHRASES, "dial": WORDS, "say": TEXT,
             "call": TEXT, "paused_limit_seconds": SECONDS, "unanswered": TEXT},
            ("source", "words", "say", "call", "paused_limit_seconds", "unanswered"),
            expected="source, words, say, call, paused_limit_seconds and unanswered; optional "
                     "phrases and dial"),
        "after_routine": _object({"source": SOURCE, "say": TEXTS}, ("source", "say"),
                                 expected="source and say: when to call for help, said last"),
        "commands": _object(
            {intent: PHRASES for intent in COMMAND_INTENTS}, COMMAND_INTENTS
        ),
        "checked": CHECKED,
        "barge_in": BARGE_IN,
        "decoys": DECOYS,
        "answers": _object(
            {"yes": PHRASES, "no": PHRASES, "unsure": PHRASES}, ("yes", "no", "unsure")
        ),
        "say": _object(
            {
                **{key: TEXT for key in SAY_KEYS},
                "countdown": {"type": "array", "items": TEXT, "minItems": 3, "maxItems": 3,
                              "x-expected": "three short lines, e.g. [Three., Two., One.]"},
            },
            SAY_KEYS,
            missing="a line for the coach to say, as in the shipped exercises.yaml",
        ),
    },
    ("version", "pacing", "phases", "cautions", "exercises", "pain", "nerve", "signs",
     "denials", "help_now", "after_routine", "commands", "checked", "barge_in", "answers",
     "say"),
    expected="a mapping of sections: version, pacing, phases, cautions, exercises, pain, "
             "nerve, signs, denials, help_now, after_routine, commands, checked, barge_in, "
             "answers, say",
)

#: The one placeholder of ``after_routine.say``, ``help_now.say``, ``help_now.call``,
#: ``help_now.unanswered`` and ``pain.help`` (the configured emergency number).
EMERGENCY_NUMBER = "emergency_number"

#: Placeholders each template may use (anything else is a content error).
SAY_FIELDS: dict[str, frozenset[str]] = {
    "welcome": frozenset({"phase"}),
    "welcome_unknown": frozenset({"phase"}),
    "routine": frozenset({"names"}),
    "single": frozenset({"name"}),
    "begin": frozenset({"name"}),
    "side": frozenset({"side"}),
    "set": frozenset({"set", "sets"}),
    "count": frozenset({"rep"}),
    "rest": frozenset({"set", "seconds"}),
    "how_long_hold": frozenset({"hold", "routine"}),
    "how_long_rest": frozenset({"set", "rest", "routine"}),
    "how_long": frozenset({"routine"}),
    "list": frozenset({"names"}),
    "not_yet": frozenset({"name", "phase"}),
    "done_item": frozenset({"count", "unit", "name"}),
    "done_named": frozenset({"count", "name"}),
    "done_timed": frozenset({"name", "time"}),
    "summary": frozenset({"items", "time"}),
    "nothing_done": frozenset({"time"}),
    "paused_too_long": frozenset({"time"}),
}
