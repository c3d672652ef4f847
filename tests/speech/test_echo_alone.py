"""Words decoded from the prompt's echo alone do not cut it (review finding 7).

"okay" said 0.2 s into "Next: hamstring stretch with a towel." was over at 0.7 s, yet the
barge-in turn went on decoding the prompt's echo and heard "ouch" at "towel" (2.5 s in): the
exercise stopped and the pain question was asked. Over cat-cow's "... arching your back." any
word came back "ouch", and in dead bugs a "goodbye" at "6." ended the session. The echo of
the prompt's own words is caught by where it says them (:func:`voiceskill.session.possible_echo`);
these were other words. Now an utterance with no frame louder than the echo can be
(:mod:`voiceskill.speech.echo`, measured on the prompts) is the echo alone, in simulations and
in voice mode alike, while words said over the prompt still cut it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import voiceskill
from voiceskill.clock import VirtualClock
from voiceskill.conversation import build_conversation
from voiceskill.events import Listen
from voiceskill.simulate import PROMPT_ECHO_DB, Persona, SimEar, SimMouth
from voiceskill.simulate_script import load_script
from voiceskill.speech.audio import split_chunks
from voiceskill.speech.recognizer import Recognizer
from voiceskill.speech.voice import Synthesizer, VoiceMouth, VoiceSettings
from voiceskill.speech.wav import TARGET_RATE

TOWEL = "Next: hamstring stretch with a towel."
ARCHING = "Let your belly sink and lift your head, arching your back."
BEFORE = "Next: cat-cow."


@pytest.fixture(scope="module")
def synth() -> Any:
    voice = Synthesizer(VoiceSettings())
    yield voice
    voice.close()


@pytest.fixture(scope="module")
def cutting() -> Listen:
    """What may cut the running coach's prompts (its barge-in listen)."""
    listen = build_conversation(voiceskill.DIALOGS_DIR).coach.running_listen.barge_in
    assert listen is not None
    return listen


def echo(samples: np.ndarray, db: float = PROMPT_ECHO_DB) -> np.ndarray:
    return (samples * 10 ** (db / 20)).astype(np.int32)


# ---------------------------------------------------------------- the gauge


def test_the_echo_alone_is_told_from_a_person_by_loudness(synth: Any) -> None:
    """Voice mode's case: the echo comes 0.12 s late, 20 dB down, with a room's tail."""
    from voiceskill.speech.echo import EchoGauge

    prompt = synth.synthesize(TOWEL).astype(np.float64)
    late = round(0.12 * TARGET_RATE)
    room = np.zeros(late + len(prompt) + TARGET_RATE)
    for delay, gain in ((0, 0.1), (400, 0.05), (1200, 0.02)):  # the direct way and two walls
        room[late + delay : late + delay + len(prompt)] += gain * prompt
    rng = np.random.default_rng(1)
    room += rng.normal(0, 3.0, len(room))  # the microphone's own hiss
    gauge = EchoGauge()
    assert not gauge.only_echo(room[:1600], prompt, 0.0, (0.0, 0.1), -55.0)  # too little yet
    gauge.learn(room, prompt, 0.0)
    assert gauge.only_echo(room, prompt, 0.0, (0.0, 3.0), -55.0)
    assert not gauge.only_echo(room, prompt, None, (0.0, 3.0), -55.0)  # timing unknown
    word = synth.synthesize("stop").astype(np.float64)
    person = room.copy()
    person[TARGET_RATE : TARGET_RATE + len(word)] += 0.5 * word
    assert not gauge.only_echo(person, prompt, 0.0, (0.9, 1.6), -55.0)
    # the microphone's first sample 0.3 s into the prompt's playing
    shift = round(0.3 * TARGET_RATE)
    assert gauge.only_echo(room[shift:], prompt, 0.3, (0.0, 2.5), -55.0)
    assert not gauge.only_echo(person[shift:], prompt, 0.3, (0.6, 1.3), -55.0)


# ---------------------------------------------------------------- simulation


def sim_mouth(tmp_path: Path, synth: Any, model: Any, reply: str) -> SimMouth:
    """A simulation's mouth whose person says ``reply`` 0.2 s into any 'Next: hamstring'
    or 'arching' prompt (and nothing to others)."""
    path = tmp_path / "script.yaml"
    rule = "{when: 'hamstring|arching', reply: {say: '" + reply + "', during: 0.2}}"
    path.write_text(f"rules:\n  - {rule}\ndefault: {{silence: 1}}\n", encoding="utf-8")
    ear = SimEar(Persona(load_script(path), synth), Recognizer(model), VirtualClock(), None)
    return SimMouth(synth, ear.persona, ear, ear.clock, recorder=None)


@pytest.mark.parametrize("reply", ["okay", "yes", "thank you"])
@pytest.mark.parametrize("prompt", [TOWEL, ARCHING])
def test_the_simulated_echo_is_not_heard_as_ouch(tmp_path: Path, synth: Any, speech_model: Any,
                                                 cutting: Listen, reply: str,
                                                 prompt: str) -> None:
    mouth = sim_mouth(tmp_path, synth, speech_model, reply)
    assert mouth.say(BEFORE, cutting) is None
    assert mouth.say(prompt, cutting) is None


# "ouch" for pain: a synthesized "it hurts" cut this prompt 14 of 15 times said 0.2 s in and
# 12 of 15 said 0.4 s in (espeak-ng's output shifts by a few samples from one synthesis to the
# next, and it failed here under pytest-xdist's other test order). The misses were the
# decoder's (no pain heard over the prompt's start); the echo check dropped only the echo after
# it. That is the model's accuracy (bench/model_accuracy.py), not this check's. "ouch", "stop",
# "pause": 30 of 30.
@pytest.mark.parametrize(("reply", "intent"), [("stop", "stop"), ("ouch", "pain"),
                                               ("pause", "pause")])
def test_words_said_over_the_prompt_still_cut_it(tmp_path: Path, synth: Any, speech_model: Any,
                                                  cutting: Listen, reply: str,
                                                  intent: str) -> None:
    mouth = sim_mouth(tmp_path, synth, speech_model, reply)
    assert mouth.say(BEFORE, cutting) is None
    heard = mouth.say(TOWEL, cutting)
    assert heard is not None and heard.intent == intent, heard


# ---------------------------------------------------------------- voice mode


class EchoRoom:
    """A microphone that hears ``audio`` (the prompt's echo, and a person) as the prompt plays,
    and a player whose prompt plays as long as the microphone has audio: voice mode's mouth
    without devices (the microphone hands chunks over as fast as they are read)."""

    def __init__(self) -> None:
        self.audio = np.zeros(0, dtype=np.int16)
        self._chunks: list[np.ndarray] = []
        self.started_at: float | None = None
        self.output_latency = None
        self.stopped = False

    # player
    def start(self, samples: np.ndarray, volume: float = 1.0) -> None:
        self._chunks = list(split_chunks(self.audio))
        self.started_at = time.monotonic()
        self.stopped = False

    @property
    def playing(self) -> bool:
        return bool(self._chunks) and not self.stopped

    def stop(self) -> None:
        self.stopped = True

    def play_out(self, timeout: float) -> bool:
        return True

    # microphone
    def read(self, timeout: float | None = None) -> np.ndarray | None:
        return self._chunks.pop(0) if self._chunks else None

    def drain(self) -> int:
        return 0


def test_voice_mode_judges_the_echo_alone_the_same_way(synth: Any, speech_model: Any,
                                                        cutting: Listen) -> None:
    room = EchoRoom()
    mouth = VoiceMouth(synth, room, microphone=room, recognizer=Recognizer(speech_model),
                       captions=False, echo_guard=0.0)  # type: ignore[arg-type]
    room.audio = echo(synth.synthesize(BEFORE)).astype(np.int16)
    assert mouth.say(BEFORE, cutting) is None
    okay = synth.synthesize("okay")
    towel = echo(synth.synthesize(TOWEL))
    at = round(0.2 * TARGET_RATE)
    towel[at : at + len(okay)] += okay
    room.audio = np.clip(towel, -32768, 32767).astype(np.int16)
    assert mouth.say(TOWEL, cutting) is None
    assert not room.stopped
    stop = synth.synthesize("stop")
    towel = echo(synth.synthesize(TOWEL))
    towel[at : at + len(stop)] += stop
    room.audio = np.clip(towel, -32768, 32767).astype(np.int16)
    heard = mouth.say(TOWEL, cutting)
    assert heard is not None and heard.intent == "stop" and room.stopped


def test_a_person_talking_from_the_prompt_s_start_is_not_its_echo(synth: Any) -> None:
    """Nothing measured on earlier prompts, and "stop" said from the prompt's first sound on:
    this prompt's echo was measured over the utterance itself, so the person's voice was taken
    for a loud echo and the "stop" was dropped (the simulation's "stop" still being said as a
    prompt starts, now and then)."""
    from voiceskill.speech.echo import EchoGauge

    prompt = synth.synthesize(TOWEL)
    word = synth.synthesize("stop")
    mic = echo(prompt).astype(np.float64)
    mic[: len(word)] += word
    assert not EchoGauge().only_echo(mic, prompt, 0.0, (0.0, len(word) / TARGET_RATE), -55.0)


# ---------------------------------------------------------------- short utterances


@pytest.mark.parametrize("frames", [20, 25, 29, 30, 31])
def test_an_utterance_starting_early_in_a_prompt_is_measured_without_error(
        synth: Any, frames: int) -> None:
    """A person talking from the prompt's first fraction of a second leaves less microphone
    before the utterance than the longest echo delay searched (30 frames): the echo check
    raised ValueError there (a shift longer than the level track), which in voice mode ended
    the session, instead of measuring the shorter delays it can."""
    from voiceskill.speech.echo import FRAME, EchoGauge, measure

    prompt = synth.synthesize(TOWEL).astype(np.float64)
    echo_only = 0.1 * prompt[: (frames + 60) * FRAME]  # 20 dB down, no delay
    found = measure(echo_only[: frames * FRAME], prompt, 0.0)
    assert found is not None and found[0] == 0
    span = (frames * FRAME / TARGET_RATE, (frames + 60) * FRAME / TARGET_RATE)
    assert EchoGauge().only_echo(echo_only, prompt, 0.0, span, -55.0)
