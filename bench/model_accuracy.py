"""Speech model benchmark: accuracy, out-of-grammar rejection, speed, memory, size — and
pocketsphinx 5 side by side on the same files with the same word list.

    .venv/bin/python bench/model_accuracy.py [--model DIR] [--pocketsphinx] [--markdown]

Sets (nothing is downloaded):
* held-out synthetic: every answer, command, exercise name and number 0–20 spoken by voices
  the model never trained on (flite, a whole engine, and four espeak-ng voices), clean and with
  room noise;
* real speech: the human recordings in Debian's pocketsphinx-testdata (in-vocabulary words
  scored, other words must not come out as vocabulary words);
* out-of-grammar: unrelated synthetic words/sentences and real read sentences (LibriVox),
  decoded with the yes/no answer grammar; passing = nothing but [unk] comes back.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fixtures.make_fixtures import ANSWERS, COMMANDS, EXERCISES, OOV  # noqa: E402
from voiceskill.acoustic.augment import augment  # noqa: E402
from voiceskill.acoustic.corpus import NUMBERS  # noqa: E402
from voiceskill.acoustic.synth import Voice, held_out_voices, synthesize  # noqa: E402
from voiceskill.commands.transcribe import recognize  # noqa: E402
from voiceskill.speech.modeldir import open_model, resolve_model_dir  # noqa: E402
from voiceskill.speech.wav import read_wav  # noqa: E402

TESTDATA = Path("/usr/share/pocketsphinx/test/data")
#: Real recordings with their transcripts (pocketsphinx-testdata, BSD-style licence).
REAL = {
    "cards/001.wav": "ten of clubs",
    "cards/002.wav": "four queen of clubs",
    "cards/003.wav": "seven of clubs",
    "cards/004.wav": "five five",
    "cards/005.wav": "eight of spades four of clubs seven of hearts",
    "goforward.raw": "go forward ten meters",
    "tidigits/dhd.2934z.raw": "two nine three four zero",
}
REAL_OOV = [
    "librivox/sense_and_sensibility_01_austen_64kb-0870.wav",
    "librivox/sense_and_sensibility_01_austen_64kb-0880.wav",
    "librivox/sense_and_sensibility_01_austen_64kb-0890.wav",
    "librivox/sense_and_sensibility_01_austen_64kb-0920.wav",
    "librivox/sense_and_sensibility_01_austen_64kb-0930.wav",
]
#: The safety-relevant grammar: answers to a red-flag question plus the always-on commands.
ANSWER_GRAMMAR = [
    "yes",
    "yeah",
    "yep",
    "correct",
    "no",
    "nope",
    "not really",
    "i don't know",
    "not sure",
    "maybe",
    "repeat",
    "say that again",
    "help",
    "stop",
]


@dataclass
class Clip:
    """One benchmark recording."""

    name: str
    """Where it came from (voice or file)."""
    text: str
    """What is said."""
    samples: np.ndarray
    """16 kHz mono int16."""


def dialog_grammar() -> list[str]:
    """All phrases the coach listens for, plus numbers."""
    return sorted(set(ANSWERS + COMMANDS + EXERCISES + NUMBERS + ANSWER_GRAMMAR))


def _cached_synth(voice: Voice, text: str, cache: Path | None) -> np.ndarray:
    if cache is None:
        return synthesize(voice, text)
    path = cache / f"{voice.label}__{text.replace(' ', '_')}.npy"
    if not path.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        np.save(path, synthesize(voice, text))
    return np.load(path)


def held_out_set(cache: Path | None, noisy: bool) -> list[Clip]:
    rng = np.random.default_rng(11)
    clips = []
    for voice in held_out_voices():
        for text in dialog_grammar():
            audio = _cached_synth(voice, text, cache)
            if noisy:
                audio = augment(audio, rng, strength=1.0)
            clips.append(Clip(voice.label, text, audio))
    return clips


def oov_set(cache: Path | None) -> list[Clip]:
    clips = [Clip(v.label, t, _cached_synth(v, t, cache)) for v in held_out_voices() for t in OOV]
    clips += [Clip(f, "", read_wav(TESTDATA / f)) for f in REAL_OOV if (TESTDATA / f).is_file()]
    return clips


def _read_real(name: str) -> np.ndarray:
    path = TESTDATA / name
    if path.suffix == ".raw":
        return np.frombuffer(path.read_bytes(), dtype="<i2").copy()
    return read_wav(path)


def real_set() -> list[Clip]:
    return [Clip(n, t, _read_real(n)) for n, t in REAL.items() if (TESTDATA / n).is_file()]


def _edit_ops(ref: list[str], hyp: list[str]) -> list[tuple[str, str | None]]:
    """Align words; return (ref word, matched hyp word or None) for each ref word."""
    n, m = len(ref), len(hyp)
    d = np.zeros((n + 1, m + 1), dtype=int)
    d[:, 0] = np.arange(n + 1)
    d[0, :] = np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i, j] = min(
                d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + (ref[i - 1] != hyp[j - 1])
            )
    out: list[tuple[str, str | None]] = []
    i, j = n, m
    while i > 0:
        if j > 0 and d[i, j] == d[i - 1, j - 1] + (ref[i - 1] != hyp[j - 1]):
            out.append((ref[i - 1], hyp[j - 1]))
            i, j = i - 1, j - 1
        elif j > 0 and d[i, j] == d[i, j - 1] + 1:
            j -= 1
        else:
            out.append((ref[i - 1], None))
            i -= 1
    return out[::-1]


class VoskRunner:
    """Decode clips with Vosk and a phrase grammar (+[unk])."""

    name = "vosk + voiceskill-en"

    def __init__(self, model_dir: Path) -> None:
        t0 = time.perf_counter()
        self.model = open_model(model_dir)
        self.load_seconds = time.perf_counter() - t0

    def decode(self, samples: np.ndarray, grammar: list[str]) -> str:
        text, _ = recognize(self.model, samples, [*grammar, "[unk]"])
        return text


class SphinxRunner:
    """pocketsphinx 5 with its bundled real-speech en-us model, JSGF of the same phrases."""

    name = "pocketsphinx 5 en-us"

    def __init__(self) -> None:
        from pocketsphinx import Decoder

        t0 = time.perf_counter()
        self.decoder = Decoder(samprate=16000, loglevel="FATAL")
        self.load_seconds = time.perf_counter() - t0
        self._grammar: tuple[str, ...] = ()
        self._count = 0

    def decode(self, samples: np.ndarray, grammar: list[str]) -> str:
        key = tuple(grammar)
        if key != self._grammar:
            alternatives = " | ".join(grammar)
            jsgf = f"#JSGF V1.0;\ngrammar g;\npublic <s> = ( {alternatives} )+ ;\n"
            self._count += 1
            name = f"g{self._count}"
            self.decoder.add_jsgf_string(name, jsgf)
            self.decoder.activate_search(name)
            self._grammar = key
        self.decoder.start_utt()
        self.decoder.process_raw(samples.astype(np.int16).tobytes(), full_utt=True)
        self.decoder.end_utt()
        hyp = self.decoder.hyp()
        return hyp.hypstr if hyp else ""


def evaluate(runner, cache: Path | None) -> dict[str, float]:
    grammar = dialog_grammar()
    vocab = {w for p in grammar for w in p.split()}
    out: dict[str, float] = {"load_s": runner.load_seconds}
    cpu = 0.0
    audio_s = 0.0
    for label, noisy in (("held_out_clean", False), ("held_out_noisy", True)):
        clips = held_out_set(cache, noisy)
        ok = 0
        for c in clips:
            t0 = time.process_time()
            hyp = runner.decode(c.samples, grammar)
            cpu += time.process_time() - t0
            audio_s += len(c.samples) / 16000
            ok += hyp == c.text
        out[label] = ok / len(clips)
        out[f"{label}_n"] = len(clips)
    hits = total = false_vocab = 0
    for c in real_set():
        hyp = runner.decode(c.samples, grammar).split()
        ref = c.text.split()
        for r, h in _edit_ops(ref, hyp):
            if r in vocab:
                total += 1
                hits += h == r
        false_vocab += sum(1 for r, h in _edit_ops(ref, hyp) if r not in vocab and h in vocab)
    out["real_in_vocab"] = hits / max(total, 1)
    out["real_in_vocab_n"] = total
    rejected = heard_no = 0
    oov = oov_set(cache)
    for c in oov:
        hyp = runner.decode(c.samples, ANSWER_GRAMMAR).split()
        rejected += all(w == "[unk]" for w in hyp)
        heard_no += "no" in hyp
    out["oov_rejected"] = rejected / len(oov)
    out["oov_rejected_n"] = len(oov)
    out["oov_as_no"] = heard_no / len(oov)
    out["oov_as_no_n"] = len(oov)
    out["cpu_per_audio_s"] = cpu / max(audio_s, 1e-9)
    return out


def peak_memory_mb(model_dir: Path) -> float:
    """Peak RSS of a fresh process that loads the model and decodes one file."""
    code = (
        f"import resource,sys,json; sys.path.insert(0, {str(ROOT)!r});"
        "from voiceskill.speech.modeldir import open_model;"
        "from voiceskill.commands.transcribe import recognize; import numpy as np;"
        f"m=open_model({str(model_dir)!r});"
        "recognize(m, np.zeros(32000, dtype=np.int16), ['yes','no','[unk]']);"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    return int(done.stdout.strip().splitlines()[-1]) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="model directory (default: shipped)")
    parser.add_argument("--pocketsphinx", action="store_true", help="also run pocketsphinx")
    parser.add_argument(
        "--cache",
        default="/tmp/voiceskill-bench-cache",
        help="where synthesized held-out audio is kept between runs",
    )
    parser.add_argument("--json", action="store_true", help="print raw numbers as JSON")
    args = parser.parse_args()
    model_dir = resolve_model_dir(args.model)
    cache = Path(args.cache) if args.cache else None
    runners = [VoskRunner(model_dir)]
    if args.pocketsphinx:
        runners.append(SphinxRunner())
    results = {r.name: evaluate(r, cache) for r in runners}
    size_mb = sum(p.stat().st_size for p in model_dir.rglob("*") if p.is_file()) / 1e6
    results[runners[0].name]["size_mb"] = size_mb
    results[runners[0].name]["peak_rss_mb"] = peak_memory_mb(model_dir)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    rows = [
        ("held-out synthetic voices, clean (utterance exact)", "held_out_clean", "%"),
        ("held-out synthetic voices, noisy", "held_out_noisy", "%"),
        ("real recordings, in-vocabulary words", "real_in_vocab", "%"),
        ("out-of-grammar rejected ([unk]/empty)", "oov_rejected", "%"),
        ("out-of-grammar heard as \"no\" (lower is safer)", "oov_as_no", "%"),
        ("CPU seconds per audio second (RTF)", "cpu_per_audio_s", "f"),
        ("model load (s)", "load_s", "f"),
    ]
    names = list(results)
    print("| measure | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for title, key, kind in rows:
        cells = []
        for n in names:
            v = results[n].get(key)
            n_key = results[n].get(f"{key}_n")
            if v is None:
                cells.append("–")
            elif kind == "%":
                cells.append(f"{100 * v:.1f}% (n={n_key})")
            else:
                cells.append(f"{v:.3f}")
        print(f"| {title} | " + " | ".join(cells) + " |")
    first = results[names[0]]
    print(f"| model size (MB) | {first['size_mb']:.1f} |" + " – |" * (len(names) - 1))
    print(
        f"| peak RSS, load + decode (MB) | {first['peak_rss_mb']:.0f} |" + " – |" * (len(names) - 1)
    )
    print(
        f"\nmax RSS of this benchmark process: "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
