"""Write ``am/final.mdl`` in Kaldi text form: a TransitionModel, then an nnet3 AmNnetSimple.

Topology: every phone (silence too) is a 3-state left-to-right HMM with self-loops and one
pdf per state, so pdf = 3 × (phone id − 1) + state — except silence, whose three states share
pdf 1 (pdfs 0 and 2 are unused outputs). Transition-ids are numbered the way
Kaldi numbers them: for each (phone, state) in order, the self-loop then the forward arc.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voiceskill.acoustic.lexicon import PHONES

STATES_PER_PHONE = 3

#: Default transition probabilities written into the model (the graph carries its own costs).
SELF_LOOP_PROB = 0.75


def num_pdfs(num_phones: int = len(PHONES)) -> int:
    """Number of network outputs."""
    return num_phones * STATES_PER_PHONE


def pdf_of(phone_id: int, state: int) -> int:
    """pdf index of HMM ``state`` (0..2) of 1-based ``phone_id``."""
    return (phone_id - 1) * STATES_PER_PHONE + state


def state_pdf(phone_id: int, state: int, tied_silence: bool = True) -> int:
    """pdf actually used by (phone, state): silence's three states share one pdf.

    Silence has no internal structure; with three pdfs, each re-alignment handed a long pause
    to a different silence state and training restarted from contradicting labels. A model
    converted from one that already has three silence states keeps them (``tied_silence=False``).
    """
    if phone_id == 1 and tied_silence:
        return pdf_of(1, 1)
    return pdf_of(phone_id, state)


def self_loop_tid(phone_id: int, state: int) -> int:
    """Transition-id of the self-loop of (phone, state)."""
    return 2 * pdf_of(phone_id, state) + 1


def forward_tid(phone_id: int, state: int) -> int:
    """Transition-id of the arc leaving (phone, state) for the next state."""
    return 2 * pdf_of(phone_id, state) + 2


def num_transition_ids(num_phones: int = len(PHONES)) -> int:
    """Largest transition-id (they run from 1)."""
    return 2 * num_pdfs(num_phones)


def transition_model_text(num_phones: int = len(PHONES), tied_silence: bool = True) -> str:
    """The Kaldi text TransitionModel for ``num_phones`` 3-state phones."""
    p_self = SELF_LOOP_PROB
    lines = ["<TransitionModel> ", "<Topology> ", "<TopologyEntry> ", "<ForPhones> "]
    lines.append(" ".join(str(p) for p in range(1, num_phones + 1)) + " ")
    lines.append("</ForPhones> ")
    for s in range(STATES_PER_PHONE):
        lines.append(
            f"<State> {s} <PdfClass> {s} <Transition> {s} {p_self} "
            f"<Transition> {s + 1} {1 - p_self} </State> "
        )
    lines.append(f"<State> {STATES_PER_PHONE} </State> ")
    lines += ["</TopologyEntry> ", "</Topology> "]
    lines.append(f"<Triples> {num_pdfs(num_phones)} ")
    for phone in range(1, num_phones + 1):
        for s in range(STATES_PER_PHONE):
            lines.append(f"{phone} {s} {state_pdf(phone, s, tied_silence)} ")
    lines.append("</Triples> ")
    log_probs = [0.0] + [math.log(p_self), math.log(1 - p_self)] * num_pdfs(num_phones)
    lines.append("<LogProbs> ")
    lines.append(" [ " + " ".join(f"{v:.6g}" for v in log_probs) + " ]")
    lines.append("</LogProbs> ")
    lines.append("</TransitionModel> ")
    return "\n".join(lines) + "\n"


@dataclass
class NetworkWeights:
    """A feed-forward network: spliced input frames → ReLU layers → log-softmax over pdfs."""

    offsets: list[int]
    """Frame offsets spliced into the first layer's input (e.g. -12..12 in steps)."""
    feat_dim: int
    """Dimension of one feature frame."""
    weights: list[np.ndarray] = field(default_factory=list)
    """Weight matrices, shape (out, in) in Kaldi's orientation."""
    biases: list[np.ndarray] = field(default_factory=list)
    """Bias vectors, one per weight matrix."""
    priors: np.ndarray | None = None
    """pdf priors (probabilities) Vosk divides the posteriors by."""


def matrix_text(m: np.ndarray, digits: int = 7) -> str:
    """A Kaldi text matrix, each value to ``digits`` significant digits."""
    rows = ["  " + " ".join(f"{v:.{digits}g}" for v in row) for row in m]
    return " [\n" + "\n".join(rows) + " ]\n"


def vector_text(v: np.ndarray, digits: int = 7) -> str:
    """A Kaldi text vector, each value to ``digits`` significant digits."""
    return " [ " + " ".join(f"{x:.{digits}g}" for x in v) + " ]\n"


def _nonlinear(kind: str, name: str, dim: int) -> str:
    return (
        f"<ComponentName> {name} <{kind}> <Dim> {dim} <ValueAvg>  [ ]\n<DerivAvg>  [ ]\n"
        f"<Count> 0 <NumDimsSelfRepaired> 0 <NumDimsProcessed> 0 </{kind}> \n"
    )


def feedforward_parts(net: NetworkWeights, prefix: str = "") -> tuple[list[str], list[str], str]:
    """Config lines, component texts and output node name of ``net`` reading node ``input``.

    ``prefix`` keeps the names apart when this network is one branch of a bigger one.
    """
    splice = ", ".join(f"Offset(input, {o})" for o in net.offsets)
    config: list[str] = []
    comps: list[str] = []
    previous = f"Append({splice})"
    layers = len(net.weights)
    for i, (w, b) in enumerate(zip(net.weights, net.biases, strict=True)):
        last = i == layers - 1
        affine = f"{prefix}output.affine" if last else f"{prefix}affine{i + 1}"
        config.append(f"component-node name={affine} component={affine} input={previous}")
        comps.append(
            f"<ComponentName> {affine} <AffineComponent> <LearningRate> 0.001 <LinearParams> "
            + matrix_text(w)
            + "<BiasParams> "
            + vector_text(b)
            + "</AffineComponent> \n"
        )
        act = f"{prefix}output.log-softmax" if last else f"{prefix}relu{i + 1}"
        kind = "LogSoftmaxComponent" if last else "RectifiedLinearComponent"
        config.append(f"component-node name={act} component={act} input={affine}")
        comps.append(_nonlinear(kind, act, w.shape[0]))
        previous = act
    return config, comps, previous


def nnet3_text(net: NetworkWeights) -> str:
    """The nnet3 AmNnetSimple text (network, contexts, priors)."""
    if net.priors is None:
        raise ValueError("network has no priors")
    body, comps, last = feedforward_parts(net)
    config = [f"input-node name=input dim={net.feat_dim}", *body]
    config.append(f"output-node name=output input={last} objective=linear")
    text = "<Nnet3> \n" + "\n".join(config) + "\n\n"
    text += f"<NumComponents> {len(comps)} \n" + "".join(comps) + "</Nnet3> \n"
    left, right = -min(net.offsets), max(net.offsets)
    text += f"<LeftContext> {left} <RightContext> {right} <Priors> " + vector_text(net.priors)
    return text


def write_final_mdl(path: Path, net: NetworkWeights, num_phones: int = len(PHONES)) -> None:
    """Write the whole ``final.mdl`` (TransitionModel followed by the network)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(transition_model_text(num_phones) + nnet3_text(net), encoding="ascii")
