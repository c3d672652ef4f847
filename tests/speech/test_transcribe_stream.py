"""`voiceskill transcribe` streams a WAV file through the resampler into Vosk: memory stays
bounded whatever the file's length.

It used to read the whole file, then decode all of it to float32 and resample it in one go: an
hour of 48 kHz stereo needed gigabytes. Here ten minutes of 48 kHz stereo (110 MB) with a
spoken "yes" at the very end are transcribed in a child process, and the memory Python and
numpy take meanwhile (tracemalloc: the model Vosk holds in C++ is not counted) is measured.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from voiceskill.speech.wav import read_wav, write_wav

AUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "audio"

RATE, CHANNELS, MINUTES = 48000, 2, 10

CHILD = """
import sys, tracemalloc
from voiceskill.cli import main
tracemalloc.start()
status = main(sys.argv[1:])
print("peak", tracemalloc.get_traced_memory()[1], status, file=sys.stderr)
"""


def _write_long_wav(path: Path, tail: np.ndarray) -> int:
    """``MINUTES`` of faint noise, then ``tail`` (48 kHz mono int16), as 48 kHz 16-bit stereo,
    written a minute at a time; returns the file's size."""
    frames = RATE * 60 * MINUTES + len(tail)
    data_bytes = frames * CHANNELS * 2
    fmt = struct.pack("<HHIIHH", 1, CHANNELS, RATE, RATE * CHANNELS * 2, CHANNELS * 2, 16)
    rng = np.random.default_rng(7)
    with path.open("wb") as out:
        out.write(b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + data_bytes) + b"WAVE")
        out.write(b"fmt " + struct.pack("<I", len(fmt)) + fmt)
        out.write(b"data" + struct.pack("<I", data_bytes))
        for _ in range(MINUTES):
            minute = rng.normal(0.0, 3.0, RATE * 60).astype(np.int16)
            out.write(np.repeat(minute[:, None], CHANNELS, axis=1).tobytes())
        out.write(np.repeat(tail[:, None], CHANNELS, axis=1).tobytes())
    return path.stat().st_size


def _transcribe(path: Path) -> tuple[int, dict]:
    """``voiceskill transcribe --json`` of ``path`` in a child process: the peak of the memory
    traced meanwhile (loading the model included) and what it heard."""
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, "transcribe", "--grammar", "yes,no", "--json", str(path)],
        capture_output=True, text=True, timeout=600,
    )
    *_, last = proc.stderr.splitlines() or [""]
    word, peak, status = [*last.split(), "", "", ""][:3]
    assert (word, status) == ("peak", "0"), proc.stderr
    return int(peak), json.loads(proc.stdout)


@pytest.fixture(scope="module")
def long_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, dict]:
    """The long file, its size, and ``_transcribe`` of it (about 20 s of decoding)."""
    tmp_path = tmp_path_factory.mktemp("long")
    yes = tmp_path / "yes48.wav"
    write_wav(yes, read_wav(AUDIO / "yes__flite-slt.wav", rate=RATE), rate=RATE)
    path = tmp_path / "long.wav"
    size = _write_long_wav(path, read_wav(yes, rate=RATE))
    return path, size, _transcribe(path)


def test_a_long_file_is_transcribed_in_bounded_memory(long_file: tuple[Path, int, dict]) -> None:
    path, size, (peak, heard) = long_file
    assert size > 100_000_000
    assert heard["text"] == "yes", heard  # the whole file was heard, to its end
    # Loading the model takes the same for any file: what a file adds is the difference with a
    # second of speech. Read whole, the file had added more than its size (its bytes, then
    # float32 samples); streamed, a few blocks of it.
    short_peak, _ = _transcribe(AUDIO / "yes__flite-slt.wav")
    added = peak - short_peak
    assert added < 8_000_000, f"{added / 1e6:.0f} MB more for a {size / 1e6:.0f} MB file"


def test_word_times_hold_to_the_end_of_a_long_file(long_file: tuple[Path, int, dict]) -> None:
    """Vosk counts times from the start of a new round in real seconds once it has decoded
    20000 frames; the correction for 10 ms frames had scaled those too, putting the "yes"
    said at 10:00 at 5:27."""
    *_, (_, heard) = long_file
    (yes,) = heard["words"]
    said = len(read_wav(AUDIO / "yes__flite-slt.wav")) / 16000
    # (a word's start takes in the faint noise before it: its end is where it is)
    assert yes["word"] == "yes" and yes["start"] < yes["end"]
    assert 60 * MINUTES < yes["end"] <= 60 * MINUTES + said + 0.1, yes
