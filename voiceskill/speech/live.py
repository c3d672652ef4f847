"""Voice mode of ``voiceskill run``: microphone + Vosk in, pyttsx3 + speaker out, real clock."""

from __future__ import annotations

import argparse
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import voiceskill
from voiceskill.clock import MonotonicClock
from voiceskill.session import Session
from voiceskill.speech.audio import AudioDeviceError, Microphone
from voiceskill.speech.ear import AudioEar
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
    """Vosk model directory."""

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
        model_dir=Path(pick("model", "model_dir", voiceskill.DEFAULT_MODEL_DIR)),
        voice=pick("voice", "voice", None),
        rate=int(pick("rate", "rate", 150)),
        volume=float(loaded.volume) if loaded is not None else 1.0,
        silence_timeout=float(settings.get("silence_timeout", 8.0)),
    )


def run_voice_session(args: argparse.Namespace, engine: Any, transcript: Transcript,
                      settings: dict[str, Any]) -> int:
    """``voiceskill run`` without --text. Returns the process exit code."""
    options = options_from_args(args, settings)
    try:
        model, narrowband = open_models(options.model_dir)
    except ModelError as err:
        print(f"voiceskill: {err}\n(use --model DIR, or --text to type answers)", file=sys.stderr)
        return 2
    synth = Synthesizer(VoiceSettings(options.voice, options.rate, options.volume))
    try:
        if options.voice:
            synth.resolve_voice(options.voice)
    except SynthesisError as err:
        print(f"voiceskill: {err}", file=sys.stderr)
        return 2
    microphone = Microphone(options.input_device)
    try:
        microphone.open()
    except AudioDeviceError as err:
        print(f"voiceskill: {err}\n(see `voiceskill devices`, or use --text)", file=sys.stderr)
        return 2
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

    def on_sigterm(*_: object) -> None:
        session.request_stop()
        ear.stop.set()  # a microphone being reopened gives up at once

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        result = session.run(start=getattr(args, "start", None))
    finally:
        signal.signal(signal.SIGTERM, previous)
        microphone.close()
        player.close()
        synth.close()
    print(f"[outcome: {result.outcome}]")
    if transcript.path is not None:
        print(f"[transcript: {transcript.path}]")
    return 0
