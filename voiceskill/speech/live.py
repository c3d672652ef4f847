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
from voiceskill.speech.audio import AudioDeviceError, Microphone
from voiceskill.speech.ear import AudioEar
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
    )


class VoiceStartError(RuntimeError):
    """Voice mode cannot start: the model, the voice or a device. The message says what to do."""


@contextlib.contextmanager
def voice_session(args: argparse.Namespace, engine: Any, transcript: Transcript,
                  settings: dict[str, Any]) -> Iterator[tuple[Session, Callable[[], None]]]:
    """A session on the microphone, Vosk, pyttsx3 and the speaker, and the function that stops
    it politely from a signal handler; the devices are closed when the block ends.
    :class:`VoiceStartError` when something it needs is not there."""
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
    try:
        microphone.open()
    except AudioDeviceError as err:
        raise VoiceStartError(f"{err}\n(see `voiceskill devices`, or use --text)") from None
    player = Player(options.output_device)
    recognizer = Recognizer(model, narrowband_model=narrowband)
    mouth = VoiceMouth(synth, player, microphone, recognizer)
    clock = MonotonicClock()

    def reopen() -> None:
        microphone.close()
        microphone.open()

    ear = AudioEar(microphone, recognizer, clock, notify=lambda text: mouth.say(text, None),
                   reopen=reopen)
    session = Session(engine, ear, mouth, clock, transcript, options.silence_timeout)

    def stop() -> None:
        """From a signal handler: the session ends at its next step with its closing lines; a
        listen or a microphone being reopened gives up at once, and the prompt being spoken
        is cut. The cut runs on a thread of its own: the handler may have interrupted this
        thread inside the player's lock."""
        session.request_stop()
        ear.stop.set()
        threading.Thread(target=player.stop, name="cut-prompt", daemon=True).start()

    try:
        yield session, stop
    finally:
        microphone.close()
        player.close()
        synth.close()
