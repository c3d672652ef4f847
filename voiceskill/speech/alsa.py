"""ALSA's own messages ("ALSA lib pcm.c:8570:(snd_pcm_recover) underrun occurred") go to the log.

libasound prints them straight to stderr, so a busy machine's underruns would land between the
captions on the user's terminal. :func:`route_alsa_messages_to_log` installs an error handler in
libasound (the same library PortAudio uses) that writes them to the ``voiceskill.alsa`` logger at
debug level instead. ALSA passes printf-style arguments after the format; the handler has no
portable way to read them, so the log shows the format (``"%s occurred"``) with its place.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger("voiceskill.alsa")

#: snd_lib_error_handler_t without its trailing ``...`` (ignored arguments are harmless in C).
_HANDLER_TYPE = ctypes.CFUNCTYPE(
    None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
)


def _to_log(file: bytes | None, line: int, function: bytes | None, err: int,
            fmt: bytes | None) -> None:
    def text(b: bytes | None) -> str:
        return (b or b"").decode("utf-8", "replace")

    log.debug("ALSA %s:%d (%s) %s [err %d]", text(file), line, text(function), text(fmt), err)


_installed: object | None = None  # the ctypes callback must live as long as the process


def route_alsa_messages_to_log() -> bool:
    """Install the handler once; False when there is no libasound (then nothing prints anyway)."""
    global _installed
    if _installed is not None:
        return True
    name = ctypes.util.find_library("asound")
    if name is None:
        return False
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return False
    handler = _HANDLER_TYPE(_to_log)
    lib.snd_lib_error_set_handler(handler)
    _installed = handler
    return True
