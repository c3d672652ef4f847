"""Homophones in a turn's phrases: Vosk may return either spelling, the intent is the same."""

from voiceskill.speech.recognizer import _after_unknown, sound_alike


def test_words_that_sound_the_same_share_a_spelling() -> None:
    alias = sound_alike(["no", "i don't know", "yes"])
    assert alias["no"] == alias["know"]
    assert alias["yes"] == "yes"
    assert alias["i"] == "i"


def test_words_that_sound_different_keep_their_own() -> None:
    alias = sound_alike(["no", "nope", "now"])
    assert len({alias["no"], alias["nope"], alias["now"]}) == 3


def test_leading_unknown_words_are_dropped_for_barge_in() -> None:
    assert _after_unknown("[unk] [unk] stop") == "stop"
    assert _after_unknown("stop [unk]") == "stop [unk]"
    assert _after_unknown("[unk]") == ""


def test_a_turn_maps_a_homophone_to_its_phrase_and_refuses_an_ambiguous_one() -> None:
    from voiceskill.events import Choice
    from voiceskill.speech.recognizer import sound_index

    index = sound_index((Choice("no", "no"), Choice("i don't know", "unsure")))
    assert index.intents[index.sound("know")] == {"no"}
    clash = sound_index((Choice("no", "no"), Choice("know", "unsure")))
    assert clash.intents[clash.sound("no")] == {"no", "unsure"}
