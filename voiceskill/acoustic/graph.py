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

import math
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
    SILENCE,
    UNKNOWN_WORD,
    Pronunciation,
    build_lexicon,
    write_lexicon,
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

    def to_file(self, path: Path) -> None:
        """Save as ``key=value`` lines (read back by :meth:`from_file`)."""
        path.write_text("".join(f"{k}={v}\n" for k, v in asdict(self).items()), encoding="ascii")

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


def compile_graph(
    vocabulary: Iterable[str], model_dir: Path, cfg: GraphConfig | None = None
) -> list[str]:
    """Write graph/ and conf/model.conf for ``vocabulary`` (words and phrases) into
    ``model_dir``: a graph word for every word, and one for every multi-word phrase.

    Returns the words left out because no pronunciation could be found. A context-dependent
    model's ``am/context.txt`` that cannot be read raises ContextFileError (a ValueError) before
    any file is written.
    """
    cfg = cfg or GraphConfig()
    tying = read_tying(model_dir / "am")  # before anything is written: a bad file changes nothing
    phrases = {" ".join(p.lower().split()) for p in vocabulary} - {UNKNOWN_WORD}
    wanted = sorted({w for phrase in phrases for w in phrase.split()})
    lexicon = build_lexicon(wanted, ACCENTS)
    skipped = [w for w in wanted if w not in lexicon]
    joined = {
        phrase_word(p) for p in phrases if " " in p and all(w in lexicon for w in p.split())
    }
    words = {"<eps>": 0}
    for word in sorted(lexicon) + sorted(joined):
        words[word] = len(words)
    words[UNKNOWN_WORD] = len(words)
    graph = model_dir / "graph"
    graph.mkdir(parents=True, exist_ok=True)
    (graph / "words.txt").write_text(
        "".join(f"{w} {i}\n" for w, i in words.items()), encoding="utf-8"
    )
    build_hclr(lexicon, words, cfg, tying).write(graph / "HCLr.fst")
    build_gr(words).write(graph / "Gr.fst")
    (graph / "disambig_tid.int").write_text("", encoding="ascii")
    write_lexicon(graph / "lexicon.txt", lexicon)
    (graph / "phones.txt").write_text(
        "<eps> 0\n" + "".join(f"{p} {i + 1}\n" for i, p in enumerate(PHONES)), encoding="ascii"
    )
    conf = model_dir / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "model.conf").write_text(model_conf_text(cfg), encoding="ascii")
    cfg.to_file(conf / "graph.conf")
    return skipped
