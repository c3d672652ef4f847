"""The coach's pain question ("Is the pain severe, or is it spreading down a leg?"), asked
when pain is reported during the exercises: what it says (``pain:`` in exercises.yaml), how it
listens, how it reads an answer (typed, in its own words too), and what each answer leads to:
"no" to care advice and the end; "yes", "not sure", more pain, or no usable answer (silence, or
not understood, "repeat", "help" or "wait" past their limits) to the red-flag questions, never
to a "no". The coach engine (:mod:`voiceskill.coach.engine`) keeps the state; this module says
what each turn of the question says and does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from voiceskill.coach.words import Denials, found, has_run, words_of
from voiceskill.dialog.engine import HELP_NOW, MAX_REPEATS, WAIT_SECONDS, with_intent_checks
from voiceskill.dialog.model import Intent
from voiceskill.events import Action, Choice, End, Goto, Listen, Record, Say

#: Screening node the coach hands over to when pain is severe or spreading, or a leg is numb,
#: tingling or weak.
RED_FLAG_NODE = "red-flags"

#: The pain question's id in the transcript (``answer`` and ``cautious`` records).
PAIN_QUESTION = "pain-severe-or-spreading"

#: How often the pain question is said again (or waits on), by what came back: not understood
#: (None) once, "repeat", "help" or "wait" up to MAX_REPEATS times (counted together), as a
#: red-flag question does.
ASK_AGAIN: dict[str | None, int] = {None: 1, "repeat": MAX_REPEATS, "help": MAX_REPEATS,
                                    "wait": MAX_REPEATS}

#: Answers to the pain question that send the person to the red-flag questions (a report of
#: numbness, tingling or weakness does too, with its own line first: CoachEngine._report).
CAUTIOUS_ANSWERS = frozenset({"yes", "unsure", "pain"})


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

    yes_words: tuple[tuple[str, ...], ...] = ()
    """Runs of words that answer the question yes in its own words, typed ("severe", "it's
    spreading down my leg"): :meth:`answer_in`."""

    def answer_in(self, words: list[str], denials: Denials | None,
                  hedges: tuple[tuple[str, ...], ...] = ()) -> str | None:
        """The answer ``words`` (of what was typed) give in the question's own words
        (:attr:`yes_words`): ``yes`` when one of them is said plainly ("severe", "it's
        spreading down my leg"); ``unsure`` when one is said, not plainly denied, but with a
        denying word or one of ``hedges`` (the question's unsure phrases) anywhere ("severe
        but not spreading", "I don't think it's severe", "maybe it's spreading"): the same
        careful path, recorded as not sure; None when none is said, or each one said is
        plainly denied (``denials``: "not severe", "it's not spreading"): a denial of one half
        of the question says nothing of the other, so it is not understood, never a "no"."""
        said = [(start, length) for start, length in found(words, self.yes_words)
                if denials is None or not denials.deny(words, start,
                                                       tuple(words[start:start + length]))]
        if not said:
            return None
        denying = denials is not None and any(w in denials.words for w in words)
        return "unsure" if denying or has_run(words, hedges) else "yes"


@dataclass(frozen=True)
class PainQuestion:
    """The pain question as the coach asks it: its lines, its listen, and what each answer
    does (the coach engine moves its state: asked again, or ended)."""

    script: PainScript
    """Its lines and words (``pain:`` in exercises.yaml)."""

    listen: Listen
    """What it listens for: yes, no and not sure (with the screening's phrases, thresholds
    and near misses: its "no" skips the red-flag questions), repeat, help, wait, stop, pain,
    the nerve phrases, the reports' voice phrases and the fillers."""

    hedges: tuple[tuple[str, ...], ...]
    """Its unsure phrases as runs of words: hedges of a typed answer in its own words."""

    denials: Denials | None
    """How a sign plainly denied is read (``denials:``), for a typed answer's own words."""

    emergency_number: str = "911"
    """What its help line names (``{emergency_number}``)."""

    @classmethod
    def build(cls, script: PainScript, answers: Mapping[str, Sequence[str]],
              commands: Mapping[str, Sequence[str]], also: Sequence[Choice],
              intents: Mapping[str, Intent], denials: Denials | None,
              emergency_number: str) -> PainQuestion:
        """The question for exercises.yaml's ``answers`` and ``commands``, hearing ``also``
        (the reports' voice phrases, the fillers) and the screening's ``intents``."""
        said = {a: (*ps, *(intents[a].phrases if a in intents else ()))
                for a, ps in answers.items()}
        choices = [Choice(p, a) for a, ps in said.items() for p in dict.fromkeys(ps)]
        choices += [Choice(p, intent) for intent in ("repeat", "help", "stop", "pain", "nerve")
                    for p in commands[intent]]
        # "wait" / "hold on": the screening's wait (the coach's own are pause words)
        choices += [Choice(p, "wait") for p in (intents["wait"].phrases
                                                if "wait" in intents else ())]
        listen = with_intent_checks(Listen(tuple([*choices, *also])), intents)
        # the unsure phrases, as hedges of a typed answer in the question's own words
        hedges = tuple(tuple(words_of(p)) for p in said.get("unsure", ()))
        return cls(script, listen, hedges, denials, emergency_number)

    def opening(self, call: Sequence[Action] = ()) -> list[Action]:
        """Pain reported: its listen, ``call`` (the call to action of a call for help said
        with the pain, first), then stop, the advice and the question."""
        pain = self.script
        return [self.listen, *call, Say(pain.stop, "pain:stop"), Say(pain.advice, "pain:advice"),
                Say(pain.question, "pain:question")]

    def reading(self, intent: str | None, words: list[str]) -> str | None:
        """What an answer means here, given what the coach understood (``intent``) and its
        typed ``words``: nothing understood is read in the question's own words
        (:meth:`PainScript.answer_in`); a call for help is "help" (the exercise has stopped:
        how to get help, and how to answer)."""
        if intent is None:
            intent = self.script.answer_in(words, self.denials, self.hedges)
        return "help" if intent == HELP_NOW else intent

    def again(self, intent: str | None) -> list[Action]:
        """The answer to a request: "wait" says to take one's time and waits
        :data:`WAIT_SECONDS` for the answer (the question is not said again); "help" says how
        to answer, then the question; not understood, "Sorry, I did not catch that."
        (``pain.not_understood``), then the question; "repeat", the question. Each with its
        listen, so the usual silence is back after a wait."""
        pain = self.script
        if intent == "wait":
            return [Say(pain.wait, "pain:wait"), replace(self.listen, timeout=WAIT_SECONDS)]
        said = [Say(self._fill(pain.help), "pain:help")] if intent == "help" else []
        if intent is None:  # as the screening's questions say it
            said = [Say(pain.not_understood, "pain:not-understood")]
        return [*said, Say(pain.question, "pain:question"), self.listen]

    def unanswered(self, why: dict[str, object]) -> list[Action]:
        """The question left with no usable answer (silence; still not understood, or asked
        to repeat, help or wait, past the limit): the careful path, the red-flag questions, as
        after "not sure". The transcript says why, not that an answer was given: a
        ``cautious`` record (``why``: its ``reason``, as the screening's questions write it),
        not an ``answer``."""
        record = Record("cautious", {"question": PAIN_QUESTION, **why, "target": RED_FLAG_NODE})
        return [record, Say(self.script.red_flags, "pain:red-flags"), Goto(RED_FLAG_NODE)]

    def given_up(self, intent: str | None) -> list[Action]:
        """:meth:`unanswered` after ``intent`` (None: not understood) past its limit."""
        return self.unanswered({"reason": "not_understood"} if intent is None
                               else {"reason": "unsure", "asked": intent})

    def answered(self, intent: str | None,
                 call: Sequence[Action] = ()) -> tuple[bool, list[Action]]:
        """What an answer leads to, and whether the coach ends there: "stop" (said, a kiosk's
        stop, SIGTERM: no answer) the advice and the end; "yes", "not sure" or pain again
        (:data:`CAUTIOUS_ANSWERS`) the red-flag questions, after ``call`` (the call to action
        of a call for help said with it); "no" the care advice and the advice ending; anything
        else the question again."""
        pain = self.script
        if intent == "stop":
            return True, [Say(pain.advice, "pain:advice"), End("stopped")]
        record = Record("answer", {"question": PAIN_QUESTION, "intent": intent})
        if intent in CAUTIOUS_ANSWERS:
            return True, [record, *call, Say(pain.red_flags, "pain:red-flags"),
                          Goto(RED_FLAG_NODE)]
        if intent == "no":
            return True, [record, *(Say(text, "pain:care") for text in pain.care),
                          End("advice")]
        return False, [Say(pain.question, "pain:question")]

    def _fill(self, text: str) -> str:
        """``text`` with the configured emergency number in place of ``{emergency_number}``."""
        return text.replace("{emergency_number}", self.emergency_number)
