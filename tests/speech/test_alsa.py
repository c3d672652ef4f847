"""ALSA's messages reach the log, not the terminal (real libasound, in a child process)."""

from __future__ import annotations

import ctypes.util
import subprocess
import sys

import pytest

#: Opens an ALSA device that does not exist: libasound reports it on stderr by itself.
OPEN_MISSING_PCM = """
import ctypes, ctypes.util, logging, sys
logging.basicConfig(stream=sys.stdout, level=logging.DEBUG, format="%(name)s %(message)s")
if sys.argv[1] == "routed":
    from voiceskill.speech.alsa import route_alsa_messages_to_log
    assert route_alsa_messages_to_log()
lib = ctypes.CDLL(ctypes.util.find_library("asound"))
pcm = ctypes.c_void_p()
print("open", lib.snd_pcm_open(ctypes.byref(pcm), b"voiceskill_no_such_pcm", 0, 0))
"""


@pytest.mark.skipif(ctypes.util.find_library("asound") is None, reason="no libasound here")
@pytest.mark.parametrize("mode", ["plain", "routed"])
def test_alsa_messages_go_to_the_log(mode: str) -> None:
    done = subprocess.run([sys.executable, "-c", OPEN_MISSING_PCM, mode],
                          capture_output=True, text=True, timeout=30, check=True)
    assert "open -" in done.stdout  # the open failed, so ALSA had something to say
    if mode == "plain":  # the control: without the handler libasound prints it itself
        assert "ALSA lib" in done.stderr and "voiceskill_no_such_pcm" in done.stderr
    else:
        assert "ALSA lib" not in done.stderr, done.stderr
        assert "voiceskill.alsa ALSA pcm.c:" in done.stdout and "Unknown PCM" in done.stdout
