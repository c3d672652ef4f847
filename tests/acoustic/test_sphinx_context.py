"""Real-speech context: Sphinx's triphone table, the tying built from it, and the network that
scores units with their senones — checked in the real Vosk with shipped models."""

from __future__ import annotations

import ctypes
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import voiceskill
from voiceskill.acoustic import kaldi_model as km
from voiceskill.acoustic import sphinx, sphinx_net
from voiceskill.acoustic.combine import CombineError, combine
from voiceskill.acoustic.context import ANY, BOUNDARY, FILE_NAME, ContextTying, read_tying
from voiceskill.acoustic.graph import GraphConfig, compile_graph
from voiceskill.acoustic.sphinx_context import (
    STREAM_GAIN,
    WEIGHT_SCALE,
    add_real_speech_context,
    sphinx_triphone,
    tying_for,
)
from voiceskill.speech.wav import read_wav

FIXTURES = Path(__file__).parent.parent / "fixtures" / "audio"
#: Where the model without context borrows its configuration and graph settings.
SHIPPED = voiceskill.MODELS_DIR / "voiceskill-en-8k"


@pytest.fixture(scope="module")
def without_context(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model with the real-speech half and one synthetic network but no context, to add it
    to. Both shipped models have context, so it is written here: the shipped companion's
    configuration with a network of Sphinx's CI senones plus a small random synthetic network
    (seeded), and a graph compiled for it (the companion's graph reads the context units'
    transition ids, which this model does not have). The synthetic net stands in for a trained
    one: these tests check that its scores are wired into every unit, not how well it hears."""
    model = tmp_path_factory.mktemp("without-context") / "model"
    shutil.copytree(SHIPPED, model)
    (model / "am" / FILE_NAME).unlink(missing_ok=True)
    rng = np.random.default_rng(0)
    n_pdfs = km.num_pdfs()
    net = km.NetworkWeights(
        offsets=[-2, 0, 2], feat_dim=13,
        weights=[rng.normal(0, 0.1, (16, 39)), rng.normal(0, 0.1, (n_pdfs, 16))],
        biases=[np.zeros(16), np.zeros(n_pdfs)], priors=np.full(n_pdfs, 1.0 / n_pdfs))
    real = sphinx.read_ci_model(sphinx.pocketsphinx_model_dir())
    sphinx_net.write_final_mdl(model / "am" / "final.mdl", real, net, 0.3)
    compile_graph(["yes", "no"], model, GraphConfig.from_file(SHIPPED / "conf" / "graph.conf"))
    return model


@pytest.fixture(scope="module")
def triphones() -> sphinx.SphinxTriphones:
    return sphinx.read_triphones(sphinx.pocketsphinx_model_dir())


@pytest.fixture(scope="module")
def sphinx_phones() -> list[str]:
    return sphinx.read_ci_model(sphinx.pocketsphinx_model_dir()).phones


def test_the_triphone_table_is_read_whole(triphones: sphinx.SphinxTriphones) -> None:
    assert len(triphones.senones) == 137_053
    assert (triphones.ci_senones, triphones.total_senones) == (126, 5126)
    senones = triphones.senones[("begin", "N", "SIL", "OW")]
    assert len(senones) == 3 and all(126 <= s < 5126 for s in senones)
    # "n" before "ow" and before "iy" are different sounds: not all states shared
    assert senones != triphones.senones[("begin", "N", "SIL", "IY")]


def test_word_edges_are_looked_up_next_to_silence() -> None:
    assert sphinx_triphone(BOUNDARY, "N", "OW") == ("begin", "N", "SIL", "OW")
    assert sphinx_triphone("N", "OW", BOUNDARY) == ("end", "OW", "N", "SIL")
    assert sphinx_triphone(BOUNDARY, "AY", BOUNDARY) == ("single", "AY", "SIL", "SIL")
    assert sphinx_triphone("S", "T", "AA") == ("internal", "T", "S", "AA")


def test_tying_gives_each_context_its_senone_and_shares_units(
    triphones: sphinx.SphinxTriphones, sphinx_phones: list[str], tmp_path: Path
) -> None:
    no, know, yes = ["N", "OW"], ["N", "OW"], ["Y", "EH", "S"]
    tying, senones = tying_for([no, know, yes], triphones, sphinx_phones)
    begin_n = triphones.senones[("begin", "N", "SIL", "OW")]
    for state in range(3):
        assert senones[tying.unit("N", state, BOUNDARY, "OW")] == begin_n[state]
        # a context the words did not have falls back to the CI senone
        ci = sphinx_phones.index("N") * 3 + state
        assert senones[tying.unit("N", state, "AA", "IY")] == ci
        assert tying.unit("N", state, "AA", "IY") == tying.units[("N", state, ANY, ANY)]
    assert len(set(senones)) == len(senones) == tying.num_units  # one unit per senone
    # numbered by codebook, so each codebook's units are one block of the network
    books = [sphinx_phones.index(next(k[0] for k, u in tying.units.items() if u == unit))
             for unit in range(tying.num_units)]
    assert books == sorted(books)
    path = tmp_path / "context.txt"
    tying.write(path)
    assert ContextTying.read(path) == tying


def test_the_three_streams_product_and_its_square_fit_a_float() -> None:
    """The NormalizeComponent that takes the log squares the product of the three streams'
    mixtures: the largest product (all of a stream's softmax on one codebook whose rounded
    weights sum to a little over the scale) must square without overflowing float32."""
    rounded_up = WEIGHT_SCALE + 128 * 0.5  # each of 128 weights rounded up by at most 0.5
    largest = (rounded_up * STREAM_GAIN) ** 3
    assert largest**2 < np.finfo(np.float32).max
    # and the floor of log |x| (2^-33) stays far below any state a decoder keeps in its beam
    assert 3 * np.log(WEIGHT_SCALE * STREAM_GAIN) + 33 * np.log(2) > 60


def _decode(model_dir: Path, clips: list[Path], grammar: list[str]) -> list[list[tuple]]:
    import vosk

    from voiceskill.speech.modeldir import open_model

    model = open_model(model_dir)
    results = []
    for clip in clips:
        ctypes.CDLL(None).srand(0)  # Kaldi's dither noise, the same for every model
        rec = vosk.KaldiRecognizer(model, 16000, json.dumps(grammar))
        rec.SetWords(True)
        rec.AcceptWaveform(read_wav(clip).tobytes())
        result = json.loads(rec.FinalResult())
        results.append([(w["word"], round(w["start"], 2), round(w["end"], 2),
                         round(w["conf"], 3)) for w in result.get("result", [])])
    return results


def test_units_standing_for_phone_states_decode_exactly_like_them(
    without_context: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no words given, every unit is a phone state's own CI senone, scored the same way
    as that state's pdf: a graph through the units and one through the pdfs must decode the
    committed fixtures identically (units, codebook blocks, synthetic scores wired right)."""
    model = tmp_path / "model"
    shutil.copytree(without_context, model)
    shutil.rmtree(model / "graph")
    assert add_real_speech_context(model, [], sphinx.pocketsphinx_model_dir()) > 100
    words = ["yes", "no", "stop", "start", "help", "done", "go on", "next", "five", "four"]
    cfg = GraphConfig.from_file(SHIPPED / "conf" / "graph.conf")
    compile_graph(words, model, cfg)
    through_units = tmp_path / "units"
    shutil.copytree(model, through_units)
    # the same network and transition table, the words' phones through the CI pdfs
    monkeypatch.setattr(ContextTying, "word_units", lambda self, pron: [[None] * 3 for _ in pron])
    compile_graph(words, model, cfg)
    monkeypatch.undo()
    assert (model / "graph" / "HCLr.fst").read_bytes() != \
        (through_units / "graph" / "HCLr.fst").read_bytes()
    clips = [c for c in sorted(FIXTURES.glob("*.wav"))
             if c.name.split("__")[0].replace("_", " ") in words][::2]
    grammar = [*words, "[unk]"]
    plain, units = _decode(model, clips, grammar), _decode(through_units, clips, grammar)
    assert plain == units
    assert sum(w != "[unk]" for r in plain for w, *_ in r) > 8  # not all empty or [unk]


def test_model_context_gives_a_model_context_once(
    without_context: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from voiceskill.cli import main

    out = tmp_path / "ctx"
    assert main(["model", "context", "--model", str(without_context), "--out", str(out)]) == 0
    tying = read_tying(out / "am")
    assert tying is not None and tying.num_units > 1000
    assert read_tying(without_context / "am") is None  # the source is left as it was
    # flite kal is an 8 kHz voice, what the 8 kHz model is for
    heard = _decode(out, [FIXTURES / "yes__flite-kal.wav", FIXTURES / "no__flite-kal.wav"],
                    ["yes", "no", "[unk]"])
    assert [[w for w, *_ in words] for words in heard] == [["yes"], ["no"]]
    assert main(["model", "context", "--model", str(out), "--out", str(out)]) == 2
    assert "has context already" in capsys.readouterr().err
    before = (out / "am" / "final.mdl").stat().st_mtime_ns
    assert main(["model", "context", "--model", str(without_context), "--out", str(out)]) == 2
    assert capsys.readouterr().err == (f"voiceskill model context: {out}: holds a model "
                                       "already; choose another --out, or add --force to write "
                                       "over it\n")
    assert (out / "am" / "final.mdl").stat().st_mtime_ns == before  # not deleted and redone
    with pytest.raises(CombineError, match="context units cannot be combined"):
        combine(tmp_path / "both", [out, out])
