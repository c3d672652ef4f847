"""Settings for the voice modes and the kiosk, read from one TOML file.

``load_settings(None)`` gives the defaults; ``load_settings(path)`` reads the file and checks
every value. A bad file raises :class:`ConfigError` with one line per problem, in the form
``file:line: section.key: what is wrong (expected ...)``.
"""

from __future__ import annotations

import argparse
import ipaddress
import math
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from voiceskill.errors import ContentError, Problem

#: Where transcripts go when the file does not say (a systemd unit sets its own).
DEFAULT_TRANSCRIPT_DIR = Path("~/.local/state/voiceskill/transcripts")


def _model_from_environment() -> Path:
    """$VOICESKILL_MODEL, else the shipped model (imported here: the model package is not
    needed by every command that reads settings)."""
    from voiceskill.speech.modeldir.locate import resolve_model_dir

    return resolve_model_dir(None)


@dataclass(frozen=True)
class Settings:
    """Everything a person may set for the voice coach and the kiosk."""

    input_device: str | None = None
    """Microphone: a piece of its name (case-insensitive, e.g. ``"USB"``) or its index as
    digits; None = the system default. Names survive reboots, indexes do not."""

    output_device: str | None = None
    """Speaker, matched like :attr:`input_device`; None = the system default."""

    model_dir: Path = field(default_factory=_model_from_environment)
    """Vosk model directory: the file's ``audio.model``, else $VOICESKILL_MODEL, else the
    shipped English model."""

    emergency_number: str = "911"
    """The number the coach tells a person to call in an emergency (911, 112, 999, 000, ...)."""

    voice: str | None = None
    """Speech synthesis voice name or id (e.g. ``"en-us"``); None = the engine's default."""

    rate: int = 150
    """Speaking rate in words per minute."""

    volume: float = 1.0
    """Speaking volume from 0.0 (silent) to 1.0 (full)."""

    silence_timeout: float = 8.0
    """Seconds of silence after a question before the coach asks again."""

    session_idle_timeout: float = 180.0
    """Kiosk: seconds without any answer from the person (voice or screen) after which the
    session is ended and the kiosk goes back to waiting for the wake phrase."""

    wake_phrase: str = "hey coach"
    """Kiosk: words that start a session, lower case, each a word the model knows."""

    transcript_dir: Path = DEFAULT_TRANSCRIPT_DIR
    """Directory for session transcripts (JSON lines, one file per session)."""

    retention_days: float = 30.0
    """Transcripts (and kept audio) older than this many days are deleted; 0 = keep forever."""

    keep_audio: bool = False
    """Privacy: when False (the default) no audio is ever written to disk."""

    screen: bool = False
    """Kiosk: serve the local screen page with the prompt, what was heard and big buttons."""

    screen_host: str = "127.0.0.1"
    """Kiosk: address of the screen page; only loopback addresses are accepted."""

    screen_port: int = 8765
    """Kiosk: TCP port of the screen page (0 = any free port, printed at start)."""


@dataclass(frozen=True)
class _Key:
    """How one TOML key maps onto a :class:`Settings` field."""

    field: str
    """Name of the Settings field."""

    kind: str
    """Value kind: device, path, number, text, words, digits, int, float, bool, host."""

    low: float | None = None
    """Smallest accepted number (inclusive), if any."""

    high: float | None = None
    """Largest accepted number (inclusive), if any."""


#: The file's layout: section -> key -> field. Anything else in the file is an error.
SCHEMA: dict[str, dict[str, _Key]] = {
    "audio": {
        "input_device": _Key("input_device", "device"),
        "output_device": _Key("output_device", "device"),
        "model": _Key("model_dir", "path"),
    },
    "voice": {
        "name": _Key("voice", "text"),
        "rate": _Key("rate", "int", 60, 400),
        "volume": _Key("volume", "float", 0.0, 1.0),
    },
    "safety": {
        "emergency_number": _Key("emergency_number", "digits"),
    },
    "timeouts": {
        "silence": _Key("silence_timeout", "float", 1.0, 120.0),
        "session_idle": _Key("session_idle_timeout", "float", 10.0, 86400.0),
    },
    "wake": {
        "phrase": _Key("wake_phrase", "words"),
    },
    "transcripts": {
        "directory": _Key("transcript_dir", "path"),
        "retention_days": _Key("retention_days", "float", 0.0, 36500.0),
        "keep_audio": _Key("keep_audio", "bool"),
    },
    "screen": {
        "enabled": _Key("screen", "bool"),
        "host": _Key("screen_host", "host"),
        "port": _Key("screen_port", "int", 0, 65535),
    },
}


class ConfigError(ContentError):
    """The settings file is missing, unreadable or holds a value that cannot be used."""

    def __str__(self) -> str:
        return "\n".join(_describe(p) for p in self.problems)


def _describe(problem: Problem) -> str:
    """``file:line: key: problem (expected ...)``, leaving out an empty key or line 0."""
    text = problem.file + (f":{problem.line}" if problem.line else "")
    text += f": {problem.key}: {problem.problem}" if problem.key else f": {problem.problem}"
    return f"{text} (expected {problem.expected})" if problem.expected else text


def load_settings(path: Path | str | None) -> Settings:
    """Settings from a TOML file; None gives the defaults. Raises :class:`ConfigError`."""
    if path is None:
        return _expand(Settings())
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([Problem(name, 0, "", "settings file not found")]) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError([Problem(name, 0, "", f"cannot read the file: {err}")]) from None
    return parse_settings(text, name, base_dir=path.parent)


def parse_settings(text: str, name: str = "<settings>", base_dir: Path | None = None) -> Settings:
    """Settings from TOML text; ``name`` is used in messages, relative paths are taken
    from ``base_dir`` (the file's folder)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        match = re.search(r"\(at line (\d+), column \d+\)", str(err))
        line = int(match.group(1)) if match else 0
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(err))
        problem = Problem(name, line, "", f"not valid TOML: {message}")
        raise ConfigError([problem]) from None
    lines = text.splitlines()
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for section, table in data.items():
        keys = SCHEMA.get(section)
        if keys is None:
            problems.append(Problem(name, _line_of(lines, section, None), section,
                                    "unknown section", "one of " + ", ".join(SCHEMA)))
            continue
        if not isinstance(table, dict):
            problems.append(Problem(name, _line_of(lines, None, section), section,
                                    "must be a [section] table", f"[{section}]"))
            continue
        for key, value in table.items():
            where = (name, _line_of(lines, section, key), f"{section}.{key}")
            spec = keys.get(key)
            if spec is None:
                problems.append(Problem(*where, "unknown key", "one of " + ", ".join(keys)))
                continue
            try:
                values[spec.field] = _convert(value, spec, base_dir)
            except ValueError as err:
                problem, expected = err.args
                problems.append(Problem(*where, problem, expected))
    if problems:
        raise ConfigError(problems)
    return _expand(Settings(**values))


def check_option(key: str, value: Any, option: str) -> Any:
    """A command-line value for ``section.key``, checked like the file's; ConfigError names
    the option (e.g. ``--emergency-number``) when it is not usable."""
    section, name = key.split(".")
    try:
        return _convert(value, SCHEMA[section][name], Path.cwd())
    except ValueError as err:
        problem, expected = err.args
        raise ConfigError([Problem(option, 0, "", problem, expected)]) from None


def positive_seconds(text: str) -> float:
    """argparse ``type=`` for a number of seconds: finite and above 0 (``nan`` would make a
    silence that never ends, ``0`` a question that times out before anyone can answer)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not usable (expected a number of seconds above 0, e.g. 8)")
    return value


def silence_seconds(text: str) -> float:
    """argparse ``type=`` for ``--silence-timeout``: the settings file's range
    (``timeouts.silence``), so half a second, which no one can answer in, is refused here too."""
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    try:  # one rule for every refusal, 0 and nan as 0.5: the file's range
        return check_option("timeouts.silence", seconds, "--silence-timeout")
    except ConfigError as err:
        (problem,) = err.problems
        raise argparse.ArgumentTypeError(
            f"{text!r} is not usable (expected {problem.expected})") from None


def emergency_number(text: str) -> str:
    """argparse ``type=`` for ``--emergency-number``: the settings file's rule
    (``safety.emergency_number``), since the number is what a person is told to call."""
    try:
        return check_option("safety.emergency_number", text, "--emergency-number")
    except ConfigError as err:
        (problem,) = err.problems
        raise argparse.ArgumentTypeError(
            f"{problem.problem} (expected {problem.expected})") from None


def _expand(settings: Settings) -> Settings:
    """Resolve ``~`` in paths."""
    changes = {
        f.name: getattr(settings, f.name).expanduser()
        for f in fields(settings)
        if isinstance(getattr(settings, f.name), Path)
    }
    return Settings(**{**_as_dict(settings), **changes})


def _as_dict(settings: Settings) -> dict[str, Any]:
    return {f.name: getattr(settings, f.name) for f in fields(settings)}


def _convert(value: Any, spec: _Key, base_dir: Path | None) -> Any:
    """The value for a Settings field, or ValueError(problem, expected)."""
    kind = spec.kind
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"{value!r} is not true or false", "true or false")
        return value
    if kind in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{value!r} is not a number", _range(spec))
        if not math.isfinite(value):  # TOML has nan and inf; NaN passes every range test
            raise ValueError(f"{value!r} is not a finite number", _range(spec))
        if kind == "int" and not isinstance(value, int):
            raise ValueError(f"{value!r} is not a whole number", _range(spec))
        if (spec.low is not None and value < spec.low) or (
            spec.high is not None and value > spec.high
        ):
            raise ValueError(f"{value!r} is out of range", _range(spec))
        return int(value) if kind == "int" else float(value)
    if kind == "device" and isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"{value!r} is not a device index", "a name piece or an index >= 0")
        return str(value)
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not text", 'a quoted string, e.g. "..."')
    text = value.strip()
    if kind in ("device", "text"):
        return text or None
    if kind == "path":
        if not text:
            raise ValueError("the path is empty", "a directory path")
        path = Path(text).expanduser()
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        return path
    if kind == "digits":
        if not re.fullmatch(r"\d{2,6}", text):
            raise ValueError(f"{value!r} is not a phone number", 'digits only, e.g. "911" or "112"')
        return text
    if kind == "words":
        words = text.lower().split()
        if not words or not all(re.fullmatch(r"[a-z']+", w) for w in words):
            raise ValueError(f"{value!r} is not a phrase of plain words",
                             'lower-case words separated by spaces, e.g. "hey coach"')
        return " ".join(words)
    if kind == "host":
        try:
            loopback = ipaddress.ip_address(text).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise ValueError(f"{value!r} is not a loopback address",
                             '"127.0.0.1" (the screen is never served to the network)')
        return text
    raise AssertionError(f"unknown kind {kind}")


def _range(spec: _Key) -> str:
    kind = "a whole number" if spec.kind == "int" else "a number"
    return f"{kind} from {spec.low:g} to {spec.high:g}"


def _line_of(lines: list[str], section: str | None, key: str | None) -> int:
    """1-based line of ``key`` inside ``[section]`` (or of the section header); 0 if unknown."""
    in_section = section is None
    header = re.compile(r"^\s*\[\s*" + re.escape(section or "") + r"\s*\]\s*(#.*)?$")
    key_pattern = re.compile(r"^\s*[\"']?" + re.escape(key or "") + r"[\"']?\s*=")
    for number, line in enumerate(lines, start=1):
        if section is not None and header.match(line):
            if key is None:
                return number
            in_section = True
            continue
        if section is not None and in_section and re.match(r"^\s*\[", line):
            in_section = False
        if in_section and key is not None and key_pattern.match(line):
            return number
    return 0


def defaults_by_key() -> dict[str, Any]:
    """``section.key`` -> default value of its Settings field."""
    defaults = Settings()
    return {
        f"{section}.{key}": getattr(defaults, spec.field)
        for section, keys in SCHEMA.items()
        for key, spec in keys.items()
    }


__all__ = ["ConfigError", "Settings", "load_settings", "parse_settings", "SCHEMA"]
