"""Kiosk soak: many sessions back to back through the real PulseAudio loop, then a stretch of
talk and noise that must not wake the kiosk. Prints a table (see bench/README.md).

    .venv/bin/python bench/kiosk_soak.py                       # 200 sessions, 30 min of talk
    .venv/bin/python bench/kiosk_soak.py --sessions 20 --talk-minutes 2   # a quick run

The person's voice is espeak-ng (other voices than the kiosk's own), played into the ``mic``
null sink; the kiosk hears the sink's monitor with the shipped Vosk model and speaks into
``spk``. Session kinds rotate so the outcomes are mixed: a spoken "yes" (emergency), a spoken
"stop" (stopped), silence until the engine gives up (no-response), and a screen press.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.kiosk.harness import KioskRunner, kiosk_settings, say_to_wav, speak  # noqa: E402
from tests.pulse import PulseServer  # noqa: E402
from voiceskill import DEFAULT_MODEL_DIR  # noqa: E402
from voiceskill.speech.recognizer import open_model  # noqa: E402
from voiceskill.speech.wav import TARGET_RATE, read_wav  # noqa: E402
from voiceskill.transcript import read_transcript  # noqa: E402

SEEDS = Path("/work/shared/seeds")
TALK_VOICES = ("en-us", "en-gb", "en-us+m3", "en+f2", "en-us+f4")

#: Session kinds in rotation: (name, what the person does after the first question).
KINDS = ("yes", "stop", "silence", "press-yes")


def rss_mb() -> float:
    """Resident memory of this process in MB (the kiosk runs in it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def talk_wav(minutes: float, folder: Path) -> Path:
    """Minutes of ordinary talk (never the wake phrase) over soft noise, as one WAV."""
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text)
                 if 20 < len(s.strip()) < 200 and "coach" not in s.lower()]
    if not sentences:
        sentences = ["The weather is mild today and the garden needs water."] * 10
    rng = np.random.default_rng(7)
    pieces: list[np.ndarray] = []
    total, wanted = 0, int(minutes * 60 * TARGET_RATE)
    index = 0
    while total < wanted:
        sentence = sentences[index % len(sentences)]
        voice = TALK_VOICES[index % len(TALK_VOICES)]
        path = folder / f"talk-{index}.wav"  # one file per sentence: say_to_wav reuses files
        say_to_wav(sentence, path, voice=voice, rate=int(rng.integers(130, 200)))
        pieces.append(read_wav(path))
        pieces.append(np.zeros(int(rng.uniform(0.3, 2.0) * TARGET_RATE), dtype=np.int16))
        total += len(pieces[-2]) + len(pieces[-1])
        index += 1
    speech = np.concatenate(pieces)[:wanted].astype(np.float32)
    noise = rng.normal(0.0, 1.0, len(speech)).astype(np.float32)
    noise = np.convolve(noise, np.ones(8) / 8, mode="same") * 600.0  # soft rumble, ~-40 dBFS
    mixed = np.clip(speech + noise, -32768, 32767).astype(np.int16)
    out = folder / "talk.wav"
    with wave.open(str(out), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(TARGET_RATE)
        handle.writeframes(mixed.tobytes())
    return out


def run(sessions: int, talk_minutes: float, idle_seconds: float = 20.0,
        drive: str = "audio", model_dir: Path = DEFAULT_MODEL_DIR,
        max_minutes: float = 0.0) -> int:
    if not (model_dir / "am" / "final.mdl").is_file():
        print(f"no speech model at {model_dir}: build it first", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="kiosk-soak-"))
    model = open_model(model_dir)
    rows: list[tuple[str, str, str]] = []
    with PulseServer(sinks=("mic", "spk")) as pulse:
        pulse.route(source="mic.monitor", sink="spk")
        # a quiet room, not exact zeros: those are a removed microphone (kiosk/zeros.py)
        pulse.tone_into("mic")
        settings = kiosk_settings(folder, silence_timeout=2.0, model_dir=model_dir)
        kiosk = KioskRunner(settings, model).start()
        outcomes: dict[str, int] = {}
        unexpected = 0
        wake_misses = 0
        kiosk.wait_listen("hey coach", timeout=120)
        cpu0, wall0 = time.process_time(), time.monotonic()
        time.sleep(idle_seconds)  # idle in silence: what waiting for the wake phrase costs
        idle_cpu = (time.process_time() - cpu0) / (time.monotonic() - wall0) * 100
        started = time.monotonic()
        rss_start = rss_after_warmup = rss_mb()
        seconds_by_kind: dict[str, list[float]] = {kind: [] for kind in KINDS}
        done = 0
        stall = ""
        try:
            for number in range(sessions):
                if max_minutes and time.monotonic() - started > max_minutes * 60:
                    print(f"  time budget of {max_minutes:g} min spent: stopping after "
                          f"{number} sessions", file=sys.stderr, flush=True)
                    break
                kind = KINDS[number % len(KINDS)]
                session_started = time.monotonic()
                try:
                    kiosk.wait_listen("hey coach", timeout=120)
                    kiosk.drop_listens()
                    if drive == "press":
                        kiosk.service.hub.press("wake")
                        kiosk.wait_listen("yes", timeout=60)
                    else:
                        speak(pulse, folder, "hey coach")
                        try:
                            kiosk.wait_listen("yes", timeout=60)
                        except AssertionError:
                            wake_misses += 1  # not heard: say it once more
                            kiosk.drop_listens()
                            speak(pulse, folder, "hey coach")
                            kiosk.wait_listen("yes", timeout=60)
                    if kind in ("yes", "stop") and drive == "audio":
                        speak(pulse, folder, kind)
                    elif kind != "silence":
                        kiosk.service.hub.press(kind.removeprefix("press-"))
                    outcome, _ = kiosk.wait_end(timeout=120)
                except AssertionError as err:  # the kiosk stalled or died: report, stop
                    stall = f"session {number + 1} ({kind}): {err}"
                    print(f"  {stall}", file=sys.stderr, flush=True)
                    break
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                wanted = {"yes": "emergency", "stop": "stopped", "silence": "no-response",
                          "press-yes": "emergency"}[kind]
                if outcome != wanted:
                    print(f"  session {number + 1} ({kind}): {outcome}", file=sys.stderr)
                unexpected += outcome != wanted
                seconds_by_kind[kind].append(time.monotonic() - session_started)
                done = number + 1
                if number == min(9, sessions - 1):
                    rss_after_warmup = rss_mb()
                if (number + 1) % 10 == 0:
                    print(f"  {number + 1} sessions, {time.monotonic() - started:.0f} s, "
                          f"RSS {rss_mb():.1f} MB", file=sys.stderr, flush=True)
            rss_end = rss_mb()
            session_seconds = time.monotonic() - started

            # Talk and noise while idle: any wake-up now is a false trigger.
            wakes_before = kiosk.service.stats.wake_ups
            ignored_before = kiosk.service.stats.wake_ignored
            talk = talk_wav(talk_minutes, folder) if talk_minutes > 0 else None
            if talk is not None:
                kiosk.wait_listen("hey coach", timeout=120)
                pulse.play(talk, sink="mic").wait(talk_minutes * 60 + 60)
            false_triggers = kiosk.service.stats.wake_ups - wakes_before
            near_misses = kiosk.service.stats.wake_ignored - ignored_before
        finally:
            kiosk.stop(timeout=120)
        stats = kiosk.service.stats
        complete = sum(
            1 for path in stats.transcripts
            if path.exists() and (events := read_transcript(path))
            and events[0]["type"] == "start" and events[-1]["type"] == "end"
        )
    crashes = stats.outcomes.get("error", 0) + (kiosk.error is not None)
    rows = [
        ("driven by", f"{drive} (model {model_dir.name})", ""),
        ("sessions run", f"{stats.sessions} (asked {sessions})"
         + (" PARTIAL: time budget" if done < sessions else ""), ""),
        ("outcomes", ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())), ""),
        ("outcome differed from the script", str(unexpected), "0"),
        ("wake phrase needed a second try", str(wake_misses), ""),
        ("crashes (service or session errors)", str(crashes), "0"),
        ("runs stopped by a stalled kiosk", stall or "none", "none"),
        ("transcripts lost or incomplete", str(stats.sessions - complete), "0"),
        ("memory growth after warm-up", f"{rss_end - rss_after_warmup:+.1f} MB "
         f"({rss_start:.0f} → {rss_end:.0f} MB)", "≤ 10 MB"),
        (f"CPU while idle in silence ({idle_seconds:g} s)", f"{idle_cpu:.1f} % of a core", ""),
        ("time per session", f"{session_seconds / max(1, done):.1f} s ("
         + ", ".join(f"{k} {sum(v) / len(v):.0f} s" for k, v in seconds_by_kind.items() if v)
         + ")", ""),
        (f"false wake-ups in {talk_minutes:g} min of talk + noise", str(false_triggers), "0"),
        ("wake phrase heard but ignored (low confidence)", str(near_misses), ""),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure':<{width}}  {'result':<40}  target")
    print(f"{'-' * width}  {'-' * 40}  ------")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:<40}  {target}")
    subprocess.run(["rm", "-rf", str(folder)], check=False)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--talk-minutes", type=float, default=30.0,
                        help="minutes of non-wake talk and noise played while idle")
    parser.add_argument("--idle-seconds", type=float, default=20.0,
                        help="seconds of silent idling for the CPU measurement")
    parser.add_argument("--drive", choices=("audio", "press"), default="audio",
                        help="answer by voice (default) or by screen presses (any model)")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--max-minutes", type=float, default=0.0,
                        help="stop starting sessions after this many minutes (0: no limit); "
                        "the table then says PARTIAL")
    args = parser.parse_args()
    return run(args.sessions, args.talk_minutes, args.idle_seconds, args.drive, args.model,
               args.max_minutes)


if __name__ == "__main__":
    raise SystemExit(main())
