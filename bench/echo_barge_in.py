"""Barge-in with the speaker leaking into the microphone, with and without PulseAudio's echo
canceller (module-echo-cancel as README's kiosk set-up loads it).

    .venv/bin/python bench/echo_barge_in.py [--leaks 30% 50% 70%]

For each leak level (pactl volume of a loopback from the speaker into the microphone sink, 30 ms
late) and each set-up, every "stop" fixture is said 2 s into a long prompt; a hit is a session
that ends ``stopped`` by barge-in. Also counts the answers the skill took from its own voice
(any "heard" that is not the person's "stop"). Prints one table.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.pulse import PulseServer, PulseUnavailable  # noqa: E402
from tests.speech.loop import FIXTURES, VoiceRig, said_over_prompt  # noqa: E402
from voiceskill.speech.modeldir import resolve_model_dir  # noqa: E402
from voiceskill.speech.recognizer import open_model  # noqa: E402


def trial(pulse: PulseServer, model: object, stop: Path) -> tuple[bool, int]:
    """(the prompt was cut by "stop", how many other things were heard)."""
    rig = VoiceRig(model)
    try:
        events, _ = said_over_prompt(rig, pulse, stop, after=2.0)
    finally:
        rig.close()
    heard = [e for e in events if e["type"] == "heard"]
    cut = any(e.get("barge_in") and e["intent"] == "stop" for e in heard)
    return cut, sum(1 for e in heard if not (e.get("barge_in") and e["intent"] == "stop"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaks", nargs="+", default=["30%", "50%", "70%"])
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()
    model = open_model(resolve_model_dir(args.model))
    stops = sorted(FIXTURES.glob("stop__*.wav"))
    try:
        pulse = PulseServer().start()
    except PulseUnavailable as err:
        print(f"cannot run: {err}", file=sys.stderr)
        return 2
    rows = []
    try:
        for leak in args.leaks:
            for name in ("none", "module-echo-cancel"):
                pulse.route(source="mic.monitor", sink="spk")
                with contextlib.ExitStack() as stack:
                    stack.enter_context(pulse.speaker_leak("spk", "mic", leak))
                    if name != "none":
                        stack.enter_context(pulse.echo_cancelled("mic", "spk"))
                    results = [trial(pulse, model, stop) for stop in stops]
                hits = sum(cut for cut, _ in results)
                other = sum(n for _, n in results)
                print(f"  leak {leak}, {name}: {hits}/{len(stops)} cut, {other} other heard",
                      file=sys.stderr)
                rows.append((leak, name, f"{hits}/{len(stops)}", str(other)))
    finally:
        pulse.stop()
    print("| speaker → mic (pactl volume) | echo canceller | \"stop\" cut the prompt | "
          "other things heard |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
