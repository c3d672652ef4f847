"""Multi-word phrases as single graph words ("say that again" → ``say_that_again``).

Vosk turns a runtime grammar into a bigram model with back-off, so from the phrases
``["go on", "done", "it hurts"]`` it also accepts "on", "hurts" or "done hurts": pieces and
mixtures of phrases that are none of them. On held-out voices more than half the wrong
answers were such pieces (``bench/model_accuracy.py``). When the model's graph has a word
for the whole phrase (``voiceskill model compile`` adds one for every multi-word phrase of the
dialogs), the grammar names that word instead, and only whole phrases can come back.

Models without such words (any standard Vosk model) get the phrases as they are.

The same back-off model gives ``[unk]`` the share of one phrase. Listing it several times
gives it more: the recognizer's second, stricter decoding of dangerous answers does that.
"""

from __future__ import annotations

import json
from typing import Any

#: Joins the words of a phrase into one graph word. Not used in any English word.
JOIN = "_"

#: The grammar's catch-all for speech that is none of the phrases.
UNKNOWN = "[unk]"


def phrase_word(phrase: str) -> str:
    """The single graph word of ``phrase`` ("go on" → "go_on")."""
    return JOIN.join(phrase.split())


def vosk_grammar(model: Any, phrases: list[str], unknowns: int = 1) -> str:
    """The JSON grammar for ``phrases`` (``[unk]`` among them or not): each multi-word phrase
    as its graph word when ``model`` (a ``vosk.Model``) has one, and ``[unk]``, if asked for,
    listed ``unknowns`` times."""
    out = []
    for phrase in phrases:
        if phrase == UNKNOWN:
            continue
        word = phrase_word(phrase)
        known = word != phrase and model.vosk_model_find_word(word) >= 0
        out.append(word if known else phrase)
    if UNKNOWN in phrases:
        out += [UNKNOWN] * max(1, unknowns)
    return json.dumps(out, ensure_ascii=False)  # Vosk finds no word spelled with \u escapes


def spread_words(result: dict[str, Any]) -> dict[str, Any]:
    """A Vosk result (final or partial) with phrase words spelled as words again: the text
    gets spaces back and each phrase word's entry in ``result`` becomes one entry per word
    (same confidence, its time shared out evenly)."""
    out = dict(result)
    for key in ("text", "partial"):
        if key in out:
            out[key] = out[key].replace(JOIN, " ")
    if "result" in out:
        entries = []
        for entry in out["result"]:
            parts = entry["word"].split(JOIN)
            if len(parts) == 1:
                entries.append(entry)
                continue
            start, end = float(entry.get("start", 0.0)), float(entry.get("end", 0.0))
            step = (end - start) / len(parts)
            for i, part in enumerate(parts):
                entries.append(
                    {**entry, "word": part, "start": start + i * step,
                     "end": start + (i + 1) * step}
                )
        out["result"] = entries
    return out
