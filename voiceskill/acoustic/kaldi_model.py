"""Write ``am/final.mdl`` in Kaldi text form: a TransitionModel, then an nnet3 AmNnetSimple.

Topology: every phone (silence too) is a 3-state left-to-right HMM with self-loops and one
pdf per state, so pdf = 3 × (phone id − 1) + state — except silence, whose three states share
pdf 1 (pdfs 0 and 2 are unused outputs). Transition-ids are numbered the way
Kaldi numbers them: for each (phone, state) in order, the self-loop then the forward arc.
"""

from __future__ import annotations

import functools
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


@dataclass(frozen=True)
class TransitionTable:
    """The model's (phone, HMM state, pdf) triples and Kaldi's transition-ids for them.

    Kaldi sorts the triples and numbers the transitions of each in turn (self-loop, then the
    forward arc), so a triple's ids depend on every triple before it. Every (phone, state) has
    one context-independent pdf (below ``num_ci``) and, in a context-dependent model, one
    triple per context unit of that phone state (pdf ``num_ci + unit``).
    """

    triples: tuple[tuple[int, int, int], ...]
    """Sorted (1-based phone id, state, pdf)."""
    num_ci: int
    """Number of context-independent pdfs (3 per phone)."""

    @classmethod
    def for_model(
        cls,
        num_phones: int = len(PHONES),
        tied_silence: bool = True,
        unit_states: list[tuple[int, int]] | None = None,
    ) -> TransitionTable:
        """Triples of the context-independent pdfs plus one per context unit, whose (phone id,
        state) ``unit_states`` gives in unit order."""
        ci = [(p, s, state_pdf(p, s, tied_silence))
              for p in range(1, num_phones + 1) for s in range(STATES_PER_PHONE)]
        first = num_pdfs(num_phones)
        cd = [(p, s, first + u) for u, (p, s) in enumerate(unit_states or [])]
        return cls(tuple(sorted(ci + cd)), first)

    @functools.cached_property
    def _positions(self) -> dict[tuple[int, int, int | None], int]:
        return {
            (p, s, None if pdf < self.num_ci else pdf - self.num_ci): i
            for i, (p, s, pdf) in enumerate(self.triples)
        }

    def _position(self, phone_id: int, state: int, unit: int | None) -> int:
        return self._positions[(phone_id, state, unit)]

    def self_loop(self, phone_id: int, state: int, unit: int | None = None) -> int:
        """Transition-id of the self-loop of (phone, state) with context ``unit`` (None: the
        context-independent pdf)."""
        return 2 * self._position(phone_id, state, unit) + 1

    def forward(self, phone_id: int, state: int, unit: int | None = None) -> int:
        """Transition-id of the arc leaving (phone, state[, unit]) for the next state."""
        return 2 * self._position(phone_id, state, unit) + 2

    @property
    def num_transition_ids(self) -> int:
        """Largest transition-id (they run from 1)."""
        return 2 * len(self.triples)

    def text(self) -> str:
        """The Kaldi text TransitionModel (3-state left-to-right topology for every phone)."""
        p_self = SELF_LOOP_PROB
        num_phones = max(p for p, _s, _pdf in self.triples)
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
        lines.append(f"<Triples> {len(self.triples)} ")
        lines += [f"{p} {s} {pdf} " for p, s, pdf in self.triples]
        lines.append("</Triples> ")
        log_probs = [0.0] + [math.log(p_self), math.log(1 - p_self)] * len(self.triples)
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
    heads: tuple[int, ...] = ()
    """Sizes of the output groups that each get their own log-softmax (context-independent
    pdfs, then context units); empty: one log-softmax over all outputs."""


def head_node(prefix: str, head: int) -> str:
    """Name of the log-softmax node of output group ``head``."""
    return f"{prefix}output.log-softmax" + (str(head) if head else "")


def matrix_text(m: np.ndarray, digits: int = 7) -> str:
    """A Kaldi text matrix, each value to ``digits`` significant digits."""
    rows = ["  " + " ".join(f"{v:.{digits}g}" for v in row) for row in m]
    return " [\n" + "\n".join(rows) + " ]\n"


def vector_text(v: np.ndarray, digits: int = 7) -> str:
    """A Kaldi text vector, each value to ``digits`` significant digits."""
    return " [ " + " ".join(f"{x:.{digits}g}" for x in v) + " ]\n"


def fixed_affine(name: str, w: np.ndarray, b: np.ndarray, digits: int = 6) -> str:
    """A FixedAffineComponent (not trained) computing ``w @ x + b``, values to ``digits``
    significant digits."""
    return (f"<ComponentName> {name} <FixedAffineComponent> <LinearParams> "
            f"{matrix_text(w, digits)}<BiasParams> {vector_text(b, digits)}"
            "</FixedAffineComponent> \n")


def nonlinear(kind: str, name: str, dim: int) -> str:
    """An nnet3 component without parameters (``kind``: SoftmaxComponent, RectifiedLinear...)
    of ``dim`` inputs and outputs, in Kaldi's text form."""
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
        if last and len(net.heads) > 1:
            heads = []
            offset = 0
            for k, size in enumerate(net.heads):
                part, act = f"{prefix}output.part{k}", head_node(prefix, k)
                config.append(f"dim-range-node name={part} input-node={affine} "
                              f"dim-offset={offset} dim={size}")
                config.append(f"component-node name={act} component={act} input={part}")
                comps.append(nonlinear("LogSoftmaxComponent", act, size))
                heads.append(act)
                offset += size
            return config, comps, f"Append({', '.join(heads)})"
        act = head_node(prefix, 0) if last else f"{prefix}relu{i + 1}"
        kind = "LogSoftmaxComponent" if last else "RectifiedLinearComponent"
        config.append(f"component-node name={act} component={act} input={affine}")
        comps.append(nonlinear(kind, act, w.shape[0]))
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


def write_final_mdl(
    path: Path,
    net: NetworkWeights,
    num_phones: int = len(PHONES),
    unit_states: list[tuple[int, int]] | None = None,
) -> None:
    """Write the whole ``final.mdl`` (TransitionModel followed by the network); with
    ``unit_states`` (see :meth:`TransitionTable.for_model`), a context-dependent one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = TransitionTable.for_model(num_phones, unit_states=unit_states)
    path.write_text(table.text() + nnet3_text(net), encoding="ascii")
