"""Train the frame classifier (numpy only): spliced MFCC → ReLU layers → pdf posteriors.

Targets come from alignments: first a flat start (phones spread evenly over the speech found
by energy), then Viterbi forced alignment with the network itself, repeated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from voiceskill.acoustic import kaldi_model as km
from voiceskill.acoustic.context import ContextTying
from voiceskill.acoustic.lexicon import PHONES, SILENCE

#: Frames spliced around the centre frame (≈ ±150 ms).
OFFSETS = [-15, -12, -9, -6, -4, -2, -1, 0, 1, 2, 4, 6, 9, 12, 15]


@dataclass
class Utterance:
    """One training example."""

    feats: np.ndarray
    """Normalised features (T, dim)."""
    phones: list[list[str]]
    """Phones of each word, in order."""
    energy: np.ndarray
    """Per-frame C0 before normalisation (to find speech for the flat start)."""
    pdfs: np.ndarray | None = None
    """Current alignment: context-independent pdf per frame."""
    units: np.ndarray | None = None
    """Current alignment: context unit per frame (context-dependent models only)."""


@dataclass
class StateSequence:
    """The HMM states an utterance's transcript allows, in order (a linear HMM with optional
    silence around and between words)."""

    pdfs: np.ndarray
    """Context-independent pdf of each state."""
    units: np.ndarray
    """Context unit of each state (−1 without a context tying)."""
    skip: np.ndarray
    """State from which an optional silence can be skipped into this state, or −1."""
    starts: list[int]
    """States the utterance may start in."""
    ends: list[int]
    """States it may end in."""

    def columns(self, num_ci: int) -> np.ndarray:
        """Column of each state in a (frames, pdfs + units) score matrix: the unit where there
        is one, else the context-independent pdf."""
        return np.where(self.units >= 0, num_ci + self.units, self.pdfs)


def state_sequence(words: list[list[str]], tying: ContextTying | None = None) -> StateSequence:
    """The states of ``words`` (phones per word) with optional silences."""
    sil = PHONES.index(SILENCE) + 1
    pdfs: list[int] = []
    units: list[int] = []
    skip: list[int] = []
    blocks: list[tuple[int, bool]] = []  # (first state, optional)

    def add_phone(phone_id: int, optional: bool, phone_units: list[int] | None) -> None:
        blocks.append((len(pdfs), optional))
        for s in range(km.STATES_PER_PHONE):
            pdfs.append(km.state_pdf(phone_id, s))
            units.append(phone_units[s] if phone_units is not None else -1)
            skip.append(-1)

    silence = [tying.silence_unit] * km.STATES_PER_PHONE if tying is not None else None
    add_phone(sil, True, silence)
    for word in words:
        word_units = tying.word_units(word) if tying is not None else [None] * len(word)
        for ph, phone_units in zip(word, word_units, strict=True):
            add_phone(PHONES.index(ph) + 1, False, phone_units)
        add_phone(sil, True, silence)
    n = len(pdfs)
    for b, (first, optional) in enumerate(blocks):
        if optional and b + 1 < len(blocks) and first > 0:
            nxt = blocks[b + 1][0]
            skip[nxt] = first - 1
    starts = [0, km.STATES_PER_PHONE]
    ends = [n - 1, n - 1 - km.STATES_PER_PHONE]
    return StateSequence(np.array(pdfs), np.array(units), np.array(skip), starts, ends)


def viterbi_align(
    loglik: np.ndarray, words: list[list[str]], tying: ContextTying | None = None
) -> tuple[np.ndarray, np.ndarray | None] | None:
    """Best (pdf, unit) per frame through the utterance's HMM (unit None without ``tying``), or
    None if it cannot fit. ``loglik`` has a column per pdf, then one per context unit."""
    seq = state_sequence(words, tying)
    pdfs, skip, starts, ends = seq.pdfs, seq.skip, seq.starts, seq.ends
    T, n = len(loglik), len(pdfs)
    emit = loglik[:, seq.columns(km.num_pdfs())]
    neg = -1e30
    delta = np.full(n, neg)
    delta[starts] = emit[0, starts]
    back = np.zeros((T, n), dtype=np.int32)
    idx = np.arange(n)
    has_skip = skip >= 0
    for t in range(1, T):
        fwd = np.concatenate([[neg], delta[:-1]])
        sk = np.where(has_skip, delta[np.maximum(skip, 0)], neg)
        choice = np.argmax(np.stack([delta, fwd, sk]), axis=0)
        best = np.choose(choice, [delta, fwd, sk])
        back[t] = np.choose(choice, [idx, idx - 1, skip])
        delta = best + emit[t]
    end = max(ends, key=lambda e: delta[e])
    if delta[end] < -1e29:
        return None
    path = np.empty(T, dtype=np.int32)
    path[-1] = end
    for t in range(T - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return pdfs[path], (seq.units[path] if tying is not None else None)


def flat_start(
    utt: Utterance, tying: ContextTying | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """(pdf, unit) per frame (unit None without ``tying``): silence outside the loud region,
    the transcript's phone states spread evenly inside it."""
    seq = state_sequence(utt.phones, tying)
    silence = km.state_pdf(PHONES.index(SILENCE) + 1, 1)  # every silence state's (tied) pdf
    keep = np.flatnonzero(seq.pdfs != silence)  # the words' states, in order
    T = len(utt.energy)
    loud = np.flatnonzero(utt.energy > np.max(utt.energy) - 9.0)
    start, stop = (int(loud[0]), int(loud[-1]) + 1) if len(loud) else (0, T)
    pdfs = np.full(T, silence)
    units = np.full(T, seq.units[0])  # the silence unit (or -1)
    span = stop - start
    if len(keep) and span >= len(keep):
        pos = keep[(np.arange(span) * len(keep)) // span]
        pdfs[start:stop] = seq.pdfs[pos]
        units[start:stop] = seq.units[pos]
    return pdfs, (units if tying is not None else None)


class Network:
    """ReLU MLP on spliced frames, trained with Adam on cross-entropy."""

    def __init__(
        self,
        in_dim: int,
        hidden: Sequence[int],
        out_dim: int,
        seed: int = 0,
        dropout: float = 0.0,
        frame_mask: int = 0,
        frame_dim: int = 13,
        heads: Sequence[int] = (),
    ) -> None:
        """``heads``: sizes of output groups with a softmax each (default: one over all);
        each takes its own column of labels in :meth:`train_step`."""
        self.heads = tuple(heads) or (out_dim,)
        if sum(self.heads) != out_dim:
            raise ValueError(f"heads {self.heads} do not add up to {out_dim} outputs")
        rng = np.random.default_rng(seed)
        self.rng = np.random.default_rng(seed + 1)
        self.dropout = dropout
        self.frame_mask = frame_mask
        self.frame_dim = frame_dim
        dims = [in_dim, *hidden, out_dim]
        self.W = [
            (rng.standard_normal((a, b)) * np.sqrt(2.0 / a)).astype(np.float32)
            for a, b in zip(dims[:-1], dims[1:], strict=True)
        ]
        self.b = [np.zeros(b, dtype=np.float32) for b in dims[1:]]
        self.m = [np.zeros_like(p) for p in self.W + self.b]
        self.v = [np.zeros_like(p) for p in self.W + self.b]
        self.step_count = 0

    def forward(self, x: np.ndarray, train: bool = False) -> tuple[np.ndarray, list[np.ndarray]]:
        if train and self.frame_mask:
            # Time masking: blank (set to the mean) a few of the spliced input frames.
            frames = x.shape[1] // self.frame_dim
            x = x.reshape(len(x), frames, self.frame_dim).copy()
            for _ in range(self.frame_mask):
                x[np.arange(len(x)), self.rng.integers(frames, size=len(x))] = 0.0
            x = x.reshape(len(x), -1)
        acts = [x]
        for i, (w, b) in enumerate(zip(self.W, self.b, strict=True)):
            x = x @ w + b
            if i < len(self.W) - 1:
                x = np.maximum(x, 0)
                if train and self.dropout:
                    keep = self.rng.random(x.shape, dtype=np.float32) >= self.dropout
                    x = x * keep / (1 - self.dropout)
            acts.append(x)
        return x, acts

    def _head_slices(self) -> list[slice]:
        ends = np.cumsum(self.heads)
        return [slice(int(e - k), int(e)) for e, k in zip(ends, self.heads, strict=True)]

    def log_posteriors(self, x: np.ndarray) -> np.ndarray:
        """Log-softmax of each output group."""
        logits, _ = self.forward(x)
        for part in self._head_slices():
            z = logits[:, part] - logits[:, part].max(axis=1, keepdims=True)
            logits[:, part] = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return logits

    def train_step(self, x: np.ndarray, y: np.ndarray, lr: float, smooth: float = 0.1) -> float:
        """One Adam step on the summed cross-entropy of the heads; ``y`` holds a label per
        frame, or per frame and head (columns in head order)."""
        logits, acts = self.forward(x, train=True)
        labels = y.reshape(len(y), -1)
        n = len(logits)
        rows = np.arange(n)
        grad = np.empty_like(logits)
        loss = 0.0
        for h, part in enumerate(self._head_slices()):
            z = logits[:, part] - logits[:, part].max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            k = p.shape[1]
            loss -= float(np.mean(np.log(p[rows, labels[:, h]] + 1e-9)))
            target = np.full((n, k), smooth / k, dtype=np.float32)
            target[rows, labels[:, h]] += 1 - smooth
            grad[:, part] = (p - target) / n
        grads_w, grads_b = [], []
        for i in range(len(self.W) - 1, -1, -1):
            grads_w.append(acts[i].T @ grad)
            grads_b.append(grad.sum(axis=0))
            if i > 0:
                # acts[i] > 0 exactly where ReLU passed and dropout kept the unit.
                grad = (grad @ self.W[i].T) * (acts[i] > 0) / (1 - self.dropout)
        grads = grads_w[::-1] + grads_b[::-1]
        self.step_count += 1
        b1, b2 = 0.9, 0.999
        params = self.W + self.b
        for j, (prm, g) in enumerate(zip(params, grads, strict=True)):
            self.m[j] = b1 * self.m[j] + (1 - b1) * g
            self.v[j] = b2 * self.v[j] + (1 - b2) * g * g
            mhat = self.m[j] / (1 - b1**self.step_count)
            vhat = self.v[j] / (1 - b2**self.step_count)
            prm -= (lr * mhat / (np.sqrt(vhat) + 1e-8)).astype(np.float32)
        return loss


def splice(feats: np.ndarray, offsets: Sequence[int] = OFFSETS) -> np.ndarray:
    """(T, dim) → (T, len(offsets)·dim), edges repeated like Kaldi does."""
    T = len(feats)
    idx = np.clip(np.arange(T)[:, None] + np.array(offsets)[None, :], 0, T - 1)
    return feats[idx].reshape(T, -1)


class FramePool:
    """All training frames, spliced on the fly from one padded feature matrix."""

    def __init__(self, utts: list[Utterance], offsets: Sequence[int] = OFFSETS) -> None:
        pad = max(abs(o) for o in offsets)
        rows, centres, owners = [], [], []
        pos = 0
        for u_index, u in enumerate(utts):
            T = len(u.feats)
            padded = np.concatenate(
                [np.repeat(u.feats[:1], pad, 0), u.feats, np.repeat(u.feats[-1:], pad, 0)]
            )
            rows.append(padded)
            centres.append(pos + pad + np.arange(T))
            owners.append(np.full(T, u_index))
            pos += T + 2 * pad
        self.matrix = np.concatenate(rows).astype(np.float32)
        self.centres = np.concatenate(centres)
        self.owners = np.concatenate(owners)
        self.offsets = np.array(offsets)
        self.utts = utts

    def batch(self, frames: np.ndarray) -> np.ndarray:
        idx = self.centres[frames][:, None] + self.offsets[None, :]
        return self.matrix[idx].reshape(len(frames), -1)

    def labels(self) -> np.ndarray:
        """Label per frame: the pdf, or (pdf, unit) when the utterances have units."""
        if self.utts[0].units is None:
            return np.concatenate([u.pdfs for u in self.utts])
        return np.stack([np.concatenate([u.pdfs for u in self.utts]),
                         np.concatenate([u.units for u in self.utts])], axis=1)


def train_epochs(
    net: Network,
    pool: FramePool,
    epochs: float,
    lr: float,
    rng: np.random.Generator,
    batch: int = 256,
    progress: Callable[[int], None] | None = None,
) -> float:
    """Train on shuffled frames; returns the mean loss of the last 200 steps."""
    y_all = pool.labels()
    n = len(y_all)
    steps = int(epochs * n / batch)
    order = rng.permutation(n)
    losses: list[float] = []
    for s in range(steps):
        start = (s * batch) % n
        if start + batch > n:
            order = rng.permutation(n)
        frames = order[start : start + batch]
        rate = lr * (0.5 + 0.5 * np.cos(np.pi * s / max(steps, 1))) + lr * 0.02
        losses.append(net.train_step(pool.batch(frames), y_all[frames], rate))
        if progress and s % 50 == 0:
            progress(min(50, steps - s))
    return float(np.mean(losses[-200:])) if losses else float("nan")


def realign(
    net: Network, utts: list[Utterance], log_prior: np.ndarray, tying: ContextTying | None = None
) -> int:
    """Re-align every utterance with the network; returns how many kept their old alignment."""
    kept = 0
    for u in utts:
        loglik = net.log_posteriors(splice(u.feats)) - log_prior
        path = viterbi_align(loglik, u.phones, tying)
        if path is None:
            kept += 1
        else:
            u.pdfs, u.units = path
    return kept


def pdf_priors(utts: list[Utterance], num: int, num_units: int = 0) -> np.ndarray:
    """Relative frequency of each pdf (then of each unit) in the alignments (floored)."""

    def frequencies(labels: list[np.ndarray], size: int) -> np.ndarray:
        counts = np.maximum(np.bincount(np.concatenate(labels), minlength=size), 1.0)
        return counts / counts.sum()

    priors = frequencies([u.pdfs for u in utts], num)
    if num_units:
        priors = np.concatenate([priors, frequencies([u.units for u in utts], num_units)])
    return priors
