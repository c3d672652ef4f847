"""A microphone that went digitally silent: nothing but exact zeros for a few seconds.

When the PulseAudio source the kiosk records from is removed (a USB microphone unplugged),
PulseAudio moves the recording stream to a source that is left, often a speaker's monitor,
and PortAudio is not told: the stream runs on and delivers exact digital silence (every sample
0) whenever nothing plays. A real microphone never does that for long: its own noise (a few
steps of int16 even in a quiet room) makes a run of thousands of zero samples all but
impossible. So :class:`DigitalSilence` counts the exact zeros in a row, and a run of
:data:`DIGITAL_SILENCE_SECONDS` counts as the microphone lost (the kiosk's stall watch in
:mod:`voiceskill.kiosk.devices` raises it as a device error). No libpulse is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voiceskill.speech.wav import TARGET_RATE

#: Seconds of exact zeros in a row after which the microphone counts as lost. Long beside the
#: zeros a working stream may carry (a few blocks at its start, after an underrun or while
#: PulseAudio moves it); short beside a question's wait for its answer (``silence_timeout``,
#: 8 s by default), so a microphone lost under a question is noticed in that very listen,
#: before the turn ends in silence and the question is asked again (a prompt recorded from a
#: speaker's monitor would start the count afresh).
DIGITAL_SILENCE_SECONDS = 3.0

#: The device error's words (logged, and shown on the screen as the trouble).
DIGITAL_SILENCE_ERROR = ("the microphone sends only digital silence "
                         "(exact zeros for {seconds:g} s: unplugged, or muted)")


@dataclass
class DigitalSilence:
    """Counts the exact-zero samples in a row of one microphone stream."""

    seconds: float = DIGITAL_SILENCE_SECONDS
    """Length of the run of zeros that counts as the microphone lost."""

    rate: int = TARGET_RATE
    """Samples per second of the chunks fed."""

    zeros: int = 0
    """Exact-zero samples in a row up to the last one fed."""

    heard: bool = False
    """Whether a sample other than zero has come since the start: the room was heard."""

    def feed(self, chunk: np.ndarray) -> bool:
        """Take the next chunk; True once the run of zeros is :attr:`seconds` long."""
        samples = np.asarray(chunk).reshape(-1)
        sound = np.flatnonzero(samples)
        if sound.size:
            self.heard = True
            self.zeros = len(samples) - 1 - int(sound[-1])
        else:
            self.zeros += len(samples)
        return self.silent

    @property
    def silent(self) -> bool:
        """Whether the run of zeros has reached :attr:`seconds`."""
        return self.zeros >= self.seconds * self.rate

    def restart(self) -> None:
        """Audio went by unseen (dropped from the buffer): a run counts only once seen whole."""
        self.zeros = 0

    @property
    def error(self) -> str:
        """What the device error says."""
        return DIGITAL_SILENCE_ERROR.format(seconds=self.seconds)
