"""The words of an answer, read back to the person ("Ten days ago, is that right?").

A question's text may hold ``{when}``: the words of the answer that led to it, as a time ago
(triage.yaml's read-back before a later phase). Pure functions over words; the engine keeps
the words of the last answer taken (:attr:`~voiceskill.dialog.engine.ScreeningState.said`).
"""

from __future__ import annotations

from voiceskill.coach.words import has_run
from voiceskill.intents import normalize

#: The placeholder a question's text holds for the answer read back.
WHEN = "{when}"

#: Words that end a time already said with its unit ("two weeks", "a month"): "ago" follows.
UNITS = frozenset("day days week weeks month months year years half".split())


def answer_words(text: str, phrases: tuple[str, ...], fillers: tuple[str, ...] = ()) -> str:
    """The words of ``text`` that the answer's ``phrases`` read: the longest phrase found in
    it as a run of words ("um ten ten" → "ten"); else the words without fillers ("10", typed)."""
    words = normalize(text).split()
    runs = {p: tuple(normalize(p).split()) for p in phrases}
    found = [p for p, run in runs.items() if run and has_run(words, (run,))]
    if found:
        return max(found, key=lambda p: len(p.split()))
    return " ".join(w for w in words if w not in fillers)


def as_time_ago(words: str) -> str:
    """``words`` said as a time ago: "ten" → "ten days ago" (the days question counts days),
    "two weeks" → "two weeks ago", "a month ago" as it is."""
    parts = words.split()
    if not parts or parts[-1] == "ago":
        return words
    if parts[-1] in UNITS:
        return f"{words} ago"
    return f"{words} days ago"


def read_back(text: str, said: str) -> str:
    """``text`` with ``{said}`` filled in (a capital letter where it starts the text)."""
    if WHEN not in text:
        return text
    filled = text.replace(WHEN, said)
    return filled[:1].upper() + filled[1:] if text.startswith(WHEN) else filled

