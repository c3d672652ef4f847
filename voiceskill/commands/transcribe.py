"""`voiceskill transcribe FILE... [--grammar "a,b,c"] [--model DIR] [--json]`: what Vosk hears."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voiceskill.speech.modeldir import ModelDirError, open_model, resolve_model_dir
from voiceskill.speech.phrase_words import UNKNOWN, spread_words, vosk_grammar
from voiceskill.speech.wav import AudioFileError, read_wav


@dataclass
class Heard:
    """What the recognizer made of one file."""

    file: str
    """The file as given on the command line."""
    text: str
    """Recognized words joined by spaces ('' for nothing, '[unk]' for out-of-grammar)."""
    words: list[dict] = field(default_factory=list)
    """Per word: word, conf, start, end (seconds)."""


def grammar_list(text: str | None, add_unknown: bool = True) -> list[str] | None:
    """Turn ``"yes, no,i don't know"`` into a phrase list (with [unk] unless told not to)."""
    if text is None:
        return None
    phrases = [" ".join(p.lower().split()) for p in text.split(",")]
    phrases = [p for p in phrases if p]
    if add_unknown and UNKNOWN not in phrases:
        phrases.append(UNKNOWN)
    return phrases


def _time_scale(model_dir: Path) -> float:
    """Vosk assumes 30 ms output frames; scale its times for models with another factor."""
    conf = model_dir / "conf" / "model.conf"
    factor = 3
    if conf.is_file():
        for line in conf.read_text(encoding="utf-8").splitlines():
            if line.strip().startswith("--frame-subsampling-factor="):
                factor = int(line.split("=", 1)[1])
    return factor / 3


def recognize(
    model, samples: np.ndarray, grammar: list[str] | None, time_scale: float = 1.0
) -> tuple[str, list[dict]]:
    """Run Vosk over 16 kHz int16 ``samples``; return (text, words)."""
    import vosk

    if grammar is None:
        rec = vosk.KaldiRecognizer(model, 16000)
    else:
        rec = vosk.KaldiRecognizer(model, 16000, vosk_grammar(model, grammar))
    rec.SetWords(True)
    results = []
    data = samples.astype(np.int16).tobytes()
    step = 8000
    for start in range(0, len(data), step):
        if rec.AcceptWaveform(data[start : start + step]):
            results.append(spread_words(json.loads(rec.Result())))
    results.append(spread_words(json.loads(rec.FinalResult())))
    words: list[dict] = []
    texts: list[str] = []
    for res in results:
        if res.get("text"):
            texts.append(res["text"])
        for w in res.get("result", []):
            words.append(
                {
                    "word": w["word"],
                    "conf": round(float(w["conf"]), 3),
                    "start": round(w["start"] * time_scale, 2),
                    "end": round(w["end"] * time_scale, 2),
                }
            )
    return " ".join(texts), words


def run(args: argparse.Namespace) -> int:
    try:
        model_dir = resolve_model_dir(args.model)
        model = open_model(model_dir)
    except ModelDirError as err:
        print(f"voiceskill transcribe: {err}", file=sys.stderr)
        return 2
    grammar = grammar_list(args.grammar, add_unknown=not args.no_unk)
    scale = _time_scale(model_dir)
    status = 0
    for name in args.files:
        try:
            samples = read_wav(name)
        except AudioFileError as err:
            print(f"voiceskill transcribe: {err}", file=sys.stderr)
            status = 1
            continue
        text, words = recognize(model, samples, grammar, scale)
        heard = Heard(file=name, text=text, words=words)
        if args.json:
            print(json.dumps({"file": heard.file, "text": heard.text, "words": heard.words}))
        else:
            print(f"{heard.file}: {heard.text}")
        sys.stdout.flush()
    return status


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "transcribe",
        help="print what the recognizer hears in WAV files",
        description="Recognize speech in WAV files (any rate, channels or sample width).",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="WAV files")
    parser.add_argument("--grammar", help='comma-separated phrases, e.g. "yes,no,i don\'t know"')
    parser.add_argument(
        "--no-unk", action="store_true", help="do not add [unk] to the grammar (force a phrase)"
    )
    parser.add_argument("--model", help="model directory (default: $VOICESKILL_MODEL or shipped)")
    parser.add_argument("--json", action="store_true", help="one JSON object per file")
    parser.set_defaults(func=run)
