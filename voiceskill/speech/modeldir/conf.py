"""Kaldi configuration files: conf/model.conf, conf/mfcc.conf, conf/fbank.conf.

Each is read as Kaldi reads it and checked as Vosk 0.3.45 checks it: an option it does not
know, a value of the wrong type, or a value its decoder or feature code refuses or aborts on
is one :class:`~voiceskill.speech.modeldir.errors.ModelDirError` naming the file and line.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from voiceskill.speech.modeldir.conf_options import DEFAULTS, MODEL_CONF_OPTIONS, WINDOW_TYPES
from voiceskill.speech.modeldir.errors import ModelDirError, fail, need, read_model_file
from voiceskill.speech.wav import TARGET_RATE

_INT_RE = re.compile(r"[+-]?\d+")
_FLOAT_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?inf(inity)?", re.IGNORECASE)
_KALDI_WHITESPACE = b" \t\n\r\f\v"


@dataclass(frozen=True)
class ConfSetting:
    """One ``--name=value`` line of a Kaldi configuration file."""

    value: str
    line: int


def _conf_value_problem(kind: str, value: str, has_equals: bool) -> str | None:
    """What Kaldi would refuse in ``value`` for an option of type ``kind``; None if nothing."""
    if kind == "bool":
        if value.lower() in ("true", "t", "1", "false", "f", "0", ""):
            return None
        return "expected true or false"
    if not has_equals and kind != "string":
        return f"has no value (expected {'a whole number' if kind == 'int' else 'a number'})"
    if kind == "int":
        if _INT_RE.fullmatch(value) and -(2**31) <= int(value) < 2**31:
            return None
        return "expected a whole number"
    if kind == "float":
        if _FLOAT_RE.fullmatch(value):
            return None
        return "expected a number"
    return None


def read_conf(path: str | Path, known: dict[str, str] | None = None) -> dict[str, ConfSetting]:
    """The options of a Kaldi configuration file, read as Kaldi reads them (``#`` starts a
    comment anywhere, ``_`` in a name means ``-``, the last of repeated options wins).

    With ``known`` (name → "bool" | "int" | "float" | "string"), an unknown option or a value
    of the wrong type raises :class:`ModelDirError` naming the file and line, as do bytes
    that are not UTF-8 text outside a comment and a line that is not ``--name=value``.
    """
    path = Path(path)
    return parse_conf(read_model_file(path), path, known)


def parse_conf(
    data: bytes, path: Path, known: dict[str, str] | None = None
) -> dict[str, ConfSetting]:
    """:func:`read_conf` of ``data``, the text of ``path`` (named in the messages) as given,
    not as read from disk."""
    settings: dict[str, ConfSetting] = {}
    for number, raw in enumerate(data.split(b"\n"), 1):
        stripped = raw.split(b"#", 1)[0].strip(_KALDI_WHITESPACE)
        if not stripped:
            continue
        where = f"{path}:{number}"
        try:
            line = stripped.decode("utf-8")
        except UnicodeDecodeError as err:
            raise ModelDirError(
                f"{where}: byte {stripped[err.start]:#04x} is not UTF-8 text "
                f"({stripped.decode('utf-8', errors='replace')!r})"
            ) from None
        if not line.startswith("--"):
            raise ModelDirError(f"{where}: expected --option=value, got {line!r}")
        name, equals, value = line[2:].partition("=")
        name = name.replace("_", "-")
        value = value.strip(_KALDI_WHITESPACE.decode())
        if known is not None:
            kind = known.get(name)
            if kind is None:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f" (did you mean --{close[0]}?)" if close else ""
                raise ModelDirError(
                    f"{where}: unknown option --{name}{hint}; Vosk refuses a model with it"
                )
            problem = _conf_value_problem(kind, value, bool(equals))
            if problem:
                raise ModelDirError(f"{where}: --{name}={value}: {problem}")
        settings[name] = ConfSetting(value, number)
    return settings


def _conf_number(conf: dict[str, ConfSetting], name: str) -> float:
    """The number ``name`` is set to, or Kaldi's default."""
    return float(conf[name].value) if name in conf else float(DEFAULTS[name])


def _conf_bool(conf: dict[str, ConfSetting], name: str) -> bool:
    """The truth value ``name`` is set to, or Kaldi's default."""
    if name not in conf:
        return bool(DEFAULTS[name])
    return conf[name].value.lower() in ("true", "t", "1", "")


def _conf_fail(path: Path, conf: dict[str, ConfSetting], name: str, problem: str) -> ModelDirError:
    """The error for ``problem`` with option ``name``: at its line, or at its default."""
    if name in conf:
        return ModelDirError(f"{path}:{conf[name].line}: --{name}={conf[name].value}: {problem}")
    return ModelDirError(f"{path}: --{name} (default {DEFAULTS[name]}): {problem}")


def check_model_conf(path: Path, text: bytes | None = None) -> dict[str, ConfSetting]:
    """conf/model.conf: decoder and endpoint options as Vosk's decoder checks them (it
    refuses or aborts on the values refused here). With ``text``, that is checked as the
    file's content, and ``path`` only names it in the messages (nothing is read)."""
    if text is None:
        conf = read_conf(need(path), MODEL_CONF_OPTIONS)
    else:
        conf = parse_conf(text, path, MODEL_CONF_OPTIONS)
    silence = conf.get("endpoint.silence-phones")
    if silence is None or not silence.value:
        raise fail(path, "--endpoint.silence-phones is missing or empty (Vosk would abort)")
    if not all(part.isdigit() and int(part) > 0 for part in silence.value.split(":")):
        raise _conf_fail(
            path, conf, "endpoint.silence-phones", "expected phone numbers joined by ':' (1:2:3)"
        )
    number = _conf_number
    rules = [
        ("beam", number(conf, "beam") > 0, "must be above 0"),
        ("lattice-beam", number(conf, "lattice-beam") > 0, "must be above 0"),
        ("max-active", number(conf, "max-active") > 1, "must be above 1"),
        (
            "min-active",
            number(conf, "min-active") <= number(conf, "max-active"),
            f"must not be above --max-active ({number(conf, 'max-active'):g})",
        ),
        ("prune-interval", number(conf, "prune-interval") > 0, "must be above 0"),
        ("beam-delta", number(conf, "beam-delta") > 0, "must be above 0"),
        ("hash-ratio", number(conf, "hash-ratio") >= 1, "must be at least 1"),
        (
            "determinize-min-chunk-size",
            number(conf, "determinize-min-chunk-size") > 0,
            "must be above 0",
        ),
        (
            "determinize-max-delay",
            number(conf, "determinize-max-delay") > number(conf, "determinize-min-chunk-size"),
            "must be above --determinize-min-chunk-size "
            f"({number(conf, 'determinize-min-chunk-size'):g})",
        ),
        ("minimize", not _conf_bool(conf, "minimize"), "Vosk's decoder cannot minimize"),
        (
            "word-determinize",
            _conf_bool(conf, "word-determinize"),
            "Vosk's decoder needs word determinization",
        ),
        ("acoustic-scale", number(conf, "acoustic-scale") > 0, "must be above 0"),
        (
            "frame-subsampling-factor",
            number(conf, "frame-subsampling-factor") > 0,
            "must be above 0",
        ),
        ("frames-per-chunk", number(conf, "frames-per-chunk") > 0, "must be above 0"),
        (
            "extra-left-context-initial",
            number(conf, "extra-left-context-initial") >= 0,
            "must not be negative",
        ),
    ]
    for name, ok, problem in rules:
        if not ok:
            raise _conf_fail(path, conf, name, f"{problem} (Vosk would refuse it or abort)")
    return conf


def check_feature_conf(path: Path, known: dict[str, str]) -> int:
    """conf/mfcc.conf or conf/fbank.conf as Kaldi's feature code checks it; return the
    dimension of the features it makes."""
    conf = read_conf(need(path), known)
    number = _conf_number
    rate = number(conf, "sample-frequency")
    if not rate > 0:
        raise _conf_fail(path, conf, "sample-frequency", "must be above 0 (Vosk would abort)")
    if rate > TARGET_RATE:
        raise _conf_fail(
            path,
            conf,
            "sample-frequency",
            f"voiceskill gives Vosk {TARGET_RATE} Hz audio, and Vosk cannot raise the rate "
            "(it would abort)",
        )
    for name in ("frame-shift", "frame-length"):
        if not int(rate * 0.001 * number(conf, name)) >= 1:
            raise _conf_fail(path, conf, name, "is shorter than one sample (Vosk would crash)")
    window = conf["window-type"].value if "window-type" in conf else DEFAULTS["window-type"]
    if window not in WINDOW_TYPES:
        raise _conf_fail(path, conf, "window-type", f"expected one of {', '.join(WINDOW_TYPES)}")
    bins = int(number(conf, "num-mel-bins"))
    if bins < 3:
        raise _conf_fail(path, conf, "num-mel-bins", "Kaldi needs at least 3 mel bins")
    nyquist = rate / 2
    low = number(conf, "low-freq")
    high = number(conf, "high-freq")
    top = high if high > 0 else nyquist + high
    if not 0 <= low < nyquist:
        raise _conf_fail(
            path, conf, "low-freq", f"must be from 0 to below the Nyquist frequency {nyquist:g} Hz"
        )
    if not low < top <= nyquist:
        raise _conf_fail(
            path,
            conf,
            "high-freq" if "high-freq" in conf else "sample-frequency",
            f"the mel bins would end at {top:g} Hz, which must be above --low-freq ({low:g}) "
            f"and at most the Nyquist frequency {nyquist:g} Hz of --sample-frequency={rate:g}",
        )
    if "num-ceps" in known:
        ceps = int(number(conf, "num-ceps"))
        if not 1 <= ceps <= bins:
            raise _conf_fail(path, conf, "num-ceps", f"must be from 1 to --num-mel-bins ({bins})")
        return ceps
    return bins + (1 if _conf_bool(conf, "use-energy") else 0)


#: The features Kaldi's pitch post-processing adds, with their defaults (ProcessPitchOptions).
_PITCH_FEATURES = {
    "add-pov-feature": True,
    "add-normalized-log-pitch": True,
    "add-delta-pitch": True,
    "add-raw-log-pitch": False,
}


def pitch_dim(path: Path) -> int:
    """How many features conf/pitch.conf makes Vosk append to the MFCC or filterbank ones
    (3 with Kaldi's defaults)."""
    conf = read_conf(path)
    dim = 0
    for name, default in _PITCH_FEATURES.items():
        if name in conf:
            dim += conf[name].value.lower() in ("true", "t", "1", "")
        else:
            dim += default
    return dim
