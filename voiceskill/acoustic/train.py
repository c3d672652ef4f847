"""Train the frame classifier (numpy only): spliced MFCC → ReLU layers → pdf posteriors.

Targets come from alignments: first a flat start (phones spread evenly over the speech found
by energy), then Viterbi forced alignment with the network itself, repeated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from voiceskill.acoustic import kaldi_model as km
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
    """Current alignment: pdf per frame."""


def _state_sequence(words: list[list[str]]) -> tuple[np.ndarray, np.ndarray, list[int], list[int]]:
    """Linear HMM with optional silence around and between words.

    Returns (pdf per state, skip source per state or -1, allowed start states, allowed ends).
    """
    sil = PHONES.index(SILENCE) + 1
    pdfs: list[int] = []
    skip: list[int] = []
    blocks: list[tuple[int, bool]] = []  # (first state, optional)

    def add_phone(phone_id: int, optional: bool) -> None:
        blocks.append((len(pdfs), optional))
        for s in range(km.STATES_PER_PHONE):
            pdfs.append(km.state_pdf(phone_id, s))
            skip.append(-1)

    add_phone(sil, True)
    for word in words:
        for ph in word:
            add_phone(PHONES.index(ph) + 1, False)
        add_phone(sil, True)
    n = len(pdfs)
    for b, (first, optional) in enumerate(blocks):
        if optional and b + 1 < len(blocks) and first > 0:
            nxt = blocks[b + 1][0]
            skip[nxt] = first - 1
    starts = [0, km.STATES_PER_PHONE]
    ends = [n - 1, n - 1 - km.STATES_PER_PHONE]
    return np.array(pdfs), np.array(skip), starts, ends


def viterbi_align(loglik: np.ndarray, words: list[list[str]]) -> np.ndarray | None:
    """Best pdf per frame through the utterance's HMM, or None if it cannot fit."""
    pdfs, skip, starts, ends = _state_sequence(words)
    T, n = len(loglik), len(pdfs)
    emit = loglik[:, pdfs]
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
    return pdfs[path]


def flat_start(utt: Utterance) -> np.ndarray:
    """Silence outside the loud region, phones spread evenly inside it."""
    sil = PHONES.index(SILENCE) + 1
    T = len(utt.energy)
    loud = np.flatnonzero(utt.energy > np.max(utt.energy) - 9.0)
    start, stop = (int(loud[0]), int(loud[-1]) + 1) if len(loud) else (0, T)
    seq = [PHONES.index(p) + 1 for w in utt.phones for p in w]
    states = [km.state_pdf(ph, s) for ph in seq for s in range(km.STATES_PER_PHONE)]
    pdfs = np.full(T, km.state_pdf(sil, 1))
    span = stop - start
    if span >= len(states):
        pos = (np.arange(span) * len(states)) // span
        pdfs[start:stop] = np.array(states)[pos]
    return pdfs


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
    ) -> None:
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

    def log_posteriors(self, x: np.ndarray) -> np.ndarray:
        logits, _ = self.forward(x)
        logits = logits - logits.max(axis=1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))

    def train_step(self, x: np.ndarray, y: np.ndarray, lr: float, smooth: float = 0.1) -> float:
        logits, acts = self.forward(x, train=True)
        logits = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        n, k = p.shape
        loss = -float(np.mean(np.log(p[np.arange(n), y] + 1e-9)))
        target = np.full((n, k), smooth / k, dtype=np.float32)
        target[np.arange(n), y] += 1 - smooth
        grad = (p - target) / n
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
        return np.concatenate([u.pdfs for u in self.utts])


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


def realign(net: Network, utts: list[Utterance], log_prior: np.ndarray) -> int:
    """Re-align every utterance with the network; returns how many kept their old alignment."""
    kept = 0
    for u in utts:
        loglik = net.log_posteriors(splice(u.feats)) - log_prior
        path = viterbi_align(loglik, u.phones)
        if path is None:
            kept += 1
        else:
            u.pdfs = path
    return kept


def pdf_priors(utts: list[Utterance], num: int) -> np.ndarray:
    """Relative frequency of each pdf in the alignments (floored)."""
    counts = np.bincount(np.concatenate([u.pdfs for u in utts]), minlength=num).astype(float)
    counts = np.maximum(counts, 1.0)
    return counts / counts.sum()
