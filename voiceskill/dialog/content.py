"""Check a whole content directory: screening dialog, exercises, and the words the model knows.

Used by ``voiceskill check``. Each part is checked as far as it can be; every problem is
reported as ``file:line: key: what is wrong (expected ...)``. The speech model is checked
first, as ``voiceskill run`` checks it before loading it, and a problem with it is reported as
those checks word it (``file: what is wrong``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from voiceskill.dialog.flags import FLAG_SET, FlagRoute, flag_routes
from voiceskill.dialog.load import load_dialog
from voiceskill.dialog.model import Dialog
from voiceskill.errors import ContentError, Problem
from voiceskill.yamlread import Path_, YamlDocument, read_yaml, walk_strings

if TYPE_CHECKING:
    from voiceskill.coach.routine import CountsAs, ExerciseBook

EXERCISES_FILE = "exercises.yaml"


@dataclass
class ContentReport:
    """What checking a content directory found."""

    problems: list[Problem] = field(default_factory=list)
    """Everything wrong, one entry per offending key."""

    notes: list[str] = field(default_factory=list)
    """Checks that were skipped and why (not failures)."""

    dialog: Dialog | None = None
    """The screening dialog, when it loaded."""

    exercises: int = 0
    """Number of exercises in exercises.yaml (0 when missing or broken)."""

    words: int = 0
    """Distinct words listened for across all turns."""

    flags: list[FlagRoute] = field(default_factory=list)
    """Each screening flag a caution of exercises.yaml acts on, and whether it reaches the
    coach or always escalates first."""

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems


def check_content(directory: Path, model_dir: Path | None,
                  model_named: bool = False) -> ContentReport:
    """Check every content file of ``directory``; when ``model_dir`` is given, the model (and
    its 8 kHz companion, when it has one) as ``run`` checks it, then the words against it. A
    model the user named (``model_named``) is checked so whatever the directory holds; a
    default ``model_dir`` that is not there is a note. Model problems come first."""
    directory = Path(directory)
    report = ContentReport()
    vocabularies = _read_vocabularies(model_dir, report, model_named)
    try:
        report.dialog = load_dialog(directory)
    except ContentError as err:
        report.problems += err.problems
    book = _check_exercises(directory, report)
    if report.dialog is not None and book is not None:
        report.problems += _sets_problems(directory, book)
        report.problems += _flag_problems(directory, report.dialog, book, report)
        report.problems += _counts_as_problems(directory, report.dialog, book)
        report.problems += _answer_reports_problems(directory, report.dialog, book)
    if report.dialog is not None:
        report.problems += _safety_problems(directory, report.dialog)
    if report.ok:
        _check_words(directory, model_dir, vocabularies, report)
    return report


def _safety_problems(directory: Path, dialog: Dialog) -> list[Problem]:
    """Walk every path of the dialog through the engine; one problem per broken invariant."""
    from voiceskill.dialog.engine import ScreeningEngine
    from voiceskill.dialog.safety import check_safety

    report = check_safety(ScreeningEngine(dialog))
    return [
        Problem(str(directory / "triage.yaml"), 0, "safety", violation,
                "every path to satisfy the safety rules in voiceskill/dialog/safety.py")
        for violation in report.violations
    ]


def _check_exercises(directory: Path, report: ContentReport) -> ExerciseBook | None:
    """Validate exercises.yaml (required: the skill does not start without it, so a missing
    file is a problem, as it is for ``voiceskill run``); None if unusable."""
    from voiceskill.coach.routine import load_exercises

    path = directory / EXERCISES_FILE
    try:
        book = load_exercises(path, str(path))
    except ContentError as err:
        report.problems += err.problems
        return None
    report.exercises = len(book.exercises)
    return book


def _sets_problems(directory: Path, book: ExerciseBook) -> list[Problem]:
    """Every ``sets:`` in triage.yaml gives what exercises.yaml understands: ``phase`` one of
    its phases, a flag one of its cautions acts on the value ``yes``."""
    phases = {name for phase in book.phases for name in (phase.id, *phase.aliases)}
    flags = {c.flag for c in book.cautions if c.flag is not None}
    document, _ = read_yaml(directory / "triage.yaml")
    if document is None:
        return []
    problems = []
    for node_id, node in document.data["nodes"].items():
        for intent, answer in (node.get("answers") or {}).items():
            sets = answer.get("sets", {}) if isinstance(answer, dict) else {}
            for key, value in sets.items():
                path = ("nodes", node_id, "answers", intent, "sets", key)
                if key == "phase" and value not in phases:
                    problems.append(document.problem(
                        path, f"unknown phase '{value}'",
                        f"a phase of {directory / EXERCISES_FILE}: " + ", ".join(sorted(phases))))
                elif key in flags and value != FLAG_SET:
                    problems.append(document.problem(
                        path, f"'{value}' for the coach flag '{key}'",
                        f"{key}: {FLAG_SET} (a flag is only ever set, never cleared)"))
    return problems


def _flag_problems(directory: Path, dialog: Dialog, book: ExerciseBook,
                   report: ContentReport) -> list[Problem]:
    """Every flag a caution acts on is set by some screening answer (a caution waiting for a
    flag nobody sets would never be said); records where each flag leads."""
    flags = list(dict.fromkeys(c.flag for c in book.cautions if c.flag is not None))
    routes = flag_routes(dialog, flags)
    report.flags = list(routes.values())
    unset = [route.flag for route in report.flags if not route.set_by]
    if not unset:
        return []
    document, _ = read_yaml(directory / EXERCISES_FILE)
    assert document is not None  # it loaded a moment ago
    return [
        document.problem(("cautions", i, "flag"),
                         f"flag '{caution.flag}' is never set by the screening",
                         f"sets: {{{caution.flag}: {FLAG_SET}}} on the answers in "
                         f"{directory / 'triage.yaml'} that report it")
        for i, caution in enumerate(book.cautions)
        if caution.flag in unset
    ]


def _counts_as_problems(directory: Path, dialog: Dialog, book: ExerciseBook) -> list[Problem]:
    """A report's ``counts_as:`` (exercises.yaml) names a question the red-flag questions
    reach after the coach hands back, and an answer that question has: else the report would
    be dropped, and the question asked as if nothing had been said."""
    from voiceskill.coach.engine import RED_FLAG_NODE
    from voiceskill.dialog.checks import targets

    reached, todo = set(), [RED_FLAG_NODE]
    while todo:
        name = todo.pop()
        if name in reached or name not in dialog.nodes:
            continue
        reached.add(name)
        todo += [target for _, target in targets(dialog.nodes[name])]
    document, _ = read_yaml(directory / EXERCISES_FILE)
    assert document is not None  # it loaded a moment ago
    problems = []
    reports: list[tuple[Path_, CountsAs]] = [(("nerve",), book.nerve.counts_as)]
    reports += [(("signs", "reports", i), report.counts_as)
                for i, report in enumerate(book.signs.reports) if report.counts_as is not None]
    for where, counts_as in reports:
        node = dialog.nodes.get(counts_as.question)
        if node is None or not node.is_question or node.id not in reached:
            problems.append(document.problem(
                (*where, "counts_as", "question"),
                f"'{counts_as.question}' is not a question the red-flag questions reach",
                f"a question of {directory / 'triage.yaml'} after {RED_FLAG_NODE}, "
                "e.g. leg-symptoms-since-pop"))
        elif node.answer_for(counts_as.answer) is None:
            problems.append(document.problem(
                (*where, "counts_as", "answer"),
                f"'{counts_as.answer}' is not an answer of {node.id}",
                "one of " + ", ".join(a.intent for a in node.answers)))
    return problems


def _answer_reports_problems(directory: Path, dialog: Dialog,
                             book: ExerciseBook) -> list[Problem]:
    """An answer's ``reports:`` (triage.yaml) names warning signs the exercise book knows
    (``signs:`` report ids, or ``nerve``): else the report would never be that answer. Only a
    red-flag question's answers may have one: at any other question a report leads back to the
    red-flag questions (ScreeningEngine.report), so it would silently do nothing."""
    known = ["nerve", *(r.id for r in book.signs.reports)]
    document, _ = read_yaml(directory / "triage.yaml")
    problems = []
    for node in dialog.nodes.values():
        for answer in node.answers:
            if answer.reports and not node.is_red_flag and document is not None:
                problems.append(document.problem(
                    ("nodes", node.id, "answers", answer.intent, "reports"),
                    f"'{node.id}' is not a red-flag question (no tier), where a report is never "
                    "an answer", "reports only on an answer of a question with a tier"))
            for i, sign in enumerate(answer.reports):
                if sign not in known and document is not None:
                    problems.append(document.problem(
                        ("nodes", node.id, "answers", answer.intent, "reports", i),
                        f"'{sign}' is not a warning sign of {directory / EXERCISES_FILE}",
                        "one of " + ", ".join(known)))
    return problems


@dataclass(frozen=True)
class _Vocabulary:
    """A model's graph/words.txt, read once for every check of words against it."""

    model_dir: Path
    words: dict[str, int]

    @property
    def path(self) -> Path:
        """The words file."""
        return self.model_dir / "graph" / "words.txt"


#: What a words file should be, for a problem whose message does not say it already.
WORDS_FILE_EXPECTED = "one 'word id' pair per line, '<eps> 0' first, as Kaldi writes it"


class _UnreadableWords(Problem):
    """A model, or its words file, that the model checks refuse or that cannot be read. Its
    ``problem`` is the reader's own message, which names the file (and the line at fault, if
    one is), so it is printed as it is."""

    def __str__(self) -> str:
        return f"{self.problem} (expected {self.expected})" if self.expected else self.problem


#: Files only a whole speech model has. A default model directory (one the user did not name)
#: with one of them is checked as ``run`` checks a model before Vosk loads it
#: (:func:`~voiceskill.speech.modeldir.check_model_dir`); one with none of them (only
#: graph/words.txt) is read as a vocabulary.
MODEL_FILES = ("am/final.mdl", "conf/model.conf", "graph/HCLr.fst", "graph/HCLG.fst")


def _looks_like_model(directory: Path) -> bool:
    """Whether ``directory`` holds any of :data:`MODEL_FILES` (a broken link counts: the model
    checks name it)."""
    from voiceskill.speech.modeldir.errors import present

    return any(present(directory / name) for name in MODEL_FILES)


def _read_vocabularies(model_dir: Path | None, report: ContentReport,
                       model_named: bool) -> list[_Vocabulary] | None:
    """The words files of ``model_dir`` and of its 8 kHz companion, if it has one, each read
    once: by the checks ``run`` makes of the whole directory for a model the user named
    (``model_named``) or one that looks like a model (:data:`MODEL_FILES`), else on its own.
    A model the checks refuse or a words file that cannot be read is a problem. None when
    there is no model to check the words against (:func:`_check_words` notes why, if nothing
    else is wrong)."""
    if model_dir is None:
        return None
    from voiceskill.speech.modeldir import narrowband_companion
    from voiceskill.speech.modeldir.errors import present

    root = Path(model_dir)
    if not model_named and not (_looks_like_model(root) or present(_Vocabulary(root, {}).path)):
        return None  # no default model here: a note
    vocabularies = []
    for directory in (root, narrowband_companion(root)):
        if directory is not None:
            vocabulary = _read_vocabulary(directory, model_named, report)
            if vocabulary is not None:
                vocabularies.append(vocabulary)
    return vocabularies


def _read_vocabulary(directory: Path, named: bool, report: ContentReport) -> _Vocabulary | None:
    """The words file of one model directory, or None after adding the one problem that
    stops it: the first thing the model checks refuse (as ``run`` would, with the same
    words; checked when the user ``named`` the model, or when it looks like one), or why the
    words file cannot be read."""
    from voiceskill.speech.modeldir import ModelDirError, check_model_words
    from voiceskill.speech.modeldir.kaldi import check_words

    if named or _looks_like_model(directory):
        try:
            # every file Vosk reads, in the order it reads them; the words as they read them
            return _Vocabulary(directory, check_model_words(directory))
        except ModelDirError as err:  # its message names the file: printed as it is
            report.problems.append(_UnreadableWords(str(directory), 0, "(model)", str(err)))
            return None
    path = _Vocabulary(directory, {}).path
    try:
        # The model checks' own reading (run them before Vosk loads the model): a file
        # they refuse, `run` refuses, so it is refused here with the same words.
        return _Vocabulary(directory, check_words(path))
    except ModelDirError as err:
        message = str(err)
        report.problems.append(_UnreadableWords(
            str(path), 0, "(file)", message,
            "" if "(expected " in message else WORDS_FILE_EXPECTED))
    return None


def _check_words(directory: Path, model_dir: Path | None,
                 vocabularies: list[_Vocabulary] | None, report: ContentReport) -> None:
    """Every word listened for is in the vocabulary of the speech model and of its 8 kHz
    companion (``vocabularies``: their words files, read by :func:`_read_vocabularies`)."""
    located = list(_phrases(directory))
    listened = {w for _, _, phrase in located for w in phrase.split()}
    report.words = len(listened)
    if model_dir is None:
        report.notes.append("no speech model given; words not checked")
        return
    if vocabularies is None:
        report.notes.append(f"no speech model at {model_dir} (graph/words.txt); "
                            "words not checked")
        return
    for vocabulary in vocabularies:  # the 8 kHz model must know them too
        _check_model_words(located, listened - vocabulary.words.keys(), vocabulary, report)


def _check_model_words(located: list[tuple[YamlDocument, Path_, str]], missing: set[str],
                       vocabulary: _Vocabulary, report: ContentReport) -> None:
    """One problem per word of ``located`` that ``vocabulary`` lacks (``missing``)."""
    seen: set[str] = set()
    for document, path, phrase in located:
        for word in phrase.split():
            if word in missing and word not in seen:
                seen.add(word)
                report.problems.append(document.problem(
                    path, f"word '{word}' in '{phrase}' is not recognizable by the speech model",
                    f"words listed in {vocabulary.path}, or a model rebuilt with this word"))
    _check_phrase_words(located, vocabulary, missing, report)


def _check_phrase_words(located: list[tuple[YamlDocument, Path_, str]], vocabulary: _Vocabulary,
                        missing: set[str], report: ContentReport) -> None:
    """In a model with phrase words (ours), every multi-word phrase has one: without it, Vosk
    also hears pieces of the phrase ("hurts" for "it hurts")."""
    from voiceskill.speech.phrase_words import JOIN, phrase_word

    known = vocabulary.words
    if not any(JOIN in word for word in known):
        return  # a standard Vosk model: phrases are passed as words
    seen: set[str] = set()
    for document, path, phrase in located:
        words = phrase.split()
        if len(words) < 2 or phrase in seen or missing.intersection(words):
            continue
        seen.add(phrase)
        if phrase_word(phrase) not in known:
            report.problems.append(document.problem(
                path, f"phrase '{phrase}' has no phrase word in the speech model",
                "the model's graph recompiled for these dialogs: "
                "voiceskill model compile --dialogs DIR"))


def _phrases(directory: Path) -> Iterator[tuple[YamlDocument, Path_, str]]:
    """Every phrase any turn listens for (near misses too), with its file and place."""
    for name in ("intents.yaml", "triage.yaml", EXERCISES_FILE):
        document, _ = read_yaml(directory / name)
        if document is None:
            continue
        for path, text in walk_strings(document.data, ()):
            in_grammar = bool({"phrases", "extra_phrases", "near_misses"} & set(path)) or (
                name == EXERCISES_FILE and path[:1] in (("commands",), ("answers",), ("decoys",))
            )
            if in_grammar:
                yield document, path, text.lower()

