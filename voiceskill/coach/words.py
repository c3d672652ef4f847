"""The words of what was heard or typed, and how the coach and the screening read them: runs of
words found in them, and a sign said plainly denied (``denials:`` in exercises.yaml).

Not a clinical fact: how the skill reads words. Safety first, so when in doubt a sign's words
stay a report (see :class:`Denials`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from voiceskill.intents import normalize
from voiceskill.speech.phrase_words import UNKNOWN


def runs_of(phrases: Any) -> tuple[tuple[str, ...], ...]:
    """Content phrases as runs of words."""
    return tuple(tuple(p.split()) for p in phrases)


def has_run(words: list[str], runs: tuple[tuple[str, ...], ...]) -> bool:
    """Whether one of ``runs`` occurs, word for word and in order, in ``words``."""
    return bool(found(words, runs))


#: Typed punctuation that ends a part of a sentence ("No, numbness in my leg").
_PART_END = re.compile(r"[,.;:!?]+$")


def words_of(text: str) -> list[str]:
    """The words of what was heard or typed, as the content spells them (typed text arrives
    as typed: "My back HURTS!" is ``my back hurts``), the recognizer's ``[unk]`` kept, and a
    blank ("") after a word that typed punctuation ends a part of the sentence with: "No,
    numbness" is ``no``, ``""``, ``numbness``, so no run and no denial reaches across it."""
    out: list[str] = []
    for token in text.split():
        out += [token] if token == UNKNOWN else normalize(token).split()
        if _PART_END.search(token) and out and out[-1]:
            out.append("")
    return out


@dataclass(frozen=True)
class Denials:
    """How a sign said plainly denied is read (``denials:`` in exercises.yaml): "no numbness",
    "I haven't wet myself", "my leg isn't numb" report nothing; anything less plain stays a
    report (safety first). The coach and the screening read "no ..." with this one list."""

    words: frozenset[str]
    """Words that deny what follows them: no, not, haven't, isn't ..."""

    between: frozenset[str]
    """Words that may stand between a denying word and the sign it denies ("I don't have a
    fever"); "or" and "nor" also carry a denial on past another sign ("no numbness or
    tingling")."""

    not_after: frozenset[str]
    """A sign whose words begin with one of these ("i fell", "my bottom") is never denied by
    a word before it ("no I fell": no to something else, then a report)."""

    unless: tuple[tuple[str, ...], ...]
    """Runs of words that, anywhere in what was said, leave every sign a report: hedges
    ("not sure", "not really") and times that put the sign at another moment ("no longer",
    "any more")."""

    doubts: tuple[tuple[str, ...], ...] = ()
    """Runs of words that doubt what follows them ("not sure", "don't think"): a report's
    ``absent`` words said after one ("I'm not sure I can control my bladder") are the sign,
    as when said denied (:meth:`doubted_at`). Uncertainty is a report."""

    doubt_between: frozenset[str] = frozenset()
    """Words that may stand between a doubt and the ``absent`` words it doubts ("not sure
    *I can* control", "don't know *if I have* feeling")."""

    def deny(self, words: list[str], start: int, run: tuple[str, ...],
             own: frozenset[int] = frozenset()) -> bool:
        """Whether the sign's words ``run``, at ``start`` in ``words``, are plainly denied: a
        denying word before them with only :attr:`between` words in between (and, after an
        "or"/"nor", other sign words), in the same part of the sentence, none of
        :attr:`unless` anywhere, and ``run`` not beginning with one of :attr:`not_after`.
        A denying word inside ``run`` ("can't feel") denies nothing, nor does one in the
        sign's other words (``own``: their places; "can't" of "I can't pee")."""
        if run[0] in self.not_after or has_run(words, self.unless):
            return False
        return self.denied_at(words, start, own)

    def denied_at(self, words: list[str], start: int, own: frozenset[int] = frozenset()) -> bool:
        """Whether a denying word stands before ``start`` in ``words``, with only
        :attr:`between` words in between (and, after an "or"/"nor", other sign words), in the
        same part of the sentence, none of them one of ``own``: the form of a denial alone,
        hedges or not (:meth:`deny` adds those; a report's ``absent`` words take this form
        alone: "I haven't peed since yesterday" says none was passed, "since" or not)."""
        joined = False  # an "or" passed: the words before it name other things denied too
        for at in range(start - 1, -1, -1):
            word = words[at]
            if at in own:
                return False
            if word in self.words:
                return True
            if word in ("or", "nor"):
                joined = True
            elif not word or word not in self.between and not joined:
                return False
        return False

    def doubted_at(self, words: list[str], start: int) -> bool:
        """Whether one of :attr:`doubts` ends before ``start`` in ``words``, with only
        :attr:`doubt_between` words in between, in the same part of the sentence: "I'm not
        sure I can control my bladder", "I don't think I have strength in my leg"."""
        at = start
        while at > 0 and words[at - 1] in self.doubt_between:
            at -= 1
        return any(at >= len(run) and tuple(words[at - len(run):at]) == run
                   for run in self.doubts)


def undenied(words: list[str], runs: tuple[tuple[str, ...], ...], denials: Denials | None,
          own: frozenset[int] = frozenset()) -> bool:
    """Whether one of ``runs`` occurs in ``words`` and (with ``denials``) is not plainly
    denied there (``own``: where the sign's words are, as :meth:`Denials.deny` takes it)."""
    return any(denials is None or not denials.deny(words, start, tuple(words[start:start + length]),
                                                   own)
               for start, length in found(words, runs))


def found(words: list[str], runs: tuple[tuple[str, ...], ...]) -> list[tuple[int, int]]:
    """Where each of ``runs`` occurs in ``words``: (start, length) of every occurrence."""
    return [(i, len(run)) for run in runs for i in range(len(words) - len(run) + 1)
            if tuple(words[i:i + len(run)]) == run]
