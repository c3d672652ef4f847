"""Helpers for the real-loop tests and the latency benchmark: the skill's voice I/O on the
PulseAudio null sinks (tests/pulse.py), and a tiny pure engine to drive it."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tests.pulse import PulseServer, Recording
from tests.speech.heard import FIXTURES, understood
from voiceskill.clock import MonotonicClock
from voiceskill.events import Choice, End, Heard, Listen, Say, Silence, Started
from voiceskill.session import BARGE_IN_INTENTS, Session, SessionResult
from voiceskill.speech.audio import Microphone
from voiceskill.speech.ear import AudioEar
from voiceskill.speech.recognizer import Recognizer
from voiceskill.speech.voice import Player, Synthesizer, VoiceMouth, VoiceSettings
from voiceskill.transcript import Transcript

__all__ = ["FIXTURES", "understood"]  # re-exported for the loop tests and the benchmark

YES_NO = Listen((
    Choice("yes", "yes"), Choice("yeah", "yes"), Choice("no", "no"), Choice("nope", "no"),
    Choice("i don't know", "unsure"), Choice("repeat", "repeat"), Choice("stop", "stop"),
    Choice("pause", "pause"), Choice("wait", "wait"),
), timeout=4.0)

#: What the loop hears while the assistant talks (the session's barge-in turn for YES_NO).
BARGE_IN = Listen(tuple(c for c in YES_NO.choices if c.intent in BARGE_IN_INTENTS))


#: A prompt long enough (about 12 s) to say "stop" over it.
LONG_PROMPT = ("Lie on your back with your knees bent and both feet flat on the floor. Now slowly "
               "flatten the small of your back against the floor, and hold it there while you "
               "breathe in and out, and then let it go again.")


class OneQuestion:
    """A pure engine: asks one question, answers what it heard, ends.

    Outcome ``exercise`` for no, ``emergency`` for yes, ``no-response`` after two silences,
    ``stopped`` for stop; anything else is asked again.
    """

    def __init__(self, question: str, reply: str = "You said {intent}.",
                 listen: Listen = YES_NO) -> None:
        self.question = question
        self.reply = reply
        self.listen = listen
        """What every turn listens for (:data:`YES_NO` with its 4 s silence timeout)."""

    def initial_state(self) -> int:
        return 0

    def step(self, state: int, event: Any, now: float) -> tuple[int, list[Any]]:
        if isinstance(event, Started):
            return 0, [Say(self.question, "question"), self.listen]
        if isinstance(event, Silence):
            if state >= 1:
                return state + 1, [End("no-response")]
            return state + 1, [Say("I did not hear you. " + self.question), self.listen]
        if isinstance(event, Heard):
            outcome = {"yes": "emergency", "no": "exercise", "stop": "stopped"}.get(
                event.intent or "")
            if outcome is None:
                return state, [Say("Please say yes or no."), self.listen]
            return state, [Say(self.reply.format(intent=event.intent)), End(outcome)]
        return state, []


@dataclass
class VoiceRig:
    """The skill's side: default mic and speaker (routed by the pulse fixture), real Vosk."""

    model: Any
    rate: int = 170
    mic: Microphone = field(init=False)
    player: Player = field(init=False)
    mouth: VoiceMouth = field(init=False)
    ear: AudioEar = field(init=False)
    clock: MonotonicClock = field(default_factory=MonotonicClock)
    notices: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.mic = Microphone().open()
        self.player = Player()
        recognizer = Recognizer(self.model)
        synth = Synthesizer(VoiceSettings(voice="en-us", rate=self.rate))
        self.mouth = VoiceMouth(synth, self.player, self.mic, recognizer, captions=False)

        def reopen() -> None:
            self.mic.close()
            self.mic.open()

        self.ear = AudioEar(self.mic, recognizer, self.clock, notify=self.notices.append,
                            reopen=reopen)

    listens: int = 0
    """How many times the session has started listening (the test's cue to speak)."""

    def listen(self, listen: Listen, until: float) -> Heard | None:
        """The ear, counted: a test speaks once ``listens`` has gone up."""
        self.listens += 1
        return self.ear.listen(listen, until)

    def wait_until_listening(self, count: int = 1, timeout: float = 30.0) -> None:
        assert wait_for(lambda: self.listens >= count, timeout), "the session never listened"
        time.sleep(0.1)

    def session(self, engine: Any, observers: list | None = None) -> Session:
        return Session(engine, self, self.mouth, self.clock, Transcript(None),
                       silence_timeout=4.0, observers=observers)

    def run_in_thread(self, engine: Any, observers: list | None = None) -> SessionThread:
        return SessionThread(self.session(engine, observers))

    def close(self) -> None:
        self.mic.close()
        self.player.close()


class SessionThread(threading.Thread):
    """Runs a session in the background; the test plays the person meanwhile."""

    def __init__(self, session: Session) -> None:
        super().__init__(daemon=True)
        self.session = session
        self.result: SessionResult | None = None
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self.result = self.session.run()
        except BaseException as err:  # noqa: BLE001 - reported to the test
            self.error = err

    def finish(self, timeout: float) -> SessionResult:
        self.join(timeout)
        if self.error is not None:
            raise self.error
        assert self.result is not None, f"session still running after {timeout} s"
        return self.result


def wait_for(predicate: Any, timeout: float) -> bool:
    """Poll a test condition (test helper only; the product never polls)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def voiced_spans(samples: np.ndarray, rate: int = 16000, threshold: int = 600,
                 gap: float = 0.35) -> list[tuple[float, float]]:
    """(start, end) seconds of stretches of voice separated by pauses longer than ``gap``."""
    frame = rate // 100
    n = len(samples) // frame
    if n == 0:
        return []
    levels = np.abs(samples[: n * frame].reshape(n, frame)).max(axis=1)
    loud = np.flatnonzero(levels > threshold)
    spans: list[tuple[float, float]] = []
    for i in loud:
        t = i / 100
        if spans and t - spans[-1][1] <= gap:
            spans[-1] = (spans[-1][0], t + 0.01)
        else:
            spans.append((t, t + 0.01))
    return spans


def wait_until_quiet(recording: Recording, quiet: float = 0.6, timeout: float = 30.0) -> bool:
    """Wait until the recorded speaker has said something and then been quiet for ``quiet``
    seconds (the prompt is over, so an answer is not taken for barge-in). Test helper only."""

    def over() -> bool:
        data = recording.path.read_bytes()
        samples = np.frombuffer(data[: len(data) // 2 * 2], dtype=np.int16)
        spans = voiced_spans(samples)
        return bool(spans) and len(samples) / 16000 - spans[-1][1] >= quiet

    return wait_for(over, timeout)


def said_over_prompt(rig: VoiceRig, pulse: PulseServer, wav: Path,
                     after: float) -> tuple[list[dict], float]:
    """A session asks :data:`LONG_PROMPT`; ``after`` s into its audio the person says ``wav``
    into the ``mic`` sink. Waits for the prompt to end or be cut, then stops the session.
    Returns the session's events and when the playing of ``wav`` started (monotonic)."""
    events: list[dict] = []
    run = rig.run_in_thread(OneQuestion(LONG_PROMPT), [events.append])
    assert wait_for(lambda: rig.player.playing, 20), "the prompt never started"
    time.sleep(after)
    started = time.monotonic()
    pulse.play(wav, sink="mic").wait(10)
    wait_for(lambda: not rig.player.playing, 30)
    run.session.request_stop()
    run.join(30)
    return events, started


def played_length(recorded: np.ndarray, sound: np.ndarray, rate: int = 16000) -> int:
    """How many samples of ``sound`` (16 kHz) a recording of the speaker's monitor holds before
    the sound was cut: the recording is lined up with the sound's first second by
    cross-correlation, then the cut is the first 5 ms where the sound is loud and the
    recording is not (-26 dB under it). ``len(sound)`` if it played to its end."""
    head = sound[: rate].astype(np.float64)
    # half a second of silence in front, in case the recording began after the sound did
    rec = np.concatenate([np.zeros(rate // 2), recorded.astype(np.float64)])
    corr = np.correlate(rec[: len(head) + 2 * rate], head, mode="valid")
    offset = int(np.argmax(corr))  # recording index = sound index + offset
    frame = rate // 200
    for start in range(0, len(sound) - frame, frame):
        want = np.abs(sound[start:start + frame].astype(np.float64)).mean()
        got = rec[offset + start:offset + start + frame]
        if want > 200 and (len(got) < frame or np.abs(got).mean() < 0.05 * want):
            return start
    return len(sound)
