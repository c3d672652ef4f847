"""A whole model directory: every file Vosk will read, checked in the order Vosk reads them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from voiceskill.speech.modeldir.conf import check_feature_conf, check_model_conf, pitch_dim
from voiceskill.speech.modeldir.conf_options import FBANK_CONF_OPTIONS, MFCC_CONF_OPTIONS
from voiceskill.speech.modeldir.errors import fail, need, present
from voiceskill.speech.modeldir.fst import InputLabels, OutputLabels, check_fst
from voiceskill.speech.modeldir.kaldi import (
    check_am,
    check_cmvn,
    check_ints,
    check_word_boundary,
    check_words,
)

#: Where Vosk 0.3.45 reads the network's rescoring language model when rnnlm/final.raw is
#: there (it reads every one of them).
_RNNLM_FILES = ("final.raw", "feat_embedding.final.mat", "word_feats.txt",
                "special_symbol_opts.conf")


@dataclass(frozen=True)
class CheckedModel:
    """What the checks of a model directory read from it."""

    files: list[Path]
    """Every file Vosk will read, in the order it reads them."""

    words: dict[str, int]
    """graph/words.txt: each word and its id."""


def check_files(root: Path) -> CheckedModel:
    """Check every file Vosk will read in ``root``; return them, in the order Vosk reads, and
    the words of graph/words.txt."""
    try:
        exists = root.exists()
    except OSError as err:  # not ENOENT: e.g. no right to search a directory on the way
        raise fail(root, f"cannot read the model directory: {err.strerror or err}") from None
    if not exists:
        raise fail(root, "model directory does not exist (set --model or $VOICESKILL_MODEL)")
    if not root.is_dir():
        raise fail(root, "is not a directory")
    checked: list[Path] = []
    am = root / "am" / "final.mdl"
    acoustic = check_am(am)
    network_dim = acoustic.input_dim
    checked.append(am)
    model_conf = root / "conf" / "model.conf"
    check_model_conf(model_conf)
    checked.append(model_conf)
    mfcc, fbank = root / "conf" / "mfcc.conf", root / "conf" / "fbank.conf"
    if present(mfcc):  # Vosk takes mfcc.conf when both are there
        feature_conf, known = mfcc, MFCC_CONF_OPTIONS
    elif present(fbank):
        feature_conf, known = fbank, FBANK_CONF_OPTIONS
    else:
        raise fail(mfcc, "missing (no feature configuration)")
    dim = check_feature_conf(feature_conf, known)
    checked.append(feature_conf)
    # The network's "input" node takes these features; an i-vector is a node of its own,
    # whose dimension is not checked here.
    pitch = root / "conf" / "pitch.conf"
    added = 0
    if present(pitch):
        added = pitch_dim(need(pitch, allow_empty=True))  # empty: Kaldi's defaults
        checked.append(pitch)
        if network_dim is not None and dim + added != network_dim:
            raise fail(
                pitch,
                f"makes Vosk add {added} pitch features to the {dim} of {feature_conf.name}, "
                f"{dim + added} in all, but the network in {am} takes {network_dim} (Vosk "
                "could not start a recognizer: \"Input feature dimension mismatch\")",
            )
    elif network_dim is not None and dim != network_dim:
        raise fail(
            feature_conf,
            f"makes {dim}-dimensional features, but the network in {am} takes {network_dim} "
            "(Vosk could not start a recognizer)",
        )
    ivector = root / "ivector"
    if present(ivector / "final.ie"):
        for name in (
            "final.ie",
            "final.dubm",
            "final.mat",
            "global_cmvn.stats",
            "online_cmvn.conf",
            "splice.conf",
        ):
            checked.append(need(ivector / name))
    cmvn = root / "am" / "global_cmvn.stats"
    if present(cmvn):
        check_cmvn(cmvn, dim + added)  # Vosk normalises the pitch features too
        checked.append(cmvn)
    elif present(root / "conf" / "graph.conf") and not present(ivector / "final.ie"):
        # voiceskill's builds (model build, combine, context) always write the statistics
        # and its graph compiler writes conf/graph.conf; Vosk's published models have
        # neither (they normalise with an i-vector extractor instead).
        raise fail(
            cmvn,
            "missing: this model was built by voiceskill (it has conf/graph.conf), whose "
            "network was trained on normalised features; without the statistics Vosk does "
            "not normalise them and every answer comes back wrong",
        )
    graph = root / "graph"
    tids = acoustic.transition_ids
    words_txt = graph / "words.txt"
    if present(graph / "HCLG.fst"):
        check_fst(graph / "HCLG.fst", InputLabels(tids, am) if tids else None)
        checked.append(graph / "HCLG.fst")
        words = check_words(words_txt)
    else:
        disambiguation = check_ints(graph / "disambig_tid.int", allow_empty=True)
        inputs = InputLabels(tids, am, frozenset(disambiguation)) if tids else None
        check_fst(graph / "HCLr.fst", inputs)
        words = check_words(words_txt)
        if "[unk]" not in words:
            raise fail(
                words_txt,
                "has no '[unk]': with graph/HCLr.fst and graph/Gr.fst, Vosk drops [unk] "
                "from every grammar (with only a warning), so speech outside the phrases "
                "comes back as one of them instead of [unk]",
            )
        check_fst(graph / "Gr.fst", outputs=OutputLabels(frozenset(words.values()), words_txt))
        checked.extend(graph / name for name in ("HCLr.fst", "Gr.fst", "disambig_tid.int"))
    checked.append(words_txt)
    boundary = graph / "phones" / "word_boundary.int"
    if present(boundary):
        check_word_boundary(boundary, acoustic.phones, am)
        checked.append(boundary)
    if present(root / "rescore" / "G.carpa"):
        checked.append(need(root / "rescore" / "G.fst"))
        checked.append(need(root / "rescore" / "G.carpa"))
    if present(root / "rnnlm" / "final.raw"):
        checked.extend(need(root / "rnnlm" / name) for name in _RNNLM_FILES)
    return CheckedModel(checked, words)


def check_model_dir(path: str | Path) -> Path:
    """Raise :class:`ModelDirError` unless Vosk can load ``path``; return it as a Path."""
    root = Path(path)
    check_files(root)
    return root


def check_model_words(path: str | Path) -> dict[str, int]:
    """Raise :class:`ModelDirError` unless Vosk can load ``path``; return the words of its
    graph/words.txt (word → id), as the checks read it."""
    return check_files(Path(path)).words
