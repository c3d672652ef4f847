"""Turn a Sphinx CI model (:mod:`voiceskill.acoustic.sphinx`) into a Vosk-loadable nnet3 network.

The network computes, for every frame, the log-likelihood of each of our HMM states under the
real-speech Gaussian mixtures:

1. ``deltas``: Sphinx's ``1s_c_d_dd`` features from 7 spliced cepstral frames —
   c[t], d = c[t+2] − c[t−2], dd = (c[t+3] − c[t−1]) − (c[t+1] − c[t−3]).
2. ``squares``: the same 39 numbers squared (an element-wise product of the vector with itself).
3. ``gauss<f>``: per feature stream f, one fixed affine map from (x, x²) to the log-density of
   every Gaussian of every phone codebook (a diagonal Gaussian's log-density is linear in x, x²).
4. ``weighted``: the Gaussians copied once per HMM state, plus that state's log mixture weight.
5. ``best``: max over each codebook's Gaussians (the Viterbi approximation of the mixture sum;
   Sphinx itself only sums its top few Gaussians).
6. ``output``: the streams' scores added up per state, arranged as our pdfs.

Vosk subtracts log priors (uniform here, so a constant) and multiplies by the acoustic scale.
Nothing here is trained: the numbers are Sphinx's, the arrangement is ours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from voiceskill.acoustic import kaldi_model as km
from voiceskill.acoustic.features import MfccConfig
from voiceskill.acoustic.lexicon import PHONES, SILENCE
from voiceskill.acoustic.sphinx import SphinxCiModel

#: Cepstral frames spliced for the delta features.
DELTA_OFFSETS = tuple(range(-3, 4))

#: Sphinx's front end (feat.params of the pocketsphinx English model) in Kaldi's terms. Filter
#: area normalisation and the DCT's constant terms only shift each cepstrum by a constant, which
#: mean normalisation removes. Dither keeps the digital silence of synthetic or gated audio from
#: landing on log(0), far from anything the real-speech Gaussians have seen.
SPHINX_MFCC = MfccConfig(
    num_mel_bins=25,
    num_ceps=13,
    low_freq=130.0,
    high_freq=6800.0,
    cepstral_lifter=22.0,
    frame_length_ms=25.625,
    window_type="hamming",
    remove_dc_offset=False,
    dither=1.0,
)


#: Mean of SPHINX_MFCC cepstra over real recordings: the ten WAV files of Debian's
#: ``pocketsphinx-testdata`` (CMU read speech, BSD-2-Clause), silences included, as
#: :func:`speech_mean` computes it. Vosk's online mean normalisation starts from this
#: (``am/global_cmvn.stats``) until it has heard a few seconds; the Gaussians were trained on
#: real speech normalised by its own utterance means, so a mean from loud, trimmed synthetic
#: speech shifts every real utterance's start (real words right: 12 of 15 with it, 14 with this).
REAL_SPEECH_MEAN = np.array(
    [83.223, -5.768, -3.354, 14.713, -14.198, 4.914, -7.704, -5.5, -0.089, -2.744, 2.642, -2.616,
     1.12]
)

#: The same mean over the same recordings as an 8 kHz device records them
#: (``augment.as_8k_device``: nothing above 4 kHz): where the 8 kHz companion model's
#: normalisation starts. The empty upper mel bins move every cepstrum far from the wideband
#: mean; the companion started from :data:`REAL_SPEECH_MEAN` heard 9 of 14 real words through
#: an 8 kHz device and 77 % of held-out clips, from this mean 13 of 14 and 89 % (EXPERIMENTS.md).
REAL_SPEECH_MEAN_8K = np.array(
    [76.762, 15.792, -30.608, 37.503, -24.441, -1.1, 11.442, -30.378, 21.236, -13.82, 1.317,
     8.306, -13.575]
)


def speech_mean(recordings: list[np.ndarray]) -> np.ndarray:
    """Mean SPHINX_MFCC cepstrum over all frames of ``recordings`` (16 kHz int16)."""
    from voiceskill.acoustic import features

    return np.concatenate([features.mfcc(r, SPHINX_MFCC) for r in recordings]).mean(axis=0)


def delta_matrix(dim: int = 13) -> np.ndarray:
    """(3·dim, 7·dim) map from spliced frames t−3..t+3 to (c, d, dd) at t."""
    eye = np.eye(dim)
    m = np.zeros((3 * dim, len(DELTA_OFFSETS) * dim))

    def put(row_block: int, offset: int, sign: float) -> None:
        col = DELTA_OFFSETS.index(offset)
        m[row_block * dim : (row_block + 1) * dim, col * dim : (col + 1) * dim] += sign * eye

    put(0, 0, 1.0)
    put(1, 2, 1.0)
    put(1, -2, -1.0)
    put(2, 3, 1.0)
    put(2, -1, -1.0)
    put(2, 1, -1.0)
    put(2, -3, 1.0)
    return m


def gaussian_affine(model: SphinxCiModel, stream: int) -> tuple[np.ndarray, np.ndarray]:
    """(weights, bias) mapping (x, x²) of ``stream`` to every Gaussian's natural-log density.

    Rows run over (codebook, density); log N(x) = Σ μ/v·x − ½·x²/v − ½·Σ(log 2πv + μ²/v).
    """
    mu = model.means[:, stream].reshape(-1, model.means.shape[-1])
    var = model.variances[:, stream].reshape(-1, model.means.shape[-1])
    weights = np.concatenate([mu / var, -0.5 / var], axis=1)
    bias = -0.5 * (np.log(2 * math.pi * var) + mu * mu / var).sum(axis=1)
    return weights, bias


def _phone_map(model: SphinxCiModel) -> list[int]:
    """Sphinx CI phone index for each of our phones (PHONES order)."""
    return [model.phone_index(p if p != SILENCE else "SIL") for p in PHONES]


#: Significant digits written (Sphinx's parameters are 32-bit floats; 6 keeps the file small).
DIGITS = 6


def _per_element_offset(name: str, offsets: np.ndarray, digits: int = 7) -> str:
    return (
        f"<ComponentName> {name} <PerElementOffsetComponent> <LearningRate> 0 <Offsets> "
        f"{km.vector_text(offsets, digits)}<IsGradient> F </PerElementOffsetComponent> \n"
    )


def synthetic_prefix(index: int) -> str:
    """Name prefix of the ``index``-th synthetic network's nodes (``synth.``, ``synth2.``, …)."""
    return "synth." if index == 0 else f"synth{index + 1}."


def nnet3_text(
    model: SphinxCiModel,
    synthetic: km.NetworkWeights | Sequence[km.NetworkWeights] | None = None,
    weight: float = 0.0,
    unit_states: list[tuple[int, int]] | None = None,
) -> str:
    """The AmNnetSimple text (network, contexts, uniform priors) for ``model``.

    With ``synthetic`` (a network trained on synthesized speech with the same features and our
    tied-silence pdfs), its log-likelihoods (log posterior − log prior) times ``weight`` are
    added to the Sphinx scores: a log-linear mix of a real-speech model and one that has heard
    many synthetic voices. Several networks (trained alike from different seeds) share
    ``weight`` equally: their average log-likelihood is added.

    With ``unit_states`` (the (phone id, state) of each context unit, see
    :mod:`voiceskill.acoustic.context`), the outputs after the context-independent pdfs are the
    units: Sphinx scores each with its phone state's mixture, the synthetic network with its
    second log-softmax group.
    """
    nets = [synthetic] if isinstance(synthetic, km.NetworkWeights) else list(synthetic or [])
    if weight <= 0:
        nets = []
    if unit_states and len(nets) > 1:
        raise ValueError("context units take one synthetic network")
    n_cb, n_streams, n_dens, dim = model.means.shape
    n_states = model.states
    phone_map = _phone_map(model)
    n_pdfs = km.num_pdfs(len(PHONES))
    units = unit_states or []

    splice = ", ".join(f"Offset(input, {o})" for o in DELTA_OFFSETS)
    config = [
        f"input-node name=input dim={dim}",
        f"component-node name=deltas component=deltas input=Append({splice})",
        "component-node name=squares component=squares input=Append(deltas, deltas)",
    ]
    comps = [
        km.fixed_affine("deltas", delta_matrix(dim), np.zeros(3 * dim)),
        f"<ComponentName> squares <ElementwiseProductComponent> <InputDim> {6 * dim} "
        f"<OutputDim> {3 * dim} </ElementwiseProductComponent> \n",
    ]
    for f in range(n_streams):
        config.append(f"dim-range-node name=x{f} input-node=deltas dim-offset={f * dim} dim={dim}")
        config.append(
            f"dim-range-node name=xx{f} input-node=squares dim-offset={f * dim} dim={dim}"
        )
        config.append(f"component-node name=gauss{f} component=gauss{f} input=Append(x{f}, xx{f})")
        comps.append(km.fixed_affine(f"gauss{f}", *gaussian_affine(model, f)))
    streams = ", ".join(f"gauss{f}" for f in range(n_streams))
    copies = ", ".join([f"Append({streams})"] * n_states)
    config.append(f"component-node name=weighted component=weighted input=Append({copies})")
    # offsets laid out [state, stream, codebook, density], like the Append above
    offsets = model.log_weights.transpose(1, 2, 0, 3).reshape(-1)
    comps.append(_per_element_offset("weighted", offsets, DIGITS))
    groups = n_states * n_streams * n_cb
    config.append("component-node name=best component=best input=weighted")
    comps.append(
        f"<ComponentName> best <MaxpoolingComponent> <InputXDim> {groups} <InputYDim> 1 "
        f"<InputZDim> {n_dens} <PoolXSize> 1 <PoolYSize> 1 <PoolZSize> {n_dens} "
        f"<PoolXStep> 1 <PoolYStep> 1 <PoolZStep> {n_dens} </MaxpoolingComponent> \n"
    )

    def sphinx_columns(ours: int, s: int) -> list[int]:
        return [(s * n_streams + f) * n_cb + phone_map[ours - 1] for f in range(n_streams)]

    total = np.zeros((n_pdfs, groups))
    for ours in range(1, len(PHONES) + 1):
        for s in range(n_states):
            total[km.pdf_of(ours, s), sphinx_columns(ours, s)] = 1.0
    config.append("component-node name=total component=total input=best")
    comps.append(km.fixed_affine("total", total, np.zeros(n_pdfs)))
    if units:
        total_cd = np.zeros((len(units), groups))
        for u, (ours, s) in enumerate(units):
            total_cd[u, sphinx_columns(ours, s)] = 1.0
        config.append("component-node name=total.cd component=total.cd input=best")
        comps.append(km.fixed_affine("total.cd", total_cd, np.zeros(len(units))))
    ci_out, cd_out = "total", "total.cd"
    for index, synthetic in enumerate(nets):
        prefix = synthetic_prefix(index)
        share = weight / len(nets)
        body, parts, _net_out = km.feedforward_parts(synthetic, prefix=prefix)
        config += body
        comps += parts
        mix = np.zeros((n_pdfs, n_pdfs))
        log_prior = np.log(np.maximum(synthetic.priors, 1e-10))
        bias = np.zeros(n_pdfs)
        for ours in range(1, len(PHONES) + 1):
            for s in range(n_states):
                row, col = km.pdf_of(ours, s), km.state_pdf(ours, s)
                mix[row, col] = share
                bias[row] = -share * log_prior[col]
        head = km.head_node(prefix, 0)
        config.append(f"component-node name={prefix}mix component={prefix}mix input={head}")
        comps.append(km.fixed_affine(f"{prefix}mix", mix, bias))
        ci_out = f"Sum({ci_out}, {prefix}mix)"
        if units:
            config.append("component-node name=synth.cd component=synth.cd "
                          f"input={km.head_node('synth.', 1)}")
            comps.append(_per_element_offset("synth.cd", -log_prior[n_pdfs:]))
            cd_out = "Sum(total.cd, synth.cd)" if weight == 1 else \
                f"Sum(total.cd, Scale({weight:g}, synth.cd))"
    last = f"Append({ci_out}, {cd_out})" if units else ci_out
    config.append(f"output-node name=output input={last} objective=linear")

    text = "<Nnet3> \n" + "\n".join(config) + "\n\n"
    text += f"<NumComponents> {len(comps)} \n" + "".join(comps) + "</Nnet3> \n"
    frames = [*DELTA_OFFSETS, *(o for net in nets for o in net.offsets)]
    priors = np.full(n_pdfs + len(units), 1.0 / (n_pdfs + len(units)))
    text += f"<LeftContext> {-min(frames)} <RightContext> {max(frames)} <Priors> "
    text += km.vector_text(priors, DIGITS)
    return text


def write_final_mdl(
    path: Path,
    model: SphinxCiModel,
    synthetic: km.NetworkWeights | Sequence[km.NetworkWeights] | None = None,
    weight: float = 0.0,
    unit_states: list[tuple[int, int]] | None = None,
) -> None:
    """Write ``am/final.mdl``: our TransitionModel (three silence pdfs, plus the context units'
    triples) and the network."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = km.TransitionTable.for_model(len(PHONES), tied_silence=False, unit_states=unit_states)
    text = table.text() + nnet3_text(model, synthetic, weight, unit_states)
    path.write_text(text, encoding="ascii")
