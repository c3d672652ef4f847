"""Fixtures of the kiosk tests: the speech model and a folder for the person's voice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.pulse import PulseServer, reinitialize_portaudio, running_pulse


@pytest.fixture(scope="session")
def model(speech_model: Any) -> Any:
    """The Vosk model of the shared ``speech_model`` fixture (skips while it is not built)."""
    return speech_model


@pytest.fixture(scope="session")
def model_dir(speech_model: Any) -> Path:
    """Directory of that model (the shipped one, or $VOICESKILL_MODEL)."""
    from voiceskill.speech.modeldir import resolve_model_dir

    return resolve_model_dir(None)


@pytest.fixture(scope="session")
def voice_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the person's espeak-ng utterances are synthesized (once per run)."""
    return tmp_path_factory.mktemp("person")


@pytest.fixture
def room_pulse() -> Iterator[PulseServer]:
    """A PulseAudio server of the test's own: the speaker is the null sink ``spk``, the
    microphone the null source ``room`` (a silent room: the person answers on the screen). The
    shared server is used again afterwards. For a speaker or microphone lost mid-session."""
    try:
        with running_pulse(sinks=("spk",)) as server:
            server.pactl("load-module", "module-null-source", "source_name=room")
            server.route(source="room", sink="spk")
            yield server
    finally:
        reinitialize_portaudio()
