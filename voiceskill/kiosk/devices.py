"""The kiosk's real devices: microphone → (stall watch, optional audio keeping, screen
interrupts) → Vosk ear, and pyttsx3 → speaker mouth.

Device trouble surfaces as :class:`voiceskill.speech.audio.AudioDeviceError` so the service can
close everything, wait, and open again. PortAudio only sees devices that existed when it
started, so every (re)open starts PortAudio afresh: a USB microphone plugged back in is found.
"""

from __future__ import annotations

import threading
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np

from voiceskill.clock import Clock
from voiceskill.config import Settings
from voiceskill.kiosk.inputs import InputHub
from voiceskill.kiosk.service import Devices
from voiceskill.kiosk.zeros import DIGITAL_SILENCE_SECONDS, DigitalSilence
from voiceskill.speech.audio import (
    AudioDeviceError,
    Microphone,
    _sounddevice,
    check_portaudio,
    find_device,
)
from voiceskill.speech.ear import AudioEar
from voiceskill.speech.recognizer import Recognizer, open_models
from voiceskill.speech.voice import Player, Synthesizer, VoiceMouth, VoiceSettings
from voiceskill.speech.wav import TARGET_RATE

#: Seconds without a single chunk from an open microphone before it counts as gone (a backstop:
#: an unplugged device usually ends the stream at once; a busy machine can delay chunks ~2 s).
STALL_SECONDS = 5.0


class AudioKeeper:
    """Writes the microphone audio of one session to a WAV file (only with ``keep_audio``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._file: wave.Wave_write | None = None

    def start(self, path: Path) -> None:
        """Begin a new file (the session's transcript name with ``.wav``)."""
        with self._lock:
            self._close()
            handle = wave.open(str(path), "wb")
            handle.setnchannels(1)
            handle.setsampwidth(2)
            handle.setframerate(TARGET_RATE)
            self._file = handle

    def write(self, chunk: np.ndarray) -> None:
        with self._lock:
            if self._file is not None:
                self._file.writeframes(np.asarray(chunk, dtype=np.int16).tobytes())

    def stop(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class WatchedSource:
    """A microphone whose silence-of-the-stream (no chunks at all for ``stall_seconds``), or
    digital silence (chunks of nothing but exact zeros for ``zero_seconds``: a source removed
    under the stream, see :mod:`voiceskill.kiosk.zeros`), counts as a device error, and whose
    audio can be kept by an :class:`AudioKeeper`. Once lost to digital silence, every later
    read raises that error too (a read under a prompt may be the one that notices it, and the
    prompt's barge-in listen gives up quietly: the ear's next listen must hear of it).

    :meth:`read` never returns None: a running stream hands out a chunk every 50 ms, so a read
    that gets none in its ``timeout`` waits on until a chunk comes or the stream counts as
    stalled. A None would tell :class:`~voiceskill.speech.ear.AudioEar` that the audio is over
    (as scripted audio ends): it then waits out the listen as silence, and a stalled microphone
    became questions asked again and a session ended in no-response, with nobody heard."""

    def __init__(self, inner: Any, keeper: AudioKeeper | None = None,
                 stall_seconds: float = STALL_SECONDS,
                 zero_seconds: float | None = DIGITAL_SILENCE_SECONDS) -> None:
        self.inner = inner
        self.keeper = keeper
        self.stall_seconds = stall_seconds
        self.zeros = DigitalSilence(zero_seconds) if zero_seconds is not None else None
        """The digital-silence watch (None: exact zeros count as audio like any other)."""
        self._last_chunk = time.monotonic()
        self._delivered = False

    def read(self, timeout: float | None) -> np.ndarray:
        self._check_zeros()
        chunk = self.inner.read(timeout)
        while chunk is None:
            self._check_stall()
            chunk = self.inner.read(self.stall_seconds - self._waited())
        self._arrived(chunk)
        if self.keeper is not None:
            self.keeper.write(chunk)
        self._check_zeros()
        return chunk

    def audio_arrived(self, timeout: float) -> bool:
        """Whether the stream has delivered audio since it was opened, waiting up to
        ``timeout`` seconds for it (what comes meanwhile is dropped: nobody is listened to
        yet). Exact zeros are no audio: they are what a removed source's stream carries.
        Raises AudioDeviceError as :meth:`read` does: once no chunk has come for
        ``stall_seconds``, or only zeros for ``zero_seconds``."""
        deadline = time.monotonic() + timeout
        while not self._delivered:
            self._check_zeros()
            left = min(deadline - time.monotonic(), self.stall_seconds - self._waited())
            chunk = self.inner.read(max(0.0, left))
            if chunk is None:
                self._check_stall()
            else:
                self._arrived(chunk)
            if not self._delivered and time.monotonic() >= deadline:
                self._check_zeros()
                return False
        return True

    @property
    def delivered(self) -> bool:
        """Whether the stream has delivered audio since it was opened (exact zeros alone are
        none, while the digital-silence watch is on)."""
        return self._delivered

    def _arrived(self, chunk: np.ndarray) -> None:
        self._last_chunk = time.monotonic()
        if self.zeros is None:
            self._delivered = True
            return
        self.zeros.feed(chunk)
        self._delivered = self.zeros.heard

    def _check_zeros(self) -> None:
        if self.zeros is not None and self.zeros.silent:
            raise AudioDeviceError(self.zeros.error)

    def _waited(self) -> float:
        return time.monotonic() - self._last_chunk

    def _check_stall(self) -> None:
        if self._waited() >= self.stall_seconds:
            raise AudioDeviceError("the microphone delivers no audio")

    def drain(self) -> int:
        """Drop what was recorded; audio dropped is audio the stream delivered (a drain
        that finds none is no sign of life: the kiosk drains after every prompt). It is not
        looked at, so a run of exact zeros counts afresh after it (the prompt it held may have
        come back from a speaker's monitor); and it only counts as the room heard while
        zeros are not watched for."""
        dropped = int(self.inner.drain())
        if dropped:
            self._last_chunk = time.monotonic()
            if self.zeros is None:
                self._delivered = True
        if self.zeros is not None and not self.zeros.silent:
            self.zeros.restart()
        return dropped


#: Why the speaker counts as failed when a sound it was given never finished playing.
SPEAKER_STOPPED = "the speaker stopped playing (a sound never finished)"


class WatchedPlayer:
    """A :class:`Player` that remembers when the speaker failed (the mouth itself only prints
    the prompt and carries on; :class:`WatchedMouth` and the check between sessions ask
    :attr:`failed`): a sound it could not start, or one that never finished playing (a sink
    that died or was suspended under an open stream: :meth:`Player.play_out` gives up on it,
    and the mouth shows "(cannot speak: the speaker stopped playing)")."""

    def __init__(self, inner: Player) -> None:
        self.inner = inner
        self.failed: str | None = None

    def start(self, samples: np.ndarray, volume: float = 1.0) -> None:
        try:
            self.inner.start(samples, volume)
        except AudioDeviceError as err:
            self.failed = str(err)
            raise

    def play_out(self, timeout: float) -> bool:
        if self.inner.play_out(timeout):
            return True
        self.failed = SPEAKER_STOPPED
        return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def check(self) -> None:
        """Raise AudioDeviceError, saying what failed, when the speaker has failed."""
        if self.failed is not None:
            raise AudioDeviceError(f"the speaker is not working: {self.failed}")


class WatchedMouth:
    """The kiosk's voice: a :class:`VoiceMouth` (which, as in voice mode, only prints a prompt
    it cannot play) that raises AudioDeviceError once the speaker has failed under a prompt.
    The service then ends the session, which cannot talk any more, and recovers the devices
    (:class:`voiceskill.kiosk.service.SessionVoice`)."""

    def __init__(self, inner: VoiceMouth, player: WatchedPlayer) -> None:
        self.inner = inner
        self.player = player

    def say(self, text: str, barge_in: Any) -> Any:
        heard = self.inner.say(text, barge_in)
        self.player.check()
        return heard

    def adjust(self, rate_step: int, volume_step: int) -> None:
        self.inner.adjust(rate_step, volume_step)


class AudioDevices:
    """Opens the real microphone and speaker for the kiosk (``KioskParts.open_devices``)."""

    def __init__(
        self, settings: Settings, clock: Clock, model: Any = None, narrowband_model: Any = None
    ) -> None:
        self.settings = settings
        self.clock = clock
        if model is None:
            model, narrowband_model = open_models(settings.model_dir)
        self.model = model
        self.narrowband_model = narrowband_model
        """The model's 8 kHz companion (the recognizer of each opening of the devices switches
        to it when the microphone records nothing above 4 kHz); None = none."""
        self.synthesizer = Synthesizer(
            VoiceSettings(settings.voice, settings.rate, settings.volume)
        )
        self.keeper = AudioKeeper() if settings.keep_audio else None

    def open(self, hub: InputHub) -> Devices:
        """Open both devices (AudioDeviceError when either is missing or busy)."""
        _restart_portaudio()
        find_device(self.settings.output_device, "output")
        mic = Microphone(self.settings.input_device).open()
        watched = WatchedSource(mic, self.keeper)
        source = hub.wrap_source(watched)
        recognizer = Recognizer(self.model, narrowband_model=self.narrowband_model)
        ear = AudioEar(source, recognizer, self.clock, notify=lambda _text: None, reopen=None)
        player = WatchedPlayer(Player(self.settings.output_device))
        voice = VoiceMouth(self.synthesizer, player, microphone=source,  # type: ignore[arg-type]
                           recognizer=recognizer, captions=False)
        mouth = WatchedMouth(voice, player)

        def healthy() -> None:
            player.check()
            if not mic.is_open:
                raise AudioDeviceError("the microphone stream stopped")

        def close() -> None:
            mic.close()
            player.close()

        return Devices(ear, mouth, close, recorder=self.keeper, check=healthy,
                       audio_arrived=watched.audio_arrived,
                       delivered=lambda: watched.delivered)

    def close(self) -> None:
        self.synthesizer.close()


def _restart_portaudio() -> None:
    """Let PortAudio see devices plugged in since it started."""
    check_portaudio()  # terminating a stuck PortAudio would hang this thread too
    sd = _sounddevice()
    try:
        sd._terminate()
    except Exception:  # noqa: BLE001 - not initialised yet
        pass
    try:
        sd._initialize()
    except sd.PortAudioError as err:
        raise AudioDeviceError(f"PortAudio cannot start: {err}") from None
