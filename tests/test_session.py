"""The session loop on a virtual clock, with a scripted ear and a recording mouth.

These edges are the production `Ear`/`Mouth` protocols driven by a script (no audio device is
involved here; the audio edges have their own tests on the real PulseAudio loop)."""

from __future__ import annotations

from dataclasses import replace

from voiceskill.clock import VirtualClock
from voiceskill.dialog.engine import ScreeningEngine
from voiceskill.dialog.model import Intent
from voiceskill.events import (
    AdjustVoice,
    Choice,
    End,
    Heard,
    Listen,
    Record,
    Say,
    Silence,
    Started,
    StartTimer,
    TimerFired,
)
from voiceskill.session import Session
from voiceskill.transcript import Transcript

from .dialog.small_dialog import small_dialog


class ScriptEar:
    """Answers each listen from a list: a Heard, or a number of seconds of silence."""

    def __init__(self, clock: VirtualClock, script: list) -> None:
        self.clock, self.script = clock, list(script)

    def listen(self, listen: Listen, until: float):
        if not self.script:
            self.clock.sleep_until(until)
            return None
        item = self.script[0]
        if isinstance(item, (int, float)):
            end = self.clock.now() + item
            if end > until:
                self.script[0] = end - until
                self.clock.sleep_until(until)
                return None
            self.script.pop(0)
            self.clock.sleep_until(end)
            return self.listen(listen, until)
        self.script.pop(0)
        self.clock.advance(0.5)
        return item


class RecordingMouth:
    def __init__(self, clock: VirtualClock, barge: dict[str, Heard] | None = None) -> None:
        self.clock, self.said, self.barge = clock, [], barge or {}

    def say(self, text: str, barge_in):
        self.said.append(text)
        self.clock.advance(1.0)
        return self.barge.get(text)

    def adjust(self, rate_step: int, volume_step: int) -> None:
        self.said.append(f"<adjust {rate_step} {volume_step}>")


def session(script: list, engine=None, barge=None, timeout=8.0):
    clock = VirtualClock()
    engine = engine or ScreeningEngine(small_dialog())
    mouth = RecordingMouth(clock, barge)
    return Session(engine, ScriptEar(clock, script), mouth, clock, Transcript(None), timeout), mouth


def test_answers_drive_the_dialog_to_its_outcome():
    s, mouth = session([Heard("no", "no"), Heard("yes", "yes")])
    result = s.run()
    assert result.outcome == "urgent"
    assert mouth.said[1] == "Numbness in the saddle area?"
    types = [e["type"] for e in result.events]
    assert types[:3] == ["start", "say", "say"] and types[-1] == "end"


def test_silence_is_measured_from_the_end_of_the_prompt():
    s, _ = session([], timeout=5.0)
    result = s.run()
    assert result.outcome == "no-response"
    silences = [e for e in result.events if e["type"] == "silence"]
    assert [e["seconds"] for e in silences] == [5.0, 5.0, 5.0]


def test_confidence_below_threshold_is_not_understood():
    s, _ = session([Heard("no", "no", 0.5)] * 3)
    result = s.run()
    assert result.outcome == "emergency"  # a doubtful "no" to a red flag is never a "no"
    assert [e["intent"] for e in result.events if e["type"] == "heard"] == [None] * 3


def test_barge_in_cuts_the_rest_of_the_turn():
    stop = Heard("stop", "stop", 0.9)
    s, mouth = session([], barge={"Numbness in the saddle area?": stop})
    result = s.run()
    assert result.outcome == "stopped"
    assert any(e.get("barge_in") for e in result.events)


class TimerEngine:
    """An engine that sets a 30 s timer and ends when it fires; speech does not delay it."""

    def initial_state(self):
        return 0

    def step(self, state, event, now):
        if isinstance(event, Started):
            return 1, [Say("hold"), StartTimer("hold", now + 30.0),
                       Listen((Choice("stop", "stop"),), timeout=1000)]
        if isinstance(event, TimerFired):
            return 2, [Record("timer", {"event": "end", "at": now}), End("exercise")]
        if isinstance(event, Silence):
            return state, []
        return state, [End("stopped")]


def test_timers_fire_on_their_absolute_deadline():
    s, _ = session([], engine=TimerEngine())
    result = s.run()
    end = next(e for e in result.events if e["type"] == "timer")
    assert end["at"] == 30.0  # started at t=0 before the 1 s prompt: still due at 30.0
    assert result.outcome == "exercise"


def test_request_stop_ends_politely():
    s, _ = session([0.1] * 50)
    s.request_stop()
    assert s.run().outcome == "stopped"


def test_a_stop_asked_for_during_a_listen_that_hears_nothing_logs_no_silence():
    """A kiosk stopping a session whose microphone stalled: the listen ends with nothing heard
    after the stop was asked for. The transcript had a 'silence' line before the stop, as if
    the person had been given the turn and said nothing."""
    clock = VirtualClock()

    class StoppingEar(ScriptEar):
        def listen(self, listen: Listen, until: float):
            s.request_stop()
            return super().listen(listen, until)

    s = Session(ScreeningEngine(small_dialog()), StoppingEar(clock, []), RecordingMouth(clock),
                clock, Transcript(None))
    result = s.run()
    assert result.outcome == "stopped"
    assert "silence" not in [e["type"] for e in result.events]


def test_a_doubtful_barge_in_is_not_understood():
    dialog = small_dialog()
    dialog.intents["stop"] = Intent("stop", ("stop", "quit"), threshold=0.6)
    clock = VirtualClock()
    mouth = RecordingMouth(clock, {"Numbness in the saddle area?": Heard("stop", "stop", 0.3)})
    s = Session(ScreeningEngine(dialog), ScriptEar(clock, [Heard("yes", "yes")]), mouth, clock,
                Transcript(None))
    result = s.run()
    barge = next(e for e in result.events if e.get("barge_in"))
    assert barge["intent"] is None  # a 0.3 "stop" under a 0.6 threshold never ends the session
    assert result.outcome == "emergency"


class ReopeningEar:
    """An ear whose microphone is being reopened after a failure: every listen returns at once
    with nothing. A fake: a dying microphone cannot be produced on demand here (the real
    reopening is tests/speech/test_mic_retry.py's)."""

    def listen(self, listen: Listen, until: float):
        return None


def test_a_stop_asked_for_while_the_ear_is_down_ends_the_session_at_once():
    """SIGTERM while the microphone is being reopened: the session must not wait out the
    question's 8 s of silence first (it slept through them before)."""
    import threading
    import time

    from voiceskill.clock import MonotonicClock

    s = Session(ScreeningEngine(small_dialog()), ReopeningEar(),
                RecordingMouth(VirtualClock()), MonotonicClock(), Transcript(None), 8.0)
    threading.Timer(0.3, s.request_stop).start()
    began = time.monotonic()
    assert s.run().outcome == "stopped"
    assert time.monotonic() - began < 4.0  # not the 8 s silence timeout


def test_only_a_barge_in_word_the_prompt_itself_does_not_say_interrupts_it():
    from voiceskill.session import interrupts

    stop = Heard("stop", "stop", 0.9)
    assert interrupts(stop, "Hold it there.")
    assert not interrupts(stop, "Say stop at any time.")  # the assistant hearing itself
    assert not interrupts(Heard("yes", "yes", 0.9), "Hold it there.")  # not a barge-in intent
    assert not interrupts(None, "Hold it there.")


CAUTION = 'If the pain gets worse at any point, stop and say "it hurts".'


def test_a_word_heard_near_where_the_prompt_says_it_may_be_its_echo_elsewhere_it_is_not():
    """The caution line, 4.4 s long (espeak-ng at 150 words a minute), says "it hurts" at its
    end: "it hurts" heard then may be the speaker's own voice, heard at its start it is the
    person's. Before, any words all found in the prompt were ignored, wherever they were heard."""
    from voiceskill.session import possible_echo, prompt_word_times

    said = {w: (start, end) for w, start, end in prompt_word_times(CAUTION, 4.4)}
    assert 3.3 < said["hurts"][0] < said["hurts"][1] <= 4.4  # the last word, at the end
    assert said["pain"][1] < 1.2
    hurts = ["it", "hurts"]
    assert possible_echo(hurts, 4.3, CAUTION, 4.4)  # when the prompt itself says it
    assert not possible_echo(hurts, 1.0, CAUTION, 4.4)  # the person, 3 s before
    assert not possible_echo(["pain"], 4.3, CAUTION, 4.4)  # "pain" was said 3 s before that
    assert possible_echo(["pain"], 0.9, CAUTION, 4.4)
    assert not possible_echo(["ouch"], 0.9, CAUTION, 4.4)  # not in the prompt at all
    assert not possible_echo([], 0.9, CAUTION, 4.4)
    # Every word must fit the prompt there: one echoed word does not make the rest an echo.
    assert not possible_echo(["ouch", "hurts"], 4.3, CAUTION, 4.4)
    # A long prompt: one word near its end, heard near the start, is the person's.
    long = "Lie on your back. " * 8 + "Then say stop."
    assert not possible_echo(["stop"], 1.0, long, 20.0)
    assert possible_echo(["stop"], 19.8, long, 20.0)


def test_with_the_timing_known_the_person_s_it_hurts_cuts_the_caution_that_says_it():
    from voiceskill.session import interrupts

    hurts = Heard("it hurts", "pain", 0.9)
    assert not interrupts(hurts, CAUTION)  # no timing: any words of the prompt are its own
    assert interrupts(hurts, CAUTION, heard_end=1.0, prompt_seconds=4.4)
    assert not interrupts(hurts, CAUTION, heard_end=4.4, prompt_seconds=4.4)
    assert not interrupts(Heard("yes", "yes", 0.9), CAUTION, heard_end=1.0, prompt_seconds=4.4)


def test_a_listen_s_own_barge_in_listen_decides_with_its_thresholds():
    """The running coach names what may cut its prompts (exercises.yaml, barge_in:): its
    "next" cuts them only at the checked threshold, so a doubtful one does not."""
    from voiceskill.coach.engine import CoachEngine
    from voiceskill.session import barge_in_listen, interrupts

    coach = CoachEngine()
    running = barge_in_listen(coach.running_listen)
    own = coach.running_listen.barge_in
    assert running == replace(own, decoys=running.decoys)  # its own, with the rest as decoys
    assert barge_in_listen(coach.practice_listen) == running
    intents = {c.intent for c in running.choices}
    assert intents == {"stop", "pause", "pain", "nerve", "next", "next-exercise",
                       "sign:legs-give-way", "help-now"}
    assert "done" not in running.phrases and "back" not in running.phrases
    threshold = coach.book.checked.threshold
    prompt = "Hold it there."
    assert interrupts(Heard("next", "next", threshold), prompt, running)
    assert not interrupts(Heard("next", "next", threshold - 0.1), prompt, running)
    assert interrupts(Heard("stop", "stop", 0.2), prompt, running)  # stop is never checked
    assert not interrupts(Heard("next", "next", 1.0), prompt)  # the screening's default
    assert not interrupts(Heard("louder", "louder", 1.0), prompt, running)
    # The pain question and the screening: stop, pause, wait and pain only.
    pain = barge_in_listen(coach.pain_listen)
    assert {c.intent for c in pain.choices} == {"stop", "pain"}
    assert barge_in_listen(Listen((Choice("yes", "yes"),))) is None


def test_a_stop_asked_for_while_speaking_leaves_the_rest_of_the_turn_unsaid():
    """SIGTERM during the welcome: the questions queued after it are not spoken (a kiosk being
    stopped read out its whole introduction first); the closing lines still are."""
    clock = VirtualClock()

    class StoppedWhileSpeaking(RecordingMouth):
        def say(self, text: str, barge_in):
            if not self.said:
                s.request_stop()
            return super().say(text, barge_in)

    mouth = StoppedWhileSpeaking(clock)
    s = Session(ScreeningEngine(small_dialog()), ScriptEar(clock, [Heard("no", "no")]), mouth,
                clock, Transcript(None))
    result = s.run()
    assert result.outcome == "stopped"
    assert mouth.said == ["Not a diagnosis. Call 911 if in doubt.", "Outcome stopped. Number 911."]
    assert [e["key"] for e in result.events if e["type"] == "say"] == [
        "statement:welcome", "outcome:stopped"]


class VoiceEngine:
    """An engine that makes the voice louder and says so, then ends."""

    def initial_state(self):
        return 0

    def step(self, state, event, now):
        return 1, [AdjustVoice(volume_step=1), Say("Okay, louder.", "coach:voice"),
                   Say("Carrying on."), End("stopped")]


class VoicelessMouth(RecordingMouth):
    def adjust(self, rate_step: int, volume_step: int) -> str:
        return "There is no voice here."


def test_a_mouth_with_no_voice_says_so_instead_of_the_confirmation():
    """The Say after an AdjustVoice confirms it ("Okay, louder."); a mouth that cannot change
    a voice (text mode) says its own line there instead, and the turn goes on."""
    clock = VirtualClock()
    voiced = RecordingMouth(clock)
    Session(VoiceEngine(), ScriptEar(clock, []), voiced, clock, Transcript(None)).run()
    assert voiced.said == ["<adjust 0 1>", "Okay, louder.", "Carrying on."]
    voiceless = VoicelessMouth(clock)
    result = Session(VoiceEngine(), ScriptEar(clock, []), voiceless, clock,
                     Transcript(None)).run()
    assert voiceless.said == ["There is no voice here.", "Carrying on."]
    said = [(e["text"], e["key"]) for e in result.events if e["type"] == "say"]
    assert said == [("There is no voice here.", "voice:unchanged"), ("Carrying on.", "")]
