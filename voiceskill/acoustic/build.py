"""`voiceskill model build`: synthesize → augment → features → train/re-align → write the model."""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voiceskill.acoustic import (
    augment,
    corpus,
    features,
    kaldi_model,
    sphinx,
    sphinx_context,
    sphinx_net,
    synth,
    train,
)
from voiceskill.acoustic.context import FILE_NAME as CONTEXT_FILE
from voiceskill.acoustic.context import ContextTying
from voiceskill.acoustic.graph import GraphConfig, compile_graph
from voiceskill.acoustic.lexicon import (
    ACCENTS,
    PHONES,
    Pronunciation,
    accent_pronunciations,
    build_lexicon,
    closest_pronunciation,
    pronunciations,
)
from voiceskill.acoustic.synth import Voice


@dataclass
class BuildConfig:
    """Everything a build depends on (the defaults are the shipped model's recipe)."""

    out_dir: Path
    """Model directory to write."""
    dialog_dir: Path | None = None
    """Dialogs whose vocabulary the graph must cover (None: the base vocabulary only)."""
    seed_dir: Path | None = None
    """Source texts for general training words (None: the shipped general_words.txt)."""
    utterances: int = 8000
    """Clean utterances to synthesize."""
    copies: int = 2
    """Augmented copies of each clean utterance."""
    narrowband: float = 0.0
    """Share of augmented copies recorded as by an 8 kHz device (nothing above 4 kHz)."""
    voices: list[Voice] | None = None
    """Voices to train on (None: :func:`synth.training_voices`)."""
    words: list[str] | None = None
    """Restrict training texts to these words (tiny test builds); None: full corpus."""
    hidden: tuple[int, ...] = (384, 384, 384)
    """Hidden layer sizes."""
    epochs: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0)
    """Epochs per round; an alignment pass runs between rounds."""
    dropout: float = 0.0
    """Dropout on hidden units while training (robustness to unseen voices)."""
    frame_mask: int = 0
    """Spliced input frames blanked per training example (time masking)."""
    learning_rate: float = 1e-3
    """Adam step size."""
    seed: int = 7
    """Random seed for voices, texts and augmentation."""
    workers: int = 2
    """Parallel synthesis processes."""
    graph: GraphConfig = field(default_factory=GraphConfig)
    """Costs for the compiled graph."""
    cache_dir: Path | None = None
    """Keep synthesized audio here between builds (None: no cache)."""
    real_speech: bool = True
    """Mix the trained network with pocketsphinx's real-speech model (False: trained alone)."""
    train_with_runtime_mean: bool = False
    """Normalise the training audio with the mean Vosk starts from at run time
    (``REAL_SPEECH_MEAN`` when ``real_speech``) instead of the training audio's own mean.
    Consistent on paper, worse measured (2026-11-22, full benchmark sets): two builds with it
    got 45.5 and 45.1 % of held-out noisy clips and 10 and 11 of 14 real words (a third on the
    2026-11-21 recipe: 51.3 %), the same recipe with the training audio's own mean
    65.9 % and 12 of 14 (shipped: 68.5 %, 13 of 14). False is how the shipped network was
    trained; only the run-time file holds the real-speech mean."""
    context_min_count: int = 0
    """Phone contexts said at least this often in the training texts get their own network
    outputs (:mod:`voiceskill.acoustic.context`); 0: context-independent phones only."""
    real_speech_context: bool = False
    """Give the finished model Sphinx's context-dependent real-speech senones for the words of
    its graph (:mod:`voiceskill.acoustic.sphinx_context`; needs ``real_speech`` and no
    ``context_min_count``). Off: measured on the shipped model (session 19) it heard more real
    words but let 3 instead of 1 of 233 out-of-grammar clips through a red-flag question as
    "no"; not shipped yet. ``voiceskill model context`` adds it to any such model (and
    ``voiceskill model combine`` takes only models without it)."""
    for_8k_device: bool = False
    """Build the companion model for 8 kHz microphones: Vosk's mean normalisation starts from
    real speech as such a device records it (``sphinx_net.REAL_SPEECH_MEAN_8K``)."""
    networks: int = 1
    """Synthetic networks to train (the first with re-alignment, the others from seeds
    ``seed + 1``, … on its final alignment); the model adds their average, so one network's
    chance errors weigh less. Needs ``real_speech``."""
    synthetic_weight: float = 1.0
    """Weight of the trained network's log-likelihoods next to the real-speech model's (1).
    1.0 since 2026-11-22 (was 0.5): with phrase words, held-out clean 87.6 → 89.2 %, real
    12 → 13 of 15 words, out-of-grammar rejected 92.2 → 95.2 %; 1.5 lost real speech (5/14)."""

    labels: str = "first"
    """The phones each training word is aligned with: "first", the CMU dictionary's first
    pronunciation; "closest", the graph lexicon's variant (CMU and accents) nearest to what the
    voice's engine says; "spoken", what the engine says where espeak-ng spells it in the phone
    set (espeak-ng and piper voices; festival's the CMU dictionary's first). Measured
    (2026-11-23, 16,000 utterances, seed 7, against "first"): held-out wideband voices 529 and
    528 of 568 against 529, kajongg's real one..nine 76 and 70 of 108 against 80: no gain, so
    "first" stays."""

    @property
    def mfcc(self) -> features.MfccConfig:
        """Front end (written to conf/mfcc.conf, so Vosk computes the same features)."""
        return sphinx_net.SPHINX_MFCC if self.real_speech else features.MFCC


class MissingEngineError(RuntimeError):
    """A text-to-speech engine the build needs is not installed; the message says how to
    install it."""


#: Share of training utterances per engine (espeak-ng has many voices but sounds least human).
ENGINE_WEIGHTS = {"espeak": 0.5, "festival": 0.2, "piper": 0.3, "flite": 0.2}


LABELS = ("first", "closest", "spoken")


def training_labels(
    items: list[tuple[Voice, str]], how: str = "first"
) -> dict[tuple[Voice, str], list[Pronunciation]]:
    """The phones of each word of each (voice, text), as ``BuildConfig.labels`` says."""
    if how not in LABELS:
        raise ValueError(f"labels must be one of {', '.join(LABELS)}, not {how!r}")
    words = sorted({w for _, text in items for w in text.split()})
    first = {w: pronunciations(w)[0] for w in words}
    said: dict[str, dict[str, Pronunciation]] = {}
    variants: dict[str, list[Pronunciation]] = {}
    if how != "first":
        accents = {synth.phonemizer_accent(v) for v, _ in items} - {None}
        said = {a: accent_pronunciations(tuple(words), a) for a in sorted(accents)}
        variants = build_lexicon(words, ACCENTS) if how == "closest" else {}

    def label(voice: Voice, word: str) -> Pronunciation:
        heard = said.get(synth.phonemizer_accent(voice) or "", {}).get(word)
        if heard is None:
            return first[word]
        if how == "spoken":
            return heard
        return closest_pronunciation(heard, variants.get(word, [first[word]]))

    return {(v, t): [label(v, w) for w in t.split()] for v, t in set(items)}


def _pick_voice(voices: list[Voice], rng: np.random.Generator) -> Voice:
    engines = sorted({v.engine for v in voices})
    weights = np.array([ENGINE_WEIGHTS.get(e, 0.2) for e in engines])
    engine = engines[int(rng.choice(len(engines), p=weights / weights.sum()))]
    of_engine = [v for v in voices if v.engine == engine]
    return of_engine[int(rng.integers(len(of_engine)))]


def _frame_energy(samples: np.ndarray) -> np.ndarray:
    x = samples.astype(np.float64)
    n = max(0, (len(x) - 400) // 160 + 1)
    idx = np.arange(n)[:, None] * 160 + np.arange(400)[None, :]
    return np.log(np.sum(x[idx] ** 2, axis=1) + 1.0)


def _synthesize_all(
    items: list[tuple[Voice, str]],
    workers: int,
    tick: Callable[[], None],
    cache_dir: Path | None = None,
) -> list[tuple[Voice, str, np.ndarray]]:
    def one(item: tuple[Voice, str]) -> tuple[Voice, str, np.ndarray] | None:
        voice, text = item
        cached = None
        if cache_dir is not None:
            key = hashlib.sha1(f"{voice.label}|{text}".encode()).hexdigest()[:16]
            cached = cache_dir / f"{key}.npy"
        try:
            if cached is not None and cached.is_file():
                audio = np.load(cached)
            else:
                audio = synth.synthesize(voice, text)
                if cached is not None:
                    np.save(cached, audio)
        except synth.SynthesisError:
            audio = None
        tick()
        if audio is None or len(audio) < 1600:
            return None
        return voice, text, audio

    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = list(pool.map(one, items))
    return [d for d in done if d is not None]


def normalisation_means(cfg: BuildConfig, feats: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(run-time mean, training mean) for Kaldi's online mean normalisation.

    The run-time mean is written as am/global_cmvn.stats, where Vosk's normalisation starts:
    the mean of real recordings when the real-speech Gaussians are in the model (they need it),
    else the training audio's. Training audio is normalised with its own mean unless
    ``cfg.train_with_runtime_mean``."""
    own = np.mean(np.concatenate(feats), axis=0)
    real = sphinx_net.REAL_SPEECH_MEAN_8K if cfg.for_8k_device else sphinx_net.REAL_SPEECH_MEAN
    runtime = real if cfg.real_speech else own
    return runtime, (runtime if cfg.train_with_runtime_mean else own)


def build(cfg: BuildConfig, log: Callable[[str], None] = print) -> dict[str, float]:
    """Build a model from scratch into ``cfg.out_dir``; returns timing/size figures."""
    from threadpoolctl import threadpool_limits

    # Many small matrix products: one BLAS thread is far faster than threads fighting for cores.
    with threadpool_limits(limits=1, user_api="blas"):
        return _build(cfg, log)


def _build(cfg: BuildConfig, log: Callable[[str], None]) -> dict[str, float]:
    from tqdm import tqdm

    t0 = time.time()
    if cfg.networks > 1 and (not cfg.real_speech or cfg.context_min_count > 0):
        raise ValueError("several synthetic networks need real_speech and no context units")
    rng = np.random.default_rng(cfg.seed)
    problem = corpus.dialog_load_problem(cfg.dialog_dir)
    if problem:
        log(f"warning: {problem}")
    vocab = corpus.vocabulary(cfg.dialog_dir)
    if cfg.words is not None:
        vocab = sorted({w.lower() for w in cfg.words})
        phrases, general = [], []
    else:
        phrases = corpus.listened_phrases(cfg.dialog_dir)
        if cfg.seed_dir is not None:
            general = corpus.general_words(cfg.seed_dir, 1500)
        else:
            general = corpus.shipped_general_words()
        general = [w for w in general if pronunciations(w)]
    voices = cfg.voices or synth.training_voices(rng)
    missing = sorted(e for e in {v.engine for v in voices} if not synth.engine_available(e))
    if missing and cfg.voices is None:
        # The recipe's voices, not a chosen subset: leaving an engine out would build a
        # different model without a word (sessions 13 and 14 built without festival that way).
        raise MissingEngineError(
            "; ".join(f"{e} is not installed ({synth.INSTALL_HINTS[e]})" for e in missing)
            + ": the recipe's training voices need it (`make setup` installs every engine)"
        )
    voices = [v for v in voices if v.engine not in missing]
    if not voices:
        raise MissingEngineError("none of the chosen voices' text-to-speech engines is installed")
    texts = corpus.training_texts(vocab, phrases, general, cfg.utterances, rng)
    texts = [t for t in texts if all(pronunciations(w) for w in t.split())]
    items = [(_pick_voice(voices, rng), t) for t in texts]
    labels = training_labels(items, cfg.labels)
    if cfg.cache_dir is not None:
        cfg.cache_dir.mkdir(parents=True, exist_ok=True)
    log(f"{len(items)} utterances from {len(voices)} voices, vocabulary {len(vocab)} words")

    with tqdm(total=len(items), desc="synthesize", unit="utt") as bar:
        clean = _synthesize_all(items, cfg.workers, lambda: bar.update(1), cfg.cache_dir)

    raw: list[tuple[np.ndarray, np.ndarray, list[list[str]]]] = []
    with tqdm(total=len(clean) * cfg.copies, desc="augment+features", unit="utt") as bar:
        for voice, text, audio in clean:
            prons = [list(p) for p in labels[(voice, text)]]
            for c in range(cfg.copies):
                strength = 0.0 if c == 0 and cfg.copies > 2 else 1.0
                noisy = augment.augment(audio, rng, strength=strength, narrowband=cfg.narrowband)
                feats = features.mfcc(noisy, cfg.mfcc)
                energy = _frame_energy(noisy)[: len(feats)]
                raw.append((feats, energy, prons))
                bar.update(1)
    global_mean, train_mean = normalisation_means(cfg, [f for f, _, _ in raw])
    utts = [
        train.Utterance(features.online_cmn(f, train_mean), prons, e)
        for f, e, prons in raw
        if len(f) > 3 * kaldi_model.STATES_PER_PHONE * sum(len(p) for p in prons) // 2
    ]
    tying = None
    if cfg.context_min_count > 0:
        tying = ContextTying.from_texts((w for u in utts for w in u.phones), cfg.context_min_count)
        log(f"{tying.num_units} context units (contexts said {cfg.context_min_count}+ times)")
    for u in utts:
        u.pdfs, u.units = train.flat_start(u, tying)

    dim = utts[0].feats.shape[1]
    n_pdfs = kaldi_model.num_pdfs(len(PHONES))
    n_units = tying.num_units if tying is not None else 0
    pool = train.FramePool(utts)
    sample = pool.batch(rng.choice(len(pool.centres), size=min(200000, len(pool.centres))))
    mu, sigma = sample.mean(axis=0), sample.std(axis=0) + 1e-3

    def new_network(seed: int) -> train.Network:
        return train.Network(
            len(train.OFFSETS) * dim,
            cfg.hidden,
            n_pdfs + n_units,
            seed=seed,
            dropout=cfg.dropout,
            frame_mask=cfg.frame_mask,
            frame_dim=dim,
            heads=(n_pdfs, n_units) if n_units else (),
        )

    net = new_network(cfg.seed)
    norm = _NormalizedNet(net, mu, sigma)
    frames = len(pool.centres)
    total_steps = int(cfg.networks * sum(cfg.epochs) * frames / 256)
    log(f"{len(utts)} training utterances, {frames} frames, {total_steps} steps")
    with tqdm(total=total_steps, desc="train", unit="step") as bar:
        for round_index, epochs in enumerate(cfg.epochs):
            if round_index > 0:
                prior = np.log(train.pdf_priors(utts, n_pdfs, n_units))
                kept = train.realign(norm, utts, prior, tying)
                log(f"re-aligned ({kept} kept their previous alignment)")
            loss = train.train_epochs(
                norm, pool, epochs, cfg.learning_rate, rng, progress=bar.update
            )
            log(f"round {round_index + 1}: loss {loss:.3f}")
        nets = [net]
        for extra in range(1, cfg.networks):
            nets.append(new_network(cfg.seed + extra))
            for epochs in cfg.epochs:  # the same rounds as the first network's
                loss = train.train_epochs(_NormalizedNet(nets[-1], mu, sigma), pool, epochs,
                                          cfg.learning_rate, rng, progress=bar.update)
            log(f"network {extra + 1}: loss {loss:.3f}")
    priors = train.pdf_priors(utts, n_pdfs, n_units)
    write_model(cfg, nets, mu, sigma, priors, global_mean, dim, tying)
    if cfg.real_speech and cfg.real_speech_context and tying is None:
        units = sphinx_context.add_for_vocabulary(cfg.out_dir, [*vocab, *phrases])
        log(f"{units} real-speech context units")
    skipped = compile_graph([*vocab, *phrases], cfg.out_dir, cfg.graph)
    if skipped:
        log(f"no pronunciation for: {' '.join(skipped)}")
    size = sum(p.stat().st_size for p in cfg.out_dir.rglob("*") if p.is_file())
    return {"seconds": time.time() - t0, "utterances": len(utts), "frames": frames, "bytes": size}


def _kaldi_weights(net: train.Network, mu: np.ndarray, sigma: np.ndarray, priors: np.ndarray,
                   feat_dim: int) -> kaldi_model.NetworkWeights:
    """``net`` with the input normalisation folded into its first layer."""
    w1 = net.W[0] / sigma[:, None]
    b1 = net.b[0] - mu @ w1
    return kaldi_model.NetworkWeights(
        offsets=list(train.OFFSETS),
        feat_dim=feat_dim,
        weights=[w1.T, *[w.T for w in net.W[1:]]],
        biases=[b1, *net.b[1:]],
        priors=priors,
        heads=net.heads if len(net.heads) > 1 else (),
    )


class _NormalizedNet:
    """Wraps a Network so it sees (x - mu) / sigma; folded into layer 1 when written."""

    def __init__(self, net: train.Network, mu: np.ndarray, sigma: np.ndarray) -> None:
        self.net, self.mu, self.sigma = net, mu.astype(np.float32), sigma.astype(np.float32)

    def log_posteriors(self, x: np.ndarray) -> np.ndarray:
        return self.net.log_posteriors((x - self.mu) / self.sigma)

    def train_step(self, x: np.ndarray, y: np.ndarray, lr: float, smooth: float = 0.1) -> float:
        return self.net.train_step((x - self.mu) / self.sigma, y, lr, smooth)


def write_model(
    cfg: BuildConfig,
    nets: list[train.Network],
    mu: np.ndarray,
    sigma: np.ndarray,
    priors: np.ndarray,
    global_mean: np.ndarray,
    feat_dim: int,
    tying: ContextTying | None = None,
) -> None:
    """Write am/, conf/mfcc.conf and the model card stub (graph is compiled separately).

    With ``cfg.real_speech`` the network written is pocketsphinx's real-speech model plus the
    trained one: both score the same HMM states on the same features, and Vosk decodes with the
    sum of their weighted log-likelihoods (the graph's acoustic scale applies on top). Real
    speech anchors the result; the trained network knows the text-to-speech voices and the
    project's augmentation.
    """
    out_dir = cfg.out_dir
    if out_dir.exists():
        for sub in ("am", "graph", "conf"):
            shutil.rmtree(out_dir / sub, ignore_errors=True)
    (out_dir / "am").mkdir(parents=True, exist_ok=True)
    (out_dir / "conf").mkdir(parents=True, exist_ok=True)
    kaldi_nets = [_kaldi_weights(net, mu, sigma, priors, feat_dim) for net in nets]
    kaldi_net = kaldi_nets[0]
    mdl = out_dir / "am" / "final.mdl"
    units = tying.unit_phone_states() if tying is not None else None
    if tying is not None:
        tying.write(out_dir / "am" / CONTEXT_FILE)
    if cfg.real_speech:
        real = sphinx.read_ci_model(sphinx.pocketsphinx_model_dir())
        sphinx_net.write_final_mdl(mdl, real, kaldi_nets, cfg.synthetic_weight, units)
    else:
        kaldi_model.write_final_mdl(mdl, kaldi_net, unit_states=units)
    features.write_global_cmvn(out_dir / "am" / "global_cmvn.stats", global_mean)
    (out_dir / "conf" / "mfcc.conf").write_text(features.mfcc_conf_text(cfg.mfcc), encoding="ascii")
