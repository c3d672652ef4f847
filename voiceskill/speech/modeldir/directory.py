"""A whole model directory: every file Vosk will read, checked in the order Vosk reads them."""

from __future__ import annotations

from pathlib import Path

from voiceskill.speech.modeldir.conf import check_feature_conf, check_model_conf
from voiceskill.speech.modeldir.conf_options import FBANK_CONF_OPTIONS, MFCC_CONF_OPTIONS
from voiceskill.speech.modeldir.errors import fail, need
from voiceskill.speech.modeldir.fst import InputLabels, check_fst
from voiceskill.speech.modeldir.kaldi import check_am, check_cmvn, check_ints, check_words


def check_files(root: Path) -> list[Path]:
    """Check every file Vosk will read in ``root``; return them, in the order Vosk reads."""
    if not root.exists():
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
    if mfcc.is_file():
        feature_conf, known = mfcc, MFCC_CONF_OPTIONS
    elif fbank.is_file():
        feature_conf, known = fbank, FBANK_CONF_OPTIONS
    else:
        raise fail(mfcc, "missing (no feature configuration)")
    dim: int | None = check_feature_conf(feature_conf, known)
    checked.append(feature_conf)
    if (root / "conf" / "pitch.conf").exists():
        dim = None  # pitch adds features the checks here do not model
    if dim is not None and network_dim is not None and dim != network_dim:
        raise fail(
            feature_conf,
            f"makes {dim}-dimensional features, but the network in {am} takes {network_dim} "
            "(Vosk could not start a recognizer)",
        )
    ivector = root / "ivector"
    if (ivector / "final.ie").exists():
        for name in (
            "final.dubm",
            "final.mat",
            "global_cmvn.stats",
            "online_cmvn.conf",
            "splice.conf",
        ):
            checked.append(need(ivector / name))
    cmvn = root / "am" / "global_cmvn.stats"
    if cmvn.exists():
        check_cmvn(cmvn, dim)
        checked.append(cmvn)
    graph = root / "graph"
    tids = acoustic.transition_ids
    if (graph / "HCLG.fst").is_file():
        check_fst(graph / "HCLG.fst", InputLabels(tids, am) if tids else None)
        checked.append(graph / "HCLG.fst")
    else:
        disambiguation = check_ints(graph / "disambig_tid.int", allow_empty=True)
        inputs = InputLabels(tids, am, frozenset(disambiguation)) if tids else None
        check_fst(graph / "HCLr.fst", inputs)
        check_fst(graph / "Gr.fst")
        checked.extend(graph / name for name in ("HCLr.fst", "Gr.fst", "disambig_tid.int"))
    check_words(graph / "words.txt")
    checked.append(graph / "words.txt")
    if (root / "rescore" / "G.carpa").exists():
        checked.append(need(root / "rescore" / "G.fst"))
    return checked


def check_model_dir(path: str | Path) -> Path:
    """Raise :class:`ModelDirError` unless Vosk can load ``path``; return it as a Path."""
    root = Path(path)
    check_files(root)
    return root
