"""The Kaldi text writer and the graph compiler produce what Vosk expects."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import voiceskill
from voiceskill.acoustic import kaldi_model as km
from voiceskill.acoustic.graph import GraphConfig, compile_graph
from voiceskill.acoustic.lexicon import PHONES, missing_words


def _all_tids(table: km.TransitionTable, units: list[tuple[int, int]]) -> list[int]:
    keys = [(p, s, None) for p in range(1, len(PHONES) + 1) for s in range(3)]
    keys += [(p, s, u) for u, (p, s) in enumerate(units)]
    return [f(*key) for key in keys for f in (table.self_loop, table.forward)]


@pytest.mark.parametrize("units", [[], [(5, 0), (2, 2), (5, 0), (1, 1)]])
def test_transition_ids_follow_kaldi_numbering(units: list[tuple[int, int]]) -> None:
    table = km.TransitionTable.for_model(unit_states=units)
    tids = _all_tids(table, units)
    assert sorted(tids) == list(range(1, table.num_transition_ids + 1))
    # Kaldi sorts the triples; each one's self-loop comes right before its forward arc
    assert list(table.triples) == sorted(table.triples)
    for i, (phone, state, pdf) in enumerate(table.triples):
        unit = None if pdf < km.num_pdfs() else pdf - km.num_pdfs()
        assert (table.self_loop(phone, state, unit), table.forward(phone, state, unit)) == (
            2 * i + 1, 2 * i + 2)
    text = table.text()
    assert f"<Triples> {len(PHONES) * 3 + len(units)} " in text
    log_probs = re.search(r"<LogProbs> \n \[ (.*) \]", text).group(1).split()
    assert len(log_probs) == table.num_transition_ids + 1


def test_nnet3_text_layout() -> None:
    rng = np.random.default_rng(0)
    net = km.NetworkWeights(
        offsets=[-1, 0, 1],
        feat_dim=2,
        weights=[rng.standard_normal((4, 6)), rng.standard_normal((3, 4))],
        biases=[np.zeros(4), np.zeros(3)],
        priors=np.full(3, 1 / 3),
    )
    text = km.nnet3_text(net)
    assert text.startswith("<Nnet3> \ninput-node name=input dim=2\n")
    assert "\n\n<NumComponents> 4 \n" in text
    assert "<AffineComponent> <LearningRate> 0.001 <LinearParams>" in text
    assert text.count("<RectifiedLinearComponent>") == 1
    assert "<LeftContext> 1 <RightContext> 1 <Priors>" in text


def test_compile_covers_new_words_in_seconds(tmp_path: Path) -> None:
    model = tmp_path / "model"
    shutil.copytree(voiceskill.DEFAULT_MODEL_DIR, model)
    skipped = compile_graph(["yes", "no", "trampoline", "zork", "go on"], model, GraphConfig())
    assert skipped == []
    assert missing_words(["trampoline", "yes", "hamstring"], model) == ["hamstring"]
    words = (model / "graph" / "words.txt").read_text().split()
    assert "[unk]" in words
    assert {"go", "on", "go_on"} <= set(words)  # a multi-word phrase is also one word
    assert (model / "graph" / "HCLr.fst").read_bytes()[:4] == b"\xd6\xfd\xb2\x7e"
    assert "--endpoint.silence-phones=1" in (model / "conf" / "model.conf").read_text()
