"""Barge-in over a prompt that itself says the barge-in words, on the real PulseAudio loop
(espeak-ng → PortAudio → null sinks → Vosk with the shipped model; nothing faked).

The caution line ends with "say 'it hurts'". The speaker's own "it hurts", fed back into the
microphone, must not cut it (the assistant hearing itself); the person's "it hurts" said while
the prompt is still far from those words must (before, any words the prompt contained were
ignored wherever they were heard, and then dropped with the microphone's buffer)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

import voiceskill.session
from tests.pulse import PulseServer
from tests.speech.heard import LEADS, intent_taken
from tests.speech.loop import YES_NO, OneQuestion, VoiceRig, understood, voiced_spans, wait_for
from voiceskill.events import Choice, End, Heard, Listen, Say
from voiceskill.session import barge_in_listen
from voiceskill.speech.voice import Synthesizer, VoiceSettings
from voiceskill.speech.wav import write_wav

pytestmark = pytest.mark.audio

#: A yes/no question that also hears "it hurts" (barge-in: stop, pause, wait, pain).
WITH_PAIN = Listen((*YES_NO.choices, Choice("it hurts", "pain")), timeout=4.0)

#: About 8 s at the rig's rate; "it hurts" only in its last second.
CAUTION = ("Lie on your back with your knees bent and both feet flat on the floor. If the pain "
           "gets worse at any point, stop and say \"it hurts\".")

#: Says "it hurts" twice in its own voice, for the echo: short, so little else is heard.
ECHOED = 'Say "it hurts". Yes, "it hurts".'


class PainQuestion(OneQuestion):
    """:class:`OneQuestion` that ends ``advice`` on a pain report."""

    def step(self, state: int, event: Any, now: float) -> tuple[int, list[Any]]:
        if isinstance(event, Heard) and event.intent == "pain":
            return state, [Say("Stop and rest."), End("advice")]
        return super().step(state, event, now)


@pytest.fixture(scope="module")
def it_hurts(speech_model: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The person's "it hurts": the recorded fixture if the model hears it (over the barge-in
    grammar), else an espeak-ng voice that it hears at every start :func:`understood` tries."""
    listen = barge_in_listen(WITH_PAIN)
    assert listen is not None
    try:
        return understood(speech_model, "it_hurts", "pain", listen)
    except pytest.skip.Exception:
        pass
    folder = tmp_path_factory.mktemp("it-hurts")
    for voice in ("en-gb", "en-gb-x-rp", "en-029", "en-us-nyc", "en-gb-scotland"):
        path = folder / f"it_hurts__{voice}.wav"
        write_wav(path, Synthesizer(VoiceSettings(voice=voice, rate=140)).synthesize("it hurts"))
        if all(intent_taken(speech_model, path, listen, lead) == "pain" for lead in LEADS):
            return path
    pytest.skip("the model hears no voice's \"it hurts\" as pain")


def test_the_person_s_it_hurts_cuts_a_prompt_that_says_it_later(
    pulse: PulseServer, speech_model: Any, it_hurts: Path
) -> None:
    rig = VoiceRig(speech_model)
    try:
        full = len(rig.mouth.synthesizer.synthesize(CAUTION)) / 16000
        recording = pulse.record("spk")
        events: list[dict] = []
        run = rig.run_in_thread(PainQuestion(CAUTION, listen=WITH_PAIN), [events.append])
        assert wait_for(lambda: rig.player.playing, 20), "the prompt never started"
        time.sleep(1.0)  # about 6 s before the prompt says "it hurts"
        pulse.play(it_hurts, sink="mic").wait(10)
        result = run.finish(30)
        time.sleep(0.3)
        voice = recording.stop()
    finally:
        rig.close()
    heard = [e for e in events if e["type"] == "heard"]
    assert heard and heard[0]["intent"] == "pain" and heard[0].get("barge_in") is True, heard
    assert result.outcome == "advice"
    spoken = voiced_spans(voice)[0]
    assert spoken[1] - spoken[0] < full - 3.0  # cut long before the prompt's own "it hurts"


def echo_run(pulse: PulseServer, speech_model: Any) -> list[dict]:
    """The microphone hears only the speaker: :data:`ECHOED` asked, nobody answers."""
    pulse.route(source="spk.monitor", sink="spk")
    rig = VoiceRig(speech_model)
    try:
        events: list[dict] = []
        rig.run_in_thread(PainQuestion(ECHOED, listen=WITH_PAIN), [events.append]).finish(60)
    finally:
        rig.close()
    return [e for e in events if e["type"] == "heard" and e.get("barge_in")]


def test_its_own_it_hurts_does_not_cut_the_prompt(
    pulse: PulseServer, speech_model: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert echo_run(pulse, speech_model) == []
    # The control: with every word taken for the person's, the same echo does cut the prompt
    # (so the run above heard its own "it hurts" and the timing ruled it out).
    monkeypatch.setattr(voiceskill.session, "possible_echo", lambda *args: False)
    barged = echo_run(pulse, speech_model)
    assert barged and barged[0]["intent"] == "pain", barged
