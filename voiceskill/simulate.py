"""Whole sessions without a sound card: a scripted person, real synthesis and recognition.

Every prompt is synthesized with pyttsx3; the person's replies are WAV files, synthesized
speech or silence, pushed through the same chunk → Vosk path as the microphone. Time is
virtual: it moves by the audio consumed and by the length of each spoken prompt, so a routine
with 30-second holds runs in seconds. With a recorder, both sides end up in one WAV file.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from voiceskill.clock import VirtualClock
from voiceskill.events import Heard, Listen
from voiceskill.intents import match_intent, normalize
from voiceskill.session import (
    DEFAULT_SILENCE_TIMEOUT,
    Session,
    SessionResult,
    interrupts,
)
from voiceskill.simulate_script import Reply, Script
from voiceskill.speech.audio import ScriptedAudio, silence, split_chunks
from voiceskill.speech.ear import AudioEar
from voiceskill.speech.voice import (
    ECHO_GUARD,
    SynthesisError,
    Synthesizer,
    VoiceSettings,
    adjusted,
)
from voiceskill.speech.wav import TARGET_RATE, write_wav
from voiceskill.transcript import Transcript

#: Seconds a typed (``text:``) reply is taken to last, per word.
SECONDS_PER_WORD = 0.35

#: Silence after each spoken reply, so the recognizer's endpointing sees the answer end.
TRAILING_SILENCE = 1.0

#: Level of the assistant's own prompt in the simulated microphone, against the person's voice
#: (dB): a headset, or a speakerphone with a good echo canceller. voiceskill cancels no echo
#: itself, and the model loses "stop" under its own prompt when the prompt is louder (measured
#: on four fixture voices: all heard at -40 dB, two at -30 dB, one at -20 dB).
PROMPT_ECHO_DB = -40.0

#: Simulated time after which a session that has not ended is given up: far past any routine
#: (about half an hour), so only a script whose rules keep answering the prompts their own
#: replies bring back ("Paused." → resume → the step → pause ...) gets there.
MAX_SIMULATED_SECONDS = 4 * 3600.0


class SimulationTooLong(RuntimeError):
    """The session ran :data:`MAX_SIMULATED_SECONDS` of virtual time without ending."""


@dataclass
class Recorder:
    """Collects both sides of the conversation on the virtual time line."""

    segments: list[tuple[float, np.ndarray]] = field(default_factory=list)
    """(start second, 16 kHz int16 samples) pieces, prompts and replies alike."""

    def add(self, t: float, samples: np.ndarray) -> None:
        if len(samples):
            self.segments.append((t, samples))

    def write(self, path: str | Path) -> float:
        """Mix everything into one WAV; return its length in seconds."""
        end = max((int(t * TARGET_RATE) + len(s) for t, s in self.segments), default=0)
        mix = np.zeros(end, dtype=np.int32)
        for t, samples in self.segments:
            start = int(t * TARGET_RATE)
            mix[start : start + len(samples)] += samples
        write_wav(path, np.clip(mix, -32768, 32767).astype(np.int16))
        return end / TARGET_RATE


class Persona:
    """Picks the script's reply for each prompt: rule, else next ordered reply, else default."""

    def __init__(self, script: Script, voice: Synthesizer | None) -> None:
        self.script = script
        self.voice = voice
        self._next = 0
        self.prompt = ""
        """Prompt text spoken since the last reply was chosen."""

    def heard_prompt(self, text: str) -> None:
        self.prompt = f"{self.prompt} {text}".strip()

    def choose(self, text: str, only_barge_in: bool = False) -> Reply | None:
        """The reply to ``text``; with ``only_barge_in`` only a reply with ``during`` is taken
        (and consumed) — it is spoken over the prompt."""
        for rule in self.script.rules:
            if rule.when.search(text):
                return self._take(rule.reply, only_barge_in, ordered=False)
        if self._next < len(self.script.replies):
            return self._take(self.script.replies[self._next], only_barge_in, ordered=True)
        if self.script.default is not None:
            return self._take(self.script.default, only_barge_in, ordered=False)
        return None

    def _take(self, reply: Reply, only_barge_in: bool, ordered: bool) -> Reply | None:
        if only_barge_in and reply.during is None:
            return None
        if ordered:
            self._next += 1
        return reply

    def audio(self, reply: Reply) -> np.ndarray:
        """The person's audio for an audio/say/silence reply (16 kHz int16)."""
        if reply.kind == "audio":
            from voiceskill.speech.wav import read_wav

            return read_wav(reply.value)
        if reply.kind == "silence":
            return silence(float(reply.value))
        assert self.voice is not None
        return self.voice.synthesize(str(reply.value))


class SimMouth:
    """Synthesizes each prompt, advances the virtual clock by its length, handles barge-in."""

    def __init__(self, synth: Synthesizer, persona: Persona, ear: SimEar, clock: VirtualClock,
                 recorder: Recorder | None) -> None:
        self.synth = synth
        self.persona = persona
        self.ear = ear
        self.clock = clock
        self.recorder = recorder
        self.volume = synth.settings.volume

    def say(self, text: str, barge_in: Listen | None) -> Heard | None:
        try:
            prompt = self.synth.synthesize(text)
        except SynthesisError as err:
            print(f"(cannot synthesize a prompt: {err})", file=sys.stderr, flush=True)
            prompt = silence(SECONDS_PER_WORD * len(text.split()))
        reply = self.persona.choose(text, only_barge_in=True) if barge_in is not None else None
        self.persona.heard_prompt(text)
        start = self.clock.now()
        if reply is None:
            self._play(start, prompt)
            return None
        self.persona.prompt = ""  # this prompt has had its reply
        offset = int(float(reply.during or 0.0) * TARGET_RATE)
        if reply.kind == "text":
            heard = Heard(normalize(str(reply.value)), None, 1.0)
            heard = Heard(heard.text, match_intent(heard.text, barge_in), 1.0)
            cut = min(len(prompt), offset)
            self._play(start, prompt[:cut])
            # typed, so no echo: any barge-in phrase of this turn (matched above) cuts the prompt
            return heard if interrupts(heard, "", barge_in) else None
        user = self.persona.audio(reply)
        return self._barge_in(text, start, prompt, user, offset, barge_in)

    def _barge_in(self, text: str, start: float, prompt: np.ndarray, user: np.ndarray,
                  offset: int, barge_in: Listen) -> Heard | None:
        """Decode the microphone's view (prompt and person mixed) for barge-in words."""
        user = np.concatenate([user, silence(TRAILING_SILENCE)])
        length = max(len(prompt), offset + len(user))
        mix = np.zeros(length, dtype=np.int32)
        mix[: len(prompt)] += (prompt * 10 ** (PROMPT_ECHO_DB / 20)).astype(np.int32)
        mix[offset : offset + len(user)] += user
        mic = np.clip(mix, -32768, 32767).astype(np.int16)
        turn = self.ear.recognizer.turn(barge_in, eager=True)
        heard, pos = None, 0
        for chunk in split_chunks(mic[: max(len(prompt), 1)]):
            pos += len(chunk)
            got = turn.feed(chunk)
            # the microphone's view starts with the prompt: its seconds are the prompt's
            if interrupts(got, text, barge_in, heard_end=turn.speech_ended_at,
                          prompt_seconds=len(prompt) / TARGET_RATE):
                heard = got
                break
        cut = pos if heard is not None else len(prompt)
        self._play(start, prompt[:cut])
        if self.recorder is not None:
            self.recorder.add(start + offset / TARGET_RATE, user)
        if heard is None:
            self._after_prompt(user[max(0, cut - offset) :], late=max(0, offset - cut))
        return heard

    def _after_prompt(self, rest: np.ndarray, late: int) -> None:
        """The person goes on talking after the prompt (``rest``, starting ``late`` samples
        after its end): voice mode drops the microphone's first :data:`ECHO_GUARD` seconds
        after a prompt as its echo, so what the person says then is lost here too."""
        dropped = min(len(rest), max(0, round(ECHO_GUARD * TARGET_RATE) - late))
        self.clock.advance((late + dropped) / TARGET_RATE)
        if len(rest) > dropped:
            self.ear.source.push(rest[dropped:])

    def _play(self, start: float, samples: np.ndarray) -> None:
        if self.recorder is not None:
            scaled = (samples.astype(np.float32) * self.volume).astype(np.int16)
            self.recorder.add(start, scaled)
        self.clock.advance(len(samples) / TARGET_RATE)

    def adjust(self, rate_step: int, volume_step: int) -> None:
        settings = self.synth.settings
        settings.rate, self.volume = adjusted(settings.rate, self.volume, rate_step, volume_step)


class SimEar:
    """Feeds the person's reply for the latest prompt into the recognizer."""

    def __init__(self, persona: Persona, recognizer: Any, clock: VirtualClock,
                 recorder: Recorder | None) -> None:
        self.persona = persona
        self.recognizer = recognizer
        self.clock = clock
        self.recorder = recorder
        self.source = ScriptedAudio()
        self._ear = AudioEar(self.source, recognizer, clock) if recognizer is not None else None

    def listen(self, listen: Listen, until: float) -> Heard | None:
        if self.clock.now() > MAX_SIMULATED_SECONDS:
            last = self.persona.prompt or "(none since the last reply)"
            raise SimulationTooLong(
                f"the session has not ended after {MAX_SIMULATED_SECONDS / 3600:g} simulated "
                f"hours: the script's rules may be answering the prompts their own replies "
                f"bring back (last prompt: {last!r})")
        if self.persona.prompt and 0 < self.source.seconds_left <= TRAILING_SILENCE:
            # all that is left of the last reply is the quiet after it, and the assistant has
            # spoken since: the person answers the new prompt now
            self.source.drain()
        if self.source.seconds_left == 0 and self.persona.prompt:
            reply = self.persona.choose(self.persona.prompt)
            self.persona.prompt = ""
            if reply is not None:
                heard = self._start_reply(reply, listen)
                if heard is not None:
                    return heard
        if self._ear is None or self.source.seconds_left == 0:
            self.clock.sleep_until(until)
            return None
        return self._ear.listen(listen, until)

    def _start_reply(self, reply: Reply, listen: Listen) -> Heard | None:
        now = self.clock.now()
        if reply.kind == "text":
            text = normalize(str(reply.value))
            self.clock.advance(SECONDS_PER_WORD * max(1, len(text.split())))
            return Heard(text, match_intent(text, listen), 1.0)
        if reply.kind == "silence":
            return None  # saying nothing: the listen runs to its deadline (a re-prompt)
        if self._ear is None:
            raise RuntimeError("audio replies need a speech model")
        audio = self.persona.audio(reply)
        if self.recorder is not None:
            self.recorder.add(now, audio)
        self.source.push(np.concatenate([audio, silence(TRAILING_SILENCE)]))
        return None


def simulate(
    script: Script,
    engine: Any,
    model: Any = None,
    record: Path | None = None,
    silence_timeout: float = DEFAULT_SILENCE_TIMEOUT,
    assistant_voice: VoiceSettings | None = None,
    narrowband_model: Any = None,
) -> SessionResult:
    """Run one session against ``script``; ``model`` is a loaded Vosk model (needed when the
    script has audio or say replies), ``narrowband_model`` its 8 kHz companion if any."""
    from voiceskill.speech.recognizer import Recognizer

    clock = VirtualClock()
    recorder = Recorder() if record is not None else None
    person_voice = Synthesizer(VoiceSettings(voice=script.voice)) if script.voice else None
    assistant = Synthesizer(assistant_voice)
    persona = Persona(script, person_voice or assistant)
    recognizer = (
        Recognizer(model, narrowband_model=narrowband_model) if model is not None else None
    )
    ear = SimEar(persona, recognizer, clock, recorder)
    mouth = SimMouth(assistant, persona, ear, clock, recorder)
    session = Session(engine, ear, mouth, clock, Transcript(None), silence_timeout)
    result = session.run(start=script.start)
    if recorder is not None and record is not None:
        recorder.write(record)
    assistant.close()
    if person_voice is not None:
        person_voice.close()
    return result
