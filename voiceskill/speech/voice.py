"""The assistant's voice: pyttsx3 (espeak-ng) synthesis into memory, sounddevice playback.

pyttsx3's own ``say()`` is never used: on Linux it writes a WAV and runs ``aplay`` (which cannot
be interrupted), and after a ``save_to_file()`` it keeps writing to that file. Here every
prompt is synthesized with ``save_to_file`` into a private temporary file, read back as samples
and played through a sounddevice output stream that can be cut at any moment.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import io
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voiceskill.speech.audio import (
    AudioDeviceError,
    _sounddevice,
    abort_stream,
    bounded_call,
    close_stream,
    find_device,
    open_failure,
    start_stream,
)
from voiceskill.speech.echo import EchoGauge
from voiceskill.speech.wav import TARGET_RATE, read_wav

#: Words per minute added or removed by one "faster"/"slower" step.
RATE_STEP = 25

#: Volume added or removed by one "louder"/"softer" step.
VOLUME_STEP = 0.15

#: Seconds a prompt may play beyond its own length before its device counts as dead (a sound
#: server that vanished takes the stream with it: its callback is never called again, and
#: waiting for the end of the sound would wait for ever).
PLAY_MARGIN = 5.0


def adjusted(rate: int, volume: float, rate_step: int, volume_step: int) -> tuple[int, float]:
    """Speaking rate (words a minute, 80-300) and volume (0.2-1) after "faster"/"slower"
    (``rate_step``) and "louder"/"softer" (``volume_step``) steps."""
    return (int(min(300, max(80, rate + rate_step * RATE_STEP))),
            float(min(1.0, max(0.2, volume + volume_step * VOLUME_STEP))))


#: A number to call ("call 911", "call 112"): said digit by digit, as such numbers are.
_NUMBER_TO_CALL = re.compile(r"\b(call )(\d{2,})\b", re.IGNORECASE)


def spoken_form(text: str) -> str:
    """``text`` as it is handed to the synthesizer: a number to call is spelt digit by digit
    ("call 9 1 1"), since espeak-ng reads "call 911" as "nine hundred and eleven" and 112 as
    "one hundred and twelve". Every line that names the emergency number says "call" before
    it (dialogs/*.yaml); what is shown (captions, text mode, transcripts) keeps "911"."""
    return _NUMBER_TO_CALL.sub(lambda m: m.group(1) + " ".join(m.group(2)), text)


class SynthesisError(RuntimeError):
    """pyttsx3/espeak-ng could not turn text into audio."""


@dataclass
class VoiceSettings:
    """How the assistant sounds."""

    voice: str | None = None
    """pyttsx3 voice id or a piece of its name (``"en-us"``, ``"English (America)"``);
    None = the engine's default voice."""

    rate: int = 150
    """Words per minute."""

    volume: float = 1.0
    """0.0 (silent) to 1.0 (full)."""


class Synthesizer:
    """pyttsx3 text-to-speech into 16 kHz mono int16 samples.

    pyttsx3 engines are not thread-safe: use one Synthesizer from one thread.
    """

    def __init__(self, settings: VoiceSettings | None = None) -> None:
        self.settings = settings or VoiceSettings()
        self._engine: Any = None
        self._cache: dict[tuple[str, str | None, int], np.ndarray] = {}
        self._voice_id: str | None = None

    def _init(self) -> Any:
        if self._engine is None:
            self._engine = _shared_engine()
            # Every Synthesizer shares the one engine: remember our voice's id and set it
            # before each synthesis, so two Synthesizers with two voices can coexist.
            if self.settings.voice:
                self._voice_id = self.resolve_voice(self.settings.voice)
            else:
                self._voice_id = _DEFAULT_VOICE[0]
        return self._engine

    def resolve_voice(self, wanted: str) -> str:
        """The id of the installed voice whose id or name matches ``wanted`` (exact first,
        then a case-insensitive piece). SynthesisError lists a few voices when none does."""
        voices = self._init().getProperty("voices")
        low = wanted.lower()
        for v in voices:
            if low in (v.id.lower(), (v.name or "").lower()):
                return v.id
        for v in voices:
            if low in v.id.lower() or low in (v.name or "").lower():
                return v.id
        sample = ", ".join(v.id for v in voices[:12])
        raise SynthesisError(f"no text-to-speech voice matches {wanted!r} (e.g. {sample}, ...)")

    def synthesize(self, text: str) -> np.ndarray:
        """Speech for ``text`` as 16 kHz mono int16 (volume not applied; the player does)."""
        key = (text, self.settings.voice, self.settings.rate)
        if key in self._cache:
            return self._cache[key]
        engine = self._init()
        # A private directory per prompt, gone when the prompt has been read back: a
        # Synthesizer nobody closes leaves nothing behind in /tmp.
        with tempfile.TemporaryDirectory(prefix="voiceskill-tts-") as tmp:
            samples = self._synthesize_into(engine, spoken_form(text), Path(tmp) / "prompt.wav")
        if len(self._cache) > 256:
            self._cache.clear()
        self._cache[key] = samples
        return samples

    def _synthesize_into(self, engine: Any, text: str, path: Path) -> np.ndarray:
        try:
            with _ENGINE_LOCK, _quiet():
                _set_now(engine, "voice", self._voice_id)
                _set_now(engine, "rate", self.settings.rate)
                driver = getattr(getattr(engine, "proxy", None), "_driver", None)
                (driver or engine).save_to_file(text, str(path))  # at once, not queued
                engine.runAndWait()
                # pyttsx3 2.99's espeak loop can return before espeak-ng has finished (its
                # queued endLoop runs first); wait for espeak itself, then the file is there.
                _espeak_sync()
            return read_wav(path)
        except Exception as err:  # noqa: BLE001
            raise SynthesisError(f"text-to-speech failed for {text[:40]!r}: {err}") from None

    def close(self) -> None:
        """Forget the cached prompts (nothing else is held between prompts)."""
        self._cache.clear()


_ENGINE: list[Any] = []
_DEFAULT_VOICE: list[str] = []
_ENGINE_LOCK = threading.RLock()
_CURRENT: dict[str, Any] = {}


def _shared_engine() -> Any:
    """The process's one pyttsx3 engine. espeak-ng is a process-wide library: a second
    pyttsx3 engine re-registers the synthesis callback and resets the rate of the first."""
    with _ENGINE_LOCK:
        if not _ENGINE:
            try:
                import pyttsx3

                with _quiet():
                    engine = pyttsx3.init()
            except Exception as err:  # noqa: BLE001 - pyttsx3 raises many kinds
                raise SynthesisError(f"cannot start pyttsx3 text-to-speech: {err}") from None
            _DEFAULT_VOICE.append(engine.getProperty("voice"))
            _ENGINE.append(engine)
            atexit.register(_release_engine)
        return _ENGINE[0]


def _release_engine() -> None:
    """Let the engine go while the interpreter is still whole: pyttsx3's driver cleanup,
    left to the end of shutdown, printed "Exception ignored in DriverProxy.__del__"."""
    with _ENGINE_LOCK:
        _ENGINE.clear()
        _CURRENT.clear()
    gc.collect()


def _set_now(engine: Any, name: str, value: Any) -> None:
    """Set a property on the driver at once (``engine.setProperty`` only queues it, and pyttsx3
    drops queued commands when a loop ends).

    espeak-ng runs asynchronously under pyttsx3: a rate change waits in espeak's command
    queue while a voice change applies at once, and prompts came out at the previous rate
    about half the time. Waiting for espeak's queue around each change fixed that (0 of 30).
    """
    driver = getattr(getattr(engine, "proxy", None), "_driver", None)
    if driver is None:
        engine.setProperty(name, value)
        return
    if name == "voice":
        if _CURRENT.get("voice") == value:
            return
        _CURRENT["voice"] = value
    _espeak_sync()
    driver.setProperty(name, value)
    _espeak_sync()


def _espeak_sync() -> None:
    """Wait until espeak-ng has carried out every queued command (no-op for other drivers)."""
    try:
        from pyttsx3.drivers import _espeak

        _espeak.Synchronize()
    except Exception:  # noqa: BLE001 - not the espeak driver: nothing to wait for
        pass


@contextlib.contextmanager
def _quiet() -> Any:
    """Keep pyttsx3's prints ("Audio saved to ...") off the user's terminal."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        yield


class Player:
    """Plays int16 samples on an output device; :meth:`stop` cuts playback at once."""

    def __init__(self, device: str | int | None = None) -> None:
        self.device = device
        self._stream: Any = None
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._done.set()
        self._data = np.zeros(0, dtype=np.float32)
        self._pos = 0
        self._rate = TARGET_RATE
        self.started_at: float | None = None
        """``time.monotonic()`` when the first block of the current sound went to the device."""

    def open(self) -> Player:
        """Open the output stream now (it is otherwise opened by the first :meth:`start`), so a
        missing or broken speaker is known before anything is said (AudioDeviceError)."""
        self._open()
        return self

    def _open(self) -> Any:
        if self._stream is None:
            sd = _sounddevice()
            info = find_device(self.device, "output")
            rate = int(info.rate) or TARGET_RATE
            try:
                # bounded: PortAudio can hang on a sound server that vanished
                stream = bounded_call(lambda: sd.OutputStream(
                    device=info.index,
                    samplerate=rate,
                    channels=1,
                    dtype="float32",
                    blocksize=int(rate * 0.02),
                    latency="low",
                    callback=self._callback,
                ), "open the speaker")
            except sd.PortAudioError as err:
                raise open_failure("output", info, err) from None
            self._rate = rate
            self._stream = stream
        return self._stream

    def start(self, samples: np.ndarray, volume: float = 1.0) -> None:
        """Begin playing 16 kHz int16 ``samples``; returns at once (AudioDeviceError)."""
        stream = self._open()
        data = samples.astype(np.float32) / 32768.0 * float(volume)
        if self._rate != TARGET_RATE:
            import soxr

            data = soxr.resample(data, TARGET_RATE, self._rate).astype(np.float32)
        with self._lock:
            self._data, self._pos = data, 0
            self.started_at = None
            self._done.clear()
        if not stream.active:
            try:
                start_stream(stream, "speaker")
            except AudioDeviceError as err:
                self._done.set()
                self.close()
                raise AudioDeviceError(f"cannot play sound: {err}") from None

    def play_out(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds for the sound started by :meth:`start` to end; False
        when it has not: the device is dead (a vanished sound server takes the stream with it
        and its callback is never called again), so the sound is cut and the stream dropped
        (bounded, see :meth:`dead`); the next :meth:`start` opens it afresh."""
        if self.wait(timeout):
            return True
        self.dead()
        return False

    def dead(self) -> None:
        """The output stream stopped playing (its device vanished): stop waiting for it and
        let it go, never blocking longer than :data:`voiceskill.speech.audio.CLOSE_TIMEOUT`."""
        with self._lock:
            self._pos = len(self._data)
        self._done.set()
        stream, self._stream = self._stream, None
        if stream is not None:
            close_stream(stream, "speaker")

    def wait(self, timeout: float | None) -> bool:
        """Block until the sound has played (True) or ``timeout`` passed (False)."""
        return self._done.wait(timeout)

    def stop(self) -> None:
        """Cut the current sound now, with what was already queued in the device (the output
        latency, 40 ms on PulseAudio): a barge-in "stop" ended the prompt that much later while
        the device played it out (bench/voice_latency.py). The next :meth:`start` starts the
        stream again."""
        with self._lock:
            self._pos = len(self._data)
        self._done.set()
        stream = self._stream
        if stream is not None and stream.active and not abort_stream(stream, "speaker"):
            self._stream = None  # stuck in PortAudio: never touched again

    @property
    def playing(self) -> bool:
        return not self._done.is_set()

    @property
    def handed_over(self) -> int:
        """How much of the current sound has gone to the device so far, in 16 kHz samples (the
        device may still hold the last of it in its queue). After :meth:`stop`: all of it."""
        with self._lock:
            return round(self._pos * TARGET_RATE / self._rate)

    @property
    def output_latency(self) -> float | None:
        """The output stream's latency in seconds as PortAudio gives it; None before the
        stream is open (or when PortAudio gives none)."""
        latency = getattr(self._stream, "latency", None)
        return float(latency) if latency else None

    def close(self) -> None:
        stream, self._stream = self._stream, None
        self._done.set()
        if stream is not None:
            # stop (not abort) lets the last prompt's tail leave the speaker; bounded in time
            # because PortAudio can hang when the device has vanished
            close_stream(stream, "speaker", drain=True)

    def _callback(self, outdata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        import time as _time

        with self._lock:
            left = len(self._data) - self._pos
            n = max(0, min(frames, left))
            outdata[:n, 0] = self._data[self._pos : self._pos + n]
            outdata[n:, 0] = 0.0
            if n and self.started_at is None:
                self.started_at = _time.monotonic()
            self._pos += n
            if n == 0 and left <= 0 and not self._done.is_set():
                self._done.set()


#: Seconds of microphone audio dropped after each prompt, on top of the speaker's latency: the
#: tail of the prompt still in the room (:meth:`VoiceMouth._skip_echo`).
ECHO_GUARD = 0.15


class VoiceMouth:
    """Speaks prompts aloud and listens for barge-in words while speaking.

    While a prompt plays, the microphone is decoded against the barge-in phrases only (plus
    ``[unk]``), so nothing the assistant says can be taken as an answer. A barge-in phrase
    heard about when the prompt itself says it is ignored: with a loud speaker that may be the
    assistant's own voice (:func:`voiceskill.session.interrupts`, told where in the prompt the
    words were heard from the microphone's samples and the moment the sound started). The same
    words heard elsewhere in the prompt are the person's: "it hurts" said while the coach is
    still at "If the pain gets worse" cuts it. Other words decoded from the echo alone ("towel"
    heard as "ouch") are caught by their loudness: an utterance never louder than the prompt's
    echo can be, as measured on the prompts (:class:`voiceskill.speech.echo.EchoGauge`), is not
    the person's. After each prompt the microphone buffer is dropped and a short echo guard is
    skipped before listening goes on.
    """

    def __init__(
        self,
        synthesizer: Synthesizer,
        player: Player,
        microphone: Any = None,
        recognizer: Any = None,
        captions: bool = True,
        echo_guard: float = ECHO_GUARD,
    ) -> None:
        self.synthesizer = synthesizer
        self.player = player
        self.microphone = microphone
        self.recognizer = recognizer
        self.captions = captions
        self.echo_guard = echo_guard
        self.volume = synthesizer.settings.volume
        self.last_barge_in_latency: float | None = None
        """Seconds from the end of the barge-in word to the cut (last barge-in only)."""
        self.echo = EchoGauge()
        """The prompts' echo in the microphone, measured prompt by prompt: words heard where
        only the echo can be are not the person's."""
        self._trouble: str | None = None
        """The last "(cannot speak: …)" shown: the same trouble is not shown again for every
        prompt, only once until speaking works again."""

    def say(self, text: str, barge_in: Any) -> Any:
        if self.captions:
            print(text, flush=True)
        try:
            samples = self.synthesizer.synthesize(text)
            self.player.start(samples, self.volume)
        except (SynthesisError, AudioDeviceError) as err:
            if not self.captions:
                print(text, flush=True)
            if str(err) != self._trouble:
                print(f"  (cannot speak: {err})", flush=True)
            self._trouble = str(err)
            return None
        duration = len(samples) / TARGET_RATE
        # every wait below is bounded: a dead output stream never says it has finished
        deadline = time.monotonic() + duration + PLAY_MARGIN
        heard = None
        if barge_in is not None and self.microphone is not None and self.recognizer is not None:
            heard = self._listen_while_speaking(text, barge_in, deadline, samples)
        if heard is None and not self.player.play_out(max(0.0, deadline - time.monotonic())):
            trouble = "the speaker stopped playing"
            if trouble != self._trouble:
                print(f"  (cannot speak: {trouble})", flush=True)
            self._trouble = trouble
        else:
            self._trouble = None
        self._skip_echo()
        return heard

    def _listen_while_speaking(self, text: str, barge_in: Any, deadline: float,
                               samples: np.ndarray) -> Any:
        from voiceskill.session import interrupts

        duration = len(samples) / TARGET_RATE
        played = samples.astype(np.float32) * float(self.volume)  # what the room hears
        turn = self.recognizer.turn(barge_in, eager=True)
        recorded: list[np.ndarray] = []
        listening_from = time.monotonic()
        try:
            self.microphone.drain()
            listening_from = time.monotonic()  # the microphone's audio from here on
            while self.player.playing and time.monotonic() < deadline:
                chunk = self.microphone.read(timeout=0.1)
                if chunk is None:
                    continue
                recorded.append(chunk)
                heard = turn.feed(chunk)
                if heard is None:
                    continue
                at = self._prompt_time(listening_from, turn.speech_ended_at)
                if not interrupts(heard, text, barge_in, heard_end=at, prompt_seconds=duration):
                    continue
                prompt_at = self._prompt_time(listening_from, 0.0)
                span = (turn.speech_started_at, turn.speech_ended_at)
                if self.echo.only_echo(np.concatenate(recorded), played, prompt_at, span,
                                       self.recognizer.voice.threshold_db):
                    continue  # the prompt's echo alone: the person said nothing there
                self.player.stop()  # drops what the device had queued as well
                # Audio seconds from the end of the word to the decision.
                self.last_barge_in_latency = max(0.0, turn.fed - (turn.speech_ended_at or turn.fed))
                return heard
        except AudioDeviceError:
            return None  # the ear reports microphone trouble when it next listens
        finally:
            if recorded:
                self.echo.learn(np.concatenate(recorded), played,
                                self._prompt_time(listening_from, 0.0))
        return None

    def _prompt_time(self, listening_from: float, fed: float | None) -> float | None:
        """Where in the prompt (seconds from its first sound out of the speaker) the
        microphone's audio was ``fed`` seconds after ``listening_from`` (the microphone hands
        over its audio as it records it, so seconds of audio are seconds of time). None when
        not known (no sound has gone to the device yet)."""
        started = self.player.started_at
        if fed is None or started is None:
            return None
        return listening_from + fed - (started + (self.player.output_latency or 0.0))

    def _skip_echo(self) -> None:
        """Let the tail of the prompt leave the speaker, then drop what the mic heard of it."""
        if self.microphone is None:
            return
        try:
            latency = self.player.output_latency or 0.0
            self.microphone.drain()
            skipped, guard = 0.0, latency + self.echo_guard
            while skipped < guard:
                chunk = self.microphone.read(timeout=guard)
                if chunk is None:
                    break
                skipped += len(chunk) / TARGET_RATE
        except AudioDeviceError:
            return

    def adjust(self, rate_step: int, volume_step: int) -> None:
        settings = self.synthesizer.settings
        settings.rate, self.volume = adjusted(settings.rate, self.volume, rate_step, volume_step)
