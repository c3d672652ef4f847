"""Mapping what a person typed or said onto the intents a listen accepts."""

from __future__ import annotations

import re

from voiceskill.events import Listen

_NOT_WORD = re.compile(r"[^a-z0-9' ]+")


def normalize(text: str) -> str:
    """Lower case, punctuation dropped, single spaces: ``"Yes, please!"`` → ``"yes please"``."""
    text = text.lower().replace("’", "'")
    return " ".join(_NOT_WORD.sub(" ", text).split())


def match_intent(text: str, listen: Listen) -> str | None:
    """The intent of the phrase ``text`` is, exactly (after normalizing); None if none is.

    Deliberately strict: a near miss is "not understood", never the nearest answer.
    """
    said = normalize(text)
    for choice in listen.choices:
        if normalize(choice.phrase) == said:
            return choice.intent
    return None
