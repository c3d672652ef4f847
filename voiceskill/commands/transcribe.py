"""`voiceskill transcribe FILE... [--grammar "a,b,c"] [--model DIR] [--json]`: what Vosk hears.

A file recorded at 8 kHz or less is decoded with the model's 8 kHz companion
(``models/voiceskill-en-8k`` beside ``models/voiceskill-en``) when there is one, as live mode
does for an 8 kHz microphone; stderr says so, and ``--json`` names the model of every file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from voiceskill.speech.modeldir import (
    ModelDirError,
    narrowband_companion,
    open_model,
    read_conf,
    resolve_model_dir,
)
from voiceskill.speech.phrase_words import UNKNOWN, spread_words, vosk_grammar
from voiceskill.speech.recognizer import GrammarError, vosk_recognizer
from voiceskill.speech.wav import TARGET_RATE, AudioFileError, WavStream

#: Files recorded at this rate or below hold nothing above 4 kHz: the 8 kHz companion
#: model decodes them (the 16 kHz model hears "yes" at 8 kHz as "than").
NARROWBAND_RATE = 8000


@dataclass
class Heard:
    """What the recognizer made of one file."""

    file: str
    """The file as given on the command line."""
    text: str
    """Recognized words joined by spaces ('' for nothing, '[unk]' for out-of-grammar)."""
    words: list[dict] = field(default_factory=list)
    """Per word: word, conf, start, end (seconds)."""
    model: str = ""
    """The model directory that decoded it."""


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
        setting = read_conf(conf).get("frame-subsampling-factor")
        if setting is not None:
            factor = int(setting.value)
    return factor / 3


#: Bytes of audio given to Vosk at a time (a quarter of a second).
_PIECE = 8000


def _pieces(audio: np.ndarray | Iterable[np.ndarray]) -> Iterator[bytes]:
    """The samples as :data:`_PIECE`-byte pieces (the last one shorter), however the blocks
    come: Vosk's endpointing sees the same pieces whether a file is read whole or streamed."""
    blocks = [audio] if isinstance(audio, np.ndarray) else audio
    pending = bytearray()
    for block in blocks:
        pending += np.asarray(block).astype(np.int16, copy=False).tobytes()
        whole = len(pending) - len(pending) % _PIECE
        for start in range(0, whole, _PIECE):
            yield bytes(pending[start : start + _PIECE])
        del pending[:whole]
    if pending:
        yield bytes(pending)


#: Seconds of audio after which :func:`recognize` goes on with a fresh recognizer, at the
#: next end of an utterance. Vosk starts a new round itself after 20000 decoded frames (200 s
#: of a model with 10 ms frames) and counts later times from that round's start in real
#: seconds, which the frame-length correction must not scale: its times had put a "yes" said
#: at 10:00 at 5:27. In shorter rounds of our own every time counts from a start we know.
ROUND_SECONDS = 100.0


def recognize(
    model,
    samples: np.ndarray | Iterable[np.ndarray],
    grammar: list[str] | None,
    time_scale: float = 1.0,
) -> tuple[str, list[dict]]:
    """Run Vosk over 16 kHz int16 ``samples`` (one array, or blocks of one such as a
    :class:`~voiceskill.speech.wav.WavStream`); return (text, words)."""
    import vosk

    # A GrammarError for a grammar Vosk would refuse, crash or abort on; without one, open_model
    # has already started this very recognizer once.
    grammar_json = vosk_grammar(model, grammar) if grammar is not None else None

    def recognizer() -> vosk.KaldiRecognizer:
        rec = (vosk_recognizer(model, grammar_json) if grammar_json is not None
               else vosk.KaldiRecognizer(model, TARGET_RATE))
        rec.SetWords(True)
        return rec

    rec = recognizer()
    results: list[tuple[float, dict]] = []  # (seconds at the start of its round, result)
    fed = round_start = 0  # samples
    for piece in _pieces(samples):
        fed += len(piece) // 2
        if rec.AcceptWaveform(piece):
            results.append((round_start / TARGET_RATE, spread_words(json.loads(rec.Result()))))
            if fed - round_start >= ROUND_SECONDS * TARGET_RATE:
                # as Vosk's own new round: a new decoder from the audio not given yet
                rec, round_start = recognizer(), fed
    results.append((round_start / TARGET_RATE, spread_words(json.loads(rec.FinalResult()))))
    words: list[dict] = []
    texts: list[str] = []
    for offset, res in results:
        if res.get("text"):
            texts.append(res["text"])
        for w in res.get("result", []):
            words.append(
                {
                    "word": w["word"],
                    "conf": round(float(w["conf"]), 3),
                    "start": round(offset + w["start"] * time_scale, 2),
                    "end": round(offset + w["end"] * time_scale, 2),
                }
            )
    return " ".join(texts), words


class _Models:
    """The model given and, opened the first time an 8 kHz file needs it, its companion."""

    def __init__(self, model_dir: Path, model, use_companion: bool) -> None:
        self.loaded = {model_dir: (model, _time_scale(model_dir))}
        self.main = model_dir
        self.companion = narrowband_companion(model_dir) if use_companion else None
        self.companion_failed = False
        """True once the companion could not be opened (said once on stderr)."""

    def for_rate(self, rate: int) -> Path:
        """The model directory to decode audio recorded at ``rate`` Hz with."""
        if rate > NARROWBAND_RATE or self.companion is None:
            return self.main
        if self.companion not in self.loaded:
            try:
                model = open_model(self.companion)
            except ModelDirError as err:
                print(
                    f"voiceskill transcribe: {err}; 8 kHz files are decoded with {self.main}",
                    file=sys.stderr,
                )
                self.companion, self.companion_failed = None, True
                return self.main
            self.loaded[self.companion] = (model, _time_scale(self.companion))
        return self.companion


def unknown_words(model, phrases: list[str]) -> list[str]:
    """The words of ``phrases`` that ``model`` (a ``vosk.Model``) has no entry for: Vosk drops
    them from a grammar with only a warning of Kaldi's."""
    words = dict.fromkeys(w for p in phrases if p != UNKNOWN for w in p.split())
    return [w for w in words if model.vosk_model_find_word(w) < 0]


def _grammar_problem(model, model_dir: Path, grammar: list[str]) -> tuple[str, bool]:
    """What is wrong with ``--grammar`` ('' when nothing), and whether it is fatal."""
    if not [p for p in grammar if p != UNKNOWN]:
        return "--grammar has no phrases (expected comma-separated phrases, e.g. \"yes,no\")", True
    missing = unknown_words(model, grammar)
    if not missing:
        return "", False
    listed = ", ".join(repr(w) for w in missing[:10]) + (" ..." if len(missing) > 10 else "")
    fatal = all(any(w in missing for w in p.split()) for p in grammar if p != UNKNOWN)
    what = "no phrase of --grammar can be heard" if fatal else "--grammar"
    return (f"{what}: {listed} not in the vocabulary of {model_dir} (graph/words.txt); "
            "`voiceskill model compile --words FILE` adds words"), fatal


def _failed(args: argparse.Namespace, name: str, err: Exception) -> None:
    """One line on stderr; with --json also an object for the file, so that the output keeps
    one object per file given."""
    print(f"voiceskill transcribe: {err}", file=sys.stderr)
    if args.json:
        print(json.dumps({"file": _printable(name), "error": str(err)}), flush=True)


def _printable(name: str) -> str:
    """A file name as valid text: bytes that are not UTF-8 (kept by the OS as surrogates,
    which a JSON reader refuses) become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def run(args: argparse.Namespace) -> int:
    try:
        model_dir = resolve_model_dir(args.model)
        model = open_model(model_dir)
    except ModelDirError as err:
        print(f"voiceskill transcribe: {err}", file=sys.stderr)
        return 2
    models = _Models(model_dir, model, use_companion=not args.no_companion)
    grammar = grammar_list(args.grammar, add_unknown=not args.no_unk)
    if grammar is not None:
        problem, fatal = _grammar_problem(model, model_dir, grammar)
        if problem:
            print(f"voiceskill transcribe: {problem}", file=sys.stderr)
            if fatal:
                return 2
    status = 0
    for name in args.files:
        try:
            audio = WavStream(name)  # its header; the samples are decoded as Vosk takes them
        except AudioFileError as err:
            _failed(args, name, err)
            status = 1
            continue
        with audio:
            decoder = models.for_rate(audio.format.rate)
            if models.companion_failed:
                status = 1  # said once; the model given decodes it instead
            if decoder != models.main:
                print(
                    f"{name}: {audio.format.rate / 1000:g} kHz audio, decoded with the 8 kHz "
                    f"companion model {decoder}",
                    file=sys.stderr,
                )
            vosk_model, scale = models.loaded[decoder]
            try:
                text, words = recognize(vosk_model, audio, grammar, scale)
            except GrammarError as err:  # names the model itself
                print(f"voiceskill transcribe: {err}", file=sys.stderr)
                return 2
            except AudioFileError as err:  # a read error partway through the file
                _failed(args, name, err)
                status = 1
                continue
        heard = Heard(file=_printable(name), text=text, words=words, model=str(decoder))
        if args.json:
            print(json.dumps(asdict(heard)))  # file, text, words, model
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
    parser.add_argument("--grammar", metavar="PHRASES",
                        help='comma-separated phrases, e.g. "yes,no,i don\'t know"')
    parser.add_argument(
        "--no-unk", action="store_true", help="do not add [unk] to the grammar (force a phrase)"
    )
    parser.add_argument("--model", type=Path, metavar="DIR",
                        help="model directory (default: $VOICESKILL_MODEL or shipped)")
    parser.add_argument(
        "--no-companion",
        action="store_true",
        help="decode files of 8 kHz or less with the model too, not with its 8 kHz companion "
        "(the directory beside it named with -8k)",
    )
    parser.add_argument("--json", action="store_true",
                        help="one JSON object per file (file, text, words, model; file and "
                        "error for a file that cannot be read)")
    parser.set_defaults(func=run)
