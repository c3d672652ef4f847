"""Compile the decoding graph for a vocabulary: graph/HCLr.fst, Gr.fst, words.txt, disambig_tid.int.

This is Vosk's lookahead layout, so ``KaldiRecognizer(model, rate, '["yes", "no", "[unk]"]')``
builds each turn's grammar at run time. HCLr is written directly (no composition needed; phone
context, when the model has it, stops at word edges, see :mod:`voiceskill.acoustic.context`)
and takes seconds for any vocabulary:

* state 0 is the word-loop state (start and final);
* every pronunciation is a chain of 3-state phone HMMs whose first arc emits the word;
* every multi-word phrase is also one word (``go_on``, see :mod:`voiceskill.speech.phrase_words`):
  its words' pronunciations in a row, optional silence between them, the same costs as the
  words said one after the other;
* optional silence loops on state 0;
* ``[unk]`` is a free phone loop with an entry cost and a per-phone cost, so speech outside
  the grammar has somewhere to go other than the nearest phrase.
"""

from __future__ import annotations

import ctypes
import errno
import math
import os
import shutil
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from voiceskill.acoustic import kaldi_model as km
from voiceskill.acoustic.context import ContextTying, read_tying
from voiceskill.acoustic.fst import VectorFst
from voiceskill.acoustic.lexicon import (
    ACCENTS,
    ARPABET,
    PHONES,
    RESERVED_WORDS,
    SILENCE,
    UNKNOWN_WORD,
    Pronunciation,
    build_lexicon,
    lexicon_text,
)
from voiceskill.speech.phrase_words import JOIN, phrase_word


@dataclass(frozen=True)
class GraphConfig:
    """Costs (negative log probabilities) baked into HCLr, and the decoder settings."""

    word_cost: float = 5.0
    """Word-insertion penalty added to every word; fewer spurious extra words."""
    silence_cost: float = 1.0
    """Cost of an optional silence between words."""
    unk_cost: float = 10.0
    """Cost of entering the [unk] phone loop."""
    unk_phone_cost: float = 1.5
    """Cost per phone inside the [unk] loop."""
    self_loop_cost: float = 0.1
    """Cost of staying in an HMM state for one more frame."""
    unk_frame_cost: float = 0.4
    """Cost of staying in a state of the [unk] loop for one more frame. Above
    ``self_loop_cost``, quiet or steady noise around a word is cheaper as silence than as one
    long garbage phone (at 0.1, 0.5 s of faint noise before "yes" made it [unk] nearly always:
    padded answer fixtures 29 % right; 0.4: 85 %, out-of-grammar still 94 % rejected)."""
    acoustic_scale: float = 0.15
    """Weight of the network's log-likelihoods against graph costs (Vosk --acoustic-scale);
    0.15 suits the real-speech Gaussian scores plus the synthetic network's (0.3 suited the
    synthetic network alone; 0.12 and 0.18 both lost real speech and rejection)."""
    beam: float = 14.0
    """Vosk --beam: must exceed unk_cost, or [unk] paths are pruned the frame they start."""
    max_active: int = 3000
    """Vosk --max-active: tokens kept per frame (the [unk] phone loop needs room)."""
    lattice_beam: float = 0.5
    """Vosk --lattice-beam: wider gives softer confidences, but lattice work dominates decoding
    of continuous speech (13 s of real speech: RTF 0.30 at 1.5, 0.08 at 0.5; 10 at 4.0 with the
    [unk] loop) for no measured accuracy gain."""

    def to_text(self) -> str:
        """``key=value`` lines (read back by :meth:`from_file`)."""
        return "".join(f"{k}={v}\n" for k, v in asdict(self).items())

    def to_file(self, path: Path) -> None:
        """Save as ``key=value`` lines (read back by :meth:`from_file`)."""
        path.write_text(self.to_text(), encoding="ascii")

    @classmethod
    def from_file(cls, path: Path) -> GraphConfig:
        """Read a file written by :meth:`to_file`; unknown keys are an error."""
        values: dict[str, float] = {}
        for number, line in enumerate(path.read_text(encoding="ascii").splitlines(), 1):
            if not line.strip():
                continue
            key, _, value = line.partition("=")
            if key not in cls.__dataclass_fields__:
                raise ValueError(f"{path}:{number}: unknown setting {key!r}")
            values[key] = int(value) if key == "max_active" else float(value)
        return cls(**values)


def model_conf_text(cfg: GraphConfig) -> str:
    """``conf/model.conf``: decoder beams and endpointing (silence phone is phone 1)."""
    return (
        "\n".join(
            [
                "--min-active=200",
                f"--max-active={cfg.max_active}",
                f"--beam={cfg.beam:g}",
                f"--lattice-beam={cfg.lattice_beam:g}",
                f"--acoustic-scale={cfg.acoustic_scale:g}",
                "--frame-subsampling-factor=1",
                "--endpoint.silence-phones=1",
                "--endpoint.rule2.min-trailing-silence=0.5",
                "--endpoint.rule3.min-trailing-silence=1.0",
                "--endpoint.rule4.min-trailing-silence=2.0",
            ]
        )
        + "\n"
    )


class _Builder:
    """Builds a VectorFst whose state 0 is start and final."""

    def __init__(self, table: km.TransitionTable) -> None:
        self.table = table
        self.fst = VectorFst()
        self.fst.add_state()
        self.fst.start = 0
        self.fst.set_final(0, 0.0)

    def state(self) -> int:
        return self.fst.add_state()

    def arc(self, src: int, dst: int, ilabel: int, olabel: int, cost: float) -> None:
        self.fst.add_arc(src, ilabel, olabel, cost, dst)

    def phone(
        self,
        src: int,
        phone_id: int,
        olabel: int,
        cost: float,
        self_cost: float,
        units: list[int] | None = None,
    ) -> int:
        """Append one phone HMM after ``src`` (its states' context ``units``, or the
        context-independent pdfs); return the state inside its last HMM state."""
        cur = src
        for s in range(km.STATES_PER_PHONE):
            unit = units[s] if units is not None else None
            nxt = self.state()
            first = s == 0
            self.arc(
                cur,
                nxt,
                self.table.forward(phone_id, s, unit),
                olabel if first else 0,
                cost if first else 0.0,
            )
            self.arc(nxt, nxt, self.table.self_loop(phone_id, s, unit), 0, self_cost)
            cur = nxt
        return cur


def build_hclr(
    lexicon: dict[str, list[Pronunciation]],
    words: dict[str, int],
    cfg: GraphConfig,
    tying: ContextTying | None = None,
) -> VectorFst:
    """Build the HCLr transducer (transition-ids → words), sorted on output labels. With a
    context ``tying``, the phones of words use their context units; silence and ``[unk]``
    always use the context-independent pdfs."""
    unit_states = tying.unit_phone_states() if tying is not None else None
    b = _Builder(km.TransitionTable.for_model(len(PHONES), unit_states=unit_states))
    phone_id = {p: i + 1 for i, p in enumerate(PHONES)}
    end = b.phone(0, phone_id[SILENCE], 0, cfg.silence_cost, cfg.self_loop_cost)
    b.arc(end, 0, 0, 0, 0.0)
    for word, label in sorted(words.items()):
        parts = word.split(JOIN) if label > 0 else []
        if parts and all(p in lexicon for p in parts):
            _add_word(b, [lexicon[p] for p in parts], label, phone_id, cfg, tying)
    if UNKNOWN_WORD in words:
        loop_in, loop_out = b.state(), b.state()
        b.arc(0, loop_in, 0, words[UNKNOWN_WORD], cfg.unk_cost)
        for ph in ARPABET:
            last = b.phone(loop_in, phone_id[ph], 0, cfg.unk_phone_cost, cfg.unk_frame_cost)
            b.arc(last, loop_out, 0, 0, 0.0)
        b.arc(loop_out, loop_in, 0, 0, 0.0)
        b.arc(loop_out, 0, 0, 0, 0.0)
    b.fst.sort("olabel")
    return b.fst


def _add_word(
    b: _Builder,
    parts: list[list[Pronunciation]],
    label: int,
    phone_id: dict[str, int],
    cfg: GraphConfig,
    tying: ContextTying | None,
) -> None:
    """Paths from state 0 back to state 0 for a word (``parts`` = its one word's
    pronunciations) or a phrase word (one list per word, optional silence between them)."""
    start = 0
    for k, prons in enumerate(parts):
        end = b.state()
        variant_cost = math.log(len(prons))
        for pron in prons:
            cur = start
            units = tying.word_units(pron) if tying is not None else [None] * len(pron)
            for i, (ph, phone_units) in enumerate(zip(pron, units, strict=True)):
                cur = b.phone(
                    cur,
                    phone_id[ph],
                    label if k == 0 and i == 0 else 0,
                    cfg.word_cost + variant_cost if i == 0 else 0.0,
                    cfg.self_loop_cost,
                    phone_units,
                )
            b.arc(cur, end, 0, 0, 0.0)
        if k == len(parts) - 1:
            b.arc(end, 0, 0, 0, 0.0)
            return
        start = b.state()
        b.arc(end, start, 0, 0, 0.0)
        pause = b.phone(end, phone_id[SILENCE], 0, cfg.silence_cost, cfg.self_loop_cost)
        b.arc(pause, start, 0, 0, 0.0)


def build_gr(words: dict[str, int]) -> VectorFst:
    """A one-state loop over every word (used when no grammar is given)."""
    b = _Builder(km.TransitionTable.for_model())
    for _word, wid in sorted(words.items(), key=lambda kv: kv[1]):
        if wid > 0:
            b.arc(0, 0, wid, wid, math.log(max(len(words) - 1, 1)))
    b.fst.sort("ilabel")
    return b.fst


#: Where compile writes the new graph before swapping it in, beside ``graph/``.
STAGING_DIR = "graph.new"
#: Where the fallback swap (no atomic exchange) puts the old graph for a moment.
OLD_DIR = "graph.old"
#: Marker in a staged graph: present while the swap is not finished (conf files may still be
#: waiting as ``conf/NAME.new``). In ``graph/`` it means "swapped in, finish the rest".
PENDING = ".compile-pending"
#: Files of conf/ that compile rewrites (each first written as NAME.new).
CONF_FILES = ("model.conf", "graph.conf")
#: Files of graph/ that compile writes; any other file of graph/ is copied unchanged.
GRAPH_FILES = ("words.txt", "HCLr.fst", "Gr.fst", "disambig_tid.int", "lexicon.txt", "phones.txt")


def config_problems(cfg: GraphConfig) -> list[str]:
    """What is wrong with ``cfg`` (empty when nothing): every cost a finite number not below
    0, the decoder settings in the ranges Vosk accepts, and [unk] reachable within the beam."""
    problems = []
    for name, value in asdict(cfg).items():
        option = name.replace("_", "-")
        if not math.isfinite(value):
            problems.append(f"--{option}={value}: must be a finite number")
        elif value < 0:
            problems.append(f"--{option}={value:g}: must not be negative")
    if problems:
        return problems
    for name in ("acoustic_scale", "beam", "lattice_beam"):
        if getattr(cfg, name) <= 0:
            problems.append(f"--{name.replace('_', '-')}={getattr(cfg, name):g}: must be above 0")
    if cfg.max_active < 200:
        problems.append(f"--max-active={cfg.max_active}: must be at least 200 (--min-active)")
    if cfg.unk_cost >= cfg.beam:
        problems.append(
            f"--unk-cost={cfg.unk_cost:g}: must be below the beam ({cfg.beam:g}), or [unk] "
            "paths are pruned the frame they start"
        )
    return problems


def check_config(cfg: GraphConfig) -> None:
    """Raise ValueError unless ``cfg`` gives a graph and a conf/model.conf Vosk accepts: the
    ranges of :func:`config_problems`, then the model.conf text through the same check
    `model check` makes (voiceskill.speech.modeldir)."""
    from voiceskill.speech.modeldir import ModelDirError
    from voiceskill.speech.modeldir.conf import check_model_conf

    problems = config_problems(cfg)
    if problems:
        raise ValueError("; ".join(problems) + " (nothing was written)")
    try:
        check_model_conf(Path("conf/model.conf"), model_conf_text(cfg).encode("ascii"))
    except ModelDirError as err:
        raise ValueError(f"the graph options make a model.conf Vosk refuses: {err} "
                         "(nothing was written)") from None


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` and flush it to disk (a staged file is complete before any
    swap)."""
    with path.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def _rename(src: Path, dst: Path) -> None:
    os.replace(src, dst)


def _remove_tree(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def _exchange(a: Path, b: Path) -> bool:
    """Swap directories ``a`` and ``b`` in one step (Linux renameat2 RENAME_EXCHANGE); False
    when the system or the file system cannot (then nothing was changed)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EXDEV, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(a))


def recover_graph(model_dir: Path) -> str | None:
    """Finish or undo a `model compile` of ``model_dir`` that was interrupted; return what was
    done (None: there was nothing to do).

    A compile stages the new graph in ``graph.new/`` (with a :data:`PENDING` marker) and the
    new conf files as ``conf/NAME.new``, then swaps ``graph.new`` and ``graph`` in one step;
    so ``graph/`` is always a complete graph, the old one or the new one. A marker in
    ``graph/`` means the swap happened: the waiting conf files are put in place. Anything else
    left over is a graph that was never swapped in, and is removed."""
    graph, staged, old = model_dir / "graph", model_dir / STAGING_DIR, model_dir / OLD_DIR
    conf = model_dir / "conf"
    if not graph.exists() and (staged / PENDING).is_file():
        _rename(staged, graph)  # the fallback swap stopped between its two renames
    if not graph.exists() and old.is_dir():
        _rename(old, graph)
    leftovers = [p for p in (staged, old) if p.exists()]
    leftovers += [conf / f"{name}.new" for name in CONF_FILES if (conf / f"{name}.new").exists()]
    if (graph / PENDING).is_file():
        for name in CONF_FILES:
            if (conf / f"{name}.new").exists():
                _rename(conf / f"{name}.new", conf / name)
        (graph / PENDING).unlink()
        for path in (staged, old):
            _remove_tree(path)
        return f"{model_dir}: finished an interrupted `model compile` (its new graph is in place)"
    if not leftovers:
        return None
    for path in leftovers:
        _remove_tree(path)
    return (f"{model_dir}: removed what an interrupted `model compile` left "
            f"({', '.join(p.name for p in leftovers)}); the graph is the one from before it")


@dataclass
class StagedGraph:
    """A compiled graph written beside a model's graph/, not yet in use
    (see :func:`stage_graph`)."""

    model_dir: Path
    skipped: list[str]
    """Words left out because no pronunciation could be found."""
    words: int
    """Words of the vocabulary in the new graph."""

    def commit(self) -> None:
        """Swap the staged graph in: one atomic exchange of directories where the system has
        it (else two renames, which :func:`recover_graph` completes if interrupted between
        them), then the conf files, then the old graph is removed."""
        graph, staged = self.model_dir / "graph", self.model_dir / STAGING_DIR
        if not graph.exists():
            _rename(staged, graph)
        elif _exchange(staged, graph):
            pass  # graph.new now holds the old graph
        else:
            old = self.model_dir / OLD_DIR
            _rename(graph, old)
            _rename(staged, graph)
        conf = self.model_dir / "conf"
        for name in CONF_FILES:
            _rename(conf / f"{name}.new", conf / name)
        (graph / PENDING).unlink()
        _remove_tree(staged)
        _remove_tree(self.model_dir / OLD_DIR)

    def discard(self) -> None:
        """Remove the staged files (the model keeps its graph)."""
        _remove_tree(self.model_dir / STAGING_DIR)
        for name in CONF_FILES:
            _remove_tree(self.model_dir / "conf" / f"{name}.new")


def stage_graph(
    vocabulary: Iterable[str], model_dir: Path, cfg: GraphConfig | None = None, *,
    checked: bool = False,
) -> StagedGraph:
    """Write the graph for ``vocabulary`` (words and phrases) to ``model_dir/graph.new`` and
    its conf files to ``conf/NAME.new``, leaving the model as it was until
    :meth:`StagedGraph.commit`. Leftovers of an interrupted compile are dealt with first
    (:func:`recover_graph`). Bad options (ValueError) or a context-dependent model's
    ``am/context.txt`` that cannot be read (ContextFileError, a ValueError) raise before any
    file is written. ``checked``: the caller has passed this very ``cfg`` through
    :func:`check_config` already (`model compile` checks the options of both models before
    staging either), so it is not checked again."""
    cfg = cfg or GraphConfig()
    if not checked:
        check_config(cfg)
    tying = read_tying(model_dir / "am")  # before anything is written: a bad file changes nothing
    phrases = {" ".join(p.lower().split()) for p in vocabulary} - {UNKNOWN_WORD}
    wanted = sorted({w for phrase in phrases for w in phrase.split()} - RESERVED_WORDS)
    lexicon = build_lexicon(wanted, ACCENTS)
    skipped = [w for w in wanted if w not in lexicon]
    joined = {
        phrase_word(p) for p in phrases if " " in p and all(w in lexicon for w in p.split())
    }
    words = {"<eps>": 0}
    for word in sorted(lexicon) + sorted(joined):
        words[word] = len(words)
    words[UNKNOWN_WORD] = len(words)
    hclr = build_hclr(lexicon, words, cfg, tying).to_bytes()
    gr = build_gr(words).to_bytes()

    recover_graph(model_dir)
    result = StagedGraph(model_dir, skipped, len(wanted) - len(skipped))
    try:
        _write_staged(model_dir, cfg, words, hclr, gr, lexicon)
    except BaseException:
        result.discard()
        raise
    return result


def _write_staged(
    model_dir: Path,
    cfg: GraphConfig,
    words: dict[str, int],
    hclr: bytes,
    gr: bytes,
    lexicon: dict[str, list[Pronunciation]],
) -> None:
    graph, staged = model_dir / "graph", model_dir / STAGING_DIR
    _remove_tree(staged)
    staged.mkdir(parents=True)
    _write(staged / PENDING, b"")
    if graph.is_dir():
        for path in sorted(graph.iterdir()):
            if path.is_file() and path.name not in GRAPH_FILES and path.name != PENDING:
                shutil.copy2(path, staged / path.name)
    _write(staged / "words.txt", "".join(f"{w} {i}\n" for w, i in words.items()).encode())
    _write(staged / "HCLr.fst", hclr)
    _write(staged / "Gr.fst", gr)
    _write(staged / "disambig_tid.int", b"")
    _write(staged / "lexicon.txt", lexicon_text(lexicon).encode())
    _write(staged / "phones.txt", (
        "<eps> 0\n" + "".join(f"{p} {i + 1}\n" for i, p in enumerate(PHONES))
    ).encode("ascii"))
    conf = model_dir / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    _write(conf / "model.conf.new", model_conf_text(cfg).encode("ascii"))
    _write(conf / "graph.conf.new", cfg.to_text().encode("ascii"))


def compile_graph(
    vocabulary: Iterable[str], model_dir: Path, cfg: GraphConfig | None = None
) -> list[str]:
    """Write graph/ and conf/model.conf for ``vocabulary`` (words and phrases) into
    ``model_dir``: a graph word for every word, and one for every multi-word phrase.

    Returns the words left out because no pronunciation could be found. The new files are
    written beside the old ones and swapped in at the end (:func:`stage_graph`), so an
    interruption at any point leaves the old graph or the new one, never a mix.
    """
    staged = stage_graph(vocabulary, model_dir, cfg)
    try:
        staged.commit()
    except BaseException:
        recover_graph(model_dir)
        raise
    return staged.skipped
