"""Pronunciations come from the CMU dictionary, with espeak-ng for words it lacks."""

from __future__ import annotations

from pathlib import Path

from voiceskill.acoustic.lexicon import (
    ARPABET,
    build_lexicon,
    ipa_to_arpabet,
    missing_words,
    pronunciations,
    unpronounceable,
)


def test_cmudict_words_lose_their_stress_marks() -> None:
    assert ("HH", "AE", "M", "S", "T", "R", "IH", "NG") in pronunciations("hamstring")
    assert pronunciations("Yes")[0] == ("Y", "EH", "S")


def test_contraction_and_made_up_word_get_pronunciations() -> None:
    assert pronunciations("don't")
    made_up = pronunciations("flormbic")  # not in the dictionary: espeak-ng guesses
    assert made_up and all(p in ARPABET for p in made_up[0])
    assert made_up[0][0] == "F"


def test_ipa_conversion() -> None:
    assert ipa_to_arpabet("hˈɛlp") == ("HH", "EH", "L", "P")
    assert ipa_to_arpabet("tʃˈiːz") == ("CH", "IY", "Z")


def test_unpronounceable_and_lexicon() -> None:
    assert unpronounceable(["yes", "[unk]", "12345"]) in ([], ["12345"])
    lexicon = build_lexicon(["Stop", "stop", "help"])
    assert sorted(lexicon) == ["help", "stop"]


def test_missing_words_reads_words_txt(tmp_path: Path) -> None:
    (tmp_path / "graph").mkdir()
    (tmp_path / "graph" / "words.txt").write_text("<eps> 0\nyes 1\nno 2\n[unk] 3\n")
    assert missing_words(["yes", "no thanks", "Maybe"], tmp_path) == ["maybe", "thanks"]
