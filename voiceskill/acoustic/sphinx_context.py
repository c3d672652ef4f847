"""Real-speech context: score each phone state of a word with Sphinx's own triphone senone.

pocketsphinx's English model (:mod:`voiceskill.acoustic.sphinx`) is context-dependent: its
137,053 triphones share 5,000 senones, each a mixture over its base phone's codebook with its
own weights, all trained on recordings of people. :mod:`voiceskill.acoustic.sphinx_net` uses
only its 126 context-independent senones. :func:`add_real_speech_context` gives a model built
with the real-speech half context-dependent pdfs whose real-speech scores are those senones:

* **tying**: every (left, phone, right) inside the words of a vocabulary gets, per HMM state,
  the unit of its Sphinx senone (keys with the same senone share a unit). Contexts stop at word
  edges as in :mod:`voiceskill.acoustic.context`, so any word still compiles on its own: a
  word's first phone is looked up as Sphinx's word-initial triphone after silence, its last as
  the word-final one before silence, a one-phone word as a single-phone word between silences.
  Triphones Sphinx does not list, and words compiled later that the vocabulary did not hold,
  fall back to the context-independent pdfs.
* **network**: per unit, the log of its Sphinx mixture (the sum over its base phone's
  Gaussians, see :func:`context_network`), summed over the three feature streams, plus the
  synthetic networks' score of the unit's CI state. The CI pdfs are rescored the same way
  (``sphinx_net`` scores them by the best Gaussian) so that words and ``[unk]`` stay
  comparable. The synthetic networks are not retrained.

The model's graph must be compiled again afterwards (``voiceskill model compile``): the graph
compiler reads the tying from ``am/context.txt``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from voiceskill.acoustic import kaldi_model as km
from voiceskill.acoustic import sphinx
from voiceskill.acoustic.combine import CombineError, read_nnet, synthetic_branches
from voiceskill.acoustic.context import (
    ANY,
    BOUNDARY,
    FILE_NAME,
    SILENCE_UNIT,
    ContextTying,
    Key,
    in_word,
)
from voiceskill.acoustic.kaldi_model import STATES_PER_PHONE as STATES
from voiceskill.acoustic.lexicon import ACCENTS, PHONES, SILENCE, UNKNOWN_WORD, build_lexicon

#: The senones' mixture weights are written as integers: weight × WEIGHT_SCALE, rounded
#: (Sphinx stores them in 8 bits, steps of 0.1 nats; weights under 5e-6 become 0), which keeps
#: the text model small; the log of the scale stays in every pdf's score alike (it changes no
#: comparison the decoder makes).
WEIGHT_SCALE = 1e5

#: Each stream's mixture is multiplied by this as well before the three are multiplied: the
#: product stays under 1.8e19 (its square must fit a float), and the log's floor of 2^-33 sits
#: 3 × log(WEIGHT_SCALE × STREAM_GAIN) + 23 = 66 nats under the streams' log-sum-exp.
STREAM_GAIN = 20.0

#: Node names of the context part (``voiceskill model combine`` refuses such a model).
NODE = "senones"


class ContextError(ValueError):
    """A model that cannot be given real-speech context; the message says which file and why."""


def sphinx_triphone(left: str, phone: str, right: str) -> sphinx.Triphone:
    """Sphinx's triphone for ``phone`` between ``left`` and ``right`` inside one word
    (:data:`BOUNDARY` at a word edge: silence there, and Sphinx's word position)."""
    at_start, at_end = left == BOUNDARY, right == BOUNDARY
    position = ("single" if at_start and at_end else "begin" if at_start
                else "end" if at_end else "internal")
    return (position, phone, "SIL" if at_start else left, "SIL" if at_end else right)


def triphone_senones(
    triphones: sphinx.SphinxTriphones, left: str, phone: str, right: str
) -> tuple[int, ...] | None:
    """Senones of ``phone``'s states between ``left`` and ``right``: Sphinx's triphone at its
    word position, else the same neighbours at another position, else None."""
    position, *context = sphinx_triphone(left, phone, right)
    for pos in (position, *sphinx.WORD_POSITIONS):
        found = triphones.senones.get((pos, *context))  # type: ignore[arg-type]
        if found is not None:
            return found
    return None


def tying_for(
    pronunciations: Iterable[Iterable[str]], triphones: sphinx.SphinxTriphones,
    sphinx_phones: list[str],
) -> tuple[ContextTying, list[int]]:
    """The tying for words said as ``pronunciations``, and the Sphinx senone of each unit.

    ``sphinx_phones`` are the Sphinx model's CI phone names (its codebook order): the
    fallback units of each phone state use the CI senone ``phone × states + state``."""
    units: dict[Key, int] = {}
    senone_unit: dict[int, int] = {}

    def unit_of(senone: int) -> int:
        return senone_unit.setdefault(senone, len(senone_unit))

    for triple in sorted({t for pron in pronunciations for t in in_word(pron)}):
        found = triphone_senones(triphones, *triple)
        if found is None:
            continue
        left, phone, right = triple
        for s in range(STATES):
            units[(phone, s, left, right)] = unit_of(found[s])
    for phone in PHONES:
        if phone != SILENCE:
            ci = sphinx_phones.index(phone)
            for s in range(STATES):
                units[(phone, s, ANY, ANY)] = unit_of(ci * STATES + s)
    units[SILENCE_UNIT] = unit_of(sphinx_phones.index("SIL") * STATES + SILENCE_UNIT[1])
    # number the units by codebook, so the network scores each codebook's units in one block
    phone_of = {u: key[0] for key, u in units.items()}
    order = sorted(senone_unit, key=lambda sen: (sphinx_phones.index(phone_of[senone_unit[sen]]),
                                                 sen))
    renumber = {senone_unit[sen]: new for new, sen in enumerate(order)}
    tying = ContextTying({key: renumber[u] for key, u in units.items()})
    return tying, order


def _unit_codebooks(tying: ContextTying, sphinx_phones: list[str]) -> list[int]:
    """Sphinx codebook (CI phone index) of each unit's senone."""
    return [sphinx_phones.index(PHONES[phone_id - 1])
            for phone_id, _state in tying.unit_phone_states()]


def context_network(
    config: list[str], components: list[str], tying: ContextTying, senones: list[int],
    real: sphinx.SphinxCiModel, sphinx_dir: Path, synthetic: list[str], n_pdfs: int,
) -> tuple[list[str], list[str], str, str]:
    """The config lines and components of a real-speech model's network with the context part
    (the ``output-node`` line must already be removed from ``config``), and the descriptors of
    the context-independent pdfs' and the units' scores (real-speech plus synthetic).

    Every state is scored by its Sphinx mixture, summed: per stream, a softmax over all the
    codebooks' Gaussian log-densities and, per codebook, one matrix product giving every state
    of that codebook (CI pdfs and units) its mixture weights times the codebook's part; then the
    three streams' mixtures multiplied and one log per state. The softmax leaves out each
    stream's log-sum-exp, the same for every pdf in a frame: the decoder only compares pdfs
    and paths within a frame, so it is not added back (session 20 did, with a log-softmax per
    stream; that and a log per stream and state cost 0.02 CPU s per audio s). Kaldi has no
    log component; a NormalizeComponent with block size 1 appends log |x| to each x, floored
    at 2^-33: with the weights' scale and :data:`STREAM_GAIN`, a state never scores more than
    66 nats under the three streams' log-sum-exp (session 20: 34 per stream). The CI pdfs get
    the same sum (their old maximum over the Gaussians is taken out): scored one way and the
    units another, words beat ``[unk]`` by the difference (rejection 206 → 149 of 233). The
    maximum for 1,700 units cost 0.5 CPU s per audio s (a copy of the codebook per unit).

    ``real`` is the CI model read from ``sphinx_dir``, where the senones' weights are read."""
    n_units = tying.num_units
    ci_senones = [real.phones.index(PHONES[phone_id - 1]) * STATES + state
                  for phone_id, state in _pdf_states(n_pdfs)]
    scored = ci_senones + senones
    books = [sen // STATES for sen in ci_senones] + _unit_codebooks(tying, real.phones)
    weights = np.exp(sphinx.read_senone_weights(sphinx_dir, scored))  # (state, stream, dens)
    n_streams, n_dens = weights.shape[1], weights.shape[2]
    dropped = {"weighted", "best", "total"}
    config = [line for line in config if line.split()[1].removeprefix("name=") not in dropped]
    comps = [c for c in components if c.split()[1] not in dropped]
    # the states of each codebook together (stable: CI pdfs first, units in their order)
    order = sorted(range(len(scored)), key=lambda i: books[i])
    mixes: list[str] = []
    for f in range(n_streams):
        sm = f"{NODE}.sm{f}"
        config.append(f"component-node name={sm} component={sm} input=gauss{f}")
        comps.append(km.nonlinear("SoftmaxComponent", sm, n_dens * len(real.phones)))
        for book, group in itertools.groupby(order, key=books.__getitem__):
            rows = list(group)
            part, mix = f"{NODE}.sm{f}.{book}", f"{NODE}.mix{f}.{book}"
            config += [f"dim-range-node name={part} input-node={sm} "
                       f"dim-offset={book * n_dens} dim={n_dens}",
                       f"component-node name={mix} component={mix} input={part}"]
            # integers under 10^6: six digits write them exactly
            comps.append(km.fixed_affine(mix, np.rint(weights[rows, f] * WEIGHT_SCALE),
                                         np.zeros(len(rows))))
            mixes.append(f"Scale({STREAM_GAIN:g}, {mix})")
    size = len(scored)
    config.append(f"component-node name={NODE}.product component={NODE}.product "
                  f"input=Append({', '.join(mixes)})")  # [stream, state in order]
    comps.append(f"<ComponentName> {NODE}.product <ElementwiseProductComponent> <InputDim> "
                 f"{n_streams * size} <OutputDim> {size} </ElementwiseProductComponent> \n")
    config.append(f"component-node name={NODE}.log component={NODE}.log input={NODE}.product")
    comps.append(f"<ComponentName> {NODE}.log <NormalizeComponent> <InputDim> {size} "
                 "<BlockDim> 1 <TargetRms> 1 <AddLogStddev> T </NormalizeComponent> \n")
    # the output interleaves (x / |x|, log |x|): the states' logs first, in pdf order
    position = {state: pos for pos, state in enumerate(order)}
    logs = [2 * position[i] + 1 for i in range(size)]
    column_map = logs + [2 * position[i] for i in range(size)]
    config.append(f"component-node name={NODE}.logs component={NODE}.logs input={NODE}.log")
    comps.append(f"<ComponentName> {NODE}.logs <PermuteComponent> <ColumnMap> [ "
                 f"{' '.join(map(str, column_map))} ] </PermuteComponent> \n")
    ci_total, total = f"{NODE}.logs.ci", f"{NODE}.logs.cd"
    config += [f"dim-range-node name={ci_total} input-node={NODE}.logs dim-offset=0 "
               f"dim={n_pdfs}",
               f"dim-range-node name={total} input-node={NODE}.logs dim-offset={n_pdfs} "
               f"dim={n_units}"]
    if synthetic:
        expand = np.zeros((n_units, n_pdfs))
        for u, (phone_id, state) in enumerate(tying.unit_phone_states()):
            expand[u, km.pdf_of(phone_id, state)] = 1.0
        mixed = f"{synthetic[0]}mix"
        for branch in synthetic[1:]:
            mixed = f"Sum({mixed}, {branch}mix)"
        config.append(f"component-node name={NODE}.synth component={NODE}.synth input={mixed}")
        comps.append(km.fixed_affine(f"{NODE}.synth", expand, np.zeros(n_units)))
        total = f"Sum({total}, {NODE}.synth)"
        ci_total = f"Sum({ci_total}, {mixed})"  # the same order of additions as the units'
    return config, comps, ci_total, total


def _pdf_states(n_pdfs: int) -> list[tuple[int, int]]:
    """(1-based phone id, state) of each context-independent pdf, in pdf order."""
    found = {km.pdf_of(ours, s): (ours, s) for ours in range(1, len(PHONES) + 1)
             for s in range(STATES)}
    return [found[pdf] for pdf in range(n_pdfs)]


def add_real_speech_context(
    model_dir: Path, pronunciations: Iterable[Iterable[str]], sphinx_dir: Path
) -> int:
    """Give the real-speech model in ``model_dir`` context-dependent pdfs for the words said as
    ``pronunciations`` (rewrites ``am/final.mdl`` and writes ``am/context.txt``; compile the
    graph afterwards). Returns the number of context units."""
    mdl = model_dir / "am" / "final.mdl"
    if (model_dir / "am" / FILE_NAME).exists():
        raise ContextError(f"{model_dir / 'am' / FILE_NAME}: the model has context already")
    try:
        nnet = read_nnet(mdl)
        synthetic = synthetic_branches(nnet, mdl)
    except CombineError as err:
        if "no synthetic network" not in str(err):
            raise ContextError(str(err)) from None
        synthetic = []
    ci_table = km.TransitionTable.for_model(len(PHONES), tied_silence=False)
    if not any(line.startswith("component-node name=gauss0 ") for line in nnet.config):
        raise ContextError(f"{mdl}: has no real-speech half (gauss0); context needs one")
    if nnet.head != ci_table.text() + "<Nnet3> \n":
        raise ContextError(f"{mdl}: its TransitionModel is not the context-independent one")
    triphones = sphinx.read_triphones(sphinx_dir)
    real = sphinx.read_ci_model(sphinx_dir)
    tying, senones = tying_for(pronunciations, triphones, real.phones)
    n_pdfs = km.num_pdfs(len(PHONES))
    config = [line for line in nnet.config if not line.startswith("output-node ")]
    config, comps, ci_total, total = context_network(config, nnet.components, tying, senones,
                                                     real, sphinx_dir, synthetic, n_pdfs)
    config.append(f"output-node name=output input=Append({ci_total}, {total}) "
                  "objective=linear")
    n_out = n_pdfs + tying.num_units
    tail = nnet.tail.split("<Priors>", 1)[0] + "<Priors> "
    tail += km.vector_text(np.full(n_out, 1.0 / n_out), 6)
    table = km.TransitionTable.for_model(len(PHONES), tied_silence=False,
                                         unit_states=tying.unit_phone_states())
    text = (table.text() + "<Nnet3> \n" + "\n".join(config)
            + f"\n\n<NumComponents> {len(comps)} \n" + "".join(comps) + tail)
    mdl.write_text(text, encoding="ascii")
    tying.write(model_dir / "am" / FILE_NAME)
    return tying.num_units


def add_for_vocabulary(model_dir: Path, vocabulary: Iterable[str]) -> int:
    """:func:`add_real_speech_context` for the words of ``vocabulary`` (words and phrases; every
    pronunciation the graph compiler would give them), with pocketsphinx's English model."""
    words = sorted({w for phrase in vocabulary for w in phrase.lower().split()} - {UNKNOWN_WORD})
    lexicon = build_lexicon(words, ACCENTS)
    prons = [list(pron) for variants in lexicon.values() for pron in variants]
    return add_real_speech_context(model_dir, prons, sphinx.pocketsphinx_model_dir())
