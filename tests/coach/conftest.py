"""Fixtures of the coach tests: the first 30 s hamstring stretch, commanded mid-hold."""

from __future__ import annotations

import pytest

from tests.coach.harness import holds, run

#: The exercise the command tests coach: its first hold lasts :data:`HOLD` seconds.
EXERCISE = "hamstring-stretch"
HOLD = 30.0
#: Seconds into the first hold at which a command is said (not on a cue boundary).
INTO = 12.34


@pytest.fixture(scope="module")
def start() -> float:
    """Session time at which the first hold of the plain run starts."""
    return holds(run(EXERCISE))[0][0]["t"]
