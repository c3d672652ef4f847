"""`voiceskill run`: one session, by voice (default) or in a terminal (`--text`)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import voiceskill
from voiceskill.clock import MonotonicClock, VirtualClock
from voiceskill.config import ConfigError, emergency_number, positive_seconds, silence_seconds
from voiceskill.errors import ContentError
from voiceskill.session import DEFAULT_SILENCE_TIMEOUT, Session
from voiceskill.textio import TextEar, TextModeEngine, TextMouth
from voiceskill.transcript import Transcript

#: What the end of a session says of a transcript that could not be written to its end.
INCOMPLETE = "incomplete: it could not be written to the end"

#: Exit status of a voice session ended because its microphone was lost (the kiosk's status
#: for a sound library that got stuck is 3 as well).
DEVICE_LOST = 3


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "run",
        help="start a session (voice by default; --text for a terminal)",
        description="Run one coaching session: the warning-sign questions, then what to do "
        "next and, when it is safe, guided exercises. By voice (microphone and speaker) "
        "unless --text; every answer is written to a transcript as it is given. Not a "
        "diagnosis: if in doubt, call your emergency number.",
    )
    parser.add_argument("--text", action="store_true", help="type answers instead of speaking")
    parser.add_argument("--start", metavar="ID",
                        help="begin at a dialog node, an exercise id or a phase's routine")
    parser.add_argument("--dialogs", type=Path, default=voiceskill.DIALOGS_DIR, metavar="DIR",
                        help="dialog directory (default: the shipped dialogs/)")
    parser.add_argument("--emergency-number", metavar="NUMBER", type=emergency_number,
                        help="number to call in an emergency (default 911; e.g. 112, 999)")
    parser.add_argument("--transcripts", type=Path, metavar="DIR",
                        help="directory for session transcripts (default ./transcripts)")
    parser.add_argument("--silence-timeout", type=silence_seconds, metavar="SECONDS",
                        help="silence before re-asking, 1 to 120 seconds "
                        f"(default {DEFAULT_SILENCE_TIMEOUT:g})")
    parser.add_argument("--config", type=Path, metavar="FILE", help="settings file (TOML)")
    add_voice_options(parser)
    parser.add_argument("--mic-give-up", type=positive_seconds, metavar="SECONDS",
                        help="end the session (exit status 3) when the microphone stopped "
                        "working and is not back within this time (default 45)")
    parser.set_defaults(func=run)


def add_voice_options(parser: argparse.ArgumentParser) -> None:
    """Options of the voice mode (devices, model, voice)."""
    add_device_options(parser)
    parser.add_argument("--voice", metavar="NAME", help="pyttsx3/espeak-ng voice")
    parser.add_argument("--rate", type=int, metavar="WPM", help="speech rate, words per minute")


def add_device_options(parser: argparse.ArgumentParser) -> None:
    """The microphone, the speaker and the speech model (voice mode and the kiosk)."""
    parser.add_argument("--input-device", metavar="NAME|INDEX",
                        help="microphone (see `voiceskill devices`; default: the system's)")
    parser.add_argument("--output-device", metavar="NAME|INDEX",
                        help="speaker (see `voiceskill devices`; default: the system's)")
    parser.add_argument("--model", type=Path, metavar="DIR",
                        help="Vosk model directory (default: the settings file's, else "
                        "$VOICESKILL_MODEL, else the shipped model)")


def run(args: argparse.Namespace) -> int:
    try:
        settings = _settings(args)
    except ConfigError as err:
        print(f"voiceskill run: bad settings, not starting.\n{err}", file=sys.stderr)
        return 2
    try:
        from voiceskill.conversation import build_conversation

        engine = build_conversation(args.dialogs, settings["emergency_number"])
    except ContentError as err:
        print(f"voiceskill: the dialogs are broken; not starting.\n{err}", file=sys.stderr)
        return 2
    problem = unknown_start(engine, args.start)
    if problem:
        print(f"voiceskill: {problem}", file=sys.stderr)
        return 2
    try:
        transcript = Transcript(settings["transcripts"])
    except OSError as err:
        print(f"voiceskill: {transcript_problem(settings['transcripts'], err)}", file=sys.stderr)
        return 2
    if args.text:
        return _run_text(args, engine, transcript, settings)
    return _run_voice(args, engine, transcript, settings)


def unknown_start(engine: Any, start: str | None) -> str | None:
    """What is wrong with ``--start`` (or a script's ``start:``), or None when the
    conversation can begin there: a node of the dialog, an exercise id or a phase."""
    if start is None or start in engine.screening.dialog.nodes or engine.coach.knows(start) \
            or engine.coach.knows_phase(start):
        return None
    return (f"unknown start {start!r} (expected a dialog node, an exercise id or a phase; "
            "see `voiceskill exercises`)")


def transcript_problem(directory: Path, err: OSError) -> str:
    """One line for a transcript directory that cannot be made or written."""
    reason = err.strerror or str(err)
    return (f"{directory}: cannot keep transcripts here ({reason}) "
            "(expected a directory that can be created and written; see --transcripts)")


def _settings(args: argparse.Namespace) -> dict:
    """Command-line options over the settings file over defaults."""
    values: dict = {
        "emergency_number": "911",
        "transcripts": Path("transcripts"),
        "silence_timeout": DEFAULT_SILENCE_TIMEOUT,
    }
    if args.config is not None:
        from voiceskill.config import load_settings

        loaded = load_settings(args.config)
        values.update(
            emergency_number=loaded.emergency_number,
            transcripts=Path(loaded.transcript_dir),
            silence_timeout=loaded.silence_timeout,
        )
    for key in ("emergency_number", "transcripts", "silence_timeout"):
        if getattr(args, key, None) is not None:
            values[key] = getattr(args, key)
    return values


def _run_text(args, engine, transcript: Transcript, settings: dict) -> int:
    if sys.stdin is None:  # started with stdin closed (<&-)
        print("voiceskill: no standard input to read answers from (type them in a terminal, "
              "or pipe them in)", file=sys.stderr)
        return 2
    piped = not sys.stdin.isatty()
    # Piped answers are a script: time runs virtually, so holds and silences take no wall time.
    clock = VirtualClock() if piped else MonotonicClock()
    ear = TextEar(clock, echo=piped)
    # Its lists of commands leave out louder/slower: typed, they change nothing.
    session = Session(TextModeEngine(engine), ear, TextMouth(), clock, transcript,
                      settings["silence_timeout"])

    def stop() -> None:
        # Stop politely, as voice mode does: the session says its closing line and writes its
        # end. A read waiting for the next answer is ended by giving it an empty input (the
        # read resumes after this handler and sees the end of input at once).
        session.request_stop()
        try:
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, sys.stdin.fileno())
            os.close(null)
        except (OSError, ValueError):
            pass

    return _run_session(session, stop, args.start)


def _run_voice(args, engine, transcript: Transcript, settings: dict) -> int:
    try:
        from voiceskill.kiosk.quiet import StderrFunnel
        from voiceskill.speech.live import VoiceStartError, voice_session
        from voiceskill.speech.recognizer import ModelError
    except OSError as err:  # PortAudio or espeak-ng libraries missing: say which, don't trace
        print(f"voiceskill: voice mode cannot start ({err}); use --text", file=sys.stderr)
        return 2
    # PortAudio and ALSA print lines of their own for every failed open of a missing device
    # ("Expression 'r' failed in 'src/hostapi/alsa/pa_linux_alsa.c'"): keep them off the
    # terminal; what went wrong is said in our own words.
    with StderrFunnel() as funnel:
        try:
            code = _voice(args, engine, transcript, settings, voice_session, ModelError)
        except VoiceStartError as err:
            print(f"voiceskill: {err}", file=sys.stderr)
            code = 2
        finally:
            noise = funnel.take_summary()
            if noise:
                logging.getLogger("voiceskill.audio").debug("the sound library said: %s", noise)
    return code


def _voice(args, engine, transcript: Transcript, settings: dict, voice_session: Any,
           model_error: type[Exception]) -> int:
    from voiceskill.speech.audio import portaudio_stuck

    with voice_session(args, engine, transcript, settings) as (session, stop, watch):
        try:
            code = _run_session(session, stop, args.start)
        except model_error as err:  # a turn's grammar Vosk refuses: one line, not a trace
            session.abandon("stopped")
            print(f"voiceskill: {err}", file=sys.stderr)
            _print_transcript(transcript)
            return 2
        if watch.gave_up is not None:
            print(f"voiceskill: session ended: {watch.gave_up}. Check the microphone and the "
                  "sound server (`voiceskill devices`) and start again, or use --text.",
                  file=sys.stderr, flush=True)
            code = DEVICE_LOST
    if portaudio_stuck.is_set():
        # A PortAudio thread is caught for good: its own clean-up at exit would hang as well.
        # Everything is said and the transcript is closed; leave without it.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _run_session(session: Session, stop: Callable[[], None], start: str | None) -> int:
    """Run ``session`` to its end; SIGTERM and a first Ctrl-C are a polite ``stop`` (the
    stopped outcome's closing lines, with the safety advice, then the outcome and the
    transcript). A second Ctrl-C leaves at once; the transcript still gets its end line and is
    named. After a Ctrl-C the KeyboardInterrupt goes on up (the exit status of an interrupted
    command)."""
    interrupted = False

    def on_ctrl_c(signum: int, frame: Any) -> None:
        nonlocal interrupted
        if interrupted:
            raise KeyboardInterrupt  # the second one: no more waiting
        interrupted = True
        stop()

    previous_term = signal.signal(signal.SIGTERM, lambda *_: stop())
    previous_int = signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        result = session.run(start=start)
    except KeyboardInterrupt:
        session.abandon("stopped")
        _print_transcript(session.transcript)
        raise
    finally:
        signal.signal(signal.SIGINT, previous_int)
        signal.signal(signal.SIGTERM, previous_term)
    print(f"[outcome: {result.outcome}]")
    _print_transcript(session.transcript)
    if interrupted:
        raise KeyboardInterrupt
    return 0


def _print_transcript(transcript: Transcript) -> None:
    if transcript.path is not None:
        incomplete = f" ({INCOMPLETE})" if transcript.failed else ""
        print(f"[transcript: {transcript.path}{incomplete}]", flush=True)
