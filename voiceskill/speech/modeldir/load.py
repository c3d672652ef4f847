"""Opening a model with Vosk once its files are checked, with Kaldi's messages caught.

Kaldi writes to file descriptor 2 directly; while a model loads, what it writes is collected,
and if Vosk refuses the model its first error line becomes part of one
:class:`~voiceskill.speech.modeldir.errors.ModelDirError`. The recognizer collects them the
same way when it makes a recognizer for a turn's grammar, and names the model's directory
(:func:`loaded_from`) when Vosk refuses one.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from voiceskill.speech.modeldir.directory import check_files
from voiceskill.speech.modeldir.errors import ModelDirError
from voiceskill.speech.modeldir.locate import resolve_model_dir
from voiceskill.speech.wav import TARGET_RATE

#: The directory each model :func:`open_model` loaded came from (a vosk.Model does not know
#: it), so that a later failure with the model can name it.
_LOADED_FROM: weakref.WeakKeyDictionary[Any, Path] = weakref.WeakKeyDictionary()

#: Held while descriptor 2 is pointed elsewhere: two threads collecting at once would
#: each put back what the other had put there, and lose stderr for good.
_COLLECTING = threading.RLock()


@contextlib.contextmanager
def kaldi_messages() -> Iterator[list[bytes]]:
    """Collect what Kaldi writes to file descriptor 2 (it bypasses sys.stderr) meanwhile."""
    collected: list[bytes] = []
    with _COLLECTING:
        try:
            sink = tempfile.TemporaryFile()
        except OSError:  # nowhere to collect them: they reach stderr as Kaldi writes them
            yield collected
            return
        with sink:
            try:
                saved = os.dup(2)
            except OSError:  # no stderr at all: nothing to collect
                yield collected
                return
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            os.dup2(sink.fileno(), 2)
            try:
                yield collected
            finally:
                with contextlib.suppress(Exception):
                    sys.stderr.flush()
                os.dup2(saved, 2)
                os.close(saved)
                sink.seek(0)
                collected.append(sink.read())


def pass_on(messages: bytes) -> None:
    """Write what :func:`kaldi_messages` collected to file descriptor 2 after all, when it
    did not become part of an error: nothing Kaldi says is lost."""
    if messages:
        with contextlib.suppress(OSError):
            os.write(2, messages)


def kaldi_reason(messages: bytes) -> str:
    """Kaldi's first error line, without its source location, in printable characters."""
    for line in messages.decode("utf-8", errors="replace").splitlines():
        if "ERROR" in line or "ASSERTION_FAILED" in line:
            reason = re.sub(r"^.*?(ERROR|ASSERTION_FAILED) \(.*?:\d+\)\s*", "", line).strip()
            reason = "".join(c if c.isprintable() else "?" for c in reason)
            return reason if len(reason) <= 200 else reason[:200] + "..."
    return ""


def _load_failure(root: Path, checked: list[Path], what: str, reason: str) -> ModelDirError:
    """The error for a model whose checked files Vosk refused anyway."""
    names = ", ".join(str(p.relative_to(root)) for p in checked)
    said = f': Kaldi says "{reason}"' if reason else " (Kaldi gave no reason)"
    return ModelDirError(
        f"{root}: Vosk could not {what}{said}. These files were checked before loading and "
        f"look sound, so the problem is inside one of them where the checks cannot see "
        f"(e.g. the network's weights in am/final.mdl): {names}"
    )


def open_model(path: str | Path | None = None) -> Any:
    """Resolve, check and load a model with Vosk's own logging silenced; ModelDirError (one
    line naming the directory, the files checked and Kaldi's reason) if Vosk refuses it."""
    import vosk

    root = resolve_model_dir(path)
    checked = check_files(root).files
    vosk.SetLogLevel(-1)
    failure: str | None = None
    with kaldi_messages() as messages:
        try:
            model = vosk.Model(str(root))
        except Exception:  # vosk raises a bare Exception when Kaldi refuses the files
            failure = "load this model"
        else:
            try:  # feature and decoder options are only used when a recognizer starts
                vosk.KaldiRecognizer(model, TARGET_RATE)
            except Exception:
                failure = "start a recognizer with this model"
    said = b"".join(messages)
    if failure is not None:
        raise _load_failure(root, checked, failure, kaldi_reason(said))
    pass_on(said)  # nothing of Kaldi's is lost when the load succeeds
    if (root / "graph" / "HCLG.fst").is_file():
        print(static_graph_note(root), file=sys.stderr)
    _LOADED_FROM[model] = root
    return model


def static_graph_note(root: Path) -> str:
    """What a model with a static graph (graph/HCLG.fst, as Vosk's large models have) means
    for the skill: Vosk ignores every grammar with it."""
    return (f"note: {root} has a static graph (graph/HCLG.fst): Vosk ignores the skill's "
            "grammars with it, so any word the model knows can come back and speech outside "
            "the phrases is not held back as [unk]; answers are still matched phrase by "
            "phrase. A model with graph/HCLr.fst and graph/Gr.fst (models/voiceskill-en, "
            "vosk-model-small-en-us) listens for the skill's phrases only.")


def loaded_from(model: Any) -> Path | None:
    """The directory :func:`open_model` loaded ``model`` from; None for a model it did not
    load."""
    return _LOADED_FROM.get(model)
