"""Offline: words said over the coach's prompts with the prompt's echo mixed in, decoded on the
running coach's barge-in listen; which cut the prompt without the echo check and which with it.

    .venv/bin/python bench/echo_offline.py [--levels -40 -25 -15] [--no-decoys]   # ~15 min

No audio devices: the microphone's view is the prompt (espeak-ng, the assistant's voice) at
``--levels`` dB plus a person's word said 0.2 or 1.0 s in, fed in 50 ms chunks to an eager
turn as voice mode and simulations feed it (session.barge_in_listen of the coach's running
listen: its commands, with the listen's other phrases as decoys; ``--no-decoys``: the commands
alone, as before 55ae80c). A word "cuts" when ``session.interrupts`` takes it; with the echo
check (``speech.echo.EchoGauge.only_echo``) a cut whose utterance can be the echo alone is
dropped and the turn goes on. Two gauges: "primed" has measured one earlier prompt at the same
level (a session's later prompts), "fresh" has measured nothing (its first prompts: only the
prompt's own audio before the utterance counts).

People: twelve words by four espeak-ng voices (six barge-in words, six unrelated ones) and the
13 stop/pause/wait/it hurts/next recordings of tests/fixtures/audio. Rows per echo level:
unrelated words cutting a prompt, the echo alone cutting it (no person), and true barge-ins
heard (the right intent, in an utterance that overlaps the person's word).
"""

from __future__ import annotations

import argparse
import collections
import itertools
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voiceskill.conversation import build_conversation  # noqa: E402
from voiceskill.session import barge_in_listen, interrupts  # noqa: E402
from voiceskill.speech.audio import silence, split_chunks  # noqa: E402
from voiceskill.speech.echo import EchoGauge  # noqa: E402
from voiceskill.speech.modeldir import resolve_model_dir  # noqa: E402
from voiceskill.speech.recognizer import Recognizer, open_models  # noqa: E402
from voiceskill.speech.voice import Synthesizer, VoiceSettings  # noqa: E402
from voiceskill.speech.wav import TARGET_RATE, read_wav  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "audio"
PROMPTS = (
    "Next: hamstring stretch with a towel.",
    "Let your belly sink and lift your head, arching your back.",
    "Now tuck your chin and round your back up toward the ceiling.",
    "Next: seated nerve glides.",
    "Slowly straighten the affected leg while you tilt your head the other way.",
    "Keep your pelvis still the whole time. No rocking.",
    "Rest now. Set 2 starts in 30 seconds.",
    "Okay, I will speak more slowly.",
    "Bring them back to the middle.",
    "Hold.",
    "6.",
    'If the pain gets worse at any point, stop and say "it hurts".',
)
#: The prompt the primed gauge measured before (a set-up line of the coach).
EARLIER = "Lie on your back with your knees bent and both feet flat on the floor."
#: Barge-in words and the intent each must come back as.
TRUE = {"stop": "stop", "pause": "pause", "wait": "pause", "it hurts": "pain", "ouch": "pain",
        "next": "next"}
OTHER = ("okay", "yes", "right", "thank you", "good", "resume")
VOICES = (None, "gmw/en-us", "gmw/en-gb-scotland", "gmw/en-gb-x-rp")
OFFSETS = (0.2, 1.0)
GAUGES = ("none", "primed", "fresh")


@dataclass
class Cut:
    """The first utterance that cut the prompt under one judgement: its intent and span (s)."""

    intent: str
    start: float
    end: float


@dataclass
class Tally:
    """Counts of one (level, kind) cell: trials, and hits under each judgement."""

    n: int = 0
    hits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GAUGES, 0))


def decode(model, nb, listen, mic: np.ndarray, prompt: np.ndarray, text: str,
           earlier: np.ndarray | None, level: float) -> dict[str, Cut | None]:
    """The first cut of ``mic`` (the microphone's view from the prompt's start) with no echo
    check, and with the primed and the fresh gauge."""
    primed = EchoGauge()
    if earlier is not None:
        primed.learn((earlier * 10 ** (level / 20)).astype(np.int32), earlier, 0.0)
    gauges = {"primed": primed, "fresh": EchoGauge()}
    rec = Recognizer(model, narrowband_model=nb)
    rec.voice.voiced(silence(0.05), in_speech=False)  # a quiet room before (its floor)
    turn = rec.turn(listen, eager=True)
    found: dict[str, Cut | None] = dict.fromkeys(GAUGES)
    pos = 0
    for chunk in split_chunks(np.clip(mic, -32768, 32767).astype(np.int16)):
        pos += len(chunk)
        heard = turn.feed(chunk)
        if not interrupts(heard, text, listen, heard_end=turn.speech_ended_at,
                          prompt_seconds=len(prompt) / TARGET_RATE):
            continue
        assert heard is not None and heard.intent is not None
        span = (turn.speech_started_at, turn.speech_ended_at)
        cut = Cut(heard.intent, *span)
        if found["none"] is None:
            found["none"] = cut
        for name, gauge in gauges.items():
            if found[name] is None and not gauge.only_echo(mic[:pos], prompt, 0.0, span,
                                                           rec.voice.threshold_db):
                found[name] = cut
        if all(found.values()):
            break
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", nargs="+", type=float, default=[-40.0, -25.0, -15.0])
    parser.add_argument("--no-decoys", action="store_true",
                        help="the barge-in commands alone (no decoys), as before 55ae80c")
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()
    began = time.monotonic()
    running = build_conversation(ROOT / "dialogs").coach.running_listen
    listen = barge_in_listen(running)
    assert listen is not None
    if args.no_decoys:
        listen = replace(listen, decoys=())
    model, nb = open_models(resolve_model_dir(args.model))
    assistant = Synthesizer(VoiceSettings())
    prompts = {text: assistant.synthesize(text) for text in PROMPTS}
    earlier = assistant.synthesize(EARLIER)
    people: dict[tuple[str, str], np.ndarray] = {}
    for voice in VOICES:
        synth = Synthesizer(VoiceSettings(voice=voice))
        for word in (*TRUE, *OTHER):
            people[(voice or "espeak default", word)] = synth.synthesize(word)
    for path in sorted(FIXTURES.glob("*__*.wav")):
        stem, voice = path.stem.split("__")
        word = stem.replace("_", " ")
        if word in ("stop", "pause", "wait", "it hurts", "next"):
            people[(voice, word)] = read_wav(path)

    tallies: dict[tuple[float, str], Tally] = {}
    lost: list[str] = []
    wrong: collections.Counter[tuple[float, str, str]] = collections.Counter()
    for level, (text, prompt) in itertools.product(args.levels, prompts.items()):
        echo = (prompt * 10 ** (level / 20)).astype(np.int32)
        found = decode(model, nb, listen, echo, prompt, text, earlier, level)
        tally = tallies.setdefault((level, "echo alone"), Tally())
        tally.n += 1
        for name in GAUGES:
            tally.hits[name] += found[name] is not None
        for ((voice, word), person), offset in itertools.product(people.items(), OFFSETS):
            if offset > len(prompt) / TARGET_RATE - 0.3:
                continue
            at = int(offset * TARGET_RATE)
            track = np.zeros(max(len(echo), at + len(person)), np.int32)
            track[: len(echo)] += echo
            track[at: at + len(person)] += person
            mic = track[: len(prompt)]
            found = decode(model, nb, listen, mic, prompt, text, earlier, level)
            kind = "true" if word in TRUE else "other"
            tally = tallies.setdefault((level, kind), Tally())
            tally.n += 1
            said = (offset, offset + len(person) / TARGET_RATE)
            hit = {name: cut is not None and (kind == "other" or (
                cut.intent == TRUE[word] and cut.start < said[1] and cut.end > said[0]))
                for name, cut in found.items()}
            for name in GAUGES:
                tally.hits[name] += hit[name]
            if kind == "other" and found["primed"] is not None:
                wrong[(level, word, found["primed"].intent)] += 1
            if kind == "true" and hit["none"] and not (hit["primed"] and hit["fresh"]):
                lost.append(f"  {level:g} dB, {word!r} by {voice} at {offset} s into "
                            f"{text[:30]!r}: {found}")
        print(f"  {level:g} dB, {text[:40]!r} done ({time.monotonic() - began:.0f} s)",
              file=sys.stderr)

    print("| echo | kind | n | cut, no echo check | with the check, primed gauge | "
          "with the check, fresh gauge |")
    print("|---|---|---|---|---|---|")
    for (level, kind), tally in sorted(tallies.items(), key=lambda kv: (-kv[0][0], kv[0][1])):
        print(f"| {level:g} dB | {kind} | {tally.n} | " +
              " | ".join(str(tally.hits[name]) for name in GAUGES) + " |")
    print("(true: the right intent, in an utterance overlapping the person's word; "
          f"decoys: {'no' if args.no_decoys else len(listen.decoys)}; "
          f"wall time {time.monotonic() - began:.0f} s)")
    print("unrelated words cutting a prompt with the primed gauge, by word and the intent "
          "heard:")
    for (level, word, intent), count in sorted(wrong.items(), key=lambda kv: (-kv[0][0], -kv[1])):
        print(f"  {level:g} dB: {word!r} as {intent}: {count}")
    if lost:
        print("true barge-ins heard without the check, not with a gauge:")
        print("\n".join(lost))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
