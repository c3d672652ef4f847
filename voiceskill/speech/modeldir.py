"""Find and check a Vosk model directory before Vosk sees it, then open it.

Vosk aborts the whole process on some broken files (a text FST, an empty silence-phone list,
a truncated network), so every file it will read is checked here first and a problem comes
back as one :class:`ModelDirError` naming the file and what is wrong with it.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import voiceskill

#: Environment variable naming a model directory (overridden by ``--model``).
MODEL_ENV = "VOICESKILL_MODEL"

#: Suffix of the directory next to a model that holds its companion for 8 kHz devices
#: (``models/voiceskill-en`` → ``models/voiceskill-en-8k``), which the recognizer switches to
#: when the microphone records nothing above 4 kHz.
NARROWBAND_SUFFIX = "-8k"

_FST_MAGIC = 2125659606  # OpenFst binary header
_FST_TYPES = {
    b"vector",
    b"const",
    b"olabel_lookahead",
    b"ngram",
    b"compact_string",
    b"arc_lookahead",
    b"ilabel_lookahead",
}


class ModelDirError(ValueError):
    """A model directory Vosk cannot load; the message names the file and the problem."""


def resolve_model_dir(path: str | Path | None = None) -> Path:
    """``path`` if given, else $VOICESKILL_MODEL, else the shipped model."""
    if path:
        return Path(path)
    env = os.environ.get(MODEL_ENV, "").strip()
    if env:
        return Path(env)
    return voiceskill.DEFAULT_MODEL_DIR


def narrowband_companion(path: str | Path) -> Path | None:
    """The directory of ``path``'s companion model for 8 kHz devices, if there is one."""
    root = Path(path)
    companion = root.with_name(root.name + NARROWBAND_SUFFIX)
    return companion if companion.is_dir() else None


def _fail(path: Path, problem: str) -> ModelDirError:
    return ModelDirError(f"{path}: {problem}")


def _need(path: Path) -> Path:
    if not path.is_file():
        raise _fail(path, "missing (required by Vosk)")
    if path.stat().st_size == 0:
        raise _fail(path, "is empty")
    return path


def _check_fst(path: Path) -> None:
    head = _need(path).read_bytes()[:64]
    if len(head) < 8 or struct.unpack("<i", head[:4])[0] != _FST_MAGIC:
        raise _fail(path, "not a binary OpenFst file (text FSTs must be compiled first)")
    length = struct.unpack("<i", head[4:8])[0]
    fst_type = head[8 : 8 + length]
    if fst_type not in _FST_TYPES:
        raise _fail(path, f"unsupported FST type {fst_type.decode(errors='replace')!r}")


def _check_words(path: Path) -> int:
    count = 0
    with _need(path).open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2 or not parts[1].lstrip("-").isdigit():
                raise _fail(path, f"line {number}: expected 'word id', got {line.strip()!r}")
            count += 1
    if count == 0:
        raise _fail(path, "has no words")
    return count


def _check_ints(path: Path, allow_empty: bool) -> None:
    if not path.is_file():
        raise _fail(path, "missing (required by Vosk)")
    for number, token in enumerate(path.read_text(encoding="ascii", errors="replace").split(), 1):
        if not token.lstrip("-").isdigit():
            raise _fail(path, f"entry {number}: {token!r} is not an integer")
    if not allow_empty and path.stat().st_size == 0:
        raise _fail(path, "is empty")


def _conf_options(path: Path) -> dict[str, str]:
    options: dict[str, str] = {}
    for number, raw in enumerate(_need(path).read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if not line.startswith("--"):
            raise _fail(path, f"line {number}: expected --option=value, got {line!r}")
        key, _, value = line[2:].partition("=")
        options[key] = value
    return options


def _check_am(path: Path) -> None:
    with _need(path).open("rb") as handle:
        head = handle.read(64)
        if head.startswith(b"\x00B"):
            if b"<TransitionModel>" not in head:
                raise _fail(path, "binary file that does not start with a TransitionModel")
            return
        if not head.lstrip().startswith(b"<TransitionModel>"):
            raise _fail(path, "does not start with <TransitionModel> (not a Kaldi model)")
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 200_000))
        tail = handle.read()
    if b"<Priors>" not in tail or not tail.rstrip().endswith(b"]"):
        raise _fail(path, "truncated: the network's <Priors> vector is missing or incomplete")
    with path.open("rb") as handle:
        body = handle.read()
    for token in (b"</TransitionModel>", b"<Nnet3>", b"</Nnet3>"):
        if token not in body:
            raise _fail(path, f"malformed: {token.decode()} not found")


def check_model_dir(path: str | Path) -> Path:
    """Raise :class:`ModelDirError` unless Vosk can load ``path``; return it as a Path."""
    root = Path(path)
    if not root.exists():
        raise _fail(root, "model directory does not exist (set --model or $VOICESKILL_MODEL)")
    if not root.is_dir():
        raise _fail(root, "is not a directory")
    _check_am(root / "am" / "final.mdl")
    conf = _conf_options(root / "conf" / "model.conf")
    if not conf.get("endpoint.silence-phones", "").strip():
        raise _fail(
            root / "conf" / "model.conf",
            "--endpoint.silence-phones is missing or empty (Vosk would abort)",
        )
    if not (root / "conf" / "mfcc.conf").is_file() and not (root / "conf" / "fbank.conf").is_file():
        raise _fail(root / "conf" / "mfcc.conf", "missing (no feature configuration)")
    graph = root / "graph"
    if (graph / "HCLG.fst").is_file():
        _check_fst(graph / "HCLG.fst")
    else:
        _check_fst(graph / "HCLr.fst")
        _check_fst(graph / "Gr.fst")
        _check_ints(graph / "disambig_tid.int", allow_empty=True)
    _check_words(graph / "words.txt")
    cmvn = root / "am" / "global_cmvn.stats"
    if cmvn.exists():
        _need(cmvn)
    ivector = root / "ivector"
    if (ivector / "final.ie").exists():
        for name in (
            "final.dubm",
            "final.mat",
            "global_cmvn.stats",
            "online_cmvn.conf",
            "splice.conf",
        ):
            _need(ivector / name)
    if (root / "rescore" / "G.carpa").exists():
        _need(root / "rescore" / "G.fst")
    return root


def open_model(path: str | Path | None = None):
    """Resolve, check and load a model with Vosk's own logging silenced."""
    import vosk

    root = check_model_dir(resolve_model_dir(path))
    vosk.SetLogLevel(-1)
    return vosk.Model(str(root))
