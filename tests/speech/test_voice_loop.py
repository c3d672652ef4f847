"""Real sessions on the PulseAudio loop: sounddevice → PortAudio → ALSA pulse plugin → null
sinks. The person's audio is played into the sink the skill records from; the skill's voice is
recorded from the monitor of the sink it plays into. Nothing here is faked."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.pulse import PulseServer
from tests.speech.loop import (
    BARGE_IN,
    LONG_PROMPT,
    YES_NO,
    OneQuestion,
    VoiceRig,
    understood,
    voiced_spans,
    wait_for,
)
from voiceskill.events import Listen
from voiceskill.speech.ear import MIC_BACK, MIC_LOST

pytestmark = pytest.mark.audio


@pytest.fixture(scope="module")
def say(speech_model: Any) -> dict[str, Path]:
    """The person's words: fixtures the model hears on its own, chosen (by decoding them)
    before any microphone opens or session clock runs."""
    return {"no": understood(speech_model, "no", "no", YES_NO),
            "yes": understood(speech_model, "yes", "yes", YES_NO),
            "stop": understood(speech_model, "stop", "stop", BARGE_IN)}


@pytest.fixture
def rig(pulse: PulseServer, speech_model: Any, say: dict[str, Path]) -> Any:
    rig = VoiceRig(speech_model)
    yield rig
    rig.close()


def test_spoken_answer_goes_round_the_loop(pulse: PulseServer, rig: VoiceRig,
                                           say: dict[str, Path]) -> None:
    recording = pulse.record("spk")
    events: list[dict] = []
    run = rig.run_in_thread(OneQuestion("Does your back hurt when you cough?"), [events.append])
    rig.wait_until_listening()
    pulse.play(say["no"], sink="mic").wait(10)
    result = run.finish(20)
    time.sleep(0.3)
    voice = recording.stop()
    assert result.outcome == "exercise"
    heard = [e for e in events if e["type"] == "heard"]
    assert [e["intent"] for e in heard] == ["no"]
    spans = voiced_spans(voice)
    assert len(spans) >= 2, spans  # the question, then the reply, both out of the speaker
    assert spans[-1][0] > spans[0][1]


def test_never_answers_its_own_voice(pulse: PulseServer, speech_model: Any) -> None:
    pulse.route(source="spk.monitor", sink="spk")  # the microphone hears the speaker
    rig = VoiceRig(speech_model)
    try:
        recording = pulse.record("spk")
        events: list[dict] = []
        engine = OneQuestion("Answer yes or no. Yes, no, yeah, nope. Or say stop, pause, "
                             "or wait. Yes? No?")
        result = rig.run_in_thread(engine, [events.append]).finish(60)
        voice = recording.stop()
    finally:
        rig.close()
    assert sum(e[1] - e[0] for e in voiced_spans(voice)) > 4.0  # it did talk into the loop
    assert [e for e in events if e["type"] == "heard"] == []
    assert result.outcome == "no-response"


def test_stop_while_speaking_cuts_the_prompt(pulse: PulseServer, rig: VoiceRig,
                                             say: dict[str, Path]) -> None:
    prompt = ("Lie on your back with your knees bent and both feet flat on the floor. "
              "Now slowly flatten the small of your back against the floor, and hold it.")
    full = len(rig.mouth.synthesizer.synthesize(prompt)) / 16000
    recording = pulse.record("spk")
    events: list[dict] = []
    run = rig.run_in_thread(OneQuestion(prompt), [events.append])
    assert wait_for(lambda: any(e["type"] == "say" for e in events), 20)
    time.sleep(1.5)
    pulse.play(say["stop"], sink="mic").wait(10)
    result = run.finish(20)
    time.sleep(0.3)
    voice = recording.stop()
    assert result.outcome == "stopped"
    heard = [e for e in events if e["type"] == "heard"]
    assert heard and heard[0]["intent"] == "stop" and heard[0].get("barge_in") is True
    spoken = voiced_spans(voice)[0]
    assert spoken[1] - spoken[0] < full - 2.0  # cut long before the end of the prompt
    latency = rig.mouth.last_barge_in_latency
    assert latency is not None and latency <= 0.15, latency


def test_microphone_failure_is_announced_and_the_session_goes_on(
    pulse: PulseServer, rig: VoiceRig, say: dict[str, Path]
) -> None:
    # The question listens for 10 s, not YES_NO's 4: losing and reopening the microphone
    # comes out of the listen (here the answer ends about 1.5 s into it, with 2.5 s to spare);
    # on a loaded machine an answer that starts after the silence would fall on the question
    # said again and go unheard.
    listen = Listen(YES_NO.choices, timeout=10.0)
    events: list[dict] = []
    started = time.monotonic()  # the session's t=0, near enough to place the test's moments
    run = rig.run_in_thread(OneQuestion("Can you walk on your heels?", listen=listen),
                            [events.append])
    rig.wait_until_listening()
    marks = {"mic closed": time.monotonic()}
    rig.mic.close()  # the device goes away under the listening ear
    back = wait_for(lambda: MIC_BACK in rig.notices, 10)
    marks["mic back seen"] = time.monotonic()
    if back:
        time.sleep(0.3)
        marks["yes played"] = time.monotonic()
        pulse.play(say["yes"], sink="mic").wait(10)
        marks["yes done"] = time.monotonic()
    run.join(40)
    report = "\n".join([
        "session events: " + "".join(f"\n  {e}" for e in events),
        f"notices: {rig.notices}, microphone overflows: {rig.mic.overflows}",
        "test: " + ", ".join(f"{name} at {m - started:.2f}" for name, m in marks.items()),
        f"PulseAudio:\n{pulse.state()}",
    ])
    assert back, report
    assert run.result is not None and run.error is None, f"{run.error!r}\n{report}"
    assert rig.notices == [MIC_LOST, MIC_BACK], report
    assert run.result.outcome == "emergency", report  # the question's state survived the failure


def test_stop_over_a_loud_speaker_with_pulseaudio_echo_cancelling(
    pulse: PulseServer, speech_model: Any, say: dict[str, Path]
) -> None:
    # A kiosk's speaker next to its microphone: the prompt reaches the mic at about -18 dB
    # (pactl volume 50 %), 30 ms late. voiceskill has no echo canceller of its own; the README's
    # kiosk set-up loads PulseAudio's (module-echo-cancel, WebRTC). Measured on the nine "stop"
    # fixtures (bench/README.md): 2-3 of 9 cut the prompt without it, 8 of 9 with it.
    with pulse.speaker_leak("spk", "mic", "50%"), pulse.echo_cancelled("mic", "spk"):
        rig = VoiceRig(speech_model)
        try:
            events: list[dict] = []
            run = rig.run_in_thread(OneQuestion(LONG_PROMPT), [events.append])
            assert wait_for(lambda: rig.player.playing, 20)
            time.sleep(2.0)  # the canceller has heard some of the prompt by now
            pulse.play(say["stop"], sink="mic").wait(10)
            result = run.finish(30)
        finally:
            rig.close()
    heard = [e for e in events if e["type"] == "heard"]
    assert result.outcome == "stopped", heard
    assert heard[0]["intent"] == "stop" and heard[0].get("barge_in") is True
