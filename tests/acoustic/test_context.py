"""Context-dependent units: tying by counts, back-off, the file, and the wiring into the
TransitionModel, the network and the graph — checked in the real Vosk."""

from __future__ import annotations

import ctypes
import json
import shutil
from pathlib import Path

import pytest

import voiceskill
from voiceskill.acoustic import sphinx, sphinx_net
from voiceskill.acoustic.context import (
    ANY,
    BOUNDARY,
    ContextFileError,
    ContextTying,
    in_word,
)
from voiceskill.acoustic.graph import compile_graph
from voiceskill.speech.wav import read_wav

FIXTURES = Path(__file__).parent.parent / "fixtures" / "audio"


def test_contexts_stop_at_word_edges() -> None:
    assert in_word(["S", "T", "AA", "P"]) == [
        (BOUNDARY, "S", "T"), ("S", "T", "AA"), ("T", "AA", "P"), ("AA", "P", BOUNDARY)]
    assert in_word(["AY"]) == [(BOUNDARY, "AY", BOUNDARY)]


def test_frequent_contexts_get_units_and_rare_ones_back_off() -> None:
    stop, start, tod = ["S", "T", "AA", "P"], ["S", "T", "AA", "R", "T"], ["T", "AA", "D"]
    tying = ContextTying.from_texts([stop] * 5 + [start] * 2 + [tod], min_count=3)
    own = tying.units[("T", 1, "S", "AA")]
    assert tying.unit("T", 1, "S", "AA") == own  # "t" of stop and start: 7 times
    # "aa" before "r" (start: 2 times) backs off; its last state looks at the right neighbour
    assert tying.unit("AA", 2, "T", "R") == tying.units[("AA", 2, ANY, ANY)]
    # word-initial "t" of "tod" (once) and an unseen context fall back to the phone alone
    assert tying.unit("T", 0, BOUNDARY, "AA") == tying.units[("T", 0, ANY, ANY)]
    assert tying.unit("ZH", 1, "Y", "UW") == tying.units[("ZH", 1, ANY, ANY)]
    # pooled leftovers of one side: "aa" after "t" in start (2) and tod (1) = 3
    assert tying.unit("AA", 0, "T", "R") == tying.units[("AA", 0, "T", ANY)]
    assert sorted(tying.units.values()) == list(range(tying.num_units))


def test_tying_file_round_trips_and_bad_lines_are_named(tmp_path: Path) -> None:
    tying = ContextTying.from_texts([["N", "OW"]] * 4, min_count=2)
    path = tmp_path / "context.txt"
    tying.write(path)
    assert ContextTying.read(path) == tying
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], "N 1 # OW", *lines[2:]]) + "\n")
    with pytest.raises(ContextFileError, match=r"context.txt:2: expected 'phone state left"):
        ContextTying.read(path)
    path.write_text("\n".join(line for line in lines if not line.startswith("N 0 * *")) + "\n")
    with pytest.raises(ContextFileError, match="context.txt:"):
        ContextTying.read(path)


def _sphinx_only_model(root: Path, tying: ContextTying | None, words: list[str]) -> Path:
    """The real-speech half alone (no trained network): a unit scores exactly like its phone
    state, so a context-dependent model must decode exactly like the context-independent one."""
    shipped = voiceskill.MODELS_DIR / "voiceskill-en"
    shutil.copytree(shipped / "conf", root / "conf")
    (root / "am").mkdir(parents=True)
    shutil.copy(shipped / "am" / "global_cmvn.stats", root / "am")
    units = None
    if tying is not None:
        tying.write(root / "am" / "context.txt")
        units = tying.unit_phone_states()
    real = sphinx.read_ci_model(sphinx.pocketsphinx_model_dir())
    sphinx_net.write_final_mdl(root / "am" / "final.mdl", real, None, 0.0, units)
    compile_graph(words, root)
    return root


def test_context_units_are_wired_like_the_phone_states_they_stand_for(tmp_path: Path) -> None:
    import vosk

    from voiceskill.acoustic.lexicon import pronunciations
    from voiceskill.speech.modeldir import open_model

    words = ["yes", "no", "stop", "start", "help", "done", "go on", "back", "five", "four"]
    prons = [list(pronunciations(w)[0]) for phrase in words for w in phrase.split()]
    tying = ContextTying.from_texts(prons * 3, min_count=2)
    assert tying.num_units > 100
    plain = open_model(_sphinx_only_model(tmp_path / "ci", None, words))
    context = open_model(_sphinx_only_model(tmp_path / "cd", tying, words))
    clips = sorted(FIXTURES.glob("*.wav"))[:30]
    grammar = json.dumps([*words, "[unk]"])
    heard = []
    for clip in clips:
        audio = read_wav(clip).tobytes()
        results = []
        for model in (plain, context):
            ctypes.CDLL(None).srand(0)  # Kaldi's dither noise, the same for both
            rec = vosk.KaldiRecognizer(model, 16000, grammar)
            rec.SetWords(True)
            rec.AcceptWaveform(audio)
            result = json.loads(rec.FinalResult())
            results.append([(w["word"], round(w["start"], 2), round(w["end"], 2),
                             round(w["conf"], 3)) for w in result.get("result", [])])
        assert results[0] == results[1], clip.name
        heard.append(" ".join(w for w, *_ in results[0]))
    assert sum(bool(text) for text in heard) > 10  # the comparison was not all empty


def test_context_model_with_a_trained_network_loads_in_vosk(tmp_path: Path) -> None:
    """Both output groups of the trained network (phone states, then units), mixed at a weight
    other than 1, form a network the real Vosk evaluates (a random network: wiring only)."""
    import numpy as np
    import vosk

    from voiceskill.acoustic import kaldi_model as km
    from voiceskill.speech.modeldir import open_model

    tying = ContextTying.from_texts([["Y", "EH", "S"], ["N", "OW"]] * 5, min_count=2)
    n = km.num_pdfs() + tying.num_units
    rng = np.random.default_rng(3)
    synthetic = km.NetworkWeights(
        offsets=[-1, 0, 1], feat_dim=13,
        weights=[rng.normal(size=(8, 39)) * 0.1, rng.normal(size=(n, 8)) * 0.1],
        biases=[np.zeros(8), np.zeros(n)], priors=np.full(n, 1.0 / n),
        heads=(km.num_pdfs(), tying.num_units),
    )
    root = _sphinx_only_model(tmp_path / "cd", tying, ["yes", "no"])
    real = sphinx.read_ci_model(sphinx.pocketsphinx_model_dir())
    sphinx_net.write_final_mdl(root / "am" / "final.mdl", real, synthetic, 0.5,
                               tying.unit_phone_states())
    assert "Scale(0.5, synth.cd)" in (root / "am" / "final.mdl").read_text()
    rec = vosk.KaldiRecognizer(open_model(root), 16000, '["yes", "no", "[unk]"]')
    rec.AcceptWaveform(read_wav(FIXTURES / "yes__flite-kal.wav").tobytes())
    assert "text" in json.loads(rec.FinalResult())


def test_a_broken_context_file_stops_compile_before_anything_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from voiceskill.cli import main

    model = tmp_path / "model"
    shutil.copytree(voiceskill.MODELS_DIR / "voiceskill-en", model)
    (model / "am" / "context.txt").write_text("AA 0 # B\n")
    before = {p.name: p.read_bytes() for p in (model / "graph").iterdir()}
    words = tmp_path / "words.txt"
    words.write_text("hello world\n")
    assert main(["model", "compile", "--words", str(words), "--model", str(model)]) == 2
    err = capsys.readouterr().err
    assert "context.txt:1: expected 'phone state left right unit'" in err
    assert {p.name: p.read_bytes() for p in (model / "graph").iterdir()} == before
