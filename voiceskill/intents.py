"""Mapping what a person typed or said onto the intents a listen accepts."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping

from voiceskill.events import Choice, Listen

_NOT_WORD = re.compile(r"[^a-z0-9' ]+")

#: The numbers zero to twenty as words: what the dialogs count in, always in the speech
#: model's vocabulary (voiceskill.acoustic.corpus) and spelled out when typed as digits
#: (voiceskill.textio).
NUMBERS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
).split()

#: The intent of sounds people make before or between the words of an answer ("um, no").
#: They mean nothing: skipped when an answer is read, never an answer on their own.
FILLER = "filler"

#: The confidence of an answer that the stricter second decoding did not confirm. In a turn
#: where an intent needs more than this (a red-flag "no": 0.7), a second recognizer with a
#: stricter grammar hears the same audio alongside the first; its verdict counts only for
#: such intents (voiceskill.speech.recognizer). Content thresholds meant to bring that check
#: must lie above it (exercises.yaml's ``checked:``).
DOUBTFUL_CONFIDENCE = 0.5


def normalize(text: str) -> str:
    """Lower case, punctuation dropped, single spaces: ``"Yes, please!"`` → ``"yes please"``.
    Letters outside a-z are kept as they are (``"Né!"`` → ``"né"``): no phrase holds them,
    so such a word is not understood rather than cut down to another word."""
    text = unicodedata.normalize("NFC", text).lower().replace("’", "'")
    if text.isascii():
        return " ".join(_NOT_WORD.sub(" ", text).split())
    return " ".join("".join(c if _in_word(c) else " " for c in text).split())


def _in_word(char: str) -> bool:
    """Whether ``char`` belongs to a word: a letter of any script, its accent or a digit
    (only punctuation, symbols, spaces and control characters part words). A word with a
    letter outside a-z so stays whole and matches no phrase: "né" is not "n" (the
    shorthand for "no"), "nö" is not "no"."""
    if char.isascii():
        return char.isalnum() or char == "'"
    return unicodedata.category(char)[0] in "LMN"


def phrase_intents(
    choices: Iterable[Choice], words_of: Callable[[str], tuple[str, ...]]
) -> dict[tuple[str, ...], frozenset[str]]:
    """Each choice's phrase, as ``words_of`` spells it → the intents of the choices spelled
    that way (the ``phrases`` of :func:`intent_of_words`)."""
    out: dict[tuple[str, ...], frozenset[str]] = {}
    for choice in choices:
        key = words_of(choice.phrase)
        out[key] = out.get(key, frozenset()) | {choice.intent}
    return out


def intent_of_words(
    words: tuple[str, ...], phrases: Mapping[tuple[str, ...], frozenset[str]]
) -> str | None:
    """The one intent of ``words`` read as whole phrases one after the other, after fillers
    at the start: "um no", "no no", "no not at all" are "no". None when no reading covers every
    word, when the readings hold more than one intent ("yes no", "no i don't know"), or only
    fillers. A filler after the first phrase is not skipped: "numb" came back "no um" (flite
    slt, a red-flag question, strict decoding agreeing) — a "no" out of a hedge.

    ``phrases`` maps each phrase, as a tuple of words, to the intents it has in this turn."""
    longest = max((len(p) for p in phrases), default=0)
    # readings[i]: the sets of intents of every reading of words[:i]
    readings: list[set[frozenset[str]]] = [set() for _ in range(len(words) + 1)]
    readings[0].add(frozenset())
    for i in range(len(words)):
        for so_far in readings[i]:
            for j in range(i + 1, min(len(words), i + longest) + 1):
                intents = phrases.get(words[i:j])
                if intents is None or (FILLER in intents and so_far):
                    continue
                readings[j].add(so_far | (intents - {FILLER}))
    meant = {i for reading in readings[-1] for i in reading}
    if len(meant) != 1 or frozenset() in readings[-1]:
        return None
    return next(iter(meant))


def match_intent(text: str, listen: Listen) -> str | None:
    """The intent of ``text``: its words read as the listen's phrases, exactly (after
    normalizing), fillers skipped (:func:`intent_of_words`); None if there is none.

    Deliberately strict: a near miss is "not understood", never the nearest answer.
    """
    def words_of(phrase: str) -> tuple[str, ...]:
        return tuple(normalize(phrase).split())

    return intent_of_words(words_of(text), phrase_intents(listen.choices, words_of))
