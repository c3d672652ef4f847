"""What exercises.yaml's schema cannot check: references between its items (phases,
exercises, cautions), the phase rules (``earliest:`` against ``never:``), one meaning per
phrase, ``barge_in:``, and the placeholders of its lines (the emergency number only after
"call"). Each problem as ``file:line: key: what is wrong (expected ...)``."""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

from voiceskill.coach.schema import EMERGENCY_NUMBER, NEVER_CHECKED, SAY_FIELDS
from voiceskill.dialog.checks import CALL_THE_NUMBER, number_not_called
from voiceskill.errors import Problem
from voiceskill.yamlread import YamlDocument


def reference_problems(loaded: YamlDocument) -> list[Problem]:
    """Every problem of a schema-valid exercise file that its schema cannot see."""
    data, out = loaded.data, []
    exercises = data["exercises"]
    phase_ids = _unique_ids(loaded, "phases", out)
    exercise_ids = _unique_ids(loaded, "exercises", out)
    _unique_ids(loaded, "cautions", out)
    for i, phase in enumerate(data["phases"]):
        for alias in phase.get("aliases", []):
            if alias in phase_ids:
                out.append(loaded.problem(("phases", i, "aliases"),
                                          f"alias {alias!r} is already a phase id", "a new name"))
        for j, ex_id in enumerate(phase["routine"]):
            where = ("phases", i, "routine", j)
            if ex_id not in exercise_ids:
                out.append(loaded.problem(where, f"unknown exercise {ex_id!r}",
                                          "an id from exercises"))
                continue
            earliest = exercise_ids[ex_id][1].get("earliest")
            if earliest in phase_ids and phase_ids[earliest][0] > i:
                out.append(loaded.problem(where, f"{ex_id!r} is not allowed before {earliest!r}",
                                          "only exercises the phase rules allow"))
        out += _never_problems(loaded, i, phase_ids, exercise_ids)
    for i, caution in enumerate(data["cautions"]):
        for j, ex_id in enumerate(caution.get("skip", [])):
            if ex_id not in exercise_ids:
                out.append(loaded.problem(("cautions", i, "skip", j),
                                          f"unknown exercise {ex_id!r}", "an id from exercises"))
        if "skip" in caution and "flag" not in caution:
            out.append(loaded.problem(("cautions", i), "'skip' needs a 'flag'",
                                      "a flag such as leg-weakness"))
    for i, ex in enumerate(exercises):
        out += _exercise_problems(loaded, i, ex, phase_ids)
    reports = loaded.data["signs"]["reports"]
    for i, report in enumerate(reports):
        if report["id"] in [r["id"] for r in reports[:i]]:
            out.append(loaded.problem(("signs", "reports", i, "id"),
                                      f"duplicate id {report['id']!r}", "each id once"))
    out += _word_problems(loaded)
    out += _phrase_problems(loaded)
    out += _template_problems(loaded)
    out += _barge_in_problems(loaded)
    out += _decoy_problems(loaded)
    return out


def _never_problems(loaded: YamlDocument, i: int, phase_ids: dict[str, Any],
                    exercise_ids: dict[str, Any]) -> list[Problem]:
    """Each exercise phase ``i`` lists under ``never:`` exists, and its ``earliest:`` is a
    later phase: a second statement of the rule, so one wrong edit of ``earliest`` (heat in
    the first 72 hours) is refused."""
    phase, out = loaded.data["phases"][i], []
    for j, ex_id in enumerate(phase.get("never", [])):
        if ex_id not in exercise_ids:
            out.append(loaded.problem(("phases", i, "never", j), f"unknown exercise {ex_id!r}",
                                      "an id from exercises"))
            continue
        k, exercise = exercise_ids[ex_id]
        earliest = exercise.get("earliest")
        if earliest in phase_ids and phase_ids[earliest][0] > i:
            continue
        where = ("exercises", k, "earliest") if "earliest" in exercise else ("exercises", k)
        allowed = f"{earliest!r} allows it" if earliest else "no 'earliest' allows it always"
        out.append(loaded.problem(
            where, f"{allowed} in {phase['id']!r}, whose 'never' lists {ex_id!r}",
            f"an earliest phase after {phase['id']!r}"))
    return out


def _word_problems(loaded: YamlDocument) -> list[Problem]:
    """Each report (``signs.reports``, ``nerve.everyday``) has ``words``, or ``absent``
    words that stand for them: one with neither would be found in anything said."""
    data, out = loaded.data, []
    items = [(("signs", "reports", i), r) for i, r in enumerate(data["signs"]["reports"])]
    everyday = data["nerve"].get("everyday", ())
    items += [(("nerve", "everyday", i), r) for i, r in enumerate(everyday)]
    for where, report in items:
        if "words" not in report and "absent" not in report and "absent_last" not in report:
            out.append(loaded.problem(where, "missing key 'words'",
                                      "words, or absent: what the sign takes away"))
    return out


def _barge_in_problems(loaded: YamlDocument) -> list[Problem]:
    """``barge_in:`` lists phrases of the commands, none of stop, pause, pain or nerve (every
    phrase of those barges in anyway)."""
    command_of = {p: c for c, ps in loaded.data["commands"].items() for p in ps}

    def wrong(phrase: str) -> tuple[str, str] | None:
        if phrase not in command_of:
            return f"{phrase!r} is not a phrase of any command", "a phrase from commands"
        if command_of[phrase] in NEVER_CHECKED:
            return (f"{phrase!r} is a phrase of {command_of[phrase]}, which barges in anyway",
                    "phrases of commands other than stop, pause, pain and nerve")
        return None

    return _phrase_list_problems(loaded, "barge_in", wrong)


def _decoy_problems(loaded: YamlDocument) -> list[Problem]:
    """``decoys:`` lists words that are no command phrase."""
    commands = {p for ps in loaded.data["commands"].values() for p in ps}

    def wrong(phrase: str) -> tuple[str, str] | None:
        if phrase in commands:
            return f"{phrase!r} is a phrase of a command", "words that are no command"
        return None

    return _phrase_list_problems(loaded, "decoys", wrong)


def _phrase_list_problems(loaded: YamlDocument, key: str,
                          wrong: Callable[[str], tuple[str, str] | None]) -> list[Problem]:
    """The top-level list ``key`` (absent: empty): each phrase once, and ``wrong(phrase)``'s
    (what is wrong, expected) for each that is not right there."""
    listed, out = loaded.data.get(key, []), []
    for j, phrase in enumerate(listed):
        if phrase in listed[:j]:
            out.append(loaded.problem((key, j), f"{phrase!r} is listed twice", "each phrase once"))
        elif (problem := wrong(phrase)) is not None:
            out.append(loaded.problem((key, j), *problem))
    return out


def _unique_ids(loaded: YamlDocument, section: str, out: list[Problem]) -> dict[str, Any]:
    """Id → (index, item) of a section's items; duplicate ids are reported."""
    seen: dict[str, Any] = {}
    for i, item in enumerate(loaded.data[section]):
        if item["id"] in seen:
            out.append(loaded.problem((section, i, "id"), f"duplicate id {item['id']!r}",
                                      "each id once"))
        seen.setdefault(item["id"], (i, item))
    return seen


def _exercise_problems(loaded: YamlDocument, i: int, ex: dict[str, Any],
                       phase_ids: dict[str, Any]) -> list[Problem]:
    here, out = ("exercises", i), []
    kinds = [k for k in ("hold", "moves", "practice") if k in ex]
    if len(kinds) != 1:
        found = " and ".join(kinds) or "none"
        out.append(loaded.problem(here, f"has {found} of hold/moves/practice",
                                  "exactly one of hold, moves or practice"))
        return out
    if ex.get("earliest") is not None and ex["earliest"] not in phase_ids:
        out.append(loaded.problem((*here, "earliest"), f"unknown phase {ex['earliest']!r}",
                                  "an id from phases"))
    if "practice" in ex:
        for key in ("reps", "sets", "sides", "into", "release"):
            if key in ex:
                out.append(loaded.problem((*here, key), f"{key!r} makes no sense for open practice",
                                          "no count for a practice"))
        return out
    if "moves" in ex and "reps" not in ex:
        out.append(loaded.problem((*here, "reps"), "missing key 'reps'", "how many repetitions"))
    if "hold" in ex and "into" not in ex:
        out.append(loaded.problem((*here, "into"), "missing key 'into'",
                                  "how to get into the hold"))
    for key in ("into", "release"):
        if key in ex and "hold" not in ex:
            out.append(loaded.problem((*here, key), f"{key!r} needs a 'hold'", "a hold in seconds"))
    sides = ex.get("sides", [])
    side_ids = [s["id"] for s in sides]
    if len(set(side_ids)) != len(side_ids):
        out.append(loaded.problem((*here, "sides"), "two sides share an id", "distinct side ids"))
    fields = {"id", "name", "other"} if sides and all("other" in s for s in sides) else (
        {"id", "name"} if sides else set())
    bad = _unknown_fields(ex.get("into", ""), fields) | _unknown_fields(
        " ".join(ex.get("moves", [])), fields)
    if bad:
        where = (*here, "into") if "into" in ex else (*here, "moves")
        allowed = ", ".join("{" + f + "}" for f in sorted(fields)) or "no placeholders"
        used = ", ".join(sorted(bad))
        out.append(loaded.problem(where, f"uses {used} that the sides do not give", allowed))
    return out


def _unknown_fields(text: str, allowed: set[str] | frozenset[str]) -> set[str]:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return {"(unbalanced braces)"}
    return {"{" + n + "}" for n in names if n not in allowed}


def _phrase_problems(loaded: YamlDocument) -> list[Problem]:
    """A phrase may mean only one thing in the coach's listens."""
    data, owner, out = loaded.data, {}, []
    groups: list[tuple[tuple[str | int, ...], str, list[str]]] = []
    groups += [(("commands", k), f"command {k}", v) for k, v in data["commands"].items()]
    groups += [(("answers", k), f"answer {k}", v) for k, v in data["answers"].items()]
    for i, ex in enumerate(data["exercises"]):
        groups.append((("exercises", i, "phrases"), f"exercise {ex['id']}", ex["phrases"]))
    for i, c in enumerate(data["cautions"]):
        groups.append((("cautions", i, "phrases"), f"caution {c['id']}", c.get("phrases", [])))
    for i, r in enumerate(data["signs"]["reports"]):
        groups.append((("signs", "reports", i, "phrases"), f"sign {r['id']}",
                       r.get("phrases", [])))
    groups.append((("help_now", "phrases"), "help now", data["help_now"].get("phrases", [])))
    for path, meaning, phrases in groups:
        for j, phrase in enumerate(phrases):
            if phrase in owner and owner[phrase] != meaning:
                out.append(loaded.problem((*path, j), f"phrase {phrase!r} already means "
                                          f"{owner[phrase]}", "a phrase with one meaning"))
            owner.setdefault(phrase, meaning)
    return out


def _template_problems(loaded: YamlDocument) -> list[Problem]:
    out = []
    numbered: list[tuple[tuple[str | int, ...], str]] = [
        (("after_routine", "say", j), text)
        for j, text in enumerate(loaded.data["after_routine"]["say"])]
    numbered.append((("help_now", "say"), loaded.data["help_now"]["say"]))
    numbered.append((("help_now", "unanswered"), loaded.data["help_now"]["unanswered"]))
    numbered.append((("help_now", "call"), loaded.data["help_now"]["call"]))
    numbered.append((("pain", "help"), loaded.data["pain"]["help"]))
    for where, text in numbered:
        bad = _unknown_fields(text, {EMERGENCY_NUMBER})
        if bad:
            out.append(loaded.problem(where, f"unknown placeholder {', '.join(sorted(bad))}",
                                      "{" + EMERGENCY_NUMBER + "} or no placeholder"))
        elif number_not_called(text):
            out.append(loaded.problem(where, "the emergency number is not after 'call'",
                                      CALL_THE_NUMBER))
    for key, text in loaded.data["say"].items():
        texts = text if isinstance(text, list) else [text]
        allowed = SAY_FIELDS.get(key, frozenset())
        bad = set().union(*(_unknown_fields(t, allowed) for t in texts))
        if bad:
            fields = ", ".join("{" + f + "}" for f in sorted(allowed)) or "no placeholders"
            out.append(loaded.problem(("say", key), f"unknown placeholder {', '.join(sorted(bad))}",
                                      fields))
    return out
