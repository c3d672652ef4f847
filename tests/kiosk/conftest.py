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
def pulse(pulse: PulseServer) -> Iterator[PulseServer]:
    """The shared server as tests/conftest.py routes it, with a faint tone in the ``mic`` sink
    for the test (``PulseServer.tone_into``): the kiosk's microphone, its monitor, is a quiet
    room, not the exact zeros of a removed microphone (voiceskill/kiosk/zeros.py)."""
    with pulse.toned("mic"):
        yield pulse


@pytest.fixture
def room_pulse() -> Iterator[PulseServer]:
    """A PulseAudio server of the test's own: the speaker is the null sink ``spk``, the
    microphone the source ``room``, a quiet room (a faint tone, ``PulseServer.tone_source``:
    a null source's exact zeros are a removed microphone to the kiosk); the person answers on
    the screen. The shared server is used again afterwards. For a speaker or microphone lost
    mid-session."""
    try:
        with running_pulse(sinks=("spk",)) as server:
            server.tone_source("room")
            server.route(source="room", sink="spk")
            yield server
    finally:
        reinitialize_portaudio()
