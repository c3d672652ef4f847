"""The screening engine: a pure state machine over a :class:`~voiceskill.dialog.model.Dialog`.

``step(state, event, now) -> (state, actions)``. No audio, no sleeping, no globals.

Safety rules it enforces (proven over every path of the shipped dialog by ``safety.py``):
- an answer counts only when its intent is one the question accepts: "unsure", silence and
  anything not understood are never taken as "no";
- after two re-asks (rephrased) the cautious branch is taken: the question's ``if_unsure``
  target, or its tier's outcome; silence through every ask ends in ``no-response``;
- "repeat", "help" and "stop" work at every question ("help me": how to get help first);
  after MAX_REPEATS of "repeat" or "help" on one question, a further one counts as unsure, so
  a word misheard as "again" over and over (or steady noise) cannot hold a question for ever;
- "wait" answers nothing: the question waits WAIT_SECONDS for its answer instead of the usual
  silence, and counts with "repeat" and "help" towards MAX_REPEATS;
- "go back" withdraws the last answer and asks its question again, so a "no" said by mistake
  can be corrected after the next question has begun. It only ever undoes answers: a "yes"
  that escalated has ended the conversation, and nothing before a hand-back from the coach can
  be undone. With nothing to go back to it counts as "repeat";
- a question the coach's hand-back says was answered by a report (a numb leg during the
  exercises: :attr:`~voiceskill.events.Goto.answered`) is not asked: its line is said and that
  answer taken, so a later "no" cannot cancel the report;
- a warning sign reported at a question of the screening itself ("my leg is numb" when asked
  when the back popped: :meth:`ScreeningEngine.report`) is treated the same way: past or
  outside the red-flag questions they are asked again, the report answering its own; at a
  red-flag question the report answers its question there and then when that is this one or
  one already answered, else it waits for it and this question is asked again. After a report
  the session never reaches the exercises;
- a report that answers an emergency question "yes" ("I wet myself": the bladder question),
  from the coach's hand-back or at any question, ends in the emergency at once: no other
  question is asked first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from voiceskill.dialog.model import QUESTION_COMMANDS, TIERS, Answer, Dialog, Intent, Node, Outcome
from voiceskill.dialog.readback import answer_words, as_time_ago, read_back
from voiceskill.events import (
    Action,
    Choice,
    End,
    Event,
    Heard,
    Listen,
    Record,
    Say,
    Silence,
    Started,
)
from voiceskill.intents import FILLER, intent_of_words, normalize, phrase_intents

#: Endings reached without an answer: silence throughout, or "stop".
UNANSWERED_ENDINGS = ("no-response", "stopped")

#: How many times a question is asked again after an unusable answer.
MAX_REASKS = 2

#: How many times one question is said again on request ("repeat", "help") before a further
#: request counts as an unusable answer (re-ask, then the cautious branch).
MAX_REPEATS = 3

#: Seconds of silence a question waits for its answer after "wait" (the session's default is
#: 8): time to check a feeling or think before the question is asked again.
WAIT_SECONDS = 30.0

#: Intent of a call for help at a question ("help me", "I can't get up"): the dialog's
#: ``help_now`` line (how to get help), then the question's help and the question again.
HELP_NOW = "help-now"

#: Fallback when a non-tier question has no ``if_unsure``: the least severe safe outcome.
DEFAULT_CAUTIOUS = "see-clinician"


@dataclass(frozen=True)
class ScreeningState:
    """Where the screening conversation stands."""

    node: str | None = None
    """Id of the question waiting for an answer (None before the start and after the end)."""

    failures: int = 0
    """Unusable answers (unsure, not understood, silence) to the current question so far."""

    only_silence: bool = True
    """True while every unusable answer to the current question was silence."""

    repeats: int = 0
    """"repeat" and "help" requests granted on the current question so far."""

    context: tuple[tuple[str, str], ...] = ()
    """Values set by answers, e.g. ``(("phase", "days-4-7"),)``; the coach reads them."""

    answers: tuple[tuple[str, str], ...] = ()
    """Every (question id, intent) answered so far, in order."""

    said: tuple[str, ...] = ()
    """The words of each of :attr:`answers` ("ten", "two weeks ago"; empty for one taken from
    a report): the last is read back where a question's text holds ``{when}``."""

    corrections: tuple[tuple[str, int], ...] = ()
    """(question id, count) of the answers taken at that question that ask a question on the
    way again (``again``: "no" to the read-back of a later phase); past MAX_REASKS at one
    question, its cautious branch instead. Counted per question, for the whole session: a
    new reading of the same read-back ("Twelve days ago?" after "Ten days ago?") goes on
    counting (else the loop would never end), another read-back has tries of its own."""

    undo: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    """What "go back" returns to, last answer last: (question id, context before its answer)
    for every answer that can still be withdrawn."""

    outcome: str | None = None
    """Set once the conversation has ended."""

    coached: bool = False
    """True once the coach has handed back (pain during an exercise): a question with
    ``if_asked_before`` counts as asked then, even in a session started at the exercises."""

    reported: tuple[tuple[str, str, str], ...] = ()
    """Questions answered by a report (during the exercises, from the coach's hand-back, or
    at a question of the screening): (question id, intent, line said in place of the
    question)."""

    told: bool = False
    """True once a warning sign was reported at a question of the screening (:meth:`
    ScreeningEngine.report`) or during the exercises (the coach's hand-back after a report):
    a question with ``if_reported`` then leads there, one with only ``if_asked_before`` (the
    way to the exercises) to its cautious branch, also after a report that answers no
    question (a fall)."""

    def get(self, key: str, default: str | None = None) -> str | None:
        """A context value."""
        return dict(self.context).get(key, default)


@dataclass(frozen=True)
class SignReport:
    """A warning sign reported in words of the person's own at a screening question ("my leg
    is numb", "I wet myself"), as the exercise book's ``nerve:`` and ``signs:`` read it."""

    signs: tuple[str, ...]
    """Which signs (the book's report ids, ``nerve``), for the transcript."""

    answered: tuple[tuple[str, str, str], ...]
    """The red-flag questions the report answers: (question id, intent, line said in place of
    the question), as :attr:`~voiceskill.events.Goto.answered`; empty for a fall."""

    negated: bool = False
    """Whether the words also deny something ("no numbness", "I haven't wet myself")."""


class ScreeningEngine:
    """Runs the red-flag screening dialog."""

    def __init__(self, dialog: Dialog, emergency_number: str = "911") -> None:
        self.dialog = dialog
        self.emergency_number = emergency_number

    # ------------------------------------------------------------------ protocol

    def initial_state(self) -> ScreeningState:
        return ScreeningState()

    def step(
        self, state: ScreeningState, event: Event, now: float
    ) -> tuple[ScreeningState, list[Action]]:
        if state.outcome is not None:
            return state, []
        match event:
            case Started(start=start):
                return self.enter(state, start or self.dialog.start)
            case Heard():
                return self._on_heard(state, event)
            case Silence():
                return self._on_unusable(state, "silence")
        return state, []  # timers mean nothing to the screening

    # ------------------------------------------------------------------ moving

    def enter(self, state: ScreeningState, target: str) -> tuple[ScreeningState, list[Action]]:
        """Go to a node or outcome: say statements until a question waits or an outcome ends."""
        actions: list[Action] = []
        seen: set[str] = set()
        while True:
            if target in seen:  # the loader refuses loops of statements; never spin here
                raise RuntimeError(f"statement loop at {target!r}")
            seen.add(target)
            item = self.dialog.resolve(target)
            emergency = None if isinstance(item, Outcome) else self._emergency_reported(state)
            if emergency is not None and emergency != item.id:
                target = emergency  # a "yes" to an emergency question, reported: at once
                continue
            reported = (self._tier_reported(state) if isinstance(item, Outcome)
                        and item.name in UNANSWERED_ENDINGS else None)
            if reported is not None:
                target = reported  # a warning sign was told: its care, not a bare goodbye
                continue
            if isinstance(item, Outcome):
                actions += [Say(self._fill(p), f"outcome:{item.name}") for p in item.say]
                actions.append(End(item.name))
                return replace(state, node=None, outcome=item.name), actions
            if item.is_question and item.if_reported is not None and state.told:
                target = item.if_reported  # a warning sign was reported: its own way, no exercises
                continue
            if item.is_question and item.if_asked_before is not None and state.told:
                # a warning sign was reported at a question: no exercises, whatever came after
                actions += self.message("reported_no_exercise", f"reported-no-exercise:{item.id}")
                target = self.cautious_target(item)
                continue
            if item.is_question and item.if_asked_before is not None and (state.coached or any(
                    question == item.id for question, _ in state.answers)):
                target = item.if_asked_before  # back from the coach: not asked twice
                continue
            told = next(((i, line) for q, i, line in state.reported if q == item.id), None)
            answer = item.answer_for(told[0]) if told is not None else None
            if told is not None and answer is not None:  # answered by the report: not asked
                actions.append(Say(self._fill(told[1]), f"reported:{item.id}"))
                state, said = self._take(state, item, answer, "", reported=True)
                actions += said
                target = answer.target
                continue
            if item.is_question:
                actions.append(Say(self._fill(self.text_of(item, state)), f"question:{item.id}"))
                actions.append(self.listen_for(item))
                return replace(state, node=item.id, failures=0, only_silence=True,
                               repeats=0), actions
            actions.append(Say(self._fill(self.text_of(item, state)), f"statement:{item.id}"))
            assert item.next is not None
            target = item.next

    def listen_for(self, node: Node) -> Listen:
        """The exact phrases a question accepts: its answers and the question commands."""
        choices: list[Choice] = []
        for answer in node.answers:
            phrases = answer.phrases or self._phrases(answer)
            choices += [Choice(p, answer.intent) for p in (*phrases, *answer.extra_phrases)]
        for name in QUESTION_COMMANDS:
            intent = self.dialog.intents.get(name)
            if intent is not None and name not in node.typed_only:  # those: typed (_typed)
                choices += [Choice(p, name) for p in intent.phrases]
        listen = with_intent_checks(Listen(tuple(dict.fromkeys(choices))), self.dialog.intents)
        own = tuple((a.intent, a.threshold) for a in node.answers if a.threshold)
        if own:
            mine = {intent for intent, _ in own}
            listen = replace(listen, thresholds=tuple(
                t for t in listen.thresholds if t[0] not in mine) + own)
        # Heard only to be refused ("yes" when asked when): no threshold or near miss of
        # theirs, which only decide between an answer and a re-ask that both come to a re-ask.
        refused = [Choice(p, name) for name in node.not_answers
                   if (intent := self.dialog.intents.get(name)) is not None
                   for p in intent.phrases]
        if refused:
            listen = replace(listen, choices=tuple(dict.fromkeys((*listen.choices, *refused))))
        return listen

    # ------------------------------------------------------------------ answers

    def _on_heard(self, state: ScreeningState, heard: Heard) -> tuple[ScreeningState, list[Action]]:
        node = self._current(state)
        if node is None:
            return state, []
        intent = heard.intent or self._typed(node, heard.text)
        answer = node.answer_for(intent) if intent else None
        if answer is not None and answer.again:
            return self._ask_again(state, node, answer, heard.text)
        if answer is not None:
            state, said = self._take(state, node, answer, heard.text)
            new_state, actions = self.enter(state, answer.target)
            return new_state, [*said, *actions]
        if intent == "back":
            if state.undo:
                return self._go_back(state, node)
            intent = "repeat"  # the first question: nothing to withdraw, so say it again
        if intent in ("repeat", "help", "wait", HELP_NOW):
            if state.repeats >= MAX_REPEATS:
                new_state, actions = self._on_unusable(state, "unsure", asked=intent)
                if intent == HELP_NOW:  # how to get help is said every time
                    actions = [*self.message("help_now", f"help-now:{node.id}"), *actions]
                return new_state, actions
            state = replace(state, repeats=state.repeats + 1)
        if intent == "wait":
            said = self.message("wait", f"wait:{node.id}")
            return state, [*said, replace(self.listen_for(node), timeout=WAIT_SECONDS)]
        if intent == "repeat":
            # The usual wait again: a "wait" before this must not leave its long one behind.
            return state, [Say(self._fill(self.text_of(node, state)), f"repeat:{node.id}"),
                           self.listen_for(node)]
        if intent in ("help", HELP_NOW):
            help_text = node.help or self.dialog.messages.get("help", "")
            first = self.message("help_now", f"help-now:{node.id}") if intent == HELP_NOW else []
            return state, [
                *first,
                Say(self._fill(help_text), f"help:{node.id}"),
                Say(self._fill(self._when(self._reprompt(node, 0), state)),
                    f"question:{node.id}"),
                self.listen_for(node),
            ]
        if intent == "stop":
            return self.enter(state, "stopped")
        if intent is not None and intent in node.not_answers:  # "yes" when asked when
            return self._on_unusable(state, "not_an_answer", lead_in=node.not_answer_line)
        return self._on_unusable(state, "unsure" if intent == "unsure" else "not_understood")

    def _typed(self, node: Node, text: str) -> str | None:
        """The answer ``text`` types with the question's ``typed`` phrases, or the command
        it types of the question's ``typed_only`` ("go back" at the read-back), fillers before
        them skipped; never one of the recognizer's words, so never what voice mode heard."""
        choices = [Choice(p, a.intent) for a in node.answers for p in a.typed]
        choices += [Choice(p, name) for name in node.typed_only
                    if (command := self.dialog.intents.get(name)) is not None
                    for p in command.phrases]
        if not choices:
            return None
        filler = self.dialog.intents.get(FILLER)
        choices += [Choice(p, FILLER) for p in (filler.phrases if filler else ())]
        return intent_of_words(tuple(normalize(text).split()),
                               phrase_intents(choices, lambda p: tuple(normalize(p).split())))

    def _take(self, state: ScreeningState, node: Node, answer: Answer, text: str,
              reported: bool = False) -> tuple[ScreeningState, list[Action]]:
        """``answer`` to ``node`` recorded (``reported``: taken from a report, not heard), and
        its own words."""
        data = {"node": node.id, "intent": answer.intent, "text": text}
        record = Record("answer", {**data, "reported": True} if reported else data)
        fillers = self.dialog.intents.get(FILLER)
        words = "" if reported else answer_words(
            text, (answer.phrases or self._phrases(answer)) + answer.extra_phrases + answer.typed,
            fillers.phrases if fillers else ())
        state = replace(
            state,
            answers=state.answers + ((node.id, answer.intent),),
            said=state.said + (words,),
            context=_merge(state.context, answer.sets),
            undo=state.undo + ((node.id, state.context),),
        )
        said = [Say(self._fill(answer.say), f"answer:{node.id}")] if answer.say else []
        return state, [record, *said]

    def _phrases(self, answer: Answer) -> tuple[str, ...]:
        """The phrases of ``answer``'s global intent (none for a question-specific answer)."""
        intent = self.dialog.intents.get(answer.intent)
        return intent.phrases if intent is not None else ()

    def _ask_again(self, state: ScreeningState, node: Node, answer: Answer,
                   text: str) -> tuple[ScreeningState, list[Action]]:
        """An answer that asks a question on the way again (``again``: "no" to the read-back of
        a later phase): its words and that question, or, past MAX_REASKS such answers at
        ``node`` in the session, the cautious branch of ``node`` (never a phase guessed)."""
        state, said = self._take(state, node, answer, text)
        corrections = dict(state.corrections)
        corrections[node.id] = corrections.get(node.id, 0) + 1
        state = replace(state, corrections=tuple(corrections.items()))
        if corrections[node.id] > MAX_REASKS:
            target = self.cautious_target(node)
            record = Record("cautious", {"node": node.id, "reason": "corrected",
                                         "target": target})
            new_state, actions = self.enter(state, target)
            return new_state, [record, *actions]
        new_state, actions = self.enter(state, answer.target)
        return new_state, [*said, *actions]

    def _go_back(self, state: ScreeningState, node: Node) -> tuple[ScreeningState, list[Action]]:
        """Withdraw the last answer and ask its question again, as if for the first time."""
        question, context = state.undo[-1]
        withdrawn = state.answers[-1][1]
        record = Record("back", {"node": node.id, "to": question, "withdrawn": withdrawn})
        state = replace(state, answers=state.answers[:-1], said=state.said[:-1], context=context,
                        undo=state.undo[:-1])
        said = self.message("back", f"back:{question}")
        new_state, actions = self.enter(state, question)
        return new_state, [record, *said, *actions]

    def resume_at(self, state: ScreeningState, target: str,
                  answered: tuple[tuple[str, str, str], ...] = (), told: bool = False
                  ) -> tuple[ScreeningState, list[Action]]:
        """Go on at ``target`` after the coach handed back: no answer given before can be
        withdrawn from here ("go back" would lead into the questions that led to exercise).
        ``answered``: questions the person's report answered (:attr:`ScreeningState.reported`);
        ``told``: the hand-back came after a warning sign reported during the exercises (a
        fall, a numb leg), not after pain (:attr:`ScreeningState.told`)."""
        return self.enter(replace(state, outcome=None, undo=(), coached=True,
                                  reported=state.reported + answered,
                                  told=state.told or told), target)

    def report(self, state: ScreeningState, heard: Heard, report: SignReport,
               restart_at: str) -> tuple[ScreeningState, list[Action]]:
        """A warning sign reported at the current question (``heard``: "my leg is numb" when
        asked when the back popped), read by the caller from the exercise book's words.

        Outside the red-flag questions (a question without a tier): the dialog's ``reported``
        line, and the red-flag questions from ``restart_at`` again, each report answering its
        own question when they reach it (as after the coach's hand-back); "go back" cannot
        lead past them. At a red-flag question: a report that answers this question, or one
        already answered, is taken there and then (the earlier answer gives way), and so is
        a "yes" to an emergency question wherever it is (:meth:`_emergency_reported`); any
        other waits for its question, its line is said and this question asked again; but a sign
        that one of this question's answers names (``reports``: "I fell" when asked whether a
        fall started the pain) is that answer. A report in words that deny something
        (``report.negated``: "no, no numbness") is no report at a red-flag question, whose own
        words it may repeat: not understood, as before. Afterwards the session never reaches
        the exercises (:attr:`ScreeningState.told`)."""
        node = self._current(state)
        if node is None:
            return state, []
        at_red_flag = node.is_red_flag
        if at_red_flag and report.negated:
            return self._on_heard(state, replace(heard, intent=None))
        record = Record("report", {"node": node.id, "sign": ", ".join(report.signs),
                                   "text": heard.text})
        known = {question for question, _, _ in state.reported}
        new = tuple(a for a in dict.fromkeys(report.answered) if a[0] not in known)
        state = replace(state, reported=state.reported + new, told=True)
        answered = {q for q, _ in state.answers}
        if not at_red_flag:
            said = self.message("reported", f"report:{node.id}")
            new_state, actions = self.enter(replace(state, undo=()), restart_at)
            return new_state, [record, *said, *actions]
        emergency = self._emergency_reported(state)
        if emergency is not None:  # a "yes" to an emergency question: ends there at once
            new_state, actions = self.enter(state, emergency)
            return new_state, [record, *actions]
        mine = [q for q, i, _ in state.reported
                if (q == node.id or q in answered) and self._answers(q, i)]
        if mine:  # this question, or the earliest one already answered
            order = [q for q, _ in state.answers] + [node.id]
            new_state, actions = self.enter(state, min(mine, key=order.index))
            return new_state, [record, *actions]
        named = next((a for a in node.answers if set(a.reports) & set(report.signs)), None)
        if named is not None:  # the sign is this question's own answer ("I fell")
            state, said = self._take(state, node, named, heard.text)
            new_state, actions = self.enter(state, named.target)
            return new_state, [record, *said, *actions]
        if state.repeats >= MAX_REPEATS:  # reported again and again: a question held for ever
            new_state, actions = self._on_unusable(state, "unsure", asked="report")
            return new_state, [record, *actions]
        state = replace(state, repeats=state.repeats + 1)
        lines = [Say(self._fill(line), f"reported:{q}")
                 for q, _, line in dict.fromkeys(report.answered)]
        lines += self.message("reported_ahead" if lines else "reported", f"report:{node.id}")
        return state, [record, *lines,
                       Say(self._fill(self.text_of(node, state)), f"question:{node.id}"),
                       self.listen_for(node)]

    def _emergency_reported(self, state: ScreeningState) -> str | None:
        """The first emergency question a report answered with an answer that ends the
        conversation (its "yes": "I wet myself" for the bladder question), or None. Such a
        report is a "yes" to an emergency question, which ends in the emergency at once: it is
        taken as soon as the screening moves, before any other question, so that silence, a
        "stop" or a "no" to a question asked first cannot end elsewhere (review finding 8)."""
        for question, intent, _ in state.reported:
            node = self.dialog.nodes.get(question)
            answer = node.answer_for(intent) if node is not None and node.tier == TIERS[0] else None
            if answer is not None and isinstance(self.dialog.resolve(answer.target), Outcome):
                return question
        return None

    def _tier_reported(self, state: ScreeningState) -> str | None:
        """The gravest tier among the red-flag questions a report answered (``urgent`` after
        "my leg is numb"), or None. A session that ends unanswered (silence, "stop") after such
        a report ends in that tier's outcome: the sign was told, and "if you are worried,
        contact a doctor" would undersell it. An emergency report never waits this long
        (:meth:`_emergency_reported`)."""
        tiers = [node.tier for question, intent, _ in state.reported
                 if (node := self.dialog.nodes.get(question)) is not None
                 and node.is_red_flag and node.answer_for(intent) is not None]
        return min(tiers, key=TIERS.index) if tiers else None

    def _answers(self, question: str, intent: str) -> bool:
        """Whether ``intent`` is an answer of the question ``question``."""
        node = self.dialog.nodes.get(question)
        return node is not None and node.answer_for(intent) is not None

    def _on_unusable(
        self, state: ScreeningState, reason: str, asked: str | None = None,
        lead_in: str | None = None,
    ) -> tuple[ScreeningState, list[Action]]:
        """Unsure, not understood or silent: re-ask (rephrased), then take the cautious branch.

        ``asked`` names a request ("repeat", "help") refused because the question was already
        said again :data:`MAX_REPEATS` times; it is recorded, and otherwise counts as unsure.
        ``lead_in``: said before the re-ask instead of the dialog's line for ``reason``."""
        node = self._current(state)
        if node is None:
            return state, []
        failures = state.failures + 1
        only_silence = state.only_silence and reason == "silence"
        state = replace(state, failures=failures, only_silence=only_silence)
        why: dict[str, object] = {"node": node.id, "reason": reason}
        if asked:
            why["asked"] = asked
        if failures <= MAX_REASKS:
            lead_in = lead_in or self.dialog.messages.get(reason, "")
            reprompt = self._when(self._reprompt(node, failures - 1), state)
            text = " ".join(t for t in (lead_in, reprompt) if t)
            return state, [
                Record("reprompt", {**why, "attempt": failures}),
                Say(self._fill(text), f"reprompt:{node.id}"),
                self.listen_for(node),  # the usual wait again, after a "wait"
            ]
        target = "no-response" if only_silence else self.cautious_target(node)
        record = Record("cautious", {**why, "target": target})
        new_state, actions = self.enter(state, target)
        return new_state, [record, *actions]

    def cautious_target(self, node: Node) -> str:
        """Where a question leads when the person cannot answer it."""
        return node.if_unsure or node.tier or DEFAULT_CAUTIOUS

    # ------------------------------------------------------------------ helpers

    def screened(self, state: ScreeningState) -> bool:
        """Whether every red-flag question has been answered "no" in this session (never in
        a session started past some of them, until the coach hands back and they are asked)."""
        denied = {question for question, intent in state.answers if intent == "no"}
        return all(node.id in denied for node in self.dialog.nodes.values()
                   if node.is_red_flag)

    def text_of(self, node: Node, state: ScreeningState) -> str:
        """What ``node`` says: its ``ask_if_screened`` / ``say_if_screened`` once every
        red-flag question has been answered "no" in this session, else its ask or say."""
        text = node.text
        if node.text_if_screened is not None and self.screened(state):
            text = node.text_if_screened
        return self._when(text, state)

    @staticmethod
    def _when(text: str, state: ScreeningState) -> str:
        """``text`` with ``{when}`` filled in: the last answer's words as a time ago."""
        return read_back(text, as_time_ago(state.said[-1]) if state.said else "")

    def _current(self, state: ScreeningState) -> Node | None:
        return self.dialog.nodes.get(state.node) if state.node else None

    @staticmethod
    def _reprompt(node: Node, index: int) -> str:
        if not node.reprompts:
            return node.text
        return node.reprompts[min(index, len(node.reprompts) - 1)]

    def message(self, name: str, key: str) -> list[Action]:
        """The dialog's line ``name`` (intents.yaml ``messages``) to say, or nothing when the
        dialog has none."""
        text = self.dialog.messages.get(name)
        return [Say(self._fill(text), key)] if text else []

    def _fill(self, text: str) -> str:
        return text.replace("{emergency_number}", self.emergency_number)


def _merge(
    context: tuple[tuple[str, str], ...], sets: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str], ...]:
    merged = dict(context)
    merged.update(sets)
    return tuple(merged.items())


def with_intent_checks(listen: Listen, intents: Mapping[str, Intent]) -> Listen:
    """``listen`` with the confidence thresholds and near misses that the intents of its
    choices have in ``intents`` (in the order the choices name them); a near miss that is one
    of the listen's phrases is left out."""
    used = [intents[i] for i in dict.fromkeys(c.intent for c in listen.choices) if i in intents]
    phrases = set(listen.phrases)
    near = [w for i in used for w in i.near_misses if w not in phrases]
    return replace(listen, thresholds=tuple((i.name, i.threshold) for i in used if i.threshold),
                   near_misses=tuple(dict.fromkeys(near)))
