"""Voice mode of ``voiceskill run``: microphone + Vosk in, pyttsx3 + speaker out, real clock."""

from __future__ import annotations

import argparse
import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import voiceskill
from voiceskill.clock import MonotonicClock
from voiceskill.session import Session
from voiceskill.speech.audio import (
    AudioDeviceError,
    Microphone,
    NoSoundDeviceError,
    portaudio_stuck,
)
from voiceskill.speech.ear import MIC_BACK, MIC_LOST, AudioEar
from voiceskill.speech.modeldir.locate import resolve_model_dir
from voiceskill.speech.recognizer import ModelError, Recognizer, open_models
from voiceskill.speech.voice import Player, SynthesisError, Synthesizer, VoiceMouth, VoiceSettings
from voiceskill.transcript import Transcript


@dataclass(frozen=True)
class VoiceOptions:
    """Everything voice mode needs besides the engine."""

    input_device: str | None = None
    """Microphone name piece or index; None = default."""

    output_device: str | None = None
    """Speaker name piece or index; None = default."""

    model_dir: Path = voiceskill.DEFAULT_MODEL_DIR
    """Vosk model directory (``--model``, the settings file's, $VOICESKILL_MODEL, shipped)."""

    voice: str | None = None
    """pyttsx3 voice; None = default."""

    rate: int = 150
    """Words per minute."""

    volume: float = 1.0
    """0.0-1.0."""

    silence_timeout: float = 8.0
    """Seconds before the engine's re-prompt rules apply."""

    mic_give_up: float = 0.0
    """Seconds a lost microphone may stay away before the session is ended; 0 = the default,
    :data:`MIC_GIVE_UP`."""


#: Seconds ``voiceskill run`` keeps trying to get a lost microphone back before it ends the
#: session (stopped outcome, exit status 3). A person at one session who pulled a headset's plug
#: or whose sound server restarted gets it back well within this (the ear retries after 0.5, 1,
#: 2, 4, 8, 15, 15 s: six tries); a session left on its own no longer runs for ever. The kiosk,
#: which nobody watches, never gives up: it retries with a backoff and restarts (status 3).
MIC_GIVE_UP = 45.0

#: What ``voiceskill run`` says when the microphone is lost, instead of the ear's own notice
#: (:data:`voiceskill.speech.ear.MIC_LOST`), which promises to keep trying with no end: run
#: gives up after :attr:`MicWatch.give_up_after` seconds and says so.
MIC_LOST_GIVING_UP = ("I can't hear you: the microphone stopped working. I will keep trying "
                      "for {time}, then end the session.")


class MicWatch:
    """Ends a session whose microphone stays lost for ``give_up_after`` seconds (a timer thread:
    the ear may be waiting out a retry pause, or speaking, when the time is up)."""

    def __init__(self, give_up_after: float, give_up: Callable[[], None]) -> None:
        self.give_up_after = give_up_after
        self._give_up = give_up
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()
        self.gave_up: str | None = None
        """Why the session was ended for want of a microphone; None while it was not."""

    def lost(self) -> None:
        """The microphone stopped working: the countdown starts (once per loss)."""
        with self._lock:
            if self._timer is None and self.gave_up is None:
                self._timer = threading.Timer(
                    self.give_up_after, self.end,
                    args=(f"the microphone stopped working and did not come back within "
                          f"{self.give_up_after:g} s",))
                self._timer.daemon = True
                self._timer.start()

    @property
    def lost_notice(self) -> str:
        """What to say when the microphone is lost: how long it will be waited for."""
        seconds = self.give_up_after
        unit = "second" if seconds == 1 else "seconds"
        return MIC_LOST_GIVING_UP.format(time=f"{seconds:g} {unit}")

    def back(self) -> None:
        """The microphone works again: no giving up."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def end(self, why: str) -> None:
        """Give up now (the countdown ran out, or nothing can bring sound back)."""
        with self._lock:
            if self.gave_up is not None:
                return
            self.gave_up = why
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        self._give_up()

    def close(self) -> None:
        self.back()


def options_from_args(args: argparse.Namespace, settings: dict[str, Any]) -> VoiceOptions:
    """Command-line values over settings-file values over defaults."""
    loaded: Any = None
    if getattr(args, "config", None) is not None:
        from voiceskill.config import load_settings

        loaded = load_settings(args.config)

    def pick(arg: str, field: str, default: Any) -> Any:
        value = getattr(args, arg, None)
        if value is not None:
            return value
        return getattr(loaded, field) if loaded is not None else default

    return VoiceOptions(
        input_device=pick("input_device", "input_device", None),
        output_device=pick("output_device", "output_device", None),
        model_dir=Path(pick("model", "model_dir", resolve_model_dir(None))),
        voice=pick("voice", "voice", None),
        rate=int(pick("rate", "rate", 150)),
        volume=float(loaded.volume) if loaded is not None else 1.0,
        silence_timeout=float(settings.get("silence_timeout", 8.0)),
        mic_give_up=float(getattr(args, "mic_give_up", None) or 0.0),
    )


class VoiceStartError(RuntimeError):
    """Voice mode cannot start: the model, the voice or a device. The message says what to do."""


def _device_problem(err: AudioDeviceError) -> str:
    """A device refused at start, with what to do next."""
    if isinstance(err, NoSoundDeviceError):  # it says what to check already
        return f"{err} Or use --text to type answers."
    return f"{err}\n(see `voiceskill devices`, or use --text)"


@contextlib.contextmanager
def voice_session(args: argparse.Namespace, engine: Any, transcript: Transcript,
                  settings: dict[str, Any]
                  ) -> Iterator[tuple[Session, Callable[[], None], MicWatch]]:
    """A session on the microphone, Vosk, pyttsx3 and the speaker, the function that stops
    it politely from a signal handler, and the watch that ends it when the microphone stays
    lost (:attr:`MicWatch.gave_up` says so afterwards); the devices are closed when the block
    ends. :class:`VoiceStartError` when something it needs is not there (both devices are
    checked before anything is said)."""
    options = options_from_args(args, settings)
    try:
        model, narrowband = open_models(options.model_dir)
    except ModelError as err:
        raise VoiceStartError(f"{err}\n(use --model DIR, or --text to type answers)") from None
    synth = Synthesizer(VoiceSettings(options.voice, options.rate, options.volume))
    try:
        if options.voice:
            synth.resolve_voice(options.voice)
    except SynthesisError as err:
        raise VoiceStartError(str(err)) from None
    microphone = Microphone(options.input_device)
    player = Player(options.output_device)
    try:
        microphone.open()
        player.open()
    except AudioDeviceError as err:
        microphone.close()
        raise VoiceStartError(_device_problem(err)) from None
    recognizer = Recognizer(model, narrowband_model=narrowband)
    mouth = VoiceMouth(synth, player, microphone, recognizer)
    clock = MonotonicClock()

    def reopen() -> None:
        if portaudio_stuck.is_set():  # nothing of PortAudio works again in this process
            watch.end("the sound library got stuck when the microphone vanished")
            raise AudioDeviceError("the sound library is stuck")
        microphone.close()
        microphone.open()

    def notify(text: str) -> None:
        """The ear's word about the microphone: said (or shown), noted in the transcript, and
        the give-up countdown started or called off. A lost microphone is waited for only so
        long, and the words say for how long."""
        if text == MIC_LOST:
            watch.lost()
            session.note("device", microphone="lost")
            text = watch.lost_notice
        elif text == MIC_BACK:
            watch.back()
            session.note("device", microphone="back")
        mouth.say(text, None)

    ear = AudioEar(microphone, recognizer, clock, notify=notify, reopen=reopen)
    session = Session(engine, ear, mouth, clock, transcript, options.silence_timeout)

    def stop() -> None:
        """From a signal handler: the session ends at its next step with its closing lines; a
        listen or a microphone being reopened gives up at once, and the prompt being spoken
        is cut. The cut runs on a thread of its own: the handler may have interrupted this
        thread inside the player's lock."""
        session.request_stop()
        ear.stop.set()
        threading.Thread(target=player.stop, name="cut-prompt", daemon=True).start()

    watch = MicWatch(options.mic_give_up or MIC_GIVE_UP, stop)
    try:
        yield session, stop, watch
    finally:
        watch.close()
        microphone.close()
        player.close()
        synth.close()
