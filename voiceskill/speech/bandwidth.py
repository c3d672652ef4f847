"""Notice a microphone that records nothing above 4 kHz.

Bluetooth headsets in hands-free mode and telephone-band microphones sample at 8 kHz; the
sound server resamples them to 16 kHz, so they open like any other microphone, but the band
above 4 kHz stays empty. The shipped model hears people far worse that way (model card: 2 of
14 real words instead of 13), so the recognizer switches to its 8 kHz companion model when it
has one, and says so once in the log either way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voiceskill.speech.wav import TARGET_RATE

#: Above this frequency an 8 kHz device has nothing (its Nyquist frequency plus a margin).
EDGE_HZ = 4200.0

#: Share of a loud chunk's power above :data:`EDGE_HZ` at or above which the chunk shows a
#: wideband device. Wideband speech keeps around 1 % there (fricatives, breath, the room).
WIDEBAND_SHARE = 1e-4
#: Share below which the band counts as empty: only such a chunk counts towards an 8 kHz
#: device (which keeps about 1e-9 there); one between this and :data:`WIDEBAND_SHARE` says
#: nothing. A wideband voice saying only sonorants ("well no", "no no": flite's awb) keeps
#: 2e-6 to 2e-5 there, and when everything under WIDEBAND_SHARE counted as empty, two such
#: answers settled a wideband microphone as 8 kHz.
EMPTY_SHARE = 1e-6

#: Chunks quieter than this RMS (int16) say nothing about the band (silence, the dither floor).
LOUD_RMS = 300.0

#: Chunks with a sample this loud say nothing either: clipping spreads power over every band
#: (a clipped 8 kHz recording had 0.02 % above 4.2 kHz).
CLIPPED = 32000

NARROWBAND_WARNING = (
    "the microphone records nothing above 4 kHz (an 8 kHz device, e.g. a Bluetooth headset in "
    "hands-free mode): speech recognition will be much worse; use a microphone that records "
    "16 kHz or more"
)

NARROWBAND_SWITCH = (
    "the microphone records nothing above 4 kHz (an 8 kHz device, e.g. a Bluetooth headset in "
    "hands-free mode): switching to the speech model for 8 kHz audio"
)


@dataclass
class BandwidthWatch:
    """Fed the chunks of a microphone that carry a voice (the recognizer leaves out steady noise
    like hum, which has an empty high band too); says once when enough loud audio had an empty
    high band, and never once a loud chunk had sound up there."""

    loud_seconds: float = 0.6
    """Loud audio to hear before deciding narrowband: short enough that the wake phrase alone
    settles it (an 8 kHz "hey coach" has 0.8 s of loud chunks; with 1 s the wideband model had
    to hear the wake phrase on 8 kHz audio, and missed it for some voices every time). Wideband
    speech settles sooner: over the 12 real recordings of pocketsphinx-testdata no loud chunk
    came before the first one with sound above 4.2 kHz, and over every wideband test fixture at
    most 0.3 s did (espeak-ng's en-gb-x-rp m7 saying "wait")."""

    heard: float = 0.0
    """Seconds of loud audio so far, all with an empty high band."""

    decided: bool = False
    """True once the watch has settled on narrowband or has seen a wideband chunk."""

    narrowband: bool = False
    """True once enough loud audio had an empty high band (and none had sound there)."""

    def feed(self, chunk: np.ndarray) -> bool:
        """True the one time the evidence for narrowband is in, else False."""
        if self.decided or len(chunk) < 64:
            return False
        x = chunk.astype(np.float64)
        if np.sqrt(np.mean(x * x)) < LOUD_RMS or np.abs(x).max() >= CLIPPED:
            return False
        power = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
        freqs = np.fft.rfftfreq(len(x), 1 / TARGET_RATE)
        high = power[freqs > EDGE_HZ].sum()
        if high >= WIDEBAND_SHARE * power.sum():
            self.decided = True  # a wideband device
            return False
        if high >= EMPTY_SHARE * power.sum():
            return False
        self.heard += len(chunk) / TARGET_RATE
        if self.heard >= self.loud_seconds:
            self.decided = self.narrowband = True
        return self.narrowband
