"""Shared fixtures. ``pulse`` starts a private PulseAudio server with null sinks ``mic`` and
``spk`` (see tests/pulse.py) and skips the test, with the reason, when that is impossible."""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.pulse import PulseServer, running_pulse


@pytest.fixture(autouse=True)
def same_dither_every_test() -> None:
    """Seed the C library's rand() before each test. Kaldi (inside Vosk) dithers every audio
    frame with noise drawn from rand() (``dither`` in the model's mfcc.conf), so without this
    a clip near a decision boundary is heard one way or the other depending on how many frames
    earlier tests decoded in the same process: a spoken "nope" came back "no" here and "[unk]"
    on CI. With it, a test's result does not depend on which tests ran before it.
    ``VOICESKILL_DITHER_SEED=N pytest`` runs the suite with other dither noise: a test that
    fails for some N rests on a borderline clip."""
    ctypes.CDLL(None).srand(int(os.environ.get("VOICESKILL_DITHER_SEED", "0")))


@pytest.fixture(scope="session")
def pulse_server() -> Iterator[PulseServer]:
    with running_pulse() as server:
        yield server


@pytest.fixture
def pulse(pulse_server: PulseServer) -> PulseServer:
    """The running server, routed: the code under test records ``mic.monitor`` and plays
    into ``spk``. Tests play the person into ``mic`` and record ``spk``."""
    pulse_server.route(source="mic.monitor", sink="spk")
    return pulse_server


@pytest.fixture(scope="session")
def speech_model() -> Any:
    """The Vosk model (the shipped one, or $VOICESKILL_MODEL), loaded once; skips when the
    model has not been built yet."""
    from voiceskill.speech.modeldir import resolve_model_dir
    from voiceskill.speech.recognizer import open_model

    path = resolve_model_dir(None)
    if not (path / "am" / "final.mdl").is_file():
        pytest.skip(f"the speech model is not built yet ({path})")
    return open_model(path)
