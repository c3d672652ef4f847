"""The words a model is trained on are written the way the dialogs match what was heard."""

from __future__ import annotations

from voiceskill.acoustic.corpus import normalize
from voiceskill.intents import normalize as normalize_phrase


def test_typographic_apostrophes_keep_the_word_whole() -> None:
    # "don’t" used to fall apart into the fragments "don" and "t", which then became
    # training words; the dialogs hear it as "don't".
    assert normalize("I don’t know, it doesn’t hurt!") == "i don't know it doesn't hurt"
    assert normalize("I don’t know") == normalize_phrase("I don’t know")


def test_digits_are_dropped_because_they_have_no_pronunciation() -> None:
    assert normalize("Hold for 20 seconds, 3 times.") == "hold for seconds times"
    assert normalize_phrase("Hold for 20 seconds") == "hold for 20 seconds"
