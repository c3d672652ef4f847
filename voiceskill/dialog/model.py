"""The screening dialog as data: what `load.py` builds from dialogs/*.yaml and the engine reads.

YAML shape (see dialogs/triage.yaml for the real thing)::

    start: welcome
    nodes:
      welcome:                      # a statement: say, then go on
        say: "..."
        next: saddle-numbness
        source: 000_480a1478617cd6c5.txt
      saddle-numbness:              # a question: ask, listen, branch
        tier: emergency
        ask: "..."
        reprompts: ["shorter ...", "shortest ..."]
        answers: {yes: emergency, no: bladder-control}
        source: 000_480a1478617cd6c5.txt
      shooting-leg-pain:            # an answer with its own words before the shared outcome
        ...
        answers: {yes: {to: see-clinician, say: "..."}, no: night-pain}
    outcomes:
      emergency: {say: ["..."], source: ...}
    intents:
      yes: {phrases: [yes, yeah, ...], threshold: 0.5}
"""

from __future__ import annotations

from dataclasses import dataclass, field

from voiceskill.intents import FILLER

#: Red-flag tiers, most severe first; a question's tier is the outcome its "yes" leads to.
TIERS = ("emergency", "urgent", "see-clinician")

#: Intents every question hears besides its answers: the commands, ``back`` (withdraw the last
#: answer and ask its question again) and ``wait`` (give the answer longer), both optional in a
#: dialog, and ``filler`` ("um", "uh": heard so that "um, no" is read as "no"; alone it is not
#: understood).
QUESTION_COMMANDS = ("unsure", "repeat", "help", "stop", "back", "wait", FILLER)

#: How severe each outcome is (higher = more cautious). Used by the safety checks.
SEVERITY = {
    "emergency": 5,
    "urgent": 4,
    "see-clinician": 3,
    "no-response": 2,
    "stopped": 2,
    "advice": 1,
    "exercise": 0,
}


@dataclass(frozen=True)
class Intent:
    """Something a person can mean, and every way of saying it we listen for."""

    name: str
    """Intent name, e.g. ``yes``, ``unsure``, ``repeat``."""

    phrases: tuple[str, ...]
    """Lower-case phrases (synonyms) that mean this intent; they go into the grammar."""

    threshold: float = 0.0
    """Minimum recognizer confidence; below it the phrase counts as not understood."""

    line: int = 0
    """Line in the YAML file where the intent is defined."""

    near_misses: tuple[str, ...] = ()
    """Common words that sound almost like one of the phrases but mean something else ("now"
    beside "no"). The recognizer's stricter second decoding listens for them too, so speech
    that fits one of them better never confirms this intent; they are never an answer."""


@dataclass(frozen=True)
class Answer:
    """One accepted answer of a question and where it leads."""

    intent: str
    """Intent name (a global one like ``yes``, or one defined by this answer's phrases)."""

    target: str
    """Node id or outcome name to go to."""

    phrases: tuple[str, ...] = ()
    """Phrases for a question-specific intent (empty for global intents)."""

    sets: tuple[tuple[str, str], ...] = ()
    """Context values recorded when this answer is given, e.g. ``(("phase", "days-4-7"),)``."""

    say: str | None = None
    """Said when this answer is given, before the node or outcome it leads to: what is
    particular to this answer ("pain down a leg: within two weeks") where the outcome is shared."""

    typed: tuple[str, ...] = ()
    """Phrases that mean this answer when typed (``run --text``), never put in the
    recognizer's grammar: everyday words ("okay", "sure") that out-of-grammar speech would too
    often be taken for where a false answer is the unsafe one."""

    reports: tuple[str, ...] = ()
    """Warning signs that, reported in the person's own words at this question, are this
    answer (ids of exercises.yaml's ``signs:`` reports, or ``nerve``): "I fell" when asked
    whether a fall started the pain. Elsewhere such a report leads to, or waits for, the
    question its ``counts_as`` names (:meth:`~voiceskill.dialog.engine.ScreeningEngine.report`)."""

    threshold: float = 0.0
    """The lowest recognizer confidence at which a voice answer counts as this one, as an
    intent's ``threshold`` in intents.yaml (0: none). Above 0.5 the recognizer's stricter
    second decoding must confirm it, else it is not understood and asked again: for answers
    whose false hearing is the unsafe one (a later phase's days, whose exercises are not for
    the first days)."""

    extra_phrases: tuple[str, ...] = ()
    """Phrases that also mean this answer of a global intent at this question only, beside
    the intent's own (in the recognizer's grammar, and typed): "i fell" for the fall
    question's yes. Each can catch unrelated speech: measure before adding one."""

    again: bool = False
    """The target is a question asked before on the way here, asked again ("no" to the
    read-back of a later phase: the days question again); such an arrow is no loop, since after
    :data:`~voiceskill.dialog.engine.MAX_REASKS` of them the question's cautious branch is
    taken instead."""


@dataclass(frozen=True)
class Node:
    """A step of the conversation: a statement (say, then next) or a question."""

    id: str
    """Unique id, used in transcripts, `run --start` and `graph`."""

    text: str
    """What is said: the question (``ask``) or the statement (``say``)."""

    source: str
    """Seed file name or guideline the content rests on."""

    next: str | None = None
    """Statements only: the node or outcome that follows."""

    tier: str | None = None
    """Questions that are red flags: ``emergency``, ``urgent`` or ``see-clinician``."""

    answers: tuple[Answer, ...] = ()
    """Questions only: accepted answers in order."""

    reprompts: tuple[str, ...] = ()
    """Shorter rephrasings used when the answer was not understood, unsure or silent."""

    help: str | None = None
    """How to answer this question (falls back to the dialog's generic help)."""

    if_unsure: str | None = None
    """Where an unsure or not-understood answer leads after the re-asks (default: the tier)."""

    if_asked_before: str | None = None
    """Questions only: where the dialog goes instead of asking a question already answered in
    this session, or any time after the coach handed back to the red-flag questions after
    pain (a session started at the exercises has not answered it, and must not be led back
    to them either)."""

    if_reported: str | None = None
    """Questions only: where the dialog goes instead of asking this question, or its
    ``if_asked_before``, once a warning sign was reported (at a question of the screening, or
    during the exercises: :attr:`~voiceskill.dialog.engine.ScreeningState.told`); never to the
    exercises. Without it, the dialog's ``reported_no_exercise`` line and the cautious branch,
    at a question with ``if_asked_before``."""

    not_answers: tuple[str, ...] = ()
    """Questions only: global intents heard at this question that answer nothing here ("yes"
    or "no" when asked when the back popped): in the grammar, so that they are not heard as
    the nearest answer ("yes" as "yesterday"), and each one said is an unusable answer: the
    ``not_answer_line``, then the question again as a re-ask (after two, its cautious
    branch)."""

    typed_only: tuple[str, ...] = ()
    """Questions only: question commands heard here only when typed, left out of the voice
    listen (``back`` at the read-back of a later phase, where a spoken "yeah" came back
    "back" for 2 of 9 held-out voices; its "no" asks the days again anyway). Every other
    question command is listened for at every question."""

    not_answer_line: str | None = None
    """Said before the re-ask when one of ``not_answers`` is heard ("A yes or a no does not
    tell me when.")."""

    text_if_screened: str | None = None
    """Said instead of ``text`` (``ask_if_screened`` / ``say_if_screened``) once every red-flag
    question has been answered "no" in this session: words that presuppose those answers ("no
    warning signs so far", "again") are never said in a session started past the questions."""

    line: int = 0
    """Line of the node in its YAML file."""

    @property
    def is_question(self) -> bool:
        """True for questions (they have answers)."""
        return bool(self.answers)

    @property
    def is_red_flag(self) -> bool:
        """True for red-flag questions: those with a tier of :data:`TIERS`."""
        return self.tier in TIERS

    def answer_for(self, intent: str) -> Answer | None:
        """The answer that accepts ``intent``, if any."""
        return next((a for a in self.answers if a.intent == intent), None)


@dataclass(frozen=True)
class Outcome:
    """How a conversation ends: what is said and the outcome name reported everywhere."""

    name: str
    """One of :data:`voiceskill.events.OUTCOMES`."""

    say: tuple[str, ...]
    """Paragraphs spoken in order."""

    source: str
    """Seed file name or guideline the advice rests on."""

    line: int = 0
    """Line of the outcome in its YAML file."""


@dataclass(frozen=True)
class Dialog:
    """The whole screening conversation."""

    start: str
    """Id of the first node."""

    nodes: dict[str, Node]
    """Every node by id."""

    outcomes: dict[str, Outcome]
    """Every outcome by name."""

    intents: dict[str, Intent]
    """Global intents by name (yes, no, unsure, repeat, help, stop, ...)."""

    messages: dict[str, str] = field(default_factory=dict)
    """Generic lines (``help``, ``not_understood``, ``silence``, ``unsure``) from intents.yaml."""

    def resolve(self, target: str) -> Node | Outcome:
        """The node or outcome a target names."""
        return self.nodes[target] if target in self.nodes else self.outcomes[target]
