"""Which phones a training word is aligned with (``BuildConfig.labels``): what the voice's
engine says, as espeak-ng spells it, against the CMU dictionary's first pronunciation."""

from __future__ import annotations

import shutil

import pytest

from voiceskill.acoustic.build import training_labels
from voiceskill.acoustic.synth import Voice, phonemizer_accent

RP = Voice("espeak", "en-gb-x-rp+m3")
PIPER = Voice("piper", "joe")
FESTIVAL = Voice("festival", "kal_diphone")

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")


def test_each_engine_names_the_espeak_accent_it_speaks_with() -> None:
    assert phonemizer_accent(RP) == "en-gb-x-rp"
    assert phonemizer_accent(Voice("espeak", "en-us")) == "en-us"
    assert phonemizer_accent(PIPER) == "en-us"
    assert phonemizer_accent(FESTIVAL) is None
    assert phonemizer_accent(Voice("flite", "kal")) is None


@needs_espeak
def test_a_non_rhotic_voice_is_aligned_without_the_r_it_does_not_say() -> None:
    items = [(RP, "start now"), (FESTIVAL, "start now"), (PIPER, "start now")]
    first = training_labels(items, "first")
    assert first[(RP, "start now")][0] == ("S", "T", "AA", "R", "T")
    for how in ("closest", "spoken"):
        labels = training_labels(items, how)
        assert labels[(RP, "start now")][0] == ("S", "T", "AA", "T"), how
        assert labels[(FESTIVAL, "start now")] == first[(FESTIVAL, "start now")], how
        assert labels[(PIPER, "start now")][0] == ("S", "T", "AA", "R", "T"), how


@needs_espeak
def test_closest_keeps_to_the_graph_lexicon_and_spoken_does_not() -> None:
    # espeak-ng's Caribbean "start" (S T AA AH T) is no variant of the graph's lexicon:
    # "closest" takes the nearest one (S T AA R T and S T AA T are one edit away: the first).
    caribbean = Voice("espeak", "en-029+m1")
    items = [(caribbean, "start")]
    assert training_labels(items, "spoken")[(caribbean, "start")] == [("S", "T", "AA", "AH", "T")]
    assert training_labels(items, "closest")[(caribbean, "start")] == [
        ("S", "T", "AA", "R", "T")
    ]


def test_an_unknown_way_of_labelling_is_refused() -> None:
    with pytest.raises(ValueError, match="labels must be one of"):
        training_labels([(FESTIVAL, "yes")], "guess")
