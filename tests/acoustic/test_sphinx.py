"""Reading pocketsphinx's real-speech model and expressing it as an nnet3 network."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from voiceskill.acoustic import kaldi_model as km
from voiceskill.acoustic import sphinx, sphinx_net
from voiceskill.acoustic.lexicon import PHONES


@pytest.fixture(scope="module")
def ci_model() -> sphinx.SphinxCiModel:
    return sphinx.read_ci_model(sphinx.pocketsphinx_model_dir())


def test_ci_model_has_every_phone_we_use(ci_model) -> None:
    assert ci_model.means.shape == (42, 3, 128, 13)
    assert ci_model.log_weights.shape == (42, 3, 3, 128)
    for phone in PHONES[1:]:
        ci_model.phone_index(phone)
    ci_model.phone_index("SIL")
    # Quantised weights of each state and stream still sum to about one.
    sums = np.exp(ci_model.log_weights).sum(axis=-1)
    assert np.all((sums > 0.9) & (sums < 1.01))
    assert np.allclose(ci_model.transitions.sum(axis=-1), 1.0)


def test_delta_matrix_is_sphinx_1s_c_d_dd() -> None:
    rng = np.random.default_rng(0)
    frames = rng.normal(size=(7, 13))  # t-3 .. t+3
    out = sphinx_net.delta_matrix() @ frames.reshape(-1)
    c = {o: frames[o + 3] for o in range(-3, 4)}
    assert np.allclose(out[:13], c[0])
    assert np.allclose(out[13:26], c[2] - c[-2])
    assert np.allclose(out[26:], (c[3] - c[-1]) - (c[1] - c[-3]))


def test_gaussian_affine_gives_log_densities(ci_model) -> None:
    weights, bias = sphinx_net.gaussian_affine(ci_model, stream=1)
    x = np.random.default_rng(1).normal(size=13)
    got = weights @ np.concatenate([x, x * x]) + bias
    mu, var = ci_model.means[5, 1, 7], ci_model.variances[5, 1, 7]
    want = -0.5 * np.sum(np.log(2 * math.pi * var) + (x - mu) ** 2 / var)
    assert got[5 * 128 + 7] == pytest.approx(want, rel=1e-9)


def test_network_text_has_our_pdfs_and_uniform_priors(ci_model) -> None:
    text = sphinx_net.nnet3_text(ci_model)
    assert "<MaxpoolingComponent> <InputXDim> 378 " in text
    assert "output-node name=output input=total objective=linear" in text
    priors = text.split("<Priors>")[1].replace("[", " ").replace("]", " ").split()
    assert len(priors) == km.num_pdfs() and len(set(priors)) == 1


def test_mixing_in_a_synthetic_network_maps_tied_silence(ci_model) -> None:
    rng = np.random.default_rng(2)
    n = km.num_pdfs()
    synthetic = km.NetworkWeights(
        offsets=[-1, 0, 1],
        feat_dim=13,
        weights=[rng.normal(size=(8, 39)), rng.normal(size=(n, 8))],
        biases=[np.zeros(8), np.zeros(n)],
        priors=np.full(n, 1.0 / n),
    )
    text = sphinx_net.nnet3_text(ci_model, synthetic, weight=0.5)
    assert "output-node name=output input=Sum(total, synth.mix)" in text
    assert "component-node name=synth.affine1" in text


def test_broken_model_files_are_named(ci_model, tmp_path: Path) -> None:
    model_dir = tmp_path / "en-us"
    shutil.copytree(sphinx.pocketsphinx_model_dir(), model_dir)
    (model_dir / "means").write_bytes(b"not a model")
    with pytest.raises(sphinx.SphinxModelError, match=r"means: not a Sphinx s3 file"):
        sphinx.read_ci_model(model_dir)
    (model_dir / "mdef").unlink()
    with pytest.raises(sphinx.SphinxModelError, match=r"mdef: cannot read"):
        sphinx.read_ci_model(model_dir)
