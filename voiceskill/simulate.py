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
from voiceskill.speech.echo import EchoGauge
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

#: Seconds of the (silent) room the simulated microphone hears before the session starts.
ROOM_BEFORE = 0.05

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

    events: list[dict[str, Any]] = []
    """The transcript's events up to then (set by :func:`simulate`), so nothing is lost."""


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
    """Picks the script's reply for each prompt: rule, else next ordered reply, else default.

    The person answers turn by turn: a turn's prompts are those the assistant says until the
    session next listens (a listen, or a word that cuts a prompt short). A reply is chosen for
    the prompts of the turn under way only, once, and never carried to a later turn."""

    def __init__(self, script: Script, voice: Synthesizer | None) -> None:
        self.script = script
        self.voice = voice
        self._next = 0
        self.prompt = ""
        """The prompts of the turn under way that no reply has been chosen for yet."""
        self.last_prompt = ""
        """All the prompts of the latest turn, answered or not (for messages)."""
        self._listened = True

    def heard_prompt(self, text: str) -> None:
        """The assistant says ``text``: the first prompt after a listen starts a new turn."""
        if self._listened:
            self.prompt = self.last_prompt = text
            self._listened = False
        else:
            self.prompt = f"{self.prompt} {text}".strip()
            self.last_prompt = f"{self.last_prompt} {text}".strip()

    def listened(self) -> None:
        """The session has listened: the prompts said from now on are a new turn's."""
        self._listened = True

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
        self.echo = EchoGauge()
        """The prompts' echo in the simulated microphone, measured as voice mode measures it."""

    def say(self, text: str, barge_in: Listen | None) -> Heard | None:
        try:
            prompt = self.synth.synthesize(text)
        except SynthesisError as err:
            print(f"(cannot synthesize a prompt: {err})", file=sys.stderr, flush=True)
            prompt = silence(SECONDS_PER_WORD * len(text.split()))
        reply = self.persona.choose(text, only_barge_in=True) if barge_in is not None else None
        self.persona.heard_prompt(text)
        start = self.clock.now()
        # What the person is still saying as the prompt starts goes on over it.
        track = self.ear.source.take_all().astype(np.int32)
        typed, typed_at = None, 0
        if reply is not None:
            self.persona.prompt = ""  # this prompt has had its reply
            offset = int(float(reply.during or 0.0) * TARGET_RATE)
            if reply.kind == "text":
                words = normalize(str(reply.value))
                typed, typed_at = Heard(words, match_intent(words, barge_in), 1.0), offset
            else:
                user = np.concatenate([self.persona.audio(reply), silence(TRAILING_SILENCE)])
                if self.recorder is not None:
                    self.recorder.add(start + offset / TARGET_RATE, user)
                both = np.zeros(max(len(track), offset + len(user)), dtype=np.int32)
                both[: len(track)] += track
                both[offset:] += user
                track = both
        heard = self._over_prompt(text, start, prompt, track, barge_in, typed, typed_at)
        if heard is not None:
            self.persona.listened()  # the session takes it as it takes a listen's
        return heard

    def _over_prompt(self, text: str, start: float, prompt: np.ndarray, track: np.ndarray,
                     barge_in: Listen | None, typed: Heard | None, typed_at: int) -> Heard | None:
        """Play ``prompt`` while the person says ``track`` (samples from the prompt's start)
        and, with ``typed``, types those words ``typed_at`` samples into it.

        With a ``barge_in`` listen, the microphone's view (prompt echo and person mixed) is
        decoded for its words, as voice mode does; a typed word has no echo. What is said over
        the prompt and does not cut it is lost, as it is when nothing listens while the
        assistant speaks (voice mode drops the microphone's buffer after each prompt); what
        goes on past the prompt, or past the word that cut it, reaches the next listen
        (:meth:`_after_prompt`)."""
        typed_cuts = typed is not None and interrupts(typed, "", barge_in)
        end = min(len(prompt), typed_at) if typed_cuts else len(prompt)
        heard, cut = None, len(prompt)
        mic = (prompt[:end] * 10 ** (PROMPT_ECHO_DB / 20)).astype(np.int32)
        if barge_in is not None and track[:end].any():
            mic[: min(end, len(track))] += track[:end]
            turn = self.ear.recognizer.turn(barge_in, eager=True)
            pos = 0
            for chunk in split_chunks(np.clip(mic, -32768, 32767).astype(np.int16)):
                pos += len(chunk)
                got = turn.feed(chunk)
                # the microphone's view starts with the prompt: its seconds are the prompt's
                if interrupts(got, text, barge_in, heard_end=turn.speech_ended_at,
                              prompt_seconds=len(prompt) / TARGET_RATE) and not self._echo(
                                  turn, mic[:pos], prompt):
                    heard, cut = got, pos
                    break
        if barge_in is not None:
            self.echo.learn(mic[:cut], prompt, 0.0)
        if heard is None and typed_cuts:
            heard, cut = typed, end
        self._play(start, prompt[:cut])
        # past the cut (the prompt's end, or where a barge-in word stopped it) the person's
        # words reach the next listen, as a microphone's do once the prompt has stopped
        self._after_prompt(np.clip(track[cut:], -32768, 32767).astype(np.int16))
        return heard

    def _echo(self, turn: Any, mic: np.ndarray, prompt: np.ndarray) -> bool:
        """Whether the utterance ``turn`` has just heard in ``mic`` (the microphone's view, from
        the prompt's start) is the prompt's echo alone, as voice mode judges it."""
        assert turn.speech_started_at is not None and turn.speech_ended_at is not None
        return self.echo.only_echo(mic, prompt, 0.0,
                                   (turn.speech_started_at, turn.speech_ended_at),
                                   self.ear.recognizer.voice.threshold_db)

    def _after_prompt(self, rest: np.ndarray) -> None:
        """The person goes on talking after the prompt (``rest``, from its end or cut on): voice
        mode drops the microphone's first :data:`ECHO_GUARD` seconds after a prompt as its
        echo, so what the person says then is lost here too. Silence alone is nothing said."""
        if not rest.any():
            return
        dropped = min(len(rest), round(ECHO_GUARD * TARGET_RATE))
        self.clock.advance(dropped / TARGET_RATE)
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
    """Feeds the person's reply for the latest turn's prompts into the recognizer.

    The queue of the person's audio never runs behind the virtual clock: a listen reads it as
    time passes, and a prompt takes what is left of it (:meth:`SimMouth.say`), so nothing
    said during one turn is heard in a later one as if just said."""

    def __init__(self, persona: Persona, recognizer: Any, clock: VirtualClock,
                 recorder: Recorder | None) -> None:
        self.persona = persona
        self.recognizer = recognizer
        self.clock = clock
        self.recorder = recorder
        self.source = ScriptedAudio()
        self._ear = AudioEar(self.source, recognizer, clock) if recognizer is not None else None
        if recognizer is not None:
            # A microphone hears the room before anyone speaks (voice mode: while the first
            # prompt plays), and the recognizer takes the room's noise floor from its first
            # audio. Here the first audio was the person's first reply, which starts at once:
            # the floor was that voice's level, and the reply was cut after half a second
            # ("my legs gave way" as the first thing said came back "hmm planks").
            recognizer.voice.voiced(silence(ROOM_BEFORE), in_speech=False)

    def listen(self, listen: Listen, until: float) -> Heard | None:
        if self.clock.now() > MAX_SIMULATED_SECONDS:
            last = self.persona.last_prompt or "(none)"
            raise SimulationTooLong(
                f"the session has not ended after {MAX_SIMULATED_SECONDS / 3600:g} simulated "
                f"hours: the script's rules may be answering the prompts their own replies "
                f"bring back (last prompt: {last!r})")
        self.persona.listened()
        prompt = self.persona.prompt
        if prompt and not self.source.holds_sound:
            # all that is queued is quiet (the pause after a reply): the person answers the
            # prompts of this turn now; while they are still talking, they answer later in
            # this turn if it gives them the chance, else not at all
            self.source.drain()
            self.persona.prompt = ""
            reply = self.persona.choose(prompt)
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
    transcript = Transcript(None)
    session = Session(engine, ear, mouth, clock, transcript, silence_timeout)
    try:
        result = session.run(start=script.start)
    except SimulationTooLong as err:
        err.events = transcript.events
        raise
    if recorder is not None and record is not None:
        recorder.write(record)
    assistant.close()
    if person_voice is not None:
        person_voice.close()
    return result
