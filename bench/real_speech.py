"""More recordings of people for the speech benchmark, from Debian packages (benchmark only;
nothing of them ships). A package that is not installed gives no clips.

* kajongg (Debian ``kajongg``, GPL-2+, recorded by Wolfgang Rohdewald and others): the game's
  four US-English voices (two women, two men) calling tiles — "bamboo 3", "character 7",
  "stone 9" (one..nine as the second word of a two-word call) — and its other calls (pung, kong,
  the winds, ...), which are outside the grammar. Ogg Vorbis at low quality.
* saytime (Debian ``saytime``, GPL): zero..twenty read by one man, 8 kHz µ-law with no header
  — real narrowband recordings, scored only through the 8 kHz path.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

KAJONGG_VOICES = Path("/usr/share/kajongg/voices")
KAJONGG_SPEAKERS = ("female1", "female2", "male1", "male2")
#: Tile calls: file prefix → the suit word said first (the game's handbook: "s3.ogg - this is
#: Stone 3"). Only the number is scored; the suit word must not come out as a vocabulary word.
KAJONGG_SUITS = {"b": "bamboo", "c": "character", "s": "stone"}
#: The other calls, outside the grammar ("nochoice", "no choice", is left out: it says "no").
KAJONGG_OOV = (
    "chow", "pung", "kong", "mahjongg", "dangerousgame", "originalcall",
    "violatesoriginalcall", "we", "wn", "ws", "ww", "db", "dg", "dr",
)
ONE_TO_NINE = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

SAYTIME = Path("/usr/share/saytime")


def read_audio(
    path: Path, container: str | None = None, options: dict[str, str] | None = None,
    rate: int = 16000,
) -> np.ndarray:
    """Any file FFmpeg reads (Ogg Vorbis, G.722, headerless µ-law given ``container`` and its
    ``options``) as mono int16 at ``rate``, through PyAV (the model-bench extra)."""
    import av

    with av.open(str(path), format=container, options=options or {}) as opened:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
        parts = [
            out.to_ndarray().reshape(-1)
            for frame in opened.decode(audio=0)
            for out in resampler.resample(frame)
        ]
        parts += [out.to_ndarray().reshape(-1) for out in resampler.resample(None)]
    return np.concatenate(parts).astype(np.int16)


def kajongg_calls() -> list[tuple[str, str, np.ndarray]]:
    """(name, text, 16 kHz samples) of every tile call one..nine, all four voices."""
    out = []
    for speaker in KAJONGG_SPEAKERS:
        for prefix, suit in KAJONGG_SUITS.items():
            for number, word in enumerate(ONE_TO_NINE, start=1):
                path = KAJONGG_VOICES / speaker / f"{prefix}{number}.ogg"
                if path.is_file():
                    out.append((f"kajongg/{speaker}/{path.name}", f"{suit} {word}",
                                read_audio(path)))
    return out


def kajongg_other_calls() -> list[tuple[str, np.ndarray]]:
    """(name, 16 kHz samples) of the calls outside the grammar, all four voices."""
    return [
        (f"kajongg/{speaker}/{call}.ogg", read_audio(path))
        for speaker in KAJONGG_SPEAKERS
        for call in KAJONGG_OOV
        if (path := KAJONGG_VOICES / speaker / f"{call}.ogg").is_file()
    ]


def saytime_numbers(numbers: list[str]) -> list[tuple[str, str, np.ndarray]]:
    """(name, word, 16 kHz samples) of saytime's zero..twenty (8 kHz recordings, resampled)."""
    from voiceskill.speech.wav import float_to_int16, resample

    out = []
    for i, word in enumerate(numbers):
        path = SAYTIME / f"{i}.au"
        if path.is_file():
            x = read_audio(path, "mulaw", {"sample_rate": "8000"}, rate=8000) / 32768.0
            out.append((f"saytime/{path.name}", word, float_to_int16(resample(x, 8000))))
    return out
