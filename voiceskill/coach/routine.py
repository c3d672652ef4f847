"""Exercises, phases and cautions as data: loaded from dialogs/exercises.yaml and validated.

Every problem found is reported as ``file:line: key: what is wrong (expected ...)`` through
:class:`voiceskill.errors.ContentError`; the coach never starts on a broken file. What a
person may report is in :mod:`voiceskill.coach.reports`, the pain question in
:mod:`voiceskill.coach.pain`, how their words are read in
:mod:`voiceskill.coach.words`, and the checks the schema cannot make in
:mod:`voiceskill.coach.checks`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voiceskill import DIALOGS_DIR
from voiceskill.coach.checks import reference_problems
from voiceskill.coach.pain import PainScript
from voiceskill.coach.reports import CountsAs, HelpScript, NerveScript, Report, SignScript
from voiceskill.coach.schema import SCHEMA
from voiceskill.coach.words import Denials, runs_of
from voiceskill.coach.words import words_of as words_of  # where conversation.py reads it
from voiceskill.errors import ContentError, Problem
from voiceskill.events import Choice
from voiceskill.yamlread import read_yaml
from voiceskill.yamlschema import validate

#: The shipped exercise file.
DEFAULT_EXERCISES_FILE = DIALOGS_DIR / "exercises.yaml"


@dataclass(frozen=True)
class Side:
    """One side of a two-sided exercise."""

    id: str
    """Short id used in timer events, e.g. ``right``."""

    name: str
    """Words for the side in speech, e.g. ``right arm and left leg``."""

    other: str = ""
    """Words for the opposite side, for instructions that name both."""


@dataclass(frozen=True)
class Exercise:
    """One exercise or timed routine from the seeds."""

    id: str
    """Stable id, e.g. ``bird-dog`` (``voiceskill run --start bird-dog``)."""

    name: str
    """Spoken name."""

    source: str
    """Seed file the facts come from."""

    phrases: tuple[str, ...]
    """What the person may say to ask for it."""

    unit: str
    """What one repetition is called in the summary (``holds``, ``rounds``, ``minutes``)."""

    setup: tuple[str, ...]
    """Set-up steps, read aloud before the first repetition."""

    tips: tuple[str, ...] = ()
    """Key points read after the set-up."""

    sides: tuple[Side, ...] = ()
    """Sides done one after the other; empty when the exercise has no sides."""

    sets: int = 1
    """Number of sets."""

    reps: int = 1
    """Repetitions per side per set."""

    hold: float | None = None
    """Seconds each repetition is held (timed routines are one long hold)."""

    into: str = ""
    """Instruction to get into the held position (may use {name}/{other} of the side)."""

    release: str = ""
    """Said when a hold ends (the coach's default when empty)."""

    moves: tuple[str, ...] = ()
    """Spoken movements of one repetition, for exercises without a hold."""

    practice: bool = False
    """Open practice without a count: the person says when they are done."""

    often: str = ""
    """How often to do it, said at the end of the exercise."""

    earliest: str | None = None
    """First phase in which the exercise is allowed; None = any phase."""

    @property
    def timed(self) -> bool:
        """A single long hold (walk, ice, heat, lying face down): summarised by time."""
        return self.hold is not None and self.reps == 1 and not self.sides and self.hold >= 60


@dataclass(frozen=True)
class Phase:
    """A stage of recovery counted from the pop, with its routine."""

    id: str
    """Id passed in by the screening (``first-72-hours``, ``days-4-7``, ...)."""

    name: str
    """Spoken name, e.g. ``days four to seven``."""

    aliases: tuple[str, ...]
    """Other ids accepted for this phase."""

    source: str
    """Seed file the phase rule comes from."""

    advice: tuple[str, ...]
    """Said before the routine."""

    routine: tuple[str, ...]
    """Exercise ids, in order."""

    never: tuple[str, ...] = ()
    """Exercises the phase's seed rules out in it (heat in the first 72 hours): `voiceskill
    check` refuses an ``earliest:`` that would allow one of them here."""


@dataclass(frozen=True)
class Caution:
    """A rule said at the start or when triggered."""

    id: str
    """Stable id."""

    source: str
    """Seed file."""

    say: str
    """What the coach says."""

    phrases: tuple[str, ...] = ()
    """When the person says one of these (e.g. asks for planks), the caution is said."""

    flag: str | None = None
    """Screening flag that triggers it (e.g. ``leg-weakness``); None = always said at start."""

    skip: tuple[str, ...] = ()
    """Exercises left out while the flag is set."""


@dataclass(frozen=True)
class Pacing:
    """Coach tempo in seconds (not a clinical fact)."""

    move_seconds: float
    """Time for each spoken movement of a repetition."""

    settle_seconds: float
    """Time to get into position before a hold."""

    release_seconds: float
    """Time to come back after a hold."""

    setup_seconds: float
    """Time after the set-up steps before the first repetition."""

    rest_seconds: float
    """Rest between sets."""

    practice_reminder_seconds: float
    """Silence during open practice before a reminder."""

    practice_reminders: int
    """Reminders before moving on by itself."""

    paused_limit_seconds: float
    """Time paused with no command heard before the coach ends the session."""


@dataclass(frozen=True)
class Checks:
    """What the running coach acts on only when the recognizer is sure (``checked:``)."""

    threshold: float
    """Confidence an exercise's name or a checked command needs (above the recognizer's doubt
    line, so the stricter second decoding checks it too)."""

    commands: tuple[str, ...]
    """Command intents that need it; never stop, pause, pain or nerve."""


@dataclass(frozen=True)
class ExerciseBook:
    """Everything in exercises.yaml."""

    exercises: dict[str, Exercise]
    """By id, in file order."""

    phases: tuple[Phase, ...]
    """In time order."""

    cautions: tuple[Caution, ...]
    """All cautions."""

    pacing: Pacing
    """Coach tempo."""

    pain: PainScript
    """Pain handling texts."""

    nerve: NerveScript
    """Numbness, tingling or weakness reported."""

    commands: dict[str, tuple[str, ...]]
    """Intent → phrases for the coach commands."""

    checked: Checks
    """What needs a sure hearing while the coach runs."""

    answers: dict[str, tuple[str, ...]]
    """``yes``/``no``/``unsure`` → phrases (the pain question)."""

    say: dict[str, Any] = field(default_factory=dict)
    """Coach templates (strings; ``countdown`` is a list of three)."""

    barge_in: tuple[str, ...] = ()
    """Phrases of other commands that cut the coach's own prompts short as well as every phrase
    of stop, pause, pain and nerve (``barge_in:``), at ``checked``'s threshold."""

    decoys: tuple[str, ...] = ()
    """Everyday words said while following along that sound almost like a command ("good" like
    "goodbye"; ``decoys:``): decoded while the coach talks (its barge-in listen's decoys,
    :func:`voiceskill.session.barge_in_listen`), so they come back as themselves and never cut
    a prompt. Not in the running listen itself: there they are ``[unk]`` as any other word."""

    signs: SignScript = SignScript("", ())
    """Warning signs other than the nerve ones, reported during the exercises."""

    help_now: HelpScript = HelpScript("", (), (), "")
    """A call for help during the exercises."""

    after_routine: tuple[str, ...] = ()
    """Said last when the routine ends by itself: when to call for help (``{emergency_number}``
    filled in by the coach)."""

    denials: Denials | None = None
    """How a sign said plainly denied is read (``denials:``); None = every sign as said."""

    def reports_in(self, words: list[str], intent: str | None = None,
                   literal: bool = False) -> tuple[tuple[Report, ...], bool]:
        """What ``words`` (of what was heard or typed) report: the ``signs:`` reports found,
        and whether numbness, tingling or weakness of a leg (``nerve:``) is reported besides.
        ``intent``: the listen's (``sign:<id>``, ``nerve``: a voice phrase of one). The nerve
        is read in what the signs found leave over, so "my crotch is numb" (saddle numbness)
        is no report of a numb leg too; "my groin is numb and my foot tingles" is both. A sign
        plainly denied (:attr:`denials`: "I haven't wet myself", "my leg isn't numb") is no
        report, unless ``literal`` (every sign as said) or ``intent`` names it."""
        denials = None if literal else self.denials
        signs = tuple(r for r in self.signs.reports
                      if r.found_in(words, denials) or intent == f"sign:{r.id}")
        rest = list(words)
        for report in signs:
            rest = report.without_its_words(rest)
        return signs, self.nerve.found_in(rest, denials) or intent == "nerve"

    def sign_choices(self) -> tuple[Choice, ...]:
        """The ``signs:`` reports' voice phrases as the listens hear them (intent
        ``sign:<id>``): the running coach's, and the screening's outside the red-flag
        questions (voiceskill.conversation.report_choices)."""
        return tuple(Choice(p, f"sign:{r.id}") for r in self.signs.reports for p in r.phrases)

    def report_of(self, words: list[str], intent: str | None = None, literal: bool = False
                  ) -> tuple[tuple[str, ...], tuple[tuple[str, str, str], ...]] | None:
        """What ``words`` report (:meth:`reports_in`, ``literal`` as there) as the coach and
        the screening both take it: the ids of the signs (``nerve`` for a leg) and the
        red-flag answers they stand for (``counts_as``, as
        :attr:`voiceskill.events.Goto.answered` carries them); None when they report
        nothing."""
        signs, numb = self.reports_in(words, intent, literal)
        if not signs and not numb:
            return None
        answered = [r.counts_as.answered() for r in signs if r.counts_as is not None]
        answered += [self.nerve.counts_as.answered()] if numb else []
        ids = (*(r.id for r in signs), *(["nerve"] if numb else []))
        return ids, tuple(dict.fromkeys(answered))

    def phase(self, phase_id: str) -> Phase:
        """The phase with this id or alias; ValueError naming the valid ids otherwise."""
        for phase in self.phases:
            if phase_id == phase.id or phase_id in phase.aliases:
                return phase
        valid = ", ".join(p.id for p in self.phases)
        raise ValueError(f"unknown phase {phase_id!r} (expected one of: {valid})")

    def exercise(self, exercise_id: str) -> Exercise:
        """The exercise with this id; ValueError naming the valid ids otherwise."""
        if exercise_id not in self.exercises:
            valid = ", ".join(self.exercises)
            raise ValueError(f"unknown exercise {exercise_id!r} (expected one of: {valid})")
        return self.exercises[exercise_id]

    def phase_index(self, phase_id: str) -> int:
        """Position of a phase in time order."""
        return self.phases.index(self.phase(phase_id))

    def allowed_in(self, exercise: Exercise, phase_id: str) -> bool:
        """Whether the phase rules allow ``exercise`` in ``phase_id``."""
        if exercise.earliest is None:
            return True
        return self.phase_index(phase_id) >= self.phase_index(exercise.earliest)

    def skipped_by(self, flags: frozenset[str]) -> dict[str, Caution]:
        """Exercise id → the caution that rules it out for these screening flags."""
        return {
            exercise_id: caution
            for caution in self.cautions
            if caution.flag is not None and caution.flag in flags
            for exercise_id in caution.skip
        }

    def all_phrases(self) -> list[str]:
        """Every phrase the coach may listen for (for the speech model's vocabulary)."""
        phrases = [p for group in self.commands.values() for p in group]
        phrases += [p for group in self.answers.values() for p in group]
        phrases += [p for ex in self.exercises.values() for p in ex.phrases]
        phrases += [p for c in self.cautions for p in c.phrases]
        phrases += [p for r in self.signs.reports for p in r.phrases]
        phrases += list(self.help_now.phrases)
        phrases += list(self.decoys)
        return list(dict.fromkeys(phrases))


def load_exercises(
    path: Path = DEFAULT_EXERCISES_FILE, shown_as: str | None = None
) -> ExerciseBook:
    """Load and validate an exercise file; ContentError lists every problem found."""
    loaded, problems = read_yaml(path, shown_as)
    if loaded is None:
        raise ContentError(problems)
    problems += validate(loaded, SCHEMA)
    if problems:
        raise ContentError(problems)
    problems = reference_problems(loaded)
    if problems:
        raise ContentError(problems)
    return _build(loaded.data)


def check_exercises(
    path: Path = DEFAULT_EXERCISES_FILE, shown_as: str | None = None
) -> list[Problem]:
    """Problems in an exercise file (empty when valid): :func:`load_exercises`'s as a list."""
    try:
        load_exercises(path, shown_as)
    except ContentError as err:
        return err.problems
    return []


# ---------------------------------------------------------------- building


def _build(data: dict[str, Any]) -> ExerciseBook:
    exercises = {}
    for ex in data["exercises"]:
        sides = tuple(Side(s["id"], s["name"], s.get("other", "")) for s in ex.get("sides", []))
        exercises[ex["id"]] = Exercise(
            id=ex["id"], name=ex["name"], source=ex["source"], phrases=tuple(ex["phrases"]),
            unit=ex["unit"], setup=tuple(ex["setup"]), tips=tuple(ex.get("tips", ())),
            sides=sides, sets=ex.get("sets", 1), reps=ex.get("reps", 1),
            hold=float(ex["hold"]) if "hold" in ex else None, into=ex.get("into", ""),
            release=ex.get("release", ""), moves=tuple(ex.get("moves", ())),
            practice=bool(ex.get("practice", False)), often=ex.get("often", ""),
            earliest=ex.get("earliest"),
        )
    phases = tuple(
        Phase(p["id"], p["name"], tuple(p.get("aliases", ())), p["source"],
              tuple(p.get("advice", ())), tuple(p["routine"]), tuple(p.get("never", ())))
        for p in data["phases"]
    )
    cautions = tuple(
        Caution(c["id"], c["source"], c["say"], tuple(c.get("phrases", ())), c.get("flag"),
                tuple(c.get("skip", ())))
        for c in data["cautions"]
    )
    pain, nerve, signs, help_now = data["pain"], data["nerve"], data["signs"], data["help_now"]
    reports = tuple(_report(r, r["id"], r["source"]) for r in signs["reports"])
    return ExerciseBook(
        exercises=exercises,
        phases=phases,
        cautions=cautions,
        pacing=Pacing(**data["pacing"]),
        pain=PainScript(pain["source"], frozenset(pain["words"]), pain["stop"], pain["advice"],
                        pain["question"], pain["red_flags"], tuple(pain["care"]),
                        pain["help"], pain["wait"], pain["not_understood"],
                        runs_of(pain["yes_words"])),
        nerve=NerveScript(nerve["source"], frozenset(nerve["words"]), nerve["say"],
                          CountsAs(**nerve["counts_as"]),
                          tuple(_report(r, "nerve", nerve["source"])
                                for r in nerve.get("everyday", ()))),
        commands={k: tuple(v) for k, v in data["commands"].items()},
        checked=Checks(float(data["checked"]["threshold"]), tuple(data["checked"]["commands"])),
        answers={k: tuple(v) for k, v in data["answers"].items()},
        say=dict(data["say"]),
        barge_in=tuple(data["barge_in"]),
        decoys=tuple(data.get("decoys", ())),
        signs=SignScript(signs["say"], reports),
        help_now=HelpScript(help_now["source"], runs_of(help_now["words"]),
                            tuple(help_now.get("phrases", ())), help_now["say"],
                            frozenset(help_now.get("dial", ())),
                            float(help_now["paused_limit_seconds"]), help_now["unanswered"],
                            help_now["call"]),
        after_routine=tuple(data["after_routine"]["say"]),
        denials=Denials(frozenset(data["denials"]["words"]),
                        frozenset(data["denials"]["between"]),
                        frozenset(data["denials"]["not_after"]),
                        runs_of(data["denials"]["unless"]),
                        runs_of(data["denials"].get("doubts", ())),
                        frozenset(data["denials"].get("doubt_between", ()))),
    )


def _report(data: dict[str, Any], report_id: str, source: str) -> Report:
    """A report (``signs.reports`` item, or ``nerve.everyday`` item) from its YAML."""
    return Report(report_id, source, runs_of(data.get("words", ())),
                  runs_of(data.get("together_with", ())), runs_of(data.get("unless", ())),
                  tuple(data.get("phrases", ())),
                  CountsAs(**data["counts_as"]) if "counts_as" in data else None,
                  runs_of(data.get("absent", ())), runs_of(data.get("absent_last", ())))
