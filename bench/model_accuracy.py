"""Speech model benchmark: accuracy, out-of-grammar rejection, speed, memory, size — and
pocketsphinx 5 side by side on the same files with the same word list.

    .venv/bin/python bench/model_accuracy.py [--model DIR] [--pocketsphinx] [--every N] [--json]

Prints a markdown table (targets beside the figures). The full run with --pocketsphinx takes
about 15-20 minutes on 2 cores (pocketsphinx's search over the 71-phrase JSGF costs 0.4-1.5 CPU
seconds per audio second; Vosk about 0.04); ``--every N`` keeps every Nth held-out and
out-of-grammar clip for a quick look and says so in the table.

Sets (nothing is downloaded):
* held-out synthetic: every answer, command, exercise name and number 0–20 spoken by voices
  the model never trained on (flite, a whole engine, and four espeak-ng voices), clean and with
  room noise;
* real speech: the human recordings in Debian's pocketsphinx-testdata (in-vocabulary words
  scored, other words must not come out as vocabulary words) and Asterisk's recordings of
  zero..twenty and "no" (Debian asterisk-core-sounds-en-g722, read with PyAV; half a second
  of faint room noise added around each tightly cut word);
* out-of-grammar: unrelated synthetic words/sentences, real read sentences (LibriVox, one
  pocketsphinx test sentence) and ALSA's speaker-test recordings (a person naming speaker
  channels, and pink noise), decoded with the yes/no answer grammar; passing = nothing but
  [unk] comes back;
* bursts of noise with no voice (sox's white, pink and brown noise, 0.4-2 s, -40 to -20 dBFS):
  how many the model hears as words, and how many a red-flag question takes as an answer
  through the recognizer (which drops an utterance whose spectrum hardly changes).
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
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import real_speech  # noqa: E402  (bench/, beside this file)

from tests.fixtures.make_fixtures import ANSWERS, COMMANDS, EXERCISES, NEAR_NO, OOV  # noqa: E402
from tests.speech.heard import red_flag_listen, said, sox_noise  # noqa: E402
from voiceskill.acoustic.augment import as_8k_device, augment, colored_noise  # noqa: E402
from voiceskill.acoustic.corpus import NUMBERS  # noqa: E402
from voiceskill.acoustic.synth import Voice, held_out_voices, synthesize  # noqa: E402
from voiceskill.clock import VirtualClock  # noqa: E402
from voiceskill.commands.transcribe import recognize  # noqa: E402
from voiceskill.events import Heard, Listen  # noqa: E402
from voiceskill.session import apply_thresholds  # noqa: E402
from voiceskill.speech.audio import split_chunks  # noqa: E402
from voiceskill.speech.bandwidth import BandwidthWatch  # noqa: E402
from voiceskill.speech.ear import AudioEar  # noqa: E402
from voiceskill.speech.modeldir import (  # noqa: E402
    narrowband_companion,
    open_model,
    resolve_model_dir,
)
from voiceskill.speech.recognizer import Recognizer  # noqa: E402
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
    "something.raw",  # "go somewhere and do something"
]
#: Asterisk's English prompts (Debian ``asterisk-core-sounds-en-g722``, CC-BY-SA-3.0): Allison
#: Smith, a professional voice, 16 kHz G.722 (decoded with PyAV): zero..twenty, and "no".
ASTERISK = Path("/usr/share/asterisk/sounds/en_US_f_Allison")
ASTERISK_WORDS = {f"digits/{i}.g722": word for i, word in enumerate(NUMBERS)} | {
    "vm-no.g722": "no",
}
#: The prompts are cut tight around the word, which a microphone never is: each gets this much
#: faint room noise before and after, as a turn's audio has.
ROOM_PAD_S = 0.5
ROOM_NOISE_DBFS = -70.0
#: alsa-utils' speaker-test recordings ("Front Left", ..., and Noise.wav, pink noise).
ALSA_SOUNDS = Path("/usr/share/sounds/alsa")
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


#: What people say to a red-flag question when the sign is there a bit: the shipped unsure
#: phrases among them (dialogs/intents.yaml) and more of the same kind outside every grammar.
#: A red-flag question must never take one as "no".
HEDGED_ANSWERS = [
    "sometimes", "a little", "a bit", "a little bit", "now and then", "now and again",
    "on and off", "kind of", "sort of", "once or twice", "only at night", "slightly",
    "occasionally", "not much", "not always", "not often", "not very", "not a lot",
    "not that much", "not too bad", "now it is", "not all the time", "nothing much",
    "it's numb", "numb", "mostly", "a few times", "now that you mention it",
]

#: Answers with a filler before them or said twice (dialogs/intents.yaml: fillers), and what
#: they mean. A red-flag question should take them as that answer, never as another one.
FILLED_ANSWERS = {
    "um yes": "yes", "uh yes": "yes", "well yes": "yes", "yes yes": "yes", "hmm yes": "yes",
    "um no": "no", "uh no": "no", "well no": "no", "no no": "no", "er no": "no",
    "um not sure": "unsure", "uh i don't know": "unsure", "well maybe": "unsure",
}


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


def intent_of() -> dict[str, str]:
    """Phrase → what it means to the skill: the dialog's intent or the coach command
    ("yeah" and "yep" both mean yes); other phrases (exercise names, numbers) mean themselves."""
    import voiceskill
    from voiceskill.coach.routine import load_exercises
    from voiceskill.dialog.load import load_dialog

    meaning: dict[str, str] = {}
    for name, intent in load_dialog(voiceskill.DIALOGS_DIR).intents.items():
        meaning.update((p, name) for p in intent.phrases)
    commands = load_exercises(voiceskill.DIALOGS_DIR / "exercises.yaml").commands
    for name, phrases in commands.items():
        meaning.update((p, name) for p in phrases)
    return meaning


def held_out_set(cache: Path | None, noisy: bool, every: int = 1) -> list[Clip]:
    rng = np.random.default_rng(11)
    clips = []
    for voice in held_out_voices():
        for text in dialog_grammar():
            audio = _cached_synth(voice, text, cache)
            if noisy:  # augment every clip so the noise draws do not depend on ``every``
                audio = augment(audio, rng, strength=1.0)
            clips.append(Clip(voice.label, text, audio))
    return clips[::every]


def oov_set(cache: Path | None, every: int = 1) -> list[Clip]:
    voices = held_out_voices()
    clips = [Clip(v.label, t, _cached_synth(v, t, cache)) for v in voices for t in OOV][::every]
    clips += [Clip(f, "", _read_real(f)) for f in REAL_OOV if (TESTDATA / f).is_file()]
    alsa = sorted(ALSA_SOUNDS.glob("*.wav")) if ALSA_SOUNDS.is_dir() else []
    clips += [Clip(f"alsa/{f.name}", "", read_wav(f)) for f in alsa]
    clips += [Clip(name, "", in_room(samples, seed=i))
              for i, (name, samples) in enumerate(real_speech.kajongg_other_calls())]
    return clips


#: Bursts of noise: sox's generators (not the model builder's), three lengths, three levels.
NOISE_BURSTS = [
    (kind, seconds, dbfs)
    for kind in ("whitenoise", "pinknoise", "brownnoise")
    for seconds in (0.4, 1.0, 2.0)
    for dbfs in (-40, -30, -20)
]


def noise_set() -> list[Clip]:
    return [
        Clip(f"sox/{k} {s} s {d} dBFS", "", np.clip(sox_noise(k, s, d), -32768, 32767).astype(
            np.int16))
        for k, s, d in NOISE_BURSTS
    ]


def _read_real(name: str) -> np.ndarray:
    path = TESTDATA / name
    if path.suffix == ".raw":  # 16 kHz 16-bit mono, no header
        return np.frombuffer(path.read_bytes(), dtype="<i2").copy()
    return read_wav(path)


def in_room(samples: np.ndarray, seed: int) -> np.ndarray:
    """``samples`` with ROOM_PAD_S of faint noise before and after (and under it)."""
    pad = int(ROOM_PAD_S * 16000)
    out = np.concatenate([np.zeros(pad), samples.astype(np.float64), np.zeros(pad)])
    out += colored_noise(np.random.default_rng(seed), len(out), "white") * 32768 * 10 ** (
        ROOM_NOISE_DBFS / 20)
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


REAL_SOURCES = ("pocketsphinx", "asterisk", "kajongg")


def real_set(source: str | None = None) -> list[Clip]:
    """People's recordings of in-vocabulary words: ``"pocketsphinx"`` (cards, directions,
    digits: read sentences), ``"asterisk"`` (zero..twenty and "no", one word each),
    ``"kajongg"`` (two-word tile calls ending in one..nine, four voices), None: all.
    A source whose files are not installed gives nothing."""
    clips: list[Clip] = []
    if source in (None, "pocketsphinx"):
        clips += [Clip(n, t, _read_real(n)) for n, t in REAL.items() if (TESTDATA / n).is_file()]
    if source in (None, "asterisk") and ASTERISK.is_dir():
        clips += [
            Clip(f"asterisk/{name}", word,
                 in_room(real_speech.read_audio(ASTERISK / name, "g722"), seed=i))
            for i, (name, word) in enumerate(ASTERISK_WORDS.items())
        ]
    if source in (None, "kajongg"):
        clips += [Clip(name, text, in_room(samples, seed=i))
                  for i, (name, text, samples) in enumerate(real_speech.kajongg_calls())]
    return clips


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
        self.args = (model_dir,)
        t0 = time.perf_counter()
        self.model = open_model(model_dir)
        self.load_seconds = time.perf_counter() - t0
        companion = narrowband_companion(model_dir)
        self.narrowband_model = open_model(companion) if companion is not None else None
        """The 8 kHz companion the recognizer switches to; None: 8 kHz rows use the model."""
        self._recognizers: dict[bool, Recognizer] = {}  # made on first use, not in load time

    def _model(self, narrowband: bool) -> Any:
        return self.narrowband_model if narrowband and self.narrowband_model else self.model

    def decode(self, samples: np.ndarray, grammar: list[str], narrowband: bool = False) -> str:
        """What the model hears; ``narrowband``: audio from an 8 kHz device, decoded with the
        companion model when there is one (as the recognizer does once it has switched)."""
        text, _ = recognize(self._model(narrowband), samples, [*grammar, "[unk]"])
        return text

    def session_heard(self, samples: np.ndarray, listen: Listen, narrowband: bool = False
                      ) -> Heard | None:
        """What a session hears in ``samples`` said 0.5 s into a turn: the microphone's chunk
        path (ear, endpointing, sound-alike words) and the dialog's thresholds."""
        if narrowband not in self._recognizers:
            self._recognizers[narrowband] = Recognizer(self._model(narrowband))
            self._recognizers[narrowband].bandwidth.decided = True  # as after the switch
        ear = AudioEar(said(samples), self._recognizers[narrowband], VirtualClock())
        heard = ear.listen(listen, until=60.0)
        return apply_thresholds(heard, listen) if heard is not None else None

    def session_intent(self, samples: np.ndarray, listen: Listen, narrowband: bool = False
                       ) -> str | None:
        """The intent a session takes from ``samples`` (:meth:`session_heard`)."""
        heard = self.session_heard(samples, listen, narrowband)
        return heard.intent if heard is not None else None


class SphinxRunner:
    """pocketsphinx 5 with its bundled real-speech en-us model, JSGF of the same phrases.

    Default settings except that the 26 MB n-gram model is not loaded (a grammar does not use
    it). Tried on 32 held-out clips: ``cmn=batch`` and 0.3 s of quiet padding do not help it."""

    name = "pocketsphinx 5 en-us"

    def __init__(self) -> None:
        from pocketsphinx import Decoder

        self.args = ()
        t0 = time.perf_counter()
        self.decoder = Decoder(samprate=16000, loglevel="FATAL", lm=None)
        self.load_seconds = time.perf_counter() - t0
        self._grammar: tuple[str, ...] = ()
        self._count = 0

    def decode(self, samples: np.ndarray, grammar: list[str], narrowband: bool = False) -> str:
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


def _score_real(
    runner, grammar: list[str], vocab: set[str], narrowband: bool = False,
    source: str | None = None,
) -> tuple[int, int, int, float, float]:
    """(vocabulary words right, vocabulary words said, other words heard as vocabulary words,
    CPU seconds, audio seconds) over the real recordings (of ``source``, None: all)."""
    hits = total = false_vocab = 0
    cpu = audio_s = 0.0
    for c in real_set(source):
        samples = as_8k_device(c.samples) if narrowband else c.samples
        t0 = time.process_time()
        hyp = runner.decode(samples, grammar, narrowband).split()
        cpu += time.process_time() - t0
        audio_s += len(samples) / 16000
        ops = _edit_ops(c.text.split(), hyp)
        for r, h in ops:
            if r in vocab:
                total += 1
                hits += h == r
        false_vocab += sum(1 for r, h in ops if r not in vocab and h in vocab)
    return hits, total, false_vocab, cpu, audio_s


def _narrowband_voices(clips: list[Clip]) -> set[str]:
    """The voices whose clips, one after the other, the recognizer's bandwidth watch settles as
    narrowband: with them a session switches to the 8 kHz companion."""
    watches: dict[str, BandwidthWatch] = {}
    for c in clips:
        watch = watches.setdefault(c.name, BandwidthWatch())
        for chunk in split_chunks(c.samples):
            watch.feed(chunk)
    return {name for name, watch in watches.items() if watch.narrowband}


def _score_8k(runner, grammar: list[str], vocab: set[str], cache: Path | None, every: int
              ) -> dict[str, float]:
    """The 8 kHz rows: the same speech as an 8 kHz device records it (Bluetooth hands-free
    headsets, telephone band: nothing above 4 kHz), decoded with the companion model when the
    model has one. Not in the CPU figures."""
    out: dict[str, float] = {}
    hits, total, _, _, _ = _score_real(runner, grammar, vocab, narrowband=True)
    out["real_8k_in_vocab"] = hits / max(total, 1)
    out["real_8k_in_vocab_n"] = total
    recorded_8k = real_speech.saytime_numbers(NUMBERS)  # already narrowband: no as_8k_device
    out["real_saytime_8k"] = sum(
        runner.decode(in_room(x, seed=i), grammar, True) == word
        for i, (_name, word, x) in enumerate(recorded_8k)
    ) / max(len(recorded_8k), 1)
    out["real_saytime_8k_n"] = len(recorded_8k)
    narrow = held_out_set(cache, False, every)
    out["held_out_8k"] = sum(
        runner.decode(as_8k_device(c.samples), grammar, True) == c.text for c in narrow
    ) / len(narrow)
    out["held_out_8k_n"] = len(narrow)
    oov = oov_set(cache, every)
    out["oov_8k_rejected"] = sum(
        all(w == "[unk]" for w in runner.decode(as_8k_device(c.samples), ANSWER_GRAMMAR,
                                                True).split()) for c in oov) / len(oov)
    out["oov_8k_rejected_n"] = len(oov)
    if hasattr(runner, "session_intent"):
        listen = red_flag_listen()
        out["oov_8k_session_no"] = sum(
            runner.session_intent(as_8k_device(c.samples), listen, True) == "no" for c in oov
        ) / len(oov)
        out["oov_8k_session_no_n"] = len(oov)
    return out


def evaluate(runner, cache: Path | None, every: int = 1) -> dict[str, float]:
    grammar = dialog_grammar()
    # Real recordings are scored on the words the grammar can return on their own: a word
    # that only appears inside a longer phrase ("go" of "go on") is not an answer by itself.
    vocab = {p for p in grammar if " " not in p}
    meaning = intent_of()
    out: dict[str, float] = {"load_s": runner.load_seconds}
    cpu = 0.0
    audio_s = 0.0
    # "room": the clean clips with half a second of faint room noise before and after, as the
    # real recordings are scored (in_room); synthesizers start the first sound at sample 0,
    # which no microphone delivers, and a "d" with no silence before it is heard as a "w".
    for label, noisy in (("held_out_clean", False), ("held_out_noisy", True),
                         ("held_out_room", False)):
        clips = held_out_set(cache, noisy, every)
        if label == "held_out_room":
            clips = [Clip(c.name, c.text, in_room(c.samples, seed=i)) for i, c in enumerate(clips)]
        narrow = _narrowband_voices(clips) if getattr(runner, "narrowband_model", None) else None
        ok = same_meaning = switched = 0
        for c in clips:
            t0 = time.process_time()
            hyp = runner.decode(c.samples, grammar)
            cpu += time.process_time() - t0
            audio_s += len(c.samples) / 16000
            ok += hyp == c.text
            same_meaning += meaning.get(hyp, hyp) == meaning.get(c.text, c.text)
            if narrow is not None:
                switched += (runner.decode(c.samples, grammar, True) if c.name in narrow
                             else hyp) == c.text
        out[label] = ok / len(clips)
        out[f"{label}_n"] = len(clips)
        if narrow is not None:
            out[f"{label}_switched"] = switched / len(clips)
            out[f"{label}_switched_n"] = len(clips)
            out[f"{label}_narrow_voices"] = sorted(narrow)  # type: ignore[assignment]
        out[f"{label}_meaning"] = same_meaning / len(clips)
        out[f"{label}_meaning_n"] = len(clips)
    all_hits = all_total = false_vocab = 0
    for source in REAL_SOURCES:
        hits, total, false, seconds, audio = _score_real(runner, grammar, vocab, source=source)
        cpu += seconds
        audio_s += audio
        out[f"real_{source}_in_vocab"] = hits / max(total, 1)
        out[f"real_{source}_in_vocab_n"] = total
        all_hits, all_total, false_vocab = all_hits + hits, all_total + total, false_vocab + false
    out["real_in_vocab"] = all_hits / max(all_total, 1)
    out["real_in_vocab_n"] = all_total
    out["real_false_vocab"] = false_vocab
    out.update(_score_8k(runner, grammar, vocab, cache, every))
    rejected = heard_no = taken = taken_no = real_rejected = real_n = 0
    taken_as: dict[str, int] = {}
    oov = oov_set(cache, every)
    listen = red_flag_listen() if hasattr(runner, "session_intent") else None
    for c in oov:
        if listen is not None:  # not timed: the ear path decodes the clip a second time
            intent = runner.session_intent(c.samples, listen)
            taken += intent is not None
            taken_no += intent == "no"
            if intent is not None:
                taken_as[intent] = taken_as.get(intent, 0) + 1
        t0 = time.process_time()
        hyp = runner.decode(c.samples, ANSWER_GRAMMAR).split()
        cpu += time.process_time() - t0
        audio_s += len(c.samples) / 16000
        rejected += all(w == "[unk]" for w in hyp)
        heard_no += "no" in hyp
        if c.name.endswith((".wav", ".raw", ".ogg")):  # people (and ALSA's pink noise)
            real_n += 1
            real_rejected += all(w == "[unk]" for w in hyp)
    out["oov_rejected"] = rejected / len(oov)
    out["oov_rejected_n"] = len(oov)
    out["oov_real_rejected"] = real_rejected / max(real_n, 1)
    out["oov_real_rejected_n"] = real_n
    out["oov_as_no"] = heard_no / len(oov)
    out["oov_as_no_n"] = len(oov)
    if listen is not None:
        out["oov_session_taken"] = taken / len(oov)
        out["oov_session_taken_n"] = len(oov)
        out["oov_session_no"] = taken_no / len(oov)
        out["oov_session_no_n"] = len(oov)
        out["oov_session_by_intent"] = taken_as  # type: ignore[assignment]
    if listen is not None:
        out.update(_score_hedges(runner, listen, cache))
        out.update(_score_filled(runner, listen, cache))
        out.update(_score_pain_question(runner, oov, cache))
        out.update(_score_running_coach(runner, oov, cache))
    bursts = noise_set()  # not in the CPU figures
    out["noise_as_words"] = sum(
        any(w != "[unk]" for w in runner.decode(c.samples, ANSWER_GRAMMAR).split())
        for c in bursts
    ) / len(bursts)
    out["noise_as_words_n"] = len(bursts)
    if listen is not None:
        out["noise_session_taken"] = sum(
            runner.session_intent(c.samples, listen) is not None for c in bursts
        ) / len(bursts)
        out["noise_session_taken_n"] = len(bursts)
    out["cpu_per_audio_s"] = cpu / max(audio_s, 1e-9)
    out["audio_s"] = audio_s
    return out


def _score_hedges(runner, listen: Listen, cache: Path | None) -> dict[str, float]:
    """:data:`HEDGED_ANSWERS` said by the held-out voices to a red-flag question (session path,
    thresholds), as they are and through an 8 kHz device: how many are taken as "no", and how
    many take the careful path (unsure or yes)."""
    out: dict[str, float] = {}
    clips = [Clip(v.label, t, _cached_synth(v, t, cache))
             for v in held_out_voices() for t in HEDGED_ANSWERS]
    for suffix, narrowband in (("", False), ("_8k", True)):
        taken = [runner.session_intent(as_8k_device(c.samples) if narrowband else c.samples,
                                       listen, narrowband) for c in clips]
        out[f"hedges{suffix}_no"] = sum(i == "no" for i in taken) / len(clips)
        out[f"hedges{suffix}_careful"] = sum(i in ("unsure", "yes") for i in taken) / len(clips)
        for key in ("no", "careful"):
            out[f"hedges{suffix}_{key}_n"] = len(clips)
    return out


def _shipped_coach():
    """The coach of the shipped dialogs, as a session builds it (its listens)."""
    import voiceskill
    from voiceskill.conversation import build_conversation

    coach = build_conversation(voiceskill.DIALOGS_DIR).coach
    assert coach is not None
    return coach


def _score_pain_question(runner, oov: list[Clip], cache: Path | None) -> dict[str, float]:
    """The coach's pain question (its "no" skips the red-flag questions; session path, the
    intents' thresholds): out-of-grammar clips, and the near misses of "no" said by the
    held-out voices, taken as "no"."""
    pain = _shipped_coach().pain_listen
    near = [_cached_synth(v, w, cache) for v in held_out_voices() for w in NEAR_NO]
    return {
        "oov_pain_no": sum(runner.session_intent(c.samples, pain) == "no" for c in oov) / len(oov),
        "oov_pain_no_n": len(oov),
        "near_no_pain_no": sum(runner.session_intent(x, pain) == "no" for x in near) / len(near),
        "near_no_pain_no_n": len(near),
    }


def _score_running_coach(runner, oov: list[Clip], cache: Path | None) -> dict[str, float]:
    """The running coach's listen (session path, its thresholds): out-of-grammar clips taken
    as any command and as one of the checked commands (a false one moves the routine), and
    every command phrase said by the held-out voices understood as that command."""
    coach = _shipped_coach()
    checked = set(coach.book.checked.commands)
    listen = coach.running_listen

    def taken_by_coach(samples: np.ndarray) -> str | None:  # pain words count anywhere
        heard = runner.session_heard(samples, listen)
        return coach.intent_of(heard) if heard is not None else None

    taken = [taken_by_coach(c.samples) for c in oov]
    said = [(intent, taken_by_coach(_cached_synth(v, phrase, cache)))
            for intent, phrases in coach.book.commands.items() for phrase in phrases
            for v in held_out_voices()]
    return {
        "oov_coach_taken": sum(i is not None for i in taken) / len(oov),
        "oov_coach_taken_n": len(oov),
        "oov_coach_checked": sum(i in checked for i in taken) / len(oov),
        "oov_coach_checked_n": len(oov),
        "coach_commands_right": sum(m == i for m, i in said) / len(said),
        "coach_commands_right_n": len(said),
    }


def _score_filled(runner, listen: Listen, cache: Path | None) -> dict[str, float]:
    """:data:`FILLED_ANSWERS` said by the held-out voices to a red-flag question (session
    path, thresholds): how many are taken as what they mean, and how many as another answer."""
    taken = [(meant, runner.session_intent(_cached_synth(v, said, cache), listen))
             for v in held_out_voices() for said, meant in FILLED_ANSWERS.items()]
    n = len(taken)
    return {"filled_right": sum(i == m for m, i in taken) / n, "filled_right_n": n,
            "filled_other": sum(i not in (None, m) for m, i in taken) / n, "filled_other_n": n}


#: Prints the process's own peak RSS in kB. Not ru_maxrss: Linux carries that across exec, so
#: a child forked from this big benchmark process would report the benchmark's RSS.
HWM = "print(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])"


def _peak_rss_mb(code: str) -> float:
    """Peak RSS of a fresh Python process running ``code`` (which ends printing it in kB)."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    return int(done.stdout.strip().splitlines()[-1]) / 1024


def peak_memory_mb(model_dir: Path) -> float:
    """Peak RSS of a fresh process that loads the model and decodes two seconds."""
    return _peak_rss_mb(
        f"import sys; sys.path.insert(0, {str(ROOT)!r});"
        "from voiceskill.speech.modeldir import open_model;"
        "from voiceskill.commands.transcribe import recognize; import numpy as np;"
        f"m=open_model({str(model_dir)!r});"
        "recognize(m, np.zeros(32000, dtype=np.int16), ['yes','no','[unk]']);" + HWM
    )


def sphinx_peak_memory_mb() -> float:
    """The same for pocketsphinx: load without the n-gram model, a yes/no JSGF, two seconds."""
    return _peak_rss_mb(
        "import numpy as np; from pocketsphinx import Decoder;"
        "d=Decoder(samprate=16000, loglevel='FATAL', lm=None);"
        "d.add_jsgf_string('g', '#JSGF V1.0;\\ngrammar g;\\npublic <s> = ( yes | no )+ ;\\n');"
        "d.activate_search('g'); d.start_utt();"
        "d.process_raw(np.zeros(32000, dtype=np.int16).tobytes(), full_utt=True); d.end_utt();"
        + HWM
    )


def sphinx_model_mb() -> float:
    """What pocketsphinx needs for grammars: the acoustic model directory and the dictionary."""
    from pocketsphinx import Config

    config = Config()
    files = [*Path(config["hmm"]).rglob("*"), Path(config["dict"])]
    return sum(p.stat().st_size for p in files if p.is_file()) / 1e6


ROWS = [
    ("held-out synthetic voices, clean (utterance exact)", "held_out_clean", "%", "≥ 95 %"),
    ("held-out synthetic voices, noisy", "held_out_noisy", "%", "≥ 95 %"),
    ("held-out, clean, with the model the recognizer picks per voice (the 8 kHz companion for a "
     "voice its bandwidth watch finds narrowband)", "held_out_clean_switched", "%", "≥ 95 %"),
    ("held-out, clean, said in a room (0.5 s of faint room noise before and after, as the "
     "real recordings)", "held_out_room", "%", "–"),
    ("... with the model the recognizer picks per voice", "held_out_room_switched", "%", "–"),
    ("held-out, noisy, with the model the recognizer picks per voice", "held_out_noisy_switched",
     "%", "≥ 95 %"),
    ("held-out, clean: same meaning (intent or command; \"yep\" for \"yeah\" counts)",
     "held_out_clean_meaning", "%", "–"),
    ("held-out, noisy: same meaning", "held_out_noisy_meaning", "%", "–"),
    ("real recordings, in-vocabulary words", "real_in_vocab", "%", "≥ 90 %"),
    ("of which read sentences (pocketsphinx-testdata: cards, directions, digits)",
     "real_pocketsphinx_in_vocab", "%", "–"),
    ("of which zero..twenty and \"no\", one word each (Asterisk's prompts, Allison Smith, in "
     "room noise)",
     "real_asterisk_in_vocab", "%", "–"),
    ("of which one..nine as the second word of a two-word call (kajongg's four voices, two "
     "women, two men; low-quality Ogg Vorbis, in room noise)", "real_kajongg_in_vocab", "%", "–"),
    ("real recordings, other words heard as vocabulary", "real_false_vocab", "d", "–"),
    ("real recordings through an 8 kHz device, in-vocabulary words", "real_8k_in_vocab", "%",
     "–"),
    ("zero..twenty recorded at 8 kHz (saytime, one man, µ-law), the 8 kHz model",
     "real_saytime_8k", "%", "–"),
    ("held-out synthetic, clean, through an 8 kHz device", "held_out_8k", "%", "–"),
    ("out-of-grammar through an 8 kHz device, rejected", "oov_8k_rejected", "%", "–"),
    ('out-of-grammar through an 8 kHz device, taken as "no" by a red-flag question',
     "oov_8k_session_no", "%", "0"),
    ("out-of-grammar rejected ([unk]/empty)", "oov_rejected", "%", "≥ 90 %"),
    ("of which recordings of people (LibriVox, pocketsphinx, ALSA, kajongg's calls), rejected",
     "oov_real_rejected", "%", "–"),
    ('out-of-grammar heard with a "no" (lower is safer)', "oov_as_no", "%", "0"),
    ("out-of-grammar taken as any answer or command by a red-flag question (ear path, "
     "dialog thresholds)", "oov_session_taken", "%", "–"),
    ('out-of-grammar taken as "no" by a red-flag question (ear path, dialog thresholds)',
     "oov_session_no", "%", "0"),
    ('out-of-grammar taken as "no" by the coach\'s pain question ("is the pain severe, or is it '
     'spreading?": its "no" skips the red-flag questions)', "oov_pain_no", "%", "0"),
    ('"now", "go", "so", "oh" (held-out voices) taken as "no" by the coach\'s pain question',
     "near_no_pain_no", "%", "–"),
    ("out-of-grammar taken as a command by the running coach (ear path, its thresholds)",
     "oov_coach_taken", "%", "–"),
    ("... as a command that moves the routine or the voice (resume, next, back, louder, ...)",
     "oov_coach_checked", "%", "–"),
    ("the coach's commands (every phrase, held-out voices) understood by the running coach",
     "coach_commands_right", "%", "–"),
    ('hedged answers ("a little", "not very", "now and then"; held-out voices) taken as "no" '
     "by a red-flag question", "hedges_no", "%", "0"),
    ("... taken as unsure or yes (the careful path)", "hedges_careful", "%", "–"),
    ('... through an 8 kHz device, taken as "no"', "hedges_8k_no", "%", "0"),
    ('answers after a filler or said twice ("um no", "uh yes", "no no"; held-out voices) '
     "taken as that answer by a red-flag question", "filled_right", "%", "–"),
    ("... taken as another answer or command", "filled_other", "%", "–"),
    ("bursts of noise, no voice, heard as words (answer grammar)", "noise_as_words", "%", "–"),
    ("bursts of noise taken as any answer or command by a red-flag question (ear path)",
     "noise_session_taken", "%", "0"),
    ("CPU seconds per audio second (RTF), all sets", "cpu_per_audio_s", "f", "≤ 0.05"),
    ("model load (s)", "load_s", "f", "≤ 0.5"),
    ("model size on disk (MB)", "size_mb", "1", "≤ 20"),
    ("peak RSS, load + decode 2 s (MB)", "peak_rss_mb", "0", "–"),
]


def markdown(results: dict[str, dict[str, float]], every: int) -> str:
    """The results as a markdown table, one column per recognizer, targets last."""
    names = list(results)
    lines = [
        "| measure | " + " | ".join(names) + " | target |",
        "|---|" + "---|" * len(names) + "---|",
    ]
    for title, key, kind, target in ROWS:
        cells = []
        for n in names:
            v = results[n].get(key)
            n_key = results[n].get(f"{key}_n")
            if v is None:
                cells.append("–")
            elif kind == "%":
                cells.append(f"{100 * v:.1f} % (n={n_key:.0f})")
            elif kind == "d":
                cells.append(f"{v:.0f}")
            elif kind == "f":
                cells.append(f"{v:.3f}")
            else:
                cells.append(f"{v:.{kind}f}")
        lines.append(f"| {title} | " + " | ".join(cells) + f" | {target} |")
    if len(names) == 2:
        ratio = results[names[0]]["cpu_per_audio_s"] / results[names[1]]["cpu_per_audio_s"]
        lines.append(f"| CPU time, {names[0]} / {names[1]} | {ratio:.2f} | | ≤ 0.33 |")
    for n in names:
        taken_as = results[n].get("oov_session_by_intent")
        if taken_as:
            counts = ", ".join(f"{k} {v}" for k, v in sorted(taken_as.items()))
            lines.append(f"\nOut-of-grammar clips a red-flag question took, by intent ({n}): "
                         f"{counts}.")
    if every > 1:
        lines.append(f"\nSubsampled: every {every}th held-out and synthetic out-of-grammar clip.")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="model directory (default: shipped)")
    parser.add_argument("--pocketsphinx", action="store_true", help="also run pocketsphinx")
    parser.add_argument(
        "--cache",
        default="/tmp/voiceskill-bench-cache",
        help="where synthesized held-out audio is kept between runs",
    )
    parser.add_argument("--every", type=int, default=1, help="keep every Nth synthetic clip")
    parser.add_argument("--json", action="store_true", help="print raw numbers as JSON")
    parser.add_argument("--table-from", metavar="JSON", help="print the table of a --json run")
    args = parser.parse_args()
    if args.table_from:
        print(markdown(json.loads(Path(args.table_from).read_text()), args.every))
        return 0
    model_dir = resolve_model_dir(args.model)
    cache = Path(args.cache) if args.cache else None
    runners = [VoskRunner(model_dir)]
    if args.pocketsphinx:
        runners.append(SphinxRunner())
    results = {r.name: evaluate(r, cache, args.every) for r in runners}
    # Load time as a user on an idle machine sees it: the best of three (2 shared cores).
    for r in runners:
        results[r.name]["load_s"] = min(
            r.load_seconds, *(type(r)(*r.args).load_seconds for _ in range(2))
        )
    size_mb = sum(p.stat().st_size for p in model_dir.rglob("*") if p.is_file()) / 1e6
    results[runners[0].name]["size_mb"] = size_mb
    results[runners[0].name]["peak_rss_mb"] = peak_memory_mb(model_dir)
    if args.pocketsphinx:
        results[SphinxRunner.name]["size_mb"] = sphinx_model_mb()
        results[SphinxRunner.name]["peak_rss_mb"] = sphinx_peak_memory_mb()
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(markdown(results, args.every))
    print(
        f"\nmax RSS of this benchmark process: "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
