"""What the model is trained to hear and what the graph must cover.

* the vocabulary: every word the dialogs listen for, the commands, numbers zero..twenty;
* training phrases: the dialogs' phrases, single words, number pairs;
* general English words (from the project's own medical source texts) so every phone is
  heard in many contexts and words added later still have trained phones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from voiceskill.intents import NUMBERS
from voiceskill.intents import normalize as normalize_phrase

_DIGITS = re.compile(r"[0-9]+")

#: Words the commands and dialogs need (kept so a build works before dialogs exist).
BASE_VOCABULARY = (
    """
yes no yeah yep yup correct right sure nope nah not i don't do have it maybe unsure know
repeat say that again what pardon help stop quit exit pause wait resume continue go on next
skip back previous slower faster louder softer quieter how long left time it hurts pain
hurting ready done okay ok list exercises exercise start begin hey coach cat cow bird dog
hamstring stretch thoracic rotation nerve glide glides dead bug bugs hip hinge shoulder blade
reset walk walking ice heat lying face down pillow prone first second third days week emergency
""".split()
    + NUMBERS
)

#: Phrases people say to the coach, beyond the dialogs' own lists.
BASE_PHRASES = [
    "i don't know",
    "say that again",
    "go on",
    "how long left",
    "it hurts",
    "not sure",
    "hey coach",
    "list exercises",
    "what time",
    "go back",
    "next exercise",
    "i'm ready",
    "yes it does",
    "no it doesn't",
    "i have",
    "i don't",
    "stop now",
    "help me",
]


def _phrases_in(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("phrases", "listen", "answers") and isinstance(value, list):
                yield from (str(v) for v in value if isinstance(v, str | int))
            else:
                yield from _phrases_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from _phrases_in(item)


def dialog_phrases(dialog_dir: Path) -> list[str]:
    """Every phrase listed under a ``phrases:`` key in the dialog YAML files."""
    import yaml

    found: list[str] = []
    for path in sorted(dialog_dir.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError:
            continue
        found += [normalize(p) for p in _phrases_in(data)]
    return sorted({p for p in found if p})


def normalize(text: str) -> str:
    """Words the recognizer can be taught: :func:`voiceskill.intents.normalize` (the form the
    dialogs match what was heard in: lower case, typographic apostrophes made plain, punctuation
    dropped) without digits, which have no pronunciation in the lexicon.
    ``"Don’t lift 20 kg!"`` → ``"don't lift kg"``."""
    return " ".join(_DIGITS.sub(" ", normalize_phrase(text)).split())


def _load_dialogs(dialog_dir: Path) -> tuple[set[str], Exception | None]:
    """(every phrase the dialog loader says a turn listens for, None), or (nothing, the error)
    when the dialogs do not load: a broken dialog must not stop a model build
    (:func:`dialog_phrases` still scans the YAML, :func:`dialog_load_problem` says what is
    wrong)."""
    from voiceskill.dialog.load import listened_phrases as loaded_phrases

    try:
        return loaded_phrases(dialog_dir), None
    except Exception as err:  # noqa: BLE001 - see the docstring
        return set(), err


def _loaded_phrases(dialog_dir: Path) -> set[str]:
    return _load_dialogs(dialog_dir)[0]


def dialog_load_problem(dialog_dir: Path | None) -> str | None:
    """Why the dialogs in ``dialog_dir`` do not load, or None when they do (or there are none).
    A graph made from dialogs that do not load covers only the words the YAML scan finds."""
    if dialog_dir is None or not dialog_dir.is_dir():
        return None
    err = _load_dialogs(dialog_dir)[1]
    if err is None:
        return None
    return (f"the dialogs in {dialog_dir} do not load ({err}); the graph gets the words "
            "found by scanning their YAML only — run `voiceskill check`")


def dialog_vocabulary(dialog_dir: Path) -> set[str]:
    """Words of the dialogs: those of the loader's phrases and of every listed phrase."""
    words = {w for phrase in _loaded_phrases(dialog_dir) for w in phrase.lower().split()}
    for phrase in dialog_phrases(dialog_dir):
        words |= set(phrase.split())
    return words


def vocabulary(dialog_dir: Path | None = None, extra: Iterable[str] = ()) -> list[str]:
    """The words the shipped graph must cover."""
    words = set(BASE_VOCABULARY) | {w for p in BASE_PHRASES for w in p.split()}
    if dialog_dir is not None and dialog_dir.is_dir():
        words |= dialog_vocabulary(dialog_dir)
    words |= {w.lower() for w in extra}
    return sorted(words)


def listened_phrases(dialog_dir: Path | None = None) -> list[str]:
    """Phrases people say to the coach: :data:`BASE_PHRASES` and every phrase of the dialogs."""
    found = set(BASE_PHRASES)
    if dialog_dir is not None and dialog_dir.is_dir():
        found |= set(dialog_phrases(dialog_dir))
        found |= {normalize(p) for p in _loaded_phrases(dialog_dir)}
    return sorted(p for p in found if p)


def graph_vocabulary(dialog_dir: Path | None = None, extra: Iterable[str] = ()) -> list[str]:
    """What the graph gets a word for: :func:`vocabulary`, and each multi-word phrase of
    :func:`listened_phrases` as one word of its own (see :mod:`voiceskill.speech.phrase_words`)."""
    phrases = [p for p in listened_phrases(dialog_dir) if " " in p]
    return sorted(set(vocabulary(dialog_dir, extra)) | set(phrases))


#: Shipped word list (made by :func:`general_words` from the project's source articles).
GENERAL_WORDS_FILE = Path(__file__).with_name("general_words.txt")


def shipped_general_words() -> list[str]:
    """The general training words kept in the repository (a fresh clone builds the same)."""
    lines = GENERAL_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return [w.strip() for w in lines if w.strip() and not w.startswith("#")]


def general_words(seed_dir: Path | None, limit: int) -> list[str]:
    """Common words of the source texts (for phone coverage), most frequent first."""
    if seed_dir is None or not seed_dir.is_dir():
        return []
    counts: dict[str, int] = {}
    for path in sorted(seed_dir.glob("*.txt")):
        for word in normalize(path.read_text(encoding="utf-8", errors="replace")).split():
            if 2 <= len(word) <= 12 and "'" not in word:
                counts[word] = counts.get(word, 0) + 1
    return sorted(counts, key=lambda w: (-counts[w], w))[:limit]


def training_texts(
    vocab: list[str],
    phrases: list[str],
    general: list[str],
    count: int,
    rng: np.random.Generator,
) -> list[str]:
    """``count`` texts: single vocabulary words, phrases, number pairs and general words."""
    texts: list[str] = []
    kinds = rng.choice(5, size=count, p=[0.35, 0.3, 0.1, 0.15, 0.1])
    for kind in kinds:
        if kind == 0 or not general:
            texts.append(str(rng.choice(vocab)))
        elif kind == 1 and phrases:
            texts.append(str(rng.choice(phrases)))
        elif kind == 2:
            texts.append(" ".join(rng.choice(NUMBERS, size=int(rng.integers(1, 3)))))
        elif kind == 3:
            texts.append(str(rng.choice(general)))
        else:
            n = int(rng.integers(2, 4))
            pool = general + vocab
            texts.append(" ".join(str(w) for w in rng.choice(pool, size=n)))
    return texts
