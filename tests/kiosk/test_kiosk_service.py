"""The kiosk service loop with the real conversation engine on a virtual clock.

The ear and mouth here are scripted stand-ins for the microphone and speaker (the real audio
path is in test_kiosk_audio.py); everything else (service, InputHub, sessions, transcripts,
engine, dialogs) is the production code.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import voiceskill
from voiceskill.clock import VirtualClock
from voiceskill.config import Settings
from voiceskill.conversation import build_conversation
from voiceskill.events import Choice, Heard, Listen, Say
from voiceskill.kiosk.service import (
    BACK_MESSAGE,
    IDLE_RESET_MESSAGE,
    MICROPHONE_LOST_MESSAGE,
    READY_MESSAGE,
    Devices,
    DeviceUnavailable,
    KioskParts,
    KioskService,
)
from voiceskill.transcript import read_transcript

WAKE = Heard("hey coach", "wake", 0.9)


def answer(text: str) -> Callable[[Listen], Heard]:
    """A spoken answer that means whatever the current listen maps ``text`` to."""

    def hear(listen: Listen) -> Heard:
        intents = {c.phrase: c.intent for c in listen.choices}
        return Heard(text, intents.get(text), 0.9)

    return hear


class ScriptedEar:
    """Plays a list of steps: an answer, seconds of silence, or a callable run at that point."""

    def __init__(self, clock: VirtualClock, steps: list[Any], at_end: Callable[[], None]) -> None:
        self.clock, self.steps, self.at_end = clock, list(steps), at_end
        self.listens: list[Listen] = []

    def listen(self, listen: Listen, until: float) -> Heard | None:
        self.listens.append(listen)
        while self.steps and callable(self.steps[0]) and not isinstance(self.steps[0], Heard):
            step = self.steps.pop(0)
            result = step(listen)
            if result is not None:
                self.clock.advance(0.5)
                return result
        if not self.steps:
            self.at_end()
            self.clock.sleep_until(until)
            return None
        step = self.steps[0]
        if isinstance(step, int | float):
            end = self.clock.now() + step
            if end > until:
                self.steps[0] = end - until
                self.clock.sleep_until(until)
                return None
            self.steps.pop(0)
            self.clock.sleep_until(end)
            return self.listen(listen, until)
        self.steps.pop(0)
        self.clock.advance(0.5)
        return step


class Mouth:
    def __init__(self, clock: VirtualClock) -> None:
        self.clock, self.said = clock, []

    def say(self, text: str, barge_in: Any) -> Heard | None:
        self.said.append(text)
        self.clock.advance(0.5)
        return None

    def adjust(self, rate_step: int, volume_step: int) -> None:
        return None


class FailingSpeaker(Mouth):
    """A speaker that fails under the next ``dead_for`` prompts it is given, raising a device
    error as the kiosk's real mouth does then (``voiceskill.kiosk.devices.WatchedMouth``). A
    stand-in: real PortAudio, retrying with no PulseAudio sink at all, sometimes hung for good
    (test_kiosk_speaker_lost.py has the real speaker lost, and back before the first retry)."""

    def __init__(self, clock: VirtualClock) -> None:
        super().__init__(clock)
        self.dead_for = 0
        self.tried: list[str] = []
        """Every prompt it was given, said or not (``said``: those it said)."""

    def say(self, text: str, barge_in: Any) -> Heard | None:
        self.tried.append(text)
        if self.dead_for > 0:
            self.dead_for -= 1
            self.clock.advance(5.0)  # the sound waited for, then given up on
            raise DeviceUnavailable("the speaker is not working: a sound never finished")
        return super().say(text, barge_in)


def make_service(
    tmp_path: Path,
    steps: list[Any],
    open_failures: int = 0,
    engine_factory: Callable[[], Any] | None = None,
    recorder: Any = None,
    mouth_class: type[Mouth] = Mouth,
    audio_arrived: Callable[[float], bool] | None = None,
    **settings: Any,
) -> tuple[KioskService, Mouth, ScriptedEar]:
    clock = VirtualClock()
    mouth = mouth_class(clock)
    service_box: list[KioskService] = []
    ear = ScriptedEar(clock, steps, at_end=lambda: service_box[0].request_stop())
    failures = [open_failures]

    def open_devices(hub: Any) -> Devices:
        if failures[0] > 0:
            failures[0] -= 1
            raise DeviceUnavailable("no microphone matching 'USB'")
        if audio_arrived is not None:
            heard: list[bool] = []  # the microphone delivered audio since this opening

            def arrived(timeout: float) -> bool:
                heard.append(audio_arrived(timeout))
                return heard[-1]

            return Devices(ear, mouth, recorder=recorder, audio_arrived=arrived,
                           delivered=lambda: any(heard))
        return Devices(ear, mouth, recorder=recorder)

    def make_engine() -> Any:
        return build_conversation(voiceskill.DIALOGS_DIR, "112")

    config = Settings(transcript_dir=tmp_path / "t", **settings)
    parts = KioskParts(open_devices, engine_factory or make_engine, clock)
    service = KioskService(config, parts, first_backoff=0.001)
    service_box.append(service)
    return service, mouth, ear


class RealEngine:
    """The real conversation engine, for stand-ins that change one of its steps."""

    def __init__(self) -> None:
        self.inner = build_conversation(voiceskill.DIALOGS_DIR)

    def initial_state(self) -> Any:
        return self.inner.initial_state()

    def step(self, state: Any, event: Any, now: float) -> Any:
        return self.inner.step(state, event, now)


def transcripts(service: KioskService) -> list[list[dict[str, Any]]]:
    return [read_transcript(p) for p in service.stats.transcripts]


def test_sessions_run_back_to_back_each_from_nothing(tmp_path: Path) -> None:
    steps = [
        answer("hello"),  # not the wake phrase: ignored
        Heard("hey coach", "wake", 0.2),  # too unsure to be the wake phrase: ignored
        WAKE, answer("yes"),  # first red-flag question answered yes -> emergency
        WAKE, answer("stop"),
        WAKE, answer("yes"),
    ]
    service, mouth, ear = make_service(tmp_path, steps)
    stats = service.serve()
    assert stats.sessions == 3 and stats.wake_ups == 3 and stats.wake_ignored == 1
    assert stats.outcomes == {"emergency": 2, "stopped": 1}
    files = transcripts(service)
    assert len({p.name for p in service.stats.transcripts}) == 3
    for events in files:
        assert events[0]["type"] == "start" and events[-1]["type"] == "end"
        assert [e["type"] for e in events].count("start") == 1
    # The third session asks the first question again and escalates again: nothing of the
    # second person's "stop" (or the first person's "yes") carried over.
    first_questions = [next(e["text"] for e in ev if e["type"] == "say") for ev in files]
    assert first_questions[0] == first_questions[1] == first_questions[2]
    assert any("112" in text for text in mouth.said)  # the configured emergency number
    # Idle listening used only the wake phrase.
    idle = [listen for listen in ear.listens if listen.phrases == ["hey coach"]]
    assert len(idle) >= 4


def test_a_silent_session_is_reset_after_the_idle_timeout(tmp_path: Path) -> None:
    # Engine re-prompts every 8 s; the kiosk's idle limit (10 s) comes first.
    service, mouth, _ = make_service(tmp_path, [WAKE, 25.0], session_idle_timeout=10.0)
    stats = service.serve()
    assert stats.outcomes == {"no-response": 1}
    events = transcripts(service)[0]
    assert events[-1] == {**events[-1], "type": "end", "outcome": "no-response", "reason": "idle"}
    assert IDLE_RESET_MESSAGE in mouth.said
    assert 10.0 <= events[-1]["t"] <= 12.0
    assert [e["type"] for e in events].count("end") == 1


def test_idle_time_counts_from_the_first_listen_not_from_the_kiosks_own_speech(
    tmp_path: Path,
) -> None:
    """A slow voice (4 s a prompt) says the welcome and the first question in 12 s: the person
    still gets the whole silence timeout and a re-ask before the idle limit (10 s) ends the
    session. It counted from the session's start, and ended it as the first listen began."""
    service, mouth, _ = make_service(tmp_path, [WAKE, 25.0], session_idle_timeout=10.0)
    plain = mouth.say

    def slow(text: str, barge_in: Any) -> Heard | None:
        heard = plain(text, barge_in)
        mouth.clock.advance(3.5)
        return heard

    mouth.say = slow  # type: ignore[method-assign]
    assert service.serve().outcomes == {"no-response": 1}
    events = transcripts(service)[0]
    asked = next(e["t"] for e in events if e.get("key", "").startswith("question:"))
    assert [e["type"] for e in events].count("silence") == 1
    assert events[-1]["type"] == "end" and events[-1]["reason"] == "idle"
    assert events[-1]["t"] >= asked + 4.0 + 10.0


def test_an_error_inside_a_session_does_not_end_the_service(tmp_path: Path) -> None:
    built: list[int] = []

    class Exploding(RealEngine):
        def step(self, state: Any, event: Any, now: float) -> Any:
            if isinstance(event, Heard) and len(built) == 1:
                raise KeyError("broken-node")
            return super().step(state, event, now)

    def engine() -> Any:
        built.append(1)
        return Exploding()

    service, mouth, _ = make_service(
        tmp_path, [WAKE, answer("no"), WAKE, answer("yes")], engine_factory=engine
    )
    stats = service.serve()
    assert stats.outcomes == {"error": 1, "emergency": 1}
    failed, good = transcripts(service)
    assert failed[-1]["type"] == "end" and failed[-1]["outcome"] == "error"
    assert "KeyError" in failed[-1]["reason"]
    assert good[-1]["outcome"] == "emergency"


def test_devices_missing_at_start_are_retried_and_their_return_announced(tmp_path: Path) -> None:
    service, mouth, _ = make_service(tmp_path, [WAKE, answer("yes")], open_failures=3)
    stats = service.serve()
    assert stats.device_failures == 1 and stats.recoveries == 1
    # never heard before: "now", not "again"
    assert mouth.said[0] == READY_MESSAGE.format(wake="hey coach")
    assert stats.outcomes == {"emergency": 1}


def test_back_is_said_only_once_the_reopened_microphone_delivers_audio(tmp_path: Path) -> None:
    """The devices missing at start; the first opening's microphone sends nothing (a stall:
    the device error), the second's only after a while. "Back" was said as each opening
    succeeded, before any audio came; now once the first audio has come, and only then.
    (tests/kiosk/test_kiosk_back_message.py: the same on the real audio path.)"""
    happened: list[str] = []
    answers: list[bool | None] = [None, False, False, True]  # None: the stall

    def audio_arrived(timeout: float) -> bool:
        arrived = answers.pop(0)
        happened.append(f"audio {arrived}")
        if arrived is None:
            raise DeviceUnavailable("the microphone delivers no audio")
        return arrived

    service, mouth, _ = make_service(tmp_path, [WAKE, answer("yes")], open_failures=1,
                                     audio_arrived=audio_arrived)
    plain = mouth.say

    def say(text: str, barge_in: Any) -> Heard | None:
        happened.append(text)
        return plain(text, barge_in)

    mouth.say = say  # type: ignore[method-assign]
    stats = service.serve()
    back = READY_MESSAGE.format(wake="hey coach")  # no microphone has delivered before
    assert happened[:5] == ["audio None", "audio False", "audio False", "audio True", back]
    assert happened.count(back) == 1 and not answers
    assert stats.device_failures == 1 and stats.recoveries == 1
    assert len(stats.retry_pauses) == 2  # the failed opening, and the stalled microphone
    assert stats.outcomes == {"emergency": 1}


def test_device_lost_while_idle_goes_back_to_retrying(tmp_path: Path) -> None:
    def unplug(listen: Listen) -> None:
        raise DeviceUnavailable("the microphone delivers no audio")

    service, mouth, _ = make_service(tmp_path, [unplug, WAKE, answer("yes")])
    stats = service.serve()
    assert stats.device_failures == 1 and stats.recoveries == 1
    assert stats.outcomes == {"emergency": 1}


def test_stop_request_mid_session_completes_the_transcript(tmp_path: Path) -> None:
    box: list[KioskService] = []

    def sigterm(listen: Listen) -> None:
        box[0].request_stop()

    service, _, _ = make_service(tmp_path, [WAKE, answer("no"), sigterm])
    box.append(service)
    stats = service.serve()
    assert stats.sessions == 1
    events = transcripts(service)[0]
    assert events[-1]["type"] == "end"
    assert events[-1]["outcome"] == "stopped"


def test_old_transcripts_are_deleted_and_no_audio_is_kept(tmp_path: Path) -> None:
    directory = tmp_path / "t"
    directory.mkdir()
    old, recent = directory / "old.jsonl", directory / "recent.jsonl"
    old_audio, other = directory / "old.wav", directory / "notes.txt"
    for path in (old, recent, old_audio, other):
        path.write_text("{}\n")
    long_ago = time.time() - 40 * 86400
    for path in (old, old_audio, other):
        os.utime(path, (long_ago, long_ago))
    service, _, _ = make_service(tmp_path, [WAKE, answer("yes")], retention_days=30)
    service.serve()
    assert not old.exists() and not old_audio.exists()
    assert recent.exists() and other.exists()  # only our own kinds of file are touched
    assert not list(directory.glob("*.wav"))


def test_screen_press_answers_through_the_hub_without_a_microphone(tmp_path: Path) -> None:
    service, _, _ = make_service(tmp_path, [])
    hub = service.hub
    hub.mic = None
    listen = Listen((Choice("yes", "yes"),))
    hub.press("yes")
    assert hub.listen(listen, until=service.parts.clock.now() + 5) == Heard("yes", "yes", 1.0)
    hub.press("pause")  # not an answer to this question: not understood, never a guess
    assert hub.listen(listen, until=service.parts.clock.now() + 5) == Heard("pause", None, 1.0)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def start(self, path: Path) -> None:
        self.calls.append(f"start {path.name}")

    def stop(self) -> None:
        self.calls.append("stop")


def test_audio_is_kept_only_when_switched_on(tmp_path: Path) -> None:
    off = Recorder()
    make_service(tmp_path / "off", [WAKE, answer("yes")], recorder=off)[0].serve()
    assert off.calls == []
    on = Recorder()
    service, _, _ = make_service(tmp_path / "on", [WAKE, answer("yes")], recorder=on,
                                 keep_audio=True)
    service.serve()
    name = service.stats.transcripts[0].with_suffix(".wav").name
    assert on.calls == [f"start {name}", "stop"]


def test_an_unexpected_fault_while_idle_does_not_end_the_service(tmp_path: Path) -> None:
    def bug(listen: Listen) -> None:
        raise RuntimeError("vosk said no")

    service, _, _ = make_service(tmp_path, [bug, WAKE, answer("yes")])
    stats = service.serve()
    assert stats.device_failures == 1 and stats.recoveries == 1
    assert stats.outcomes == {"emergency": 1}


def speaker_dies(mouth: FailingSpeaker, prompts: int) -> Callable[[Listen], None]:
    """A step: the speaker fails under the next ``prompts`` prompts (the listen goes on)."""

    def die(listen: Listen) -> None:
        mouth.dead_for = prompts

    return die


def test_a_speaker_lost_in_a_session_ends_it_and_retries_until_it_speaks(tmp_path: Path) -> None:
    """The speaker fails under the question after an answer, and is still gone when the
    devices are first opened again (its "back" fails too)."""
    service, mouth, ear = make_service(tmp_path, [], mouth_class=FailingSpeaker)
    assert isinstance(mouth, FailingSpeaker)
    ear.steps = [WAKE, speaker_dies(mouth, 2), answer("no"), WAKE, answer("yes")]
    statuses: list[tuple[str, int]] = []
    service.on_status = lambda status, message: statuses.append(
        (status, service.stats.recoveries))
    stats = service.serve()
    assert stats.outcomes == {"device-lost": 1, "emergency": 1}
    assert stats.device_failures == 1 and stats.recoveries == 1
    assert len(stats.retry_pauses) == 2  # after the session, and after the failed "back"
    # Never waiting for the wake phrase while the speaker could not say anything.
    trouble = statuses.index(("trouble", 0))
    assert all(recoveries == 1 for status, recoveries in statuses[trouble:] if status == "idle")
    assert mouth.said.count(BACK_MESSAGE.format(wake="hey coach")) == 1  # said once it worked
    lost = transcripts(service)[0]
    assert [e["intent"] for e in lost if e["type"] == "heard"] == ["no"]  # kept, as given
    (at,) = [i for i, e in enumerate(lost) if e["type"] == "device"]
    assert lost[at]["speaker"] == "lost" and "never finished" in lost[at]["error"]
    assert lost[at - 1]["key"] == "question:bladder-control"
    failed = mouth.tried.index(lost[at - 1]["text"])
    back = BACK_MESSAGE.format(wake="hey coach")
    assert mouth.tried[failed + 1:failed + 3] == [back, back]  # nothing else tried between
    # No listen after the failure, no re-ask: the stopped ending, written and not spoken.
    after = lost[at + 1:]
    assert {e["key"] for e in after[:-1]} == {"outcome:stopped"} and len(after) > 1
    assert after[-1] == {**after[-1], "type": "end", "outcome": "stopped"}
    assert "112" in after[-2]["text"]
    assert not set(e["text"] for e in after[:-1]) & set(mouth.tried)


def test_a_speaker_lost_under_an_outcome_keeps_the_outcome(tmp_path: Path) -> None:
    service, mouth, ear = make_service(tmp_path, [], mouth_class=FailingSpeaker)
    assert isinstance(mouth, FailingSpeaker)
    ear.steps = [WAKE, speaker_dies(mouth, 1), answer("yes")]
    stats = service.serve()
    assert stats.outcomes == {"device-lost": 1} and stats.recoveries == 1
    events = transcripts(service)[0]
    (at,) = [i for i, e in enumerate(events) if e["type"] == "device"]
    assert events[at - 1]["key"] == "outcome:emergency"  # the first paragraph failed ...
    after = events[at + 1:]
    # ... the rest of the advice is written (and shown), and the outcome is the engine's
    assert [e.get("key") for e in after] == ["outcome:emergency"] * (len(after) - 1) + [None]
    assert any("call 112 now" in e["text"] for e in after[:-1])
    assert after[-1] == {**after[-1], "type": "end", "outcome": "emergency"}


def test_a_speaker_lost_in_a_session_the_engine_does_not_end_is_ended_by_the_kiosk(
    tmp_path: Path,
) -> None:
    service, mouth, ear = make_service(tmp_path, [], engine_factory=Stubborn,
                                       mouth_class=FailingSpeaker)
    assert isinstance(mouth, FailingSpeaker)
    ear.steps = [WAKE, speaker_dies(mouth, 1), answer("no")]
    stats = service.serve()
    assert stats.outcomes == {"device-lost": 1}
    events = transcripts(service)[0]
    assert [e.get("key") for e in events if e["type"] == "say"][-1] == "test:sure"
    assert events[-1]["type"] == "end" and events[-1]["outcome"] == "stopped"
    assert events[-1]["reason"].startswith("device: the speaker is not working")


def microphone_lost(listen: Listen) -> None:
    """A step: the microphone fails under this listen, as the kiosk's ear raises then (a
    stream PortAudio ended, or one that delivered no audio for ``STALL_SECONDS``)."""
    raise DeviceUnavailable("the microphone stopped delivering audio")


def lost_microphone(events: list[dict[str, Any]]) -> tuple[int, list[dict[str, Any]]]:
    """Where the transcript says the microphone was lost, and the events after that line:
    checked to be the way every lost microphone ends a session (why, said; then the engine's
    ending; then its ``end`` line, stopped; no listen, no silence, no re-ask in between)."""
    (at,) = [i for i, e in enumerate(events) if e["type"] == "device"]
    assert events[at]["microphone"] == "lost" and "microphone" in events[at]["error"]
    after = events[at + 1:]
    assert after[0] == {**after[0], "type": "say", "key": "kiosk:microphone-lost",
                        "text": MICROPHONE_LOST_MESSAGE}
    assert {e["type"] for e in after[1:-1]} <= {"say", "answer"}, after
    assert after[-2]["key"] == "outcome:stopped" and "call 112" in after[-2]["text"]
    assert after[-1] == {**after[-1], "type": "end", "outcome": "stopped"}
    return at, after


def test_a_microphone_lost_at_a_red_flag_question_ends_the_session_and_retries(
    tmp_path: Path,
) -> None:
    """Lost under the question after an answer: the answer stays, and the rest is said (the
    speaker works) and shown. Before, the session ended with no word and only an ``end`` line
    (reason "device: ..."); the screen kept the unanswered question."""
    service, mouth, ear = make_service(
        tmp_path, [WAKE, answer("no"), microphone_lost, WAKE, answer("yes")])
    stats = service.serve()
    assert stats.outcomes == {"device-lost": 1, "emergency": 1}
    assert stats.device_failures == 1 and stats.recoveries == 1
    assert len(stats.retry_pauses) == 1
    lost = transcripts(service)[0]
    assert [e["intent"] for e in lost if e["type"] == "heard"] == ["no"]  # kept, as given
    at, after = lost_microphone(lost)
    assert lost[at - 1]["key"] == "question:bladder-control"
    assert {e["key"] for e in after[1:-1]} == {"outcome:stopped"}
    # All of it said, right after the question, then "back" once the devices opened again.
    asked = mouth.said.index(lost[at - 1]["text"])
    closing = [e["text"] for e in after[:-1]]
    assert mouth.said[asked + 1:] == [*closing, BACK_MESSAGE.format(wake="hey coach"),
                                      *mouth.said[asked + 2 + len(closing):]]


@pytest.mark.parametrize(("steps", "lost_under", "coach_ending"), [
    ([20.0, microphone_lost], "step:cat-cow", ["coach:end", "coach:summary"]),
    ([10.0, answer("it hurts"), microphone_lost], "pain:question", ["pain:advice"]),
], ids=["between-beats", "pain-question"])
def test_a_microphone_lost_during_the_exercises_ends_them_as_a_stop_does(
    tmp_path: Path, steps: list[Any], lost_under: str, coach_ending: list[str],
) -> None:
    """Lost while the coach counts cat-cow (the listen between its beats): the coach's own
    ending for a stop (its closing and the summary of what was done). Lost under its pain
    question ("Is the pain severe, or is it spreading down a leg?"): as a stop there, its line
    on pain that keeps growing (the red-flag questions are not asked again: nobody could answer
    them). Then the dialog's stopped ending, all of it said. The session starts at the routine
    here (the kiosk itself starts only before the red-flag questions): the coach is the same
    engine after them."""
    service, mouth, ear = make_service(tmp_path, [WAKE, *steps])
    service.session_start = "week-2"
    stats = service.serve()
    assert stats.outcomes == {"device-lost": 1}
    events = transcripts(service)[0]
    at, after = lost_microphone(events)
    assert events[at - 1]["key"] == lost_under
    says = [e for e in after[1:-1] if e["type"] == "say"]
    keys = [e["key"] for e in says]
    assert keys[:len(coach_ending)] == coach_ending
    assert set(keys[len(coach_ending):]) == {"outcome:stopped"}
    closing = [after[0]["text"], *(e["text"] for e in says)]
    start = mouth.said.index(closing[0])
    assert mouth.said[start:start + len(closing)] == closing


def test_a_microphone_and_speaker_lost_together_end_the_session_on_the_screen(
    tmp_path: Path,
) -> None:
    """A speakerphone pulled out: the listen fails first, then the words saying why; the
    stopped ending is written (and shown), not spoken. Counted and logged as one failure."""
    service, mouth, ear = make_service(tmp_path, [], mouth_class=FailingSpeaker)
    assert isinstance(mouth, FailingSpeaker)

    def unplugged(listen: Listen) -> None:
        mouth.dead_for = 2  # the words saying why, and the first "back"
        microphone_lost(listen)

    ear.steps = [WAKE, answer("no"), unplugged, WAKE, answer("yes")]
    stats = service.serve()
    assert stats.outcomes == {"device-lost": 1, "emergency": 1}
    assert stats.device_failures == 1 and stats.recoveries == 1
    events = transcripts(service)[0]
    devices = [e for e in events if e["type"] == "device"]
    assert [("microphone" in e, "speaker" in e) for e in devices] == [(True, False),
                                                                    (False, True)]
    at = events.index(devices[1])
    # the speaker failed under the words saying why, spoken before the ending's first words
    assert [e["key"] for e in events[at - 2:at]] == ["kiosk:microphone-lost", "outcome:stopped"]
    after = events[at - 1:]
    assert {e["key"] for e in after[:-1] if e is not devices[1]} == {"outcome:stopped"}
    assert after[-1] == {**after[-1], "type": "end", "outcome": "stopped"}
    assert MICROPHONE_LOST_MESSAGE in mouth.tried
    assert not {e.get("text") for e in after[:-1]} & set(mouth.tried)


class Stubborn(RealEngine):
    """The real engine, except that it answers a stop with one more question."""

    def step(self, state: Any, event: Any, now: float) -> Any:
        if isinstance(event, Heard) and event.intent == "stop":
            return state, [Say("Are you sure?", "test:sure"), Listen((Choice("yes", "yes"),))]
        return super().step(state, event, now)


def test_a_microphone_lost_in_a_session_the_engine_does_not_end_is_ended_by_the_kiosk(
    tmp_path: Path,
) -> None:
    service, mouth, ear = make_service(tmp_path, [WAKE, answer("no"), microphone_lost],
                                       engine_factory=Stubborn)
    stats = service.serve()
    assert stats.outcomes == {"device-lost": 1}
    events = transcripts(service)[0]
    assert [e.get("key") for e in events if e["type"] == "say"][-2:] == [
        "kiosk:microphone-lost", "test:sure"]
    start = mouth.said.index(MICROPHONE_LOST_MESSAGE)
    assert mouth.said[start:start + 3] == [MICROPHONE_LOST_MESSAGE, "Are you sure?",
                                           BACK_MESSAGE.format(wake="hey coach")]
    assert events[-1]["type"] == "end" and events[-1]["outcome"] == "stopped"
    assert events[-1]["reason"] == "device: the microphone stopped delivering audio"
