"""`voiceskill devices`: the sound devices PortAudio sees, to pick --input/--output-device."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "devices",
        help="list microphones and speakers",
        description="List the sound devices PortAudio sees (index, input and output "
        "channels, sample rate, name) and the system's defaults, to choose --input-device "
        "and --output-device for run and kiosk.",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from voiceskill.speech.audio import AudioDeviceError, list_devices

    try:
        devices = list_devices()
    except AudioDeviceError as err:
        print(f"voiceskill devices: {err}", file=sys.stderr)
        return 2
    if not devices:
        print("No sound devices found (is PulseAudio or a sound card available?).")
        return 1
    print(f"{'index':>5}  {'in':>3} {'out':>3}  {'rate':>6}  name")
    for d in devices:
        mark = " ".join(m for m, on in (("(default mic)", d.default_input),
                                         ("(default speaker)", d.default_output)) if on)
        line = f"{d.index:>5}  {d.inputs:>3} {d.outputs:>3}  {d.rate:>6.0f}  {d.name} {mark}"
        print(line.rstrip())
    print("\nChoose with --input-device / --output-device: an index or a piece of the name.")
    return 0
