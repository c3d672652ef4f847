"""`voiceskill simulate SCRIPT`: a whole session from a script, no sound card needed."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import voiceskill
from voiceskill.config import emergency_number, silence_seconds
from voiceskill.errors import ContentError
from voiceskill.session import DEFAULT_SILENCE_TIMEOUT


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "simulate",
        help="run a session against a script of replies (audio, speech, silence, text)",
        description="Run a whole session on a virtual clock. Prompts are synthesized with "
        "pyttsx3; replies come from the YAML script and go through the speech recognizer. "
        "Prints one JSON object: {outcome, events}.",
    )
    parser.add_argument("script", type=Path, help="simulation script (YAML)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the JSON here")
    parser.add_argument("--record", type=Path, metavar="OUT.wav",
                        help="write both sides of the conversation into one WAV file")
    parser.add_argument("--model", type=Path, metavar="DIR",
                        help="Vosk model directory (default: $VOICESKILL_MODEL or the shipped one)")
    parser.add_argument("--dialogs", type=Path, default=voiceskill.DIALOGS_DIR,
                        help="dialog directory (default: the shipped dialogs/)")
    parser.add_argument("--emergency-number", default="911", metavar="NUMBER",
                        type=emergency_number,
                        help="number to call in an emergency (default 911; e.g. 112, 999)")
    parser.add_argument("--silence-timeout", type=silence_seconds,
                        default=DEFAULT_SILENCE_TIMEOUT,
                        metavar="SECONDS",
                        help="silence before re-asking, 1 to 120 seconds (default %(default)g)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from voiceskill.commands.run import unknown_start
    from voiceskill.conversation import build_conversation
    from voiceskill.simulate import SimulationTooLong, simulate
    from voiceskill.simulate_script import load_script
    from voiceskill.speech.modeldir.locate import resolve_model_dir
    from voiceskill.speech.recognizer import ModelError, open_models
    from voiceskill.speech.voice import SynthesisError
    from voiceskill.speech.wav import AudioFileError

    try:
        script = load_script(args.script)
        engine = build_conversation(args.dialogs, args.emergency_number)
    except ContentError as err:
        print(f"voiceskill simulate: cannot run this script.\n{err}", file=sys.stderr)
        return 2
    problem = unknown_start(engine, script.start)
    if problem:
        print(f"voiceskill simulate: {script.path}: {problem}", file=sys.stderr)
        return 2
    try:
        model, narrowband = (open_models(resolve_model_dir(args.model)) if script.needs_model
                             else (None, None))
        result = simulate(script, engine, model, record=args.record,
                          silence_timeout=args.silence_timeout, narrowband_model=narrowband)
    except (ModelError, AudioFileError) as err:
        print(f"voiceskill simulate: {err}", file=sys.stderr)
        return 2
    except SimulationTooLong as err:
        print(f"voiceskill simulate: {script.path}: {err}", file=sys.stderr)
        # what happened up to then is still written (outcome null): nothing is lost
        _write(args, {"outcome": None, "events": err.events})
        return 2
    except SynthesisError as err:  # the script's voice: is not installed
        where = f"{script.path}: voice: " if script.voice else ""
        print(f"voiceskill simulate: {where}{err}", file=sys.stderr)
        return 2
    _write(args, {"outcome": result.outcome, "events": result.events})
    return 0


def _write(args: argparse.Namespace, data: dict) -> None:
    """The JSON of a simulation to --json, else to stdout."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    if args.json is not None:
        args.json.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
