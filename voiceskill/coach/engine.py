"""The exercise coach: a pure engine, events in, actions out, time from the ``now`` passed in.

It walks a plan of steps (:mod:`voiceskill.coach.plan`), counts repetitions aloud, runs holds on
absolute deadlines (:mod:`voiceskill.coach.timers`) and answers commands at any moment. It ends
with ``End("exercise")`` when the routine is complete (after the summary, when to call for
help: ``after_routine`` in exercises.yaml), ``End("stopped")`` on "stop",
``End("no-response")`` after ``pacing.paused_limit_seconds`` paused with no command heard
(``after_routine`` said last too), or when the pause a call for help began passes its own
shorter limit so (its call to action said again, last), ``End("advice")`` after pain that
is neither severe nor spreading, or ``Goto(RED_FLAG_NODE)`` when it is (or when the answer is
unclear: silence never counts as "no"), and at once on numbness, tingling or weakness or
another warning sign (``signs:``: "I wet myself", "my knee gave way") reported at any moment.
A call for help ("help me") pauses it and says how to get help; said with pain or a warning
sign, its call to action comes first, then the pain question or the hand-back.

A beat's time is the person's: it counts from the end of the words that start it (a move's
3 s after its instruction is heard, a 30 s hold after "Hold."), so the coach falls silent
between instructions and commands that do not cut it short are heard then. The engine cannot
hear its own speech end, so every turn that speaks also sets the timer to ``now``: the session
carries out actions in order and speaks before it waits, so that wake-up reaches the engine
when the speech is over. Until then the new beat's countdown stands still
(:attr:`CoachState.waiting`); the wake-up starts it, or whatever is heard before it comes (the
speech is over by then too: a person who speaks as it ends is heard out first), so the answer
to that never holds the beat back. "Resume" and "repeat" (outside a hold) start the beat's
time again the same way, after their words.

The schedule is otherwise absolute: each beat starts where the one before was *due* to end,
never where its timer happened to fire, so the routine ends at its start plus its planned
length plus the coach's speech however late the timers come. A speech's length counts from
when it was due on the schedule, not from when a late turn sent it
(:attr:`CoachState.spoken_until`); speech that is not a beat's own (an answer to "how long", a
hold's cues) never stretches a beat, but no beat starts while it plays. Only these move the
schedule: speech, a pause (by the paused time), a command that jumps (next, back, an exercise
by name) and an open beat (it waits for the person). The price: a timer that fires late
shortens, as heard, the beat it starts (a hold still ends on its deadline); a stall longer than
a beat is caught up by the beats after it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from voiceskill.coach.pain import ASK_AGAIN, CAUTIOUS_ANSWERS, RED_FLAG_NODE, PainQuestion
from voiceskill.coach.plan import Beat, Step, exercise_steps, plan_exercises
from voiceskill.coach.progress import (
    Progress,
    credit,
    did_something,
    join_names,
    spoken_duration,
    summary,
)
from voiceskill.coach.routine import ExerciseBook, load_exercises
from voiceskill.coach.schema import NEVER_CHECKED
from voiceskill.coach.timers import EPSILON, Countdown, CueWords, plan_cues
from voiceskill.coach.words import words_of
from voiceskill.dialog.engine import HELP_NOW
from voiceskill.dialog.model import Intent
from voiceskill.events import (
    Action,
    AdjustVoice,
    CancelTimer,
    Choice,
    End,
    Event,
    Goto,
    Heard,
    Listen,
    Record,
    Say,
    Silence,
    Started,
    StartTimer,
    TimerFired,
)
from voiceskill.intents import FILLER
from voiceskill.speech.phrase_words import UNKNOWN


@dataclass(frozen=True)
class CommandListen(Listen):
    """The running coach's listen, which also says what may cut the coach's own prompts short
    (the session asks for ``barge_in``: :func:`voiceskill.session.barge_in_listen`)."""

    barge_in: Listen | None = None
    """Every phrase of stop, pause, pain and nerve, and the phrases exercises.yaml's
    ``barge_in:`` lists, at ``checked:``'s threshold; None = the session's default (stop,
    pause, wait, pain)."""

#: Id of the coach's one timer.
TIMER = "coach"
#: Intent of a warning sign reported (``signs:`` in exercises.yaml; ``sign:<id>`` in a listen).
SIGN = "sign"
#: Phase of the routine when the coach is started on its own with no phase (tests, benches);
#: in a session the conversation always passes one (voiceskill.conversation.DEFAULT_PHASE).
STANDALONE_PHASE = "week-2"

@dataclass(frozen=True)
class CoachState:
    """Where the coach is; replaced, never changed."""

    mode: str = "idle"
    """``idle``, ``running``, ``paused``, ``pain`` (asking about the pain) or ``ended``."""

    phase: str = ""
    """Phase id the routine was chosen for ('' = none given)."""

    flags: frozenset[str] = frozenset()
    """Screening flags (e.g. ``leg-weakness``)."""

    plan: tuple[Step, ...] = ()
    """Steps of the routine."""

    index: int = 0
    """Current step."""

    beat: int = 0
    """Current beat of the step."""

    countdown: Countdown | None = None
    """Timer of the current beat; None for an open beat (waiting for "next")."""

    started_at: float = 0.0
    """When the coaching began (for the summary)."""

    done: tuple[Progress, ...] = ()
    """Completed work, by exercise, in the order first done."""

    reminders: int = 0
    """Reminders given during the current open practice."""

    pain_asks: int = 0
    """Times the pain question was said again or waited on (not understood, "repeat", "help",
    "wait")."""

    paused_since: float = 0.0
    """While paused: when the pause began or the last command was heard (the paused limit
    counts from here)."""

    help_paused: bool = False
    """The pause began with (or has had) a call for help ("help me"): its limit is
    ``help_now.paused_limit_seconds``, and it ends with ``help_now.unanswered``."""

    not_caught: str | None = None
    """Exercise during which "did not catch that" was said (once per exercise)."""

    listen: Listen | None = None
    """The listen last sent to the session."""

    due: float | None = None
    """While a turn is computed: when its speech was due on the schedule (None = now)."""

    speech: tuple[float, float, int] | None = None
    """Speech whose wake-up has not come yet: (when it was due, when the session got it, how
    many words it has)."""

    spoken_until: float = -math.inf
    """When the last speech ended, counted from when it was due: no beat starts earlier."""

    waiting: str | None = None
    """The current beat's countdown stands still until the coach's words end: ``start`` (the
    beat's own words; a hold records its start then) or ``resume`` (after "resume"; a hold
    records its resume then, not when "resume" is heard); None = it runs (or is paused by the
    person, or there is none)."""

    talk: tuple[float, int] = (0.0, 0)
    """Seconds and words of the coach's speech measured so far: its pace, for "how long"."""


class CoachEngine:
    """Coach for the exercises of an :class:`ExerciseBook` (the shipped file by default)."""

    def __init__(self, book: ExerciseBook | None = None,
                 default_phase: str = STANDALONE_PHASE,
                 intents: Mapping[str, Intent] | None = None,
                 emergency_number: str = "911") -> None:
        """``intents``: the screening dialog's (dialogs/intents.yaml). The coach's listens
        hear their fillers ("um next" is "next"), and the pain question, whose "no" skips the
        red-flag questions, hears their yes/no/unsure phrases (hedges like "a little" too)
        with their thresholds and near misses, as a red-flag question does. Without them (a
        coach alone, in tests) none of this. ``emergency_number``: what the coach's lines
        about calling for help name (``{emergency_number}``), as the screening's do."""
        self.book = book or load_exercises()
        self.emergency_number = emergency_number
        intents = intents or {}
        self.default_phase = default_phase
        say = self.book.say
        self.cue_words = CueWords(say["halfway"], say["one_minute"], say["ten_left"],
                                  tuple(say["countdown"]))  # type: ignore[arg-type]
        self.steps = {ex_id: exercise_steps(ex, self.book)
                      for ex_id, ex in self.book.exercises.items()}
        choices = [Choice(p, intent) for intent, ps in self.book.commands.items() for p in ps]
        choices += [Choice(p, f"exercise:{ex.id}") for ex in self.book.exercises.values()
                    for p in ex.phrases]
        choices += [Choice(p, f"caution:{c.id}") for c in self.book.cautions for p in c.phrases]
        # Warning signs and calls for help said in voice mode (few phrases: each can also catch
        # unrelated speech): never checked, and they cut the coach short as stop does.
        reporting = list(self.book.sign_choices())
        reporting += [Choice(p, HELP_NOW) for p in self.book.help_now.phrases]
        choices += reporting
        fillers = [Choice(p, FILLER) for p in intents[FILLER].phrases] if FILLER in intents else []
        self.filler_words = frozenset(w for c in fillers for w in c.phrase.split())
        checked = [*(f"exercise:{ex}" for ex in self.book.exercises), *self.book.checked.commands]
        thresholds = tuple((intent, self.book.checked.threshold) for intent in checked)
        # While the coach speaks, its barge_in commands cut it short; every one but stop, pause
        # and pain only when sure (exercises.yaml, barge_in:), so out-of-grammar speech or the
        # coach's own voice rarely cuts a prompt or moves the routine.
        cutting = tuple(c for c in choices if c in reporting or c.intent in self.book.commands
                        and (c.intent in NEVER_CHECKED or c.phrase in self.book.barge_in))
        barge_in = Listen(cutting, thresholds=tuple(
            (intent, self.book.checked.threshold)
            for intent in dict.fromkeys(c.intent for c in cutting)
            if intent not in NEVER_CHECKED and intent not in {c.intent for c in reporting}),
            decoys=self.book.decoys)
        self.running_listen = CommandListen(tuple(choices + fillers), thresholds=thresholds,
                                            barge_in=barge_in)
        self.practice_listen = CommandListen(tuple(choices + fillers), thresholds=thresholds,
                                             timeout=self.book.pacing.practice_reminder_seconds,
                                             barge_in=barge_in)
        self.pain = PainQuestion.build(self.book.pain, self.book.answers, self.book.commands,
                                       [*reporting, *fillers], intents, self.book.denials,
                                       emergency_number)
        self.pain_listen = self.pain.listen
        self.hedges = self.pain.hedges

    # ------------------------------------------------------------------ public

    def initial_state(self) -> CoachState:
        return CoachState()

    def knows(self, exercise: str) -> bool:
        """Whether ``exercise`` is the id of an exercise (``run --start <id>``)."""
        return exercise in self.book.exercises

    def knows_phase(self, phase: str) -> bool:
        """Whether ``phase`` is the id or an alias of a phase (``run --start <phase>``)."""
        return any(phase == p.id or phase in p.aliases for p in self.book.phases)

    def start(self, now: float, phase: str, exercise: str | None, flags: frozenset[str],
              phase_known: bool | None = None) -> tuple[CoachState, list[Action]]:
        """Begin coaching: the phase's routine, or one exercise by id (ValueError if unknown).

        ``phase_known``: whether ``phase`` is the person's (from the screening's answers or a
        start at a phase), or only the rules to follow with none known; None = known unless
        one exercise is asked for by id, which in a session comes with no phase known
        (``run --start <exercise>``: the conversation passes the first days' rules). An
        exercise refused then is followed by the routine of ``phase`` said as a plan chosen
        for want of a phase (``say.welcome_unknown``), with no phase advice: the welcome and
        the advice say where the person is ("for the first 72 hours", "For now ...")."""
        known = exercise is None if phase_known is None else phase_known
        return self._wake_after_speech(*self._start(now, phase, exercise, flags, known), now)

    def step(self, state: CoachState, event: Event,
             now: float) -> tuple[CoachState, list[Action]]:
        """Handle one event."""
        return self._wake_after_speech(*self._step(state, event, now), now)

    # ------------------------------------------------------------------ turns

    def _wake_after_speech(self, state: CoachState, actions: list[Action],
                           now: float) -> tuple[CoachState, list[Action]]:
        """After a turn that speaks, ask for the timer at ``now``: it fires once the speech is
        over, and :meth:`_timer` then notes the time and sets the real deadline again."""
        due, state = state.due, replace(state, due=None)
        words = sum(len(a.text.split()) for a in actions if isinstance(a, Say))
        if state.mode in ("running", "paused") and words:
            speech = (now if due is None else min(due, now), now, words)
            return replace(state, speech=speech), [*actions, StartTimer(TIMER, now)]
        if state.mode == "running" and state.waiting is not None and state.speech is None:
            # no words to wait for, nor a wake-up on its way from an earlier turn: run now
            state, more = self._run_countdown(state, now if due is None else min(due, now))
            assert state.countdown is not None
            return state, [*actions, *more, StartTimer(TIMER, state.countdown.next_deadline())]
        return state, actions

    def _run_countdown(self, state: CoachState,
                       at: float) -> tuple[CoachState, list[Action]]:
        """The words before the current beat have been heard (by ``at``): its time runs."""
        assert state.countdown is not None
        countdown = state.countdown.resume(at)
        step = state.plan[state.index]
        actions: list[Action] = []
        if step.beats[state.beat].hold:  # its records say when it runs (the screen's countdown)
            actions.append(self._record(state.waiting or "start", step, countdown.left(at)))
        return replace(state, countdown=countdown, waiting=None), actions

    def _start(self, now: float, phase: str, exercise: str | None, flags: frozenset[str],
               phase_known: bool = True) -> tuple[CoachState, list[Action]]:
        book, say = self.book, self.book.say
        phase_obj = book.phase(phase) if phase else None
        skipped = book.skipped_by(flags)
        actions: list[Action] = [self.running_listen]
        for caution in book.cautions:
            if caution.flag is not None and caution.flag in flags:
                actions.append(Say(caution.say, f"caution:{caution.id}"))
        ids: list[str] = []
        if exercise is not None:
            chosen = book.exercise(exercise)
            refusal = self._refusal(chosen.id, phase, skipped)
            if refusal is not None:
                actions.append(refusal)
            else:
                ids = [chosen.id]
                actions.append(Say(say["single"].format(name=chosen.name), "coach:intro"))
        if not ids:
            phase_obj = phase_obj or book.phase(self.default_phase)
            phase = phase_obj.id
            ids = [ex for ex in phase_obj.routine if ex not in skipped]
            names = join_names([book.exercises[ex].name for ex in ids])
            if phase_known:
                actions.append(Say(say["welcome"].format(phase=phase_obj.name), "coach:intro"))
                actions += [Say(text, f"phase:{phase_obj.id}") for text in phase_obj.advice]
            else:
                actions.append(Say(say["welcome_unknown"].format(phase=phase_obj.name),
                                   "coach:intro"))
            actions.append(Say(say["routine"].format(names=names), "coach:routine"))
        for caution in book.cautions:
            if caution.flag is None and not caution.phrases:
                actions.append(Say(caution.say, f"caution:{caution.id}"))
        actions.append(Say(say["commands"], "coach:commands"))
        plan = tuple(step for ex in ids for step in self.steps[ex])
        state = CoachState("running", phase, flags, plan, started_at=now,
                           listen=self.running_listen)
        state, more = self._enter_step(state, 0, now)
        return state, actions + more

    def _step(self, state: CoachState, event: Event,
              now: float) -> tuple[CoachState, list[Action]]:
        if isinstance(event, Started):
            if state.mode != "idle":
                return state, []
            return self._start(now, "", event.start, frozenset()) if event.start else \
                self._start(now, self.default_phase, None, frozenset())
        if state.mode in ("idle", "ended"):
            return state, []
        if state.mode == "pain":
            return self._pain_answer(state, event, now)
        if isinstance(event, TimerFired):
            return self._timer(state, event, now) if event.timer == TIMER else (state, [])
        started: list[Action] = []
        if state.speech is not None and isinstance(event, Heard | Silence):
            state, started = self._speech_over(state, now, measured=False)
        state, actions = self._heard(state, event, now)
        return state, started + actions

    def _heard(self, state: CoachState, event: Event,
               now: float) -> tuple[CoachState, list[Action]]:
        if isinstance(event, Silence):
            return self._silence(state, now)
        if isinstance(event, Heard):
            intent = self.intent_of(event)
            if intent in (SIGN, "nerve"):
                return self._report(state, event, now)
            if intent == "pain":  # with a call for help in it, that call is said first
                return self._pain(state, now, self._call_for(event))
            if intent is not None:
                return self._command(state, intent, now)
            return self._not_caught(state, event)
        return state, []

    def intent_of(self, heard: Heard) -> str | None:
        """What ``heard`` means to the coach: ``sign`` whenever it reports one of the other
        warning signs (``signs:`` in exercises.yaml: "I wet myself", "my knee gave way"), else
        ``nerve`` whenever it reports numbness, tingling or weakness (one of ``nerve:``'s
        words, or its everyday words: "I can't feel my leg", "my leg went dead"), else
        ``pain`` whenever one is a pain word, else ``help-now`` for a call for help ("help
        me", "I'm stuck"), whatever else was said or understood ("stop my leg is numb",
        "it hurts and tingles", "sharp pain"), else its intent. The stricter reading wins:
        signs go to the red-flag questions with no question first. A call for help said with
        a sign or pain ("call an ambulance, it hurts") is not lost under them: its call to
        action is said first (:meth:`_call_for`)."""
        words = words_of(heard.text)
        signs, numb = self.book.reports_in(words, heard.intent)  # not a sign plainly denied
        if signs:
            return SIGN
        if numb:
            return "nerve"
        if self.book.pain.words.intersection(words):
            return "pain"
        if self.book.help_now.found_in(words):
            return HELP_NOW
        return heard.intent

    def _not_caught(self, state: CoachState, heard: Heard) -> tuple[CoachState, list[Action]]:
        """Words heard that mean nothing here: say so (with how to get help) once per
        exercise; after that, only a short "Sorry, I did not catch that." and only for what
        was surely said to the coach (typed, or heard at ``checked:``'s confidence with no
        ``[unk]``): background talk, which comes back doubtful, must not make the coach
        chatter, but a person who types or says a second sentence it does not understand
        gets an answer, not silence. Silent for what holds no word of ours: the recognizer's
        ``[unk]`` (speech it rejected), an empty result, fillers alone."""
        words = [w for w in words_of(heard.text)
                 if w and w != UNKNOWN and w not in self.filler_words]
        exercise = state.plan[state.index].exercise
        if not words:
            return state, []
        if state.not_caught != exercise:
            return replace(state, not_caught=exercise), [Say(self.book.say["not_caught"],
                                                             "coach:not-caught")]
        sure = (heard.confidence >= self.book.checked.threshold
                and UNKNOWN not in heard.text.split())
        return state, [Say(self.book.say["not_caught_again"], "coach:not-caught")] if sure else []

    # ------------------------------------------------------------------ walking the plan

    def _enter_step(self, state: CoachState, index: int,
                    now: float) -> tuple[CoachState, list[Action]]:
        if index >= len(state.plan):
            return self._finish(state, now, "exercise")
        state = replace(state, index=index, beat=0, reminders=0)
        return self._enter_beat(state, now)

    def _enter_beat(self, state: CoachState, now: float) -> tuple[CoachState, list[Action]]:
        """Start the current beat at ``now`` (its place on the schedule, may be past)."""
        state = _due(state, now)
        step = state.plan[state.index]
        beat = step.beats[state.beat]
        actions: list[Action] = []
        wanted = self.practice_listen if beat.seconds is None else self.running_listen
        if state.listen != wanted:
            actions.append(wanted)
            state = replace(state, listen=wanted)
        key = f"step:{step.exercise}"
        actions += [Say(text, key) for text in beat.say]
        if beat.seconds is None:
            actions.append(CancelTimer(TIMER))
            return replace(state, countdown=None, waiting=None), actions
        return self._after_words(state, beat, now), actions

    def _after_words(self, state: CoachState, beat: Beat, now: float) -> CoachState:
        """``beat``'s countdown from the start, standing still until this turn's words are
        heard (:meth:`_wake_after_speech`, :meth:`_timer` start it)."""
        assert beat.seconds is not None
        cues = plan_cues(beat.seconds, self.cue_words) if beat.hold else ()
        countdown = Countdown.start(now, beat.seconds, cues).pause(now)
        return replace(state, countdown=countdown, waiting="start")

    def _advance_beat(self, state: CoachState, now: float) -> tuple[CoachState, list[Action]]:
        step = state.plan[state.index]
        if state.beat + 1 < len(step.beats):
            return self._enter_beat(replace(state, beat=state.beat + 1), now)
        if step.kind == "rep" and not any(b.hold for b in step.beats):
            state = replace(state, done=credit(state.done, step.exercise, reps=1))
        return self._enter_step(state, state.index + 1, now)

    def _timer(self, state: CoachState, event: TimerFired,
               now: float) -> tuple[CoachState, list[Action]]:
        started: list[Action] = []
        if state.speech is not None:  # the wake-up after speech (it may also find a beat due)
            state, started = self._speech_over(state, now, measured=True,
                                               spoken=event.spoken_seconds)
        state, actions = self._timer_due(state, now)
        return state, started + actions

    def _speech_over(self, state: CoachState, now: float, measured: bool,
                     spoken: float | None = None) -> tuple[CoachState, list[Action]]:
        """The speech of an earlier turn is over by ``now``: note when it ended on the
        schedule and run the countdown that stood still for it. ``measured``: ``now`` is its
        wake-up, so its length is known (the pace "how long" uses); else something was heard
        first (a person speaking as the words end, a typed or simulated reply, a barge-in that
        cut them), so it ended at the latest then, and the hold or move runs from there: the
        answer to what was heard does not keep it standing still. ``spoken``: how long the
        mouth took over the words, as the session measured it (TimerFired.spoken_seconds);
        the wake-up itself comes a little after that (the loop's own time, more on a busy
        machine), which must not move the rest of the routine."""
        assert state.speech is not None
        due, sent, words = state.speech
        took = now - sent if spoken is None else min(spoken, now - sent)
        state = replace(state, speech=None, spoken_until=due + took)
        if measured:
            seconds, said = state.talk
            state = replace(state, talk=(seconds + took, said + words))
        if state.mode == "running" and state.waiting is not None:
            return self._run_countdown(state, state.spoken_until)
        return state, []

    def _timer_due(self, state: CoachState, now: float) -> tuple[CoachState, list[Action]]:
        if state.mode == "paused":
            return self._paused_check(state, now, re_arm=True)
        countdown = state.countdown
        if state.mode != "running" or countdown is None:
            return state, []
        if now < countdown.next_deadline() - EPSILON:  # early or stale: wait on
            return state, [StartTimer(TIMER, countdown.next_deadline())]
        step = state.plan[state.index]
        beat = step.beats[state.beat]
        if not beat.hold:
            if countdown.finished(now):
                return self._advance_beat(state, _next_start(state, countdown))
            return state, [StartTimer(TIMER, countdown.deadline)]
        fired, countdown = countdown.due(now)
        state = replace(state, countdown=countdown)
        if countdown.finished(now):
            done = credit(state.done, step.exercise, reps=1, seconds=countdown.seconds)
            actions: list[Action] = [self._record("end", step, 0.0),
                                     Say(beat.release, f"cue:{step.exercise}")]
            state, more = self._advance_beat(replace(state, done=done),
                                             _next_start(state, countdown))
            return state, actions + more
        actions = []
        if fired:  # when several are due at once (late), only the newest is still true
            cue = fired[-1]
            state = _due(state, countdown.deadline - cue.left)
            actions.append(self._record("cue", step, countdown.left(now), cue=cue.kind))
            actions.append(Say(cue.text, f"cue:{step.exercise}"))
        actions.append(StartTimer(TIMER, countdown.next_deadline()))
        return state, actions

    def _silence(self, state: CoachState, now: float) -> tuple[CoachState, list[Action]]:
        if state.mode == "paused":
            return self._paused_check(state, now, re_arm=False)
        if state.mode != "running" or state.countdown is not None:
            return state, []  # silence during a timed step is normal: the timers lead
        pacing, say = self.book.pacing, self.book.say
        if state.reminders >= pacing.practice_reminders:
            state, actions = self._advance_beat(state, now)
            return state, [Say(say["practice_moving_on"], "coach:practice"), *actions]
        state = replace(state, reminders=state.reminders + 1)
        return state, [Say(say["practice_reminder"], "coach:practice")]

    def _paused_check(self, state: CoachState, now: float,
                      re_arm: bool) -> tuple[CoachState, list[Action]]:
        """Paused: end the session once the paused limit has passed with no command heard;
        else wait on (``re_arm``: set the coach's timer to that limit again)."""
        limit = self._paused_limit(state)
        deadline = state.paused_since + limit
        if now < deadline - EPSILON:
            return state, [StartTimer(TIMER, deadline)] if re_arm else []
        state, actions = self._leave(state, now)
        if state.help_paused:
            return self._help_unanswered(state, now, actions)
        # Nobody answered: no-response, not stopped, whose ending ("All right, we will stop
        # here") answers a person who asked to stop. When to call for help is said last, as
        # after the routine (the conversation adds no ending to a no-response).
        closing = self.book.say["paused_too_long"].format(time=spoken_duration(limit))
        state, more = self._finish(state, now, "no-response", closing)
        return state, actions + more

    def _help_unanswered(self, state: CoachState, now: float,
                         actions: list[Action]) -> tuple[CoachState, list[Action]]:
        """The end of a help pause with no command heard: the summary, then the call to action
        again (``help_now.unanswered``, with the number) as the last words, and the session
        ends ``no-response``, which is what happened. Not ``stopped``: its ending (the dialog's
        "All right, we will stop here", "If you are worried ..., please contact a doctor")
        would follow the call to action, as if the person had asked to stop, and soften it."""
        return replace(state, mode="ended", countdown=None), [
            *actions, CancelTimer(TIMER), Say(self.summary(state, now), "coach:summary"),
            Say(self._fill(self.book.help_now.unanswered), "coach:end"), End("no-response")]

    def _finish(self, state: CoachState, now: float, outcome: str,
                closing: str | None = None) -> tuple[CoachState, list[Action]]:
        say = self.book.say
        if closing is None and outcome != "exercise":
            closing = say["stopped"]
        elif closing is None:
            # no praise for a routine nobody did (every exercise skipped)
            closing = say["finished" if did_something(state.done) else "finished_nothing_done"]
        actions: list[Action] = [CancelTimer(TIMER), Say(closing, "coach:end"),
                                 Say(self.summary(state, now), "coach:summary")]
        if outcome in ("exercise", "no-response"):  # nothing follows: when to get help
            actions += [Say(self._fill(text), "coach:after-routine")
                        for text in self.book.after_routine]
        actions.append(End(outcome))
        return replace(state, mode="ended", countdown=None), actions

    def summary(self, state: CoachState, now: float) -> str:
        """What was done and how long it took, in words."""
        return summary(self.book, state.done, now - state.started_at)

    # ------------------------------------------------------------------ commands

    def _command(self, state: CoachState, intent: str,
                 now: float) -> tuple[CoachState, list[Action]]:
        if state.mode != "paused":
            return self._run_command(state, intent, now)
        state, actions = self._run_command(replace(state, paused_since=now), intent, now)
        if state.mode == "paused":  # a command heard: the paused limit counts from now
            actions.append(StartTimer(TIMER, now + self._paused_limit(state)))
        else:  # resumed, or moved on: a later pause is a pause of its own
            state = replace(state, help_paused=False)
        return state, actions

    def _run_command(self, state: CoachState, intent: str,
                     now: float) -> tuple[CoachState, list[Action]]:
        say = self.book.say
        step = state.plan[state.index]
        if intent == "pause":
            return self._pause(state, now)
        if intent == "resume":
            return self._resume(state, now)
        if intent == "repeat":
            return self._repeat(state, now)
        if intent in ("slower", "faster"):
            return state, [AdjustVoice(rate_step=1 if intent == "faster" else -1),
                           Say(say[intent], "coach:voice")]
        if intent in ("louder", "softer"):
            return state, [AdjustVoice(volume_step=1 if intent == "louder" else -1),
                           Say(say[intent], "coach:voice")]
        if intent == "how-long":
            return state, [Say(self._how_long(state, now), "coach:how-long")]
        if intent == "list":
            names = join_names([self.book.exercises[e].name for e in plan_exercises(state.plan)])
            return state, [Say(say["list"].format(names=names), "coach:list")]
        if intent == "help":
            return state, [Say(say["help"], "coach:help")]
        if intent == HELP_NOW:
            return self._help_now(state, now)
        if intent == "stop":
            state, actions = self._leave(state, now)
            state, more = self._finish(state, now, "stopped")
            return state, actions + more
        if intent == "pain":
            return self._pain(state, now)
        if intent == "next":
            if step.kind == "practice":
                state = replace(state, done=credit(state.done, step.exercise, reps=1))
            return self._jump(state, state.index + 1, now)
        if intent == "back":
            target = state.index - 1
            while target > 0 and state.plan[target].kind == "rest":
                target -= 1
            return self._jump(state, max(target, 0), now)
        if intent == "next-exercise":
            target = next((i for i in range(state.index + 1, len(state.plan))
                           if state.plan[i].kind == "setup"), len(state.plan))
            return self._jump(state, target, now)
        if intent.startswith("exercise:"):
            return self._switch(state, intent.removeprefix("exercise:"), now)
        if intent.startswith("caution:"):
            caution = next(c for c in self.book.cautions if c.id == intent.split(":", 1)[1])
            return state, [Say(caution.say, f"caution:{caution.id}")]
        return state, []

    def _repeat(self, state: CoachState, now: float) -> tuple[CoachState, list[Action]]:
        """Say the step again (only the move under way, in a repetition of several moves);
        outside a hold its beat's time starts again after the words (the set-up's 5 s to get
        into position, a move's 3 s). A rest between sets keeps its deadline: its line is
        said with the time it has left ("Set 2 starts in 22 seconds"), so "repeat" said again
        and again cannot keep the next set from starting."""
        step = state.plan[state.index]
        beat = step.beats[state.beat]
        if step.kind == "rest" and state.countdown is not None:
            left = max(1, round(state.countdown.left(now)))
            text = self.book.say["rest"].format(set=step.set_number, seconds=left)
            return state, [Say(text, f"step:{step.exercise}")]
        if state.mode == "running" and state.countdown is not None and not beat.hold:
            state = self._after_words(state, beat, now)
        return state, [Say(beat.again or step.instruction, f"step:{step.exercise}")]

    def _pause(self, state: CoachState, now: float, said: Say | None = None,
               help_paused: bool = False) -> tuple[CoachState, list[Action]]:
        """Pause, saying so (``said``: a line of its own instead of "Paused. ...";
        ``help_paused``: for a call for help, :attr:`CoachState.help_paused`)."""
        actions: list[Action] = [CancelTimer(TIMER)]
        if state.mode == "running" and state.countdown is not None:
            countdown = state.countdown.pause(now)
            step = state.plan[state.index]
            if step.beats[state.beat].hold and state.waiting != "start":  # a hold under way
                actions.append(self._record("pause", step, countdown.left(now)))
            state = replace(state, countdown=countdown)
        actions.append(said or Say(self.book.say["paused"], "coach:paused"))
        # "pause" or "wait" said in a help pause leaves it one
        help_paused = help_paused or state.mode == "paused" and state.help_paused
        state = replace(state, mode="paused", paused_since=now, help_paused=help_paused)
        actions.append(StartTimer(TIMER, now + self._paused_limit(state)))
        return state, actions

    def _paused_limit(self, state: CoachState) -> float:
        """Seconds paused with no command heard before the session ends: shorter after a call
        for help (``help_now.paused_limit_seconds``), so its call to action comes again
        sooner."""
        if state.help_paused:
            return self.book.help_now.paused_limit_seconds
        return self.book.pacing.paused_limit_seconds

    def _resume(self, state: CoachState, now: float) -> tuple[CoachState, list[Action]]:
        if state.mode != "paused":
            return state, []
        actions: list[Action] = []
        step = state.plan[state.index]
        beat = step.beats[state.beat]
        waiting = state.waiting
        if state.countdown is not None:  # it runs again once "Carrying on." (and the step) is
            waiting = waiting or "resume"  # heard; a hold's "resume" record is written then
        actions.append(Say(self.book.say["resumed"], "coach:resumed"))
        # A pause said over the coach cut what it was telling the person to do (the rest of that
        # turn's prompts are dropped), and a pause may be long: say the step again, except
        # during a hold (the person is in position) or the quiet after it.
        if beat.say and not beat.hold and step.kind != "rest":
            actions.append(Say(beat.again or step.instruction, f"step:{step.exercise}"))
        return replace(state, mode="running", waiting=waiting), actions

    def _leave(self, state: CoachState, now: float) -> tuple[CoachState, list[Action]]:
        """Stop the current step early: close a running hold, credit the time held."""
        actions: list[Action] = [CancelTimer(TIMER)]
        step = state.plan[state.index]
        countdown = state.countdown
        if countdown is not None and step.beats[state.beat].hold and state.waiting != "start":
            actions.append(self._record("end", step, countdown.left(now)))
            if self.book.exercises[step.exercise].timed:
                done = credit(state.done, step.exercise, seconds=countdown.elapsed(now))
                state = replace(state, done=done)
        return replace(state, countdown=None, waiting=None), actions

    def _jump(self, state: CoachState, index: int,
              now: float) -> tuple[CoachState, list[Action]]:
        state, actions = self._leave(state, now)
        state, more = self._enter_step(replace(state, mode="running"), index, now)
        return state, actions + more

    def _switch(self, state: CoachState, exercise_id: str,
                now: float) -> tuple[CoachState, list[Action]]:
        refusal = self._refusal(exercise_id, state.phase, self.book.skipped_by(state.flags))
        if refusal is not None:
            return state, [refusal]
        current = state.plan[state.index].exercise
        later = [e for e in plan_exercises(state.plan[state.index:])
                 if e not in (current, exercise_id)]
        plan = tuple(step for ex in (exercise_id, *later) for step in self.steps[ex])
        state, actions = self._leave(state, now)
        state, more = self._enter_step(replace(state, mode="running", plan=plan), 0, now)
        return state, actions + more

    def _refusal(self, exercise_id: str, phase: str, skipped: dict[str, Any]) -> Say | None:
        """Why an exercise may not be done now, or None when it may."""
        if exercise_id in skipped:
            return Say(skipped[exercise_id].say, f"caution:{skipped[exercise_id].id}")
        exercise = self.book.exercises[exercise_id]
        if phase and not self.book.allowed_in(exercise, phase):
            assert exercise.earliest is not None
            text = self.book.say["not_yet"].format(
                name=exercise.name, phase=self.book.phase(exercise.earliest).name)
            return Say(text[0].upper() + text[1:], "coach:not-yet")
        return None

    def _how_long(self, state: CoachState, now: float) -> str:
        """The time left in the current hold (or rest between sets: when the next set starts),
        and roughly in the routine: every beat still to come plus the coach's words before
        them, at the pace its speech has had so far. Said while the hold or rest runs, it
        does not stretch it (:meth:`_speech_over`)."""
        step = state.plan[state.index]
        current = state.countdown.left(now) if state.countdown is not None else 0.0
        later = [*step.beats[state.beat + 1:],
                 *(b for s in state.plan[state.index + 1:] for b in s.beats)]
        words = sum(len(text.split()) for b in later for text in b.say)
        words += sum(len(b.release.split()) for b in (step.beats[state.beat], *later) if b.hold)
        seconds, said = state.talk
        total = current + sum(b.seconds or 0.0 for b in later) + (
            words * seconds / said if said else 0.0)
        routine = spoken_duration(total, rough=True)
        if state.countdown is not None and step.beats[state.beat].hold:
            return self.book.say["how_long_hold"].format(hold=spoken_duration(current),
                                                         routine=routine)
        if state.countdown is not None and step.kind == "rest":
            return self.book.say["how_long_rest"].format(
                set=step.set_number, rest=spoken_duration(current), routine=routine)
        return self.book.say["how_long"].format(routine=routine)

    # ------------------------------------------------------------------ pain

    def _pain(self, state: CoachState, now: float,
              call: list[Action] | None = None) -> tuple[CoachState, list[Action]]:
        """Pain reported: stop the exercise and ask whether it is severe or spreading
        (:class:`~voiceskill.coach.pain.PainQuestion`). ``call``: the call to action of a call
        for help said with the pain, said first."""
        state, actions = self._leave(state, now)
        state = replace(state, mode="pain", pain_asks=0, listen=self.pain_listen)
        return state, [*actions, *self.pain.opening(call or [])]

    def _call_for(self, heard: Heard) -> list[Action]:
        """The call to action (``help_now.call``, with the number) when ``heard`` calls for
        help besides reporting pain or a warning sign ("call an ambulance, it hurts", "help
        me it hurts", "I need a doctor, my leg is numb"): said at once, before the pain
        question or the warning-sign questions, which still follow (the person asked for help,
        and the pain or the sign still decides where the session goes). Empty otherwise."""
        if not self.book.help_now.found_in(words_of(heard.text)):
            return []
        return [Say(self._fill(self.book.help_now.call), "coach:help-now")]

    def _report(self, state: CoachState, heard: Heard,
                now: float) -> tuple[CoachState, list[Action]]:
        """A warning sign reported (``signs:``), or numbness, tingling or weakness (``nerve:``):
        stop, say why, and ask the red-flag questions again (no question first: these signs
        need a doctor straight away). Each report answers the red-flag question it names
        (``counts_as``): that one is not asked again, and a "no" to it cannot cancel it."""
        ids, answered = self.book.report_of(words_of(heard.text), heard.intent) or (
            ("nerve",), ())
        record = Record("report", {"sign": ", ".join(ids)})
        said = (Say(self.book.nerve.say, "nerve:stop") if ids == ("nerve",)
                else Say(self.book.signs.say, "sign:stop"))
        state, actions = self._leave(state, now)
        return replace(state, mode="ended"), [
            *actions, record, *self._call_for(heard), said,
            Say(self.book.pain.red_flags, "pain:red-flags"),
            Goto(RED_FLAG_NODE, answered=answered)]

    def _help_now(self, state: CoachState, now: float) -> tuple[CoachState, list[Action]]:
        """A call for help ("help me", "I'm stuck"): pause the exercise (already paused:
        stay so) and say how to get help and what to say. The pause is then a help pause: a
        shorter limit, ending with the call to action again (``help_now.unanswered``)."""
        said = Say(self._fill(self.book.help_now.say), "coach:help-now")
        if state.mode == "paused":
            return replace(state, help_paused=True), [said]
        return self._pause(state, now, said, help_paused=True)

    def _pain_answer(self, state: CoachState, event: Event,
                     now: float) -> tuple[CoachState, list[Action]]:
        """An answer to the pain question (:class:`~voiceskill.coach.pain.PainQuestion` says
        what it means and leads to): asked again up to its limits, a warning sign reported
        (:meth:`_report`), or the coach ends (the red-flag questions, care advice, a stop)."""
        if isinstance(event, TimerFired):
            return state, []
        if isinstance(event, Silence):  # no answer: the careful path, with no answer recorded
            return replace(state, mode="ended"), self.pain.unanswered({"reason": "silence"})
        heard = event if isinstance(event, Heard) else None
        intent = None if heard is None else self.pain.reading(self.intent_of(heard),
                                                              words_of(heard.text))
        if intent in ASK_AGAIN:  # not understood, "repeat", "help", "wait": up to a limit
            if state.pain_asks < ASK_AGAIN[intent]:
                return replace(state, pain_asks=state.pain_asks + 1), self.pain.again(intent)
            # still no usable answer: the careful path, as the screening's questions record it
            return replace(state, mode="ended"), self.pain.given_up(intent)
        if intent in (SIGN, "nerve") and heard is not None:
            return self._report(state, heard, now)
        call = self._call_for(heard) if heard is not None and intent in CAUTIOUS_ANSWERS else []
        ended, actions = self.pain.answered(intent, call)
        return (replace(state, mode="ended") if ended else state), actions

    # ------------------------------------------------------------------ helpers

    def _fill(self, text: str) -> str:
        """``text`` with the configured emergency number in place of ``{emergency_number}``."""
        return text.replace("{emergency_number}", self.emergency_number)

    def _record(self, event: str, step: Step, left: float, **extra: Any) -> Record:
        return Record("timer", {"event": event, "exercise": step.exercise, "rep": step.rep,
                                "side": step.side, "remaining": round(left, 1), **extra})


def load_coach(dialogs_dir: Path, intents: Mapping[str, Intent] | None = None,
               emergency_number: str = "911") -> CoachEngine:
    """The coach for ``dialogs_dir/exercises.yaml`` (ContentError when the file is broken),
    listening with the screening's ``intents`` and naming ``emergency_number`` (see
    :class:`CoachEngine`)."""
    path = Path(dialogs_dir) / "exercises.yaml"
    return CoachEngine(load_exercises(path, str(path)), intents=intents,
                       emergency_number=emergency_number)


def _due(state: CoachState, at: float) -> CoachState:
    """Note that this turn's speech was due at ``at`` (the earliest such time wins)."""
    return replace(state, due=at if state.due is None else min(state.due, at))


def _next_start(state: CoachState, ended: Countdown) -> float:
    """When the beat after ``ended`` starts: at its deadline, however late the timer fired,
    unless the coach was still speaking then (a hold is never cut short by speech)."""
    return max(ended.deadline, state.spoken_until)

