"""Voice I/O latency on the real PulseAudio loop (null sinks, sounddevice → PortAudio → pulse).

    .venv/bin/python bench/voice_latency.py [--trials 12] [--model DIR]

Prints one table:
- reply latency: end of the person's speech → first audio of the reply (p50/p95, ≤ 400 ms).
  The end of speech is taken as the moment ``paplay`` was started plus the offset of the last
  voiced sample in the file, so paplay's own start-up counts against us (conservative).
- recognizer real-time factor (CPU seconds per second of decoded audio, offline fixtures).
- CPU while listening to silence (% of one core for the whole process, ≤ 15%).
- prompt due → first audio (synthesis + device start; p50/p95, ≤ 150 ms).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from tests.pulse import PulseServer, PulseUnavailable  # noqa: E402
from tests.speech.loop import FIXTURES, YES_NO, OneQuestion, VoiceRig, wait_for  # noqa: E402
from voiceskill.clock import VirtualClock  # noqa: E402
from voiceskill.speech.audio import ScriptedAudio, silence  # noqa: E402
from voiceskill.speech.ear import AudioEar  # noqa: E402
from voiceskill.speech.modeldir import resolve_model_dir  # noqa: E402
from voiceskill.speech.recognizer import Recognizer, open_model  # noqa: E402
from voiceskill.speech.wav import read_wav  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def speech_end(path: Path) -> float:
    samples = read_wav(path)
    loud = np.flatnonzero(np.abs(samples) > 800)
    return float(loud[-1]) / 16000 if len(loud) else 0.0


def reply_latency(pulse: PulseServer, model: object,
                  trials: int) -> tuple[list[float], list[float], int]:
    """Per trial: end of speech → reply audio, and end of speech → the session's "heard"."""
    answers = sorted(FIXTURES.glob("yes__*.wav")) + sorted(FIXTURES.glob("no__*.wav"))
    latencies, to_heard, misses = [], [], 0
    rig = VoiceRig(model)  # one microphone and speaker for all trials, as in a real session
    try:
        for i in range(trials):
            path = answers[i % len(answers)]
            events: list[dict] = []
            heard_at: list[float] = []

            def note(event: dict, events: list = events, heard_at: list = heard_at) -> None:
                events.append(event)
                if event["type"] == "heard":
                    heard_at.append(time.monotonic())

            rig.listens = 0
            run = rig.run_in_thread(OneQuestion("Any pain in your legs?", "Right."), [note])
            rig.wait_until_listening()
            rig.player.started_at = None
            started = time.monotonic()
            player = subprocess.Popen(["paplay", "--server", pulse.server, "-d", "mic",
                                       str(path)])
            end_of_speech = started + speech_end(path)
            replied = wait_for(lambda: rig.player.started_at is not None, 10)  # noqa: B023
            first_audio = rig.player.started_at or 0.0
            player.wait(10)
            heard = [e for e in events if e["type"] == "heard"]
            if not any(e["intent"] for e in heard):
                misses += 1  # still a reply ("please say yes or no"): its latency counts too
            run.session.request_stop()
            run.join(30)
            if not replied or not heard:
                print(f"  trial {i + 1}: nothing heard", file=sys.stderr)
                continue
            out_latency = float(getattr(rig.player._stream, "latency", 0.0) or 0.0)
            latencies.append(first_audio + out_latency - end_of_speech)
            to_heard.append(heard_at[0] - end_of_speech)
            print(f"  trial {i + 1}: {latencies[-1] * 1000:.0f} ms, heard after "
                  f"{to_heard[-1] * 1000:.0f} ms ({heard[0]['text']!r})", file=sys.stderr)
    finally:
        rig.close()
    return latencies, to_heard, misses


def recognizer_rtf(model: object) -> float:
    recognizer = Recognizer(model)
    cpu = 0.0
    for path in sorted(FIXTURES.glob("*.wav"))[:40]:
        source = ScriptedAudio()
        source.push(read_wav(path))
        source.push(silence(0.8))
        started = time.process_time()
        AudioEar(source, recognizer, VirtualClock()).listen(YES_NO, until=60.0)
        cpu += time.process_time() - started
    return cpu / max(recognizer.decoded_seconds, 1e-9)


def idle_cpu(model: object, seconds: float = 10.0) -> float:
    rig = VoiceRig(model)
    try:
        cpu0, wall0 = time.process_time(), time.monotonic()
        rig.ear.listen(YES_NO, until=rig.clock.now() + seconds)
        return 100.0 * (time.process_time() - cpu0) / (time.monotonic() - wall0)
    finally:
        rig.close()


def prompt_to_audio(model: object, trials: int) -> list[float]:
    rig = VoiceRig(model)
    delays = []
    try:
        for i in range(trials):
            rig.player.started_at = None
            due = time.monotonic()
            rig.mouth.say(f"Good. Now rest for {i + 3} seconds and breathe.", None)
            out_latency = float(getattr(rig.player._stream, "latency", 0.0) or 0.0)
            if rig.player.started_at is not None:
                delays.append(rig.player.started_at + out_latency - due)
    finally:
        rig.close()
    return delays


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()
    model_dir = resolve_model_dir(args.model)
    model = open_model(model_dir)
    try:
        pulse = PulseServer().start()
    except PulseUnavailable as err:
        print(f"cannot run: {err}", file=sys.stderr)
        return 2
    try:
        pulse.route(source="mic.monitor", sink="spk")
        replies, to_heard, misses = reply_latency(pulse, model, args.trials)
        rtf = recognizer_rtf(model)
        idle = idle_cpu(model)
        prompts = prompt_to_audio(model, args.trials)
    finally:
        pulse.stop()
    ms = 1000.0
    rows = [
        ("end of speech → reply audio p50", f"{pct(replies, .5) * ms:.0f} ms" if replies else "-",
         ""),
        ("end of speech → reply audio p95", f"{pct(replies, .95) * ms:.0f} ms" if replies else "-",
         "≤ 400 ms"),
        ("end of speech → heard p50",
         f"{pct(to_heard, .5) * ms:.0f} ms" if to_heard else "-", ""),
        ("answers not understood", f"{misses}/{args.trials}", ""),
        ("recognizer real-time factor", f"{rtf:.3f}", "< 1"),
        ("CPU while listening idle", f"{idle:.1f} % of a core", "≤ 15 %"),
        ("prompt due → first audio p50", f"{pct(prompts, .5) * ms:.0f} ms", ""),
        ("prompt due → first audio p95", f"{pct(prompts, .95) * ms:.0f} ms", "≤ 150 ms"),
    ]
    print(f"voice latency on the PulseAudio loop (model {model_dir}, {args.trials} trials)")
    print(f"| {'measure':<34} | {'value':>18} | {'target':>9} |")
    print(f"|{'-' * 36}|{'-' * 20}|{'-' * 11}|")
    for name, value, target in rows:
        print(f"| {name:<34} | {value:>18} | {target:>9} |")
    if replies:
        print(f"reply latencies (ms): {[round(r * ms) for r in replies]}; "
              f"mean {statistics.mean(replies) * ms:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
