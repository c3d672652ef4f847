"""`voiceskill kiosk`: the always-on service (wake phrase → session → wait again)."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import voiceskill
from voiceskill.commands.run import add_device_options
from voiceskill.config import ConfigError, Settings, check_option, load_settings


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "kiosk",
        help="run unattended: wait for the wake phrase, run a session, repeat",
        description="The always-on service for a shared device: wait for the wake phrase, "
        "run a session by voice, wait again; devices that fail are retried. Settings come "
        "from --config (TOML), options here override them. SIGTERM or Ctrl-C stops it.",
    )
    parser.add_argument("--config", type=Path, metavar="FILE", help="settings file (TOML)")
    parser.add_argument("--screen", action="store_true",
                        help="serve the screen page on 127.0.0.1 (also [screen] enabled = true)")
    parser.add_argument("--port", type=int, metavar="PORT", help="screen port (default 8765)")
    parser.add_argument("--transcripts", type=Path, metavar="DIR",
                        help="directory for session transcripts "
                        "(default ~/.local/state/voiceskill/transcripts)")
    parser.add_argument("--dialogs", type=Path, default=voiceskill.DIALOGS_DIR, metavar="DIR",
                        help="dialog directory (default: the shipped dialogs/)")
    parser.add_argument("--wake-phrase", metavar="WORDS",
                        help='words that start a session (default "hey coach")')
    parser.add_argument("--emergency-number", metavar="NUMBER",
                        help="number to call in an emergency (default 911; e.g. 112, 999)")
    add_device_options(parser)
    parser.add_argument("--start", metavar="ID",
                        help="begin every session at this dialog node (not an exercise: every "
                        "session starts with the warning-sign questions)")
    parser.set_defaults(func=run_kiosk)


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings file (or defaults) with command-line options on top."""
    settings = load_settings(args.config)
    options = {  # field: (value, section.key, option)
        "screen_port": (args.port, "screen.port", "--port"),
        "transcript_dir": (args.transcripts, None, "--transcripts"),
        "wake_phrase": (args.wake_phrase, "wake.phrase", "--wake-phrase"),
        "emergency_number": (args.emergency_number, "safety.emergency_number",
                             "--emergency-number"),
        "input_device": (args.input_device, None, "--input-device"),
        "output_device": (args.output_device, None, "--output-device"),
        "model_dir": (args.model, None, "--model"),
    }
    changes = {
        name: check_option(key, value, option) if key else value
        for name, (value, key, option) in options.items()
        if value is not None
    }
    if args.screen:
        changes["screen"] = True
    return dataclasses.replace(settings, **changes)


def run_kiosk(args: argparse.Namespace) -> int:
    from voiceskill.kiosk.quiet import StderrFunnel

    # PortAudio/ALSA print several lines per failed open of a missing device: keep them off
    # the terminal and the journal, summarised in one log line per retry.
    with StderrFunnel() as funnel:
        return serve_kiosk(args, funnel.take_summary)


def serve_kiosk(args: argparse.Namespace, library_noise: Any = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s",
                        stream=sys.stderr)
    try:
        settings = settings_from(args)
    except ConfigError as err:
        print(f"voiceskill kiosk: bad settings, not starting.\n{err}", file=sys.stderr)
        return 2
    from voiceskill.kiosk.build import KioskSetupError, build_kiosk

    try:
        service, screen = build_kiosk(settings, args.dialogs, args.start)
    except KioskSetupError as err:
        print(f"voiceskill kiosk: {err}", file=sys.stderr)
        return 2

    def on_signal(signum: int, _frame: object) -> None:
        # A signal handler runs in the main thread, which may hold the hub's lock: stop from
        # another thread so nothing can deadlock.
        logging.getLogger("voiceskill.kiosk").info("signal %d: stopping", signum)
        threading.Thread(target=service.request_stop, name="kiosk-stop").start()

    service.library_noise = library_noise
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if screen is not None:
        print(f"screen: {screen.url}", file=sys.stderr, flush=True)
    try:
        stats = service.serve()
    finally:
        if screen is not None:
            screen.stop()
    print(f"kiosk stopped: {stats.sessions} sessions {stats.outcomes}", file=sys.stderr)
    if stats.stuck:
        print("voiceskill kiosk: the sound library got stuck after a device vanished; exiting "
              "so that systemd (Restart=on-failure) starts the kiosk again", file=sys.stderr)
        return 3
    return 0
