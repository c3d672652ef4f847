"""Notice a microphone that records nothing above 4 kHz.

Bluetooth headsets in hands-free mode and telephone-band microphones sample at 8 kHz; the
sound server resamples them to 16 kHz, so they open like any other microphone, but the band
above 4 kHz stays empty. The model hears people far worse that way (model card: 2 of 14 real
words instead of 13), so the person setting it up should be told, once, in the log.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voiceskill.speech.wav import TARGET_RATE

#: Above this frequency an 8 kHz device has nothing (its Nyquist frequency plus a margin).
EDGE_HZ = 4200.0

#: Share of a loud chunk's power above :data:`EDGE_HZ` below which the band counts as empty.
#: Wideband speech keeps around 1 % there (fricatives, breath, the room), an 8 kHz device
#: under 0.01 %.
EMPTY_SHARE = 1e-4

#: Chunks quieter than this RMS (int16) say nothing about the band (silence, the dither floor).
LOUD_RMS = 300.0

NARROWBAND_WARNING = (
    "the microphone records nothing above 4 kHz (an 8 kHz device, e.g. a Bluetooth headset in "
    "hands-free mode): speech recognition will be much worse; use a microphone that records "
    "16 kHz or more"
)


@dataclass
class BandwidthWatch:
    """Fed every chunk of a microphone; says once when enough loud audio had an empty high
    band, and never once a loud chunk had sound up there."""

    loud_seconds: float = 3.0
    """Loud audio to hear before deciding."""

    heard: float = 0.0
    """Seconds of loud audio so far, all with an empty high band."""

    decided: bool = False
    """True once the watch has warned or has seen a wideband chunk."""

    def feed(self, chunk: np.ndarray) -> str | None:
        """The warning the first time the evidence is in, else None."""
        if self.decided or len(chunk) < 64:
            return None
        x = chunk.astype(np.float64)
        if np.sqrt(np.mean(x * x)) < LOUD_RMS:
            return None
        power = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
        freqs = np.fft.rfftfreq(len(x), 1 / TARGET_RATE)
        if power[freqs > EDGE_HZ].sum() >= EMPTY_SHARE * power.sum():
            self.decided = True  # a wideband device
            return None
        self.heard += len(chunk) / TARGET_RATE
        if self.heard >= self.loud_seconds:
            self.decided = True
            return NARROWBAND_WARNING
        return None
