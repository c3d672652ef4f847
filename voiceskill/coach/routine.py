"""Exercises, phases and cautions as data: loaded from dialogs/exercises.yaml and validated.

Every problem found is reported as ``file:line: key: what is wrong (expected ...)`` through
:class:`voiceskill.errors.ContentError`; the coach never starts on a broken file.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voiceskill import DIALOGS_DIR
from voiceskill.coach.schema import EMERGENCY_NUMBER, NEVER_CHECKED, SAY_FIELDS, SCHEMA
from voiceskill.dialog.checks import CALL_THE_NUMBER, number_not_called
from voiceskill.errors import ContentError, Problem
from voiceskill.events import Choice
from voiceskill.intents import NUMBERS, normalize
from voiceskill.speech.phrase_words import UNKNOWN
from voiceskill.yamlread import YamlDocument, read_yaml
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
class PainScript:
    """What the coach says when the person reports pain."""

    source: str
    """Seed file."""

    words: frozenset[str]
    """Words that make anything heard while coaching a pain report, whatever else was said
    ("sharp pain", "stop it hurts"): the safe reading."""

    stop: str
    """Stop instruction."""

    advice: str
    """The seeds' advice about pain during movement."""

    question: str
    """Asks whether the pain is severe or spreading to the legs."""

    red_flags: str
    """Said before handing over to the red-flag questions."""

    care: tuple[str, ...]
    """Care advice when the pain is neither severe nor spreading."""

    help: str
    """Said on "help" (or "help me") at the question, before it is asked again: how to get
    help (``{emergency_number}``) and how to answer."""

    wait: str
    """Said on "wait" or "hold on" at the question, which then waits longer for its answer."""

    not_understood: str = ""
    """Said before the question is asked again after an answer not understood."""


@dataclass(frozen=True)
class CountsAs:
    """The screening answer a report made during the exercises stands for."""

    question: str
    """Id of a red-flag question in triage.yaml."""

    answer: str
    """The intent it answers, e.g. ``yes``."""

    say: str
    """Said when the red-flag questions reach that question, instead of asking it."""

    def answered(self) -> tuple[str, str, str]:
        """As :attr:`voiceskill.events.Goto.answered` carries it."""
        return (self.question, self.answer, self.say)


@dataclass(frozen=True)
class NerveScript:
    """What the coach says when the person reports numbness, tingling or weakness."""

    source: str
    """Seed file."""

    words: frozenset[str]
    """Words that make anything heard while coaching such a report, whatever else was said
    ("my leg has gone numb", "stop it tingles"): the safe reading."""

    say: str
    """Why the exercise stops, said before the red-flag questions are asked again."""

    counts_as: CountsAs
    """The red-flag question the report answers (not asked again after the hand-back)."""

    everyday: tuple[Report, ...] = ()
    """The same report in everyday words, as runs of words matched as ``signs:`` reports are
    ("I can't feel my leg": "can't feel" with "leg", not "I can't feel the stretch")."""

    def found_in(self, words: list[str], denials: Denials | None = None) -> bool:
        """Whether ``words`` (of what was heard or typed) report numbness, tingling or
        weakness: one of :attr:`words`, or one of :attr:`everyday`; with ``denials``, not
        where it is plainly denied ("my leg isn't numb")."""
        return any(w in self.words and (denials is None or not denials.deny(words, i, (w,)))
                   for i, w in enumerate(words)) or any(
            r.found_in(words, denials) for r in self.everyday)


def _runs(phrases: Any) -> tuple[tuple[str, ...], ...]:
    """Content phrases as runs of words."""
    return tuple(tuple(p.split()) for p in phrases)


def has_run(words: list[str], runs: tuple[tuple[str, ...], ...]) -> bool:
    """Whether one of ``runs`` occurs, word for word and in order, in ``words``."""
    return bool(_found(words, runs))


#: Typed punctuation that ends a part of a sentence ("No, numbness in my leg").
_PART_END = re.compile(r"[,.;:!?]+$")


def words_of(text: str) -> list[str]:
    """The words of what was heard or typed, as the content spells them (typed text arrives
    as typed: "My back HURTS!" is ``my back hurts``), the recognizer's ``[unk]`` kept, and a
    blank ("") after a word that typed punctuation ends a part of the sentence with: "No,
    numbness" is ``no``, ``""``, ``numbness``, so no run and no denial reaches across it."""
    out: list[str] = []
    for token in text.split():
        out += [token] if token == UNKNOWN else normalize(token).split()
        if _PART_END.search(token) and out and out[-1]:
            out.append("")
    return out


@dataclass(frozen=True)
class Denials:
    """How a sign said plainly denied is read (``denials:`` in exercises.yaml): "no numbness",
    "I haven't wet myself", "my leg isn't numb" report nothing; anything less plain stays a
    report (safety first). The coach and the screening read "no ..." with this one list."""

    words: frozenset[str]
    """Words that deny what follows them: no, not, haven't, isn't ..."""

    between: frozenset[str]
    """Words that may stand between a denying word and the sign it denies ("I don't have a
    fever"); "or" and "nor" also carry a denial on past another sign ("no numbness or
    tingling")."""

    not_after: frozenset[str]
    """A sign whose words begin with one of these ("i fell", "my bottom") is never denied by
    a word before it ("no I fell": no to something else, then a report)."""

    unless: tuple[tuple[str, ...], ...]
    """Runs of words that, anywhere in what was said, leave every sign a report: hedges
    ("not sure", "not really") and times that put the sign at another moment ("no longer",
    "any more")."""

    def deny(self, words: list[str], start: int, run: tuple[str, ...],
             own: frozenset[int] = frozenset()) -> bool:
        """Whether the sign's words ``run``, at ``start`` in ``words``, are plainly denied: a
        denying word before them with only :attr:`between` words in between (and, after an
        "or"/"nor", other sign words), in the same part of the sentence, none of
        :attr:`unless` anywhere, and ``run`` not beginning with one of :attr:`not_after`.
        A denying word inside ``run`` ("can't feel") denies nothing, nor does one in the
        sign's other words (``own``: their places; "can't" of "I can't pee")."""
        if run[0] in self.not_after or has_run(words, self.unless):
            return False
        joined = False  # an "or" passed: the words before it name other things denied too
        for at in range(start - 1, -1, -1):
            word = words[at]
            if at in own:
                return False
            if word in self.words:
                return True
            if word in ("or", "nor"):
                joined = True
            elif not word or word not in self.between and not joined:
                return False
        return False


@dataclass(frozen=True)
class Report:
    """One kind of warning sign reported during the exercises (``signs.reports``)."""

    id: str
    """Stable id (transcripts, the voice intent ``sign:<id>``)."""

    source: str
    """Seed file."""

    words: tuple[tuple[str, ...], ...]
    """Runs of words: one of them in what was heard or typed is such a report (with one of
    ``together_with`` too, when there are any)."""

    together_with: tuple[tuple[str, ...], ...] = ()
    """Runs of words of which one must also be there ("bladder" with "leaked")."""

    unless: tuple[tuple[str, ...], ...] = ()
    """Runs of words none of which may be there ("fell asleep" is no fall)."""

    phrases: tuple[str, ...] = ()
    """Phrases put in the running coach's grammar (voice mode); each is a report itself."""

    counts_as: CountsAs | None = None
    """The red-flag question the report answers, if any."""

    def found_in(self, words: list[str], denials: Denials | None = None) -> bool:
        """Whether ``words`` (of what was heard or typed) report this sign; with
        ``denials``, not where its words, or the ``together_with`` words said with them, are
        all plainly denied ("I haven't wet myself", "my bladder isn't leaking"). A voice
        phrase (:attr:`phrases`) is always a report."""
        if has_run(words, _runs(self.phrases)):
            return True
        own = frozenset(i for start, length in _found(words, (*self.words, *self.together_with))
                        for i in range(start, start + length))
        return _said(words, self.words, denials, own) and not has_run(words, self.unless) and (
            not self.together_with or _said(words, self.together_with, denials, own))

    def without_its_words(self, words: list[str]) -> list[str]:
        """What else ``words`` say besides this report: every run of its phrases and words
        blanked out, and for each, the run of ``together_with`` nearest to it ("my groin is
        numb" leaves no numb word to read as a numb leg; "my groin is numb and my foot
        tingles" leaves "tingles"). Blanks, not gaps, so no run is made of words that were
        apart."""
        own = _found(words, (*_runs(self.phrases), *self.words))
        near = _found(words, self.together_with)
        used = {i for start, length in own for i in range(start, start + length)}
        for start, _ in own:
            if near:
                at, length = min(near, key=lambda found: abs(found[0] - start))
                used.update(range(at, at + length))
        return ["" if i in used else w for i, w in enumerate(words)]


def _said(words: list[str], runs: tuple[tuple[str, ...], ...], denials: Denials | None,
          own: frozenset[int] = frozenset()) -> bool:
    """Whether one of ``runs`` occurs in ``words`` and (with ``denials``) is not plainly
    denied there (``own``: where the sign's words are, as :meth:`Denials.deny` takes it)."""
    return any(denials is None or not denials.deny(words, start, tuple(words[start:start + length]),
                                                   own)
               for start, length in _found(words, runs))


def _found(words: list[str], runs: tuple[tuple[str, ...], ...]) -> list[tuple[int, int]]:
    """Where each of ``runs`` occurs in ``words``: (start, length) of every occurrence."""
    return [(i, len(run)) for run in runs for i in range(len(words) - len(run) + 1)
            if tuple(words[i:i + len(run)]) == run]


@dataclass(frozen=True)
class SignScript:
    """Warning signs other than a numb, tingling or weak leg, reported during the exercises."""

    say: str
    """Why the exercise stops, said before the red-flag questions are asked again."""

    reports: tuple[Report, ...]
    """Each kind of report."""


@dataclass(frozen=True)
class HelpScript:
    """A call for help during the exercises ("help me", "I can't get up")."""

    source: str
    """Seed file."""

    words: tuple[tuple[str, ...], ...]
    """Runs of words: one of them in what was heard or typed is such a call."""

    phrases: tuple[str, ...]
    """Phrases put in the running coach's grammar (voice mode)."""

    say: str
    """Said as the exercise is paused: how to get help (``{emergency_number}``), what to say."""

    dial: frozenset[str] = frozenset()
    """Words that, followed by a number (digits, or a number word: "call 911", "dial nine
    one one"), are such a call."""

    paused_limit_seconds: float = 600.0
    """Seconds the pause it begins lasts with no command heard before the session ends."""

    unanswered: str = ""
    """Said when that pause ends so: the call to action again (``{emergency_number}``)."""

    call: str = ""
    """The call to action alone (``{emergency_number}``), said first when a call for help
    comes with pain or a warning sign ("call an ambulance, it hurts"), before the question
    those lead to."""

    def found_in(self, words: list[str]) -> bool:
        """Whether ``words`` (of what was heard or typed) call for help."""
        return has_run(words, self.words + _runs(self.phrases)) or any(
            word in self.dial and (after.isdigit() or after in NUMBERS)
            for word, after in zip(words, words[1:], strict=False))


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
    problems = _reference_problems(loaded)
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


# ---------------------------------------------------------------- references and meaning


def _reference_problems(loaded: YamlDocument) -> list[Problem]:
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
    out += _phrase_problems(loaded)
    out += _template_problems(loaded)
    out += _barge_in_problems(loaded)
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


def _barge_in_problems(loaded: YamlDocument) -> list[Problem]:
    """``barge_in:`` lists phrases of the commands, each once, none of stop, pause, pain or
    nerve (every phrase of those barges in anyway)."""
    commands = loaded.data["commands"]
    command_of = {p: c for c, ps in commands.items() for p in ps}
    listed, out = loaded.data["barge_in"], []
    for j, phrase in enumerate(listed):
        where = ("barge_in", j)
        if phrase in listed[:j]:
            out.append(loaded.problem(where, f"{phrase!r} is listed twice", "each phrase once"))
        elif phrase not in command_of:
            out.append(loaded.problem(where, f"{phrase!r} is not a phrase of any command",
                                      "a phrase from commands"))
        elif command_of[phrase] in NEVER_CHECKED:
            out.append(loaded.problem(
                where, f"{phrase!r} is a phrase of {command_of[phrase]}, which barges in anyway",
                "phrases of commands other than stop, pause, pain and nerve"))
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
                        pain["help"], pain["wait"], pain["not_understood"]),
        nerve=NerveScript(nerve["source"], frozenset(nerve["words"]), nerve["say"],
                          CountsAs(**nerve["counts_as"]),
                          tuple(_report(r, "nerve", nerve["source"])
                                for r in nerve.get("everyday", ()))),
        commands={k: tuple(v) for k, v in data["commands"].items()},
        checked=Checks(float(data["checked"]["threshold"]), tuple(data["checked"]["commands"])),
        answers={k: tuple(v) for k, v in data["answers"].items()},
        say=dict(data["say"]),
        barge_in=tuple(data["barge_in"]),
        signs=SignScript(signs["say"], reports),
        help_now=HelpScript(help_now["source"], _runs(help_now["words"]),
                            tuple(help_now.get("phrases", ())), help_now["say"],
                            frozenset(help_now.get("dial", ())),
                            float(help_now["paused_limit_seconds"]), help_now["unanswered"],
                            help_now["call"]),
        after_routine=tuple(data["after_routine"]["say"]),
        denials=Denials(frozenset(data["denials"]["words"]),
                        frozenset(data["denials"]["between"]),
                        frozenset(data["denials"]["not_after"]), _runs(data["denials"]["unless"])),
    )


def _report(data: dict[str, Any], report_id: str, source: str) -> Report:
    """A report (``signs.reports`` item, or ``nerve.everyday`` item) from its YAML."""
    return Report(report_id, source, _runs(data["words"]), _runs(data.get("together_with", ())),
                  _runs(data.get("unless", ())), tuple(data.get("phrases", ())),
                  CountsAs(**data["counts_as"]) if "counts_as" in data else None)
