"""Settings file: defaults, every section, and one clear message per bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

import voiceskill
from voiceskill.config import (
    SCHEMA,
    ConfigError,
    Settings,
    defaults_by_key,
    load_settings,
    parse_settings,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "voiceskill" / "kiosk" / "example.toml"
README_SECTION = Path(voiceskill.PROJECT_ROOT) / "README.md"


def test_no_file_gives_defaults_with_home_expanded() -> None:
    settings = load_settings(None)
    assert settings.emergency_number == "911"
    assert settings.wake_phrase == "hey coach"
    assert settings.keep_audio is False
    assert settings.screen_host == "127.0.0.1"
    assert "~" not in str(settings.transcript_dir)


def test_every_section_is_read(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        """
[audio]
input_device = "USB Mic"
output_device = 3
model = "models/other"
[voice]
name = "en-gb"
rate = 130
volume = 0.5
[safety]
emergency_number = "112"
[timeouts]
silence = 6
session_idle = 90
[wake]
phrase = "  Hello   Coach "
[transcripts]
directory = "t"
retention_days = 7
keep_audio = true
[screen]
enabled = true
host = "127.0.0.1"
port = 0
""",
        encoding="utf-8",
    )
    s = load_settings(path)
    assert s.input_device == "USB Mic" and s.output_device == "3"
    assert s.model_dir == tmp_path / "models" / "other"
    assert (s.voice, s.rate, s.volume) == ("en-gb", 130, 0.5)
    assert s.emergency_number == "112"
    assert (s.silence_timeout, s.session_idle_timeout) == (6.0, 90.0)
    assert s.wake_phrase == "hello coach"
    assert s.transcript_dir == tmp_path / "t"
    assert (s.retention_days, s.keep_audio) == (7.0, True)
    assert (s.screen, s.screen_host, s.screen_port) == (True, "127.0.0.1", 0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[voice]\nrate = 1000\n", "kiosk.toml:2: voice.rate: 1000 is out of range"),
        ("[voice]\nrate = 1.5\n", "kiosk.toml:2: voice.rate: 1.5 is not a whole number"),
        ("[voice]\nvolume = 'loud'\n", "kiosk.toml:2: voice.volume: 'loud' is not a number"),
        ("\n[safety]\nemergency_number = '9-1-1'\n", "kiosk.toml:3: safety.emergency_number"),
        ("[safety]\nemergency_number = 911\n", "911 is not text"),
        ("[screen]\nhost = '0.0.0.0'\n", "kiosk.toml:2: screen.host: '0.0.0.0' is not a loopback"),
        ("[screen]\nenabled = 'yes'\n", "screen.enabled: 'yes' is not true or false"),
        ("[wake]\nphrase = 'hey, coach!'\n", "wake.phrase"),
        ("[wake]\nphrase = ''\n", "wake.phrase"),
        ("[timeouts]\nsilense = 3\n", "timeouts.silense: unknown key (expected one of"),
        ("[sound]\nx = 1\n", "kiosk.toml:1: sound: unknown section"),
        ("voice = 'en'\n", "kiosk.toml:1: voice: must be a [section] table"),
        ("[voice\nrate = 1\n", "kiosk.toml:1: not valid TOML"),
        ("[transcripts]\ndirectory = ''\n", "transcripts.directory: the path is empty"),
        ("[timeouts]\nsilence = nan\n", "timeouts.silence: nan is not a finite number"),
        ("[voice]\nvolume = -nan\n", "voice.volume: nan is not a finite number"),
        ("[transcripts]\nretention_days = inf\n", "retention_days: inf is not a finite"),
    ],
)
def test_bad_values_name_file_line_and_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings(text, "kiosk.toml")
    assert message in str(caught.value)
    assert len(str(caught.value).splitlines()) == 1


def test_all_problems_reported_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings("[voice]\nrate = 5\nvolume = 2\n", "k.toml")
    lines = str(caught.value).splitlines()
    assert [line.split(": ")[1] for line in lines] == ["voice.rate", "voice.volume"]


def test_missing_file_is_one_clear_message(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.toml: settings file not found"):
        load_settings(tmp_path / "nope.toml")


def test_example_file_loads_and_mentions_every_key() -> None:
    settings = load_settings(EXAMPLE)
    assert isinstance(settings, Settings)
    text = EXAMPLE.read_text(encoding="utf-8")
    for section, keys in SCHEMA.items():
        assert f"[{section}]" in text
        for key in keys:
            assert f"{key} =" in text, key  # set, or shown commented out


def test_readme_section_documents_every_default() -> None:
    text = README_SECTION.read_text(encoding="utf-8")
    for key, default in defaults_by_key().items():
        assert f"`{key}`" in text, key
        if isinstance(default, bool):
            shown = str(default).lower()
        elif isinstance(default, float) and default.is_integer():
            shown = str(int(default))
        elif default is None or isinstance(default, Path):
            continue
        else:
            shown = str(default)
        row = next(r for r in text.splitlines() if r.startswith(f"| `{key}`"))
        assert shown in row, (key, shown, row)


def test_command_line_options_override_the_file_and_are_checked(tmp_path: Path) -> None:
    from voiceskill.cli import build_parser
    from voiceskill.commands.kiosk import settings_from

    path = tmp_path / "kiosk.toml"
    path.write_text('[safety]\nemergency_number = "999"\n[wake]\nphrase = "hey coach"\n')
    parser = build_parser()
    args = parser.parse_args(["kiosk", "--config", str(path), "--emergency-number", "112",
                              "--screen", "--port", "0"])
    settings = settings_from(args)
    assert (settings.emergency_number, settings.wake_phrase) == ("112", "hey coach")
    assert (settings.screen, settings.screen_port) == (True, 0)
    bad = parser.parse_args(["kiosk", "--wake-phrase", "Hey, Coach!"])
    with pytest.raises(ConfigError, match=r"^--wake-phrase: 'Hey, Coach!' is not a phrase"):
        settings_from(bad)
