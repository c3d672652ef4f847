"""The whole conversation: red-flag screening, then (when it ends in ``exercise``) the coach.

Still pure: it only routes events to the screening or the coach engine and splices their
actions together. The coach hands back to the screening with :class:`~voiceskill.events.Goto`
(for example when pain spreads to the legs during an exercise).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from voiceskill.coach.engine import RED_FLAG_NODE
from voiceskill.coach.routine import words_of
from voiceskill.dialog.engine import HELP_NOW, ScreeningEngine, ScreeningState, SignReport
from voiceskill.dialog.flags import FLAG_SET, reachable
from voiceskill.dialog.model import Dialog
from voiceskill.dialog.safety import red_flags_skipped
from voiceskill.events import Action, Choice, End, Event, Goto, Heard, Listen, Record, Started
from voiceskill.intents import normalize

if TYPE_CHECKING:
    from voiceskill.coach.routine import ExerciseBook

#: Phase assumed when the person did not say how long ago the pop was (the gentlest).
DEFAULT_PHASE = "first-72-hours"


class Coach(Protocol):
    """What the conversation needs from the exercise coach."""

    def initial_state(self) -> Any: ...

    def knows(self, exercise: str) -> bool: ...

    def knows_phase(self, phase: str) -> bool: ...

    def start(
        self, now: float, phase: str, exercise: str | None, flags: frozenset[str],
        phase_known: bool | None = None,
    ) -> tuple[Any, list[Action]]: ...

    def step(self, state: Any, event: Event, now: float) -> tuple[Any, list[Action]]: ...

    @property
    def book(self) -> ExerciseBook:
        """The exercise book, whose ``nerve:`` and ``signs:`` words the screening hears too."""
        ...


@dataclass(frozen=True)
class ConversationState:
    """Which part of the conversation is running, and each part's own state."""

    part: str
    """``screening`` or ``coach``."""

    screening: ScreeningState
    """State of the screening engine (kept while coaching: it holds the answers and phase)."""

    coach: Any = None
    """State of the coach engine once coaching started."""

    start_phases: tuple[str, ...] = ()
    """The phases whose days answers lead to the node the session started at (``run --start
    care-days-4-7``: days 4 to 7), for a coach started with no phase answered
    (:func:`phases_leading_to`)."""


class Conversation:
    """Screening followed by coaching, as one engine for the session."""

    def __init__(self, screening: ScreeningEngine, coach: Coach) -> None:
        self.screening = screening
        self.coach = coach
        self.report_choices = report_choices(coach.book)
        """The coach's voice phrases of warning signs, heard at the questions outside the
        red-flag questions too (:meth:`_hearing_reports`)."""
        self.help_choices = tuple(Choice(p, HELP_NOW) for p in coach.book.help_now.phrases)
        """The coach's voice phrases of a call for help ("help me"), heard at every question
        of the screening too (:meth:`_hearing_reports`)."""

    def initial_state(self) -> ConversationState:
        return ConversationState("screening", self.screening.initial_state())

    def step(
        self, state: ConversationState, event: Event, now: float
    ) -> tuple[ConversationState, list[Action]]:
        if isinstance(event, Started) and event.start in self.screening.dialog.nodes:
            state = replace(state, start_phases=phases_leading_to(self.screening.dialog,
                                                                  event.start))
        if isinstance(event, Started) and self._skips_red_flags(event.start):
            # Warning-sign questions never asked, and no welcome: the dialog's line says so
            # before anything else.
            said = self.screening.message("skipped_screening", "skipped-screening")
            new_state, actions = self._route(state, event, now)
            return new_state, self._hearing_reports(new_state, said + actions)
        new_state, actions = self._route(state, event, now)
        return new_state, self._hearing_reports(new_state, actions)

    def _hearing_reports(self, state: ConversationState, actions: list[Action]) -> list[Action]:
        """``actions`` with the coach's voice phrases of warning signs ("my leg is numb",
        "pins and needles", "my legs gave way": :func:`report_choices`) added to the listen of a
        screening question outside the red-flag questions ("When did your back pop?", the days
        question, "Shall we start the exercises now?"), so that voice mode hears such a report
        there as text mode does (:func:`sign_report`).

        Not at a red-flag question: there a false report changes an answer (measured with the
        shipped model: a held-out voice's "two days ago" at the bowel question came back as a
        numb leg), and the question itself asks about the sign. Measured (2026-11-24, the
        shipped model, session path, each question's listen from this conversation with and
        without them): the 233 out-of-grammar clips of bench/model_accuracy.py taken as a
        report 5 times at "When did your back pop?", 4 at the days question, 2 at "Shall we
        start the exercises now?" (a false one costs the red-flag questions again and the
        exercises that day, never an answer: a numb leg ends in care today); the clips taken
        as anything 134 -> 136, 120 -> 120, 88 -> 92. Said by the nine held-out voices, each
        phrase heard as a report 8-9 of 9 at each question ("pins and needles" had come back
        as "yes" for 2 of 9 at the exercises question, as a days answer for 4 of 9 at the
        others), "my leg has gone numb" (no phrase) 2-5 of 9; the questions' own answers
        (yes, no, not sure, repeat, "two days ago", "yesterday", "two", "five days ago")
        came back as before. tests/acoustic/test_reports_heard_at_questions.py.

        The call for help ("help me": :attr:`help_choices`) at every question, red-flag ones
        too: a false one says how to get help and the question again, and counts towards the
        question's limit, never as an answer. Measured the same way (script
        /tmp/s35/h53/measure_help.py): no clip of the 233 taken for it at the saddle and the
        bowel questions or at "When did your back pop?" (clips taken as anything 75 -> 77,
        77 -> 76, 133 -> 138: a pass's own spread is up to 4); "help me" said by the held-out
        voices understood 8, 8 and 9 of 9 there (before, not in the grammar: nothing, or
        "two weeks ago" for one voice); their "help", "yes", "no", "not sure" as before."""
        if state.part != "screening" or state.screening.node is None:
            return actions
        node = self.screening.dialog.nodes.get(state.screening.node)
        if node is None:
            return actions
        extra = self.help_choices + (() if node.is_red_flag else self.report_choices)
        return [replace(a, choices=tuple(dict.fromkeys(a.choices + extra)))
                if isinstance(a, Listen) else a for a in actions]

    def _route(self, state: ConversationState, event: Event,
               now: float) -> tuple[ConversationState, list[Action]]:
        """The event's effect: a start at an exercise or a phase begins the coach, everything
        else goes to the part that runs."""
        if isinstance(event, Started) and event.start not in (None, *self.screening.dialog.nodes):
            if self.coach.knows(event.start):
                return self._start_coach(state, now, exercise=event.start)
            if self.coach.knows_phase(event.start):
                return self._start_coach(state, now, exercise=None, phase=event.start)
        if state.part == "coach":
            coach_state, actions = self.coach.step(state.coach, event, now)
            return self._after(replace(state, coach=coach_state), actions, now)
        report = sign_report(self.coach.book, event) if isinstance(event, Heard) else None
        if report is not None and report.negated and not self._at_red_flag(state):
            report = None  # a sign plainly denied ("my leg isn't numb"): no report here
        if report is not None and state.screening.node is not None:
            # A warning sign said in the person's own words, whatever the question was: the
            # stricter reading wins, as during the exercises.
            assert isinstance(event, Heard)
            node = state.screening.node
            screening_state, actions = self.screening.report(state.screening, event, report,
                                                             RED_FLAG_NODE)
            if not report.negated and self.coach.book.help_now.found_in(words_of(event.text)):
                # said with a call for help ("I can't get up", "help me, I wet myself"): how
                # to get help first, as the coach says it during the exercises
                actions = [*self.screening.message("help_now", f"help-now:{node}"), *actions]
            return self._after(replace(state, screening=screening_state), actions, now)
        if isinstance(event, Heard) and event.intent in (None, "help") and (
                self.coach.book.help_now.found_in(normalize(event.text).split())):
            # "Help me", "I can't get up" (the coach's help_now: words) not understood as an
            # answer: how to get help, then the question's help and the question again
            # (ScreeningEngine, HELP_NOW). An answer with such words stays the answer.
            event = replace(event, intent=HELP_NOW)
        screening_state, actions = self.screening.step(state.screening, event, now)
        return self._after(replace(state, screening=screening_state), actions, now)

    # ------------------------------------------------------------------ hand-overs

    def _after(
        self, state: ConversationState, actions: list[Action], now: float
    ) -> tuple[ConversationState, list[Action]]:
        """Hand over between the parts where an action asks for it."""
        for index, action in enumerate(actions):
            if isinstance(action, Goto):
                before = actions[:index]
                # After a warning sign reported during the exercises (the coach records it as
                # a report before handing back), not after pain: the ending says so.
                told = any(isinstance(a, Record) and a.type == "report" for a in before)
                screening_state, more = self.screening.resume_at(state.screening, action.node,
                                                                 action.answered, told)
                return ConversationState("screening", screening_state), before + more
            if (
                isinstance(action, End)
                and action.outcome == "exercise"
                and state.part == "screening"
            ):
                new_state, more = self._start_coach(state, now, exercise=None)
                return new_state, actions[:index] + more
            if (isinstance(action, End) and action.outcome in ("stopped", "advice")
                    and state.part == "coach"):
                # The coach stopped (asked to, or paused too long) or ended after pain that is
                # neither severe nor spreading: the dialog's own ending of that name follows,
                # with its warning signs, as when the screening ends there.
                screening_state, more = self.screening.enter(state.screening, action.outcome)
                return replace(state, screening=screening_state), actions[:index] + more
        return state, actions

    def _at_red_flag(self, state: ConversationState) -> bool:
        """Whether the screening is at a red-flag question (a question with a tier)."""
        node = self.screening.dialog.nodes.get(state.screening.node or "")
        return node is not None and node.is_red_flag

    def _skips_red_flags(self, start: str | None) -> bool:
        """Whether a session started at ``start`` can reach exercise or home advice without
        some red-flag question: a start at an exercise or a phase, or at a node past them."""
        if start is None:
            return False
        if start not in self.screening.dialog.nodes:
            return True
        return bool(red_flags_skipped(self.screening.dialog, start))

    def _start_coach(
        self, state: ConversationState, now: float, exercise: str | None,
        phase: str | None = None,
    ) -> tuple[ConversationState, list[Action]]:
        phase = phase or state.screening.get("phase")
        known = phase is not None
        if phase is None and state.start_phases:
            # Started past the days question (run --start care-later): the phase of the care
            # said, known when only one leads there; else the gentlest of them (care-later:
            # week two, as the dialog chooses between the later phases), not the person's.
            phase = min(state.start_phases, key=self.coach.book.phase_index)
            known = len(state.start_phases) == 1
        # A session started at an exercise knows no phase: the earliest, the careful choice.
        phase = phase or DEFAULT_PHASE
        # Flags the screening recorded (sets: {leg-weakness: yes}); see voiceskill.dialog.flags.
        flags = frozenset(k for k, v in state.screening.context if v == FLAG_SET)
        coach_state, actions = self.coach.start(now, phase, exercise, flags, phase_known=known)
        return replace(state, part="coach", coach=coach_state), actions


def phases_leading_to(dialog: Dialog, node: str) -> tuple[str, ...]:
    """The phases (``sets: {phase: ...}`` of an answer) whose answers lead to ``node`` by the
    dialog's arrows, in dialog order: what a session started there knows of the phase
    (care-days-4-7: days 4 to 7 only; care-later: week two or week four; start-exercises:
    any; a node before the days question: none)."""
    phases = [value for item in dialog.nodes.values() for answer in item.answers
              for key, value in answer.sets
              if key == "phase" and node in reachable(dialog, answer.target)]
    return tuple(dict.fromkeys(phases))


def report_choices(book: ExerciseBook) -> tuple[Choice, ...]:
    """The phrases the running coach hears as warning signs in voice mode (exercises.yaml: the
    ``nerve`` command, and the ``phrases`` of ``signs:`` reports), with the intents it gives
    them (``nerve``, ``sign:<id>``), which :func:`sign_report` reads."""
    choices = [Choice(p, "nerve") for p in book.commands.get("nerve", ())]
    return tuple(dict.fromkeys([*choices, *book.sign_choices()]))


def sign_report(book: ExerciseBook, heard: Heard) -> SignReport | None:
    """The warning signs ``heard`` reports, read as the coach reads them during the exercises
    (exercises.yaml: ``signs:`` reports, and ``nerve:`` words of numbness, tingling or
    weakness; or the intent of one of their phrases in voice mode), with the red-flag questions
    they answer (``counts_as``); None when it names none. Signs named only plainly denied
    ("no numbness", "I haven't wet myself": the book's ``denials:``, as the coach reads them)
    come back ``negated``, with what they name: no report, and at a red-flag question, whose
    own words such an answer repeats, not understood (ScreeningEngine.report)."""
    words = words_of(heard.text)
    found = book.report_of(words, heard.intent)
    if found is not None:
        return SignReport(*found)
    named = book.report_of(words, heard.intent, literal=True)
    return None if named is None else SignReport(*named, negated=True)


def build_conversation(dialogs_dir: Path, emergency_number: str = "911") -> Conversation:
    """Load every dialog file of ``dialogs_dir`` and build the conversation engine.

    Raises :class:`voiceskill.errors.ContentError` when any file is broken: the skill never
    starts on a broken dialog.
    """
    from voiceskill.coach.engine import load_coach
    from voiceskill.dialog.load import load_dialog

    dialog = load_dialog(dialogs_dir)
    screening = ScreeningEngine(dialog, emergency_number)
    return Conversation(screening, load_coach(dialogs_dir, dialog.intents, emergency_number))
