"""Where audio comes from: one stream of 16 kHz mono int16 chunks for every source.

The microphone (sounddevice at the device's native rate, resampled with soxr), WAV files (via
:mod:`voiceskill.speech.wav`) and scripted audio (silence, synthesized speech) all hand out the
same thing: :class:`numpy.ndarray` chunks of :data:`CHUNK` samples. The recognizer never knows
which source it listens to, so tests drive the production path.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from voiceskill.clock import Clock, MonotonicClock
from voiceskill.speech.wav import TARGET_RATE, read_wav

#: Samples per chunk at 16 kHz (50 ms): the granularity of endpointing and barge-in.
CHUNK = 800

#: Seconds per chunk.
CHUNK_SECONDS = CHUNK / TARGET_RATE


class AudioDeviceError(RuntimeError):
    """A sound device is missing, busy or broken; the message says which and what exists."""


class NoSoundDeviceError(AudioDeviceError):
    """No sound device answers at all (no sound server, no card, or a server without the
    device wanted); the message says what to check."""


#: What to check when no sound device answers ({what}: "a microphone", "a speaker").
NO_SOUND_ADVICE = ("is a sound server (PulseAudio or PipeWire) running with {what}, "
                   "or a sound card connected?")

#: PortAudio's ALSA devices that are a door to a sound server rather than a card of their own:
#: when one fails to open, the server has no such device or is not running.
SERVER_DEVICES = frozenset({"default", "pulse", "pipewire"})

#: PortAudio's "Device unavailable": busy, in use by another program (not missing).
PA_DEVICE_UNAVAILABLE = -9985



log = logging.getLogger("voiceskill.audio")


@dataclass
class Backoff:
    """Growing pauses between attempts to reopen a sound device, cut short by a stop signal.

    Every retry loop waits here: the pause doubles after each failed attempt up to ``cap``
    (never a tight loop, whatever the device does), and :meth:`wait` returns False at once
    when ``stop`` is set, so no retrying outlives the service that owns it.
    """

    first: float = 1.0
    """Seconds of the first pause."""

    cap: float = 60.0
    """Longest pause in seconds."""

    stop: threading.Event = field(default_factory=threading.Event)
    """Set by the owner when it shuts down: waiting ends and no further attempt is made."""

    attempts: int = 0
    """Failed attempts since the device last worked."""

    def next_pause(self) -> float:
        """The pause before the next attempt (first, 2×first, 4×first … cap)."""
        return min(self.cap, self.first * 2.0 ** min(self.attempts, 60))

    def failed(self, what: str, err: BaseException | str) -> float:
        """Count a failed attempt and log it in one line; returns the pause to wait."""
        pause = self.next_pause()
        self.attempts += 1
        log.warning("%s failed (attempt %d): %s; next try in %.3g s",
                    what, self.attempts, err, pause)
        return pause

    def wait(self, pause: float, clock: Clock | None = None) -> bool:
        """Let ``pause`` seconds pass on ``clock`` (default: real time) unless stopped first;
        True means "try again"."""
        return (clock or MonotonicClock()).wait(pause, self.stop)

    def reset(self) -> None:
        """The device works: the next failure starts again with the first pause."""
        self.attempts = 0


def split_chunks(samples: np.ndarray, chunk: int = CHUNK) -> Iterator[np.ndarray]:
    """Cut int16 samples into chunks of ``chunk`` samples (the last one may be shorter)."""
    samples = np.asarray(samples, dtype=np.int16)
    for start in range(0, len(samples), chunk):
        yield samples[start : start + chunk]


def wav_chunks(path: str | Path, chunk: int = CHUNK) -> Iterator[np.ndarray]:
    """Chunks of a WAV file of any rate, width and channel count (AudioFileError if bad)."""
    return split_chunks(read_wav(path), chunk)


def silence(seconds: float) -> np.ndarray:
    """Digital silence of the given length at 16 kHz."""
    return np.zeros(int(round(seconds * TARGET_RATE)), dtype=np.int16)


class AudioSource(Protocol):
    """Anything that hands out 16 kHz mono int16 chunks: a microphone or scripted audio."""

    def read(self, timeout: float | None) -> np.ndarray | None:
        """The next chunk, or None when there is none (within ``timeout`` for live sources)."""
        ...

    def drain(self) -> int:
        """Drop everything buffered; return how many samples were dropped."""
        ...


class ScriptedAudio:
    """Audio queued up front (WAV files, silence, synthesized speech), read chunk by chunk.

    Never blocks: when the queued audio is used up, :meth:`read` returns None at once.
    """

    def __init__(self) -> None:
        self._chunks: deque[np.ndarray] = deque()

    def push(self, samples: np.ndarray) -> None:
        """Queue 16 kHz mono int16 samples after what is already queued."""
        self._chunks.extend(split_chunks(samples))

    @property
    def seconds_left(self) -> float:
        """Seconds of audio still queued."""
        return sum(len(c) for c in self._chunks) / TARGET_RATE

    @property
    def holds_sound(self) -> bool:
        """Whether anything queued is more than digital silence."""
        return any(chunk.any() for chunk in self._chunks)

    def read(self, timeout: float | None = None) -> np.ndarray | None:
        return self._chunks.popleft() if self._chunks else None

    def take_all(self) -> np.ndarray:
        """Everything still queued, as one array, taken off the queue."""
        samples = np.concatenate(self._chunks) if self._chunks else np.zeros(0, dtype=np.int16)
        self._chunks.clear()
        return samples

    def drain(self) -> int:
        dropped = sum(len(c) for c in self._chunks)
        self._chunks.clear()
        return dropped


# ---------------------------------------------------------------- devices


@dataclass(frozen=True)
class DeviceInfo:
    """One sound device as PortAudio reports it."""

    index: int
    """PortAudio device index (changes between boots; names are steadier)."""

    name: str
    """Device name, e.g. ``pulse`` or ``USB Audio Device: - (hw:1,0)``."""

    inputs: int
    """Maximum input channels (0 = cannot record)."""

    outputs: int
    """Maximum output channels (0 = cannot play)."""

    rate: float
    """Default sample rate in Hz."""

    default_input: bool
    """True for the system's default microphone."""

    default_output: bool
    """True for the system's default speaker."""


def list_devices() -> list[DeviceInfo]:
    """Every device PortAudio sees (raises AudioDeviceError when PortAudio is unusable)."""
    sd = _sounddevice()
    try:
        devices = sd.query_devices()
        default_in, default_out = sd.default.device
    except sd.PortAudioError as err:
        raise AudioDeviceError(f"cannot list sound devices: {err}") from None
    return [
        DeviceInfo(
            index=i,
            name=d["name"],
            inputs=d["max_input_channels"],
            outputs=d["max_output_channels"],
            rate=d["default_samplerate"],
            default_input=i == default_in,
            default_output=i == default_out,
        )
        for i, d in enumerate(devices)
    ]


def find_device(spec: str | int | None, kind: str) -> DeviceInfo:
    """The device for ``spec``: an index, a case-insensitive piece of a name, or None for the
    default. ``kind`` is ``"input"`` or ``"output"``. Raises AudioDeviceError naming the
    devices that exist when nothing fits."""
    devices = list_devices()
    usable = [d for d in devices if (d.inputs if kind == "input" else d.outputs) > 0]
    names = ", ".join(f"{d.index}: {d.name}" for d in usable) or "none"
    if spec is None or spec == "":
        for d in usable:
            if d.default_input if kind == "input" else d.default_output:
                return d
        if usable:
            return usable[0]
        if not devices:
            raise NoSoundDeviceError("no sound device found (PortAudio sees none); "
                                     + NO_SOUND_ADVICE.format(what=_ONE[kind]))
        raise NoSoundDeviceError(f"no {_THING[kind]} found (devices: {names}); "
                                 + NO_SOUND_ADVICE.format(what=_ONE[kind]))
    text = str(spec).strip()
    if text.isdigit():
        for d in usable:
            if d.index == int(text):
                return d
        raise AudioDeviceError(f"no {kind} device with index {text} (available: {names})")
    exact = [d for d in usable if d.name.lower() == text.lower()]
    partial = [d for d in usable if text.lower() in d.name.lower()]
    if exact or partial:
        return (exact or partial)[0]
    raise AudioDeviceError(f"no {kind} device matching {text!r} (available: {names})")


_THING = {"input": "microphone", "output": "speaker"}
_ONE = {"input": "a microphone", "output": "a speaker"}


def open_failure(kind: str, info: DeviceInfo, err: Exception) -> AudioDeviceError:
    """The error for a device PortAudio could not open (``err``: its PortAudioError), in one
    line. A sound server's door (:data:`SERVER_DEVICES`) that fails to open means the server
    has no such device or is not running: :class:`NoSoundDeviceError`, saying what to check."""
    args = getattr(err, "args", ())
    host = args[2] if len(args) > 2 and isinstance(args[2], tuple) else ()
    reason = str(host[-1]) if host and host[-1] else str(args[0] if args else err)
    reason = reason.split(": ", 1)[-1]  # "Error opening InputStream: " says nothing more
    thing = _THING[kind]
    busy = (args[1] if len(args) > 1 else None) == PA_DEVICE_UNAVAILABLE or "busy" in reason
    if info.name.lower() in SERVER_DEVICES and not busy:
        # "Unanticipated host error" tells a person nothing (ALSA's own words are not always
        # kept: PortAudio keeps them for the thread that opened, a helper here)
        said = "" if "unanticipated" in reason.lower() else f" ({reason})"
        return NoSoundDeviceError(
            f"no {thing} found: {info.name!r} cannot be opened{said}; "
            + NO_SOUND_ADVICE.format(what=_ONE[kind]))
    return AudioDeviceError(f"cannot open {thing} {info.name!r}: {err}")


#: Seconds a stream may take to close before PortAudio counts as stuck.
CLOSE_TIMEOUT = 3.0

#: Set when a stream could not be closed: PortAudio's ALSA thread is caught in an endless loop
#: (seen when a PulseAudio source vanishes under a running capture stream: it prints
#: ``Expression 'self->capture.ready || self->playback.ready' failed`` forever and cannot be
#: cancelled). Nothing of PortAudio can be used again in this process; see :func:`check_portaudio`.
portaudio_stuck = threading.Event()


def close_stream(stream: Any, what: str, drain: bool = False) -> None:
    """Abort (or with ``drain``, stop after the queued sound) and close a sounddevice stream
    from a helper thread, waiting at most :data:`CLOSE_TIMEOUT`. When PortAudio does not return,
    the helper is left blocked (it cannot be stopped), :data:`portaudio_stuck` is set and one
    error line is logged."""

    def close() -> None:
        if drain:
            stream.stop()
        else:
            stream.abort()
        stream.close()

    _bounded(close, f"close the {what} stream")


def abort_stream(stream: Any, what: str) -> bool:
    """Stop a sounddevice stream now, dropping the sound queued in the device (it can be
    started again), bounded as :func:`close_stream` is. False if PortAudio did not return."""
    return _bounded(stream.abort, f"stop the {what} stream")


def start_stream(stream: Any, what: str) -> None:
    """Start a sounddevice stream, waiting at most :data:`CLOSE_TIMEOUT` (a vanished sound
    server can leave PortAudio hanging); AudioDeviceError when it fails or does not return."""
    try:
        bounded_call(stream.start, f"start the {what} stream")
    except AudioDeviceError:
        raise
    except Exception as err:  # noqa: BLE001 - PortAudioError and what a dying device raises
        raise AudioDeviceError(str(err)) from None


def bounded_call(action: Any, what: str) -> Any:
    """``action()`` in a helper thread for at most :data:`CLOSE_TIMEOUT` seconds: its result, or
    its exception raised here. When PortAudio does not
    return, :data:`portaudio_stuck` is set and AudioDeviceError raised; the helper is left.
    Raises AudioDeviceError at once when PortAudio is already stuck."""
    check_portaudio()
    result: list[Any] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(action())
        except BaseException as err:  # noqa: BLE001 - handed to the caller
            failure.append(err)

    helper = threading.Thread(target=run, name=what, daemon=True)
    helper.start()
    helper.join(CLOSE_TIMEOUT)
    if helper.is_alive():
        portaudio_stuck.set()
        log.error("could not %s within %g s: the sound library is stuck; sound needs a "
                  "restart of the program", what, CLOSE_TIMEOUT)
        raise AudioDeviceError(f"could not {what}: the sound library is stuck")
    if failure:
        raise failure[0]
    return result[0] if result else None


def _bounded(action: Any, what: str) -> bool:
    """Run a PortAudio call in a helper thread for at most :data:`CLOSE_TIMEOUT` seconds. Not
    at all once PortAudio is stuck: a thread of it still holds a stream's lock, and closing that
    stream aborted the process (``PaUnixMutex_Terminate: Assertion `0 == paUtilErr_'``)."""
    if portaudio_stuck.is_set():
        return False
    try:
        bounded_call(action, what)
    except Exception:  # noqa: BLE001 - a dying device may fail to stop or close
        pass
    return not portaudio_stuck.is_set()


def check_portaudio() -> None:
    """Raise AudioDeviceError when PortAudio is stuck (restarting it would hang as well)."""
    if portaudio_stuck.is_set():
        raise AudioDeviceError("the sound library is stuck after a device vanished; "
                               "restart the program")


def _sounddevice() -> Any:
    """Import sounddevice, turning a missing PortAudio library into an AudioDeviceError."""
    try:
        import sounddevice
    except OSError as err:  # libportaudio2 missing
        raise AudioDeviceError(f"PortAudio is not available: {err}") from None
    from voiceskill.speech.alsa import route_alsa_messages_to_log

    route_alsa_messages_to_log()  # "underrun occurred" and the like: to the log, not the terminal
    return sounddevice


# ---------------------------------------------------------------- microphone


class Microphone:
    """A running sounddevice input stream handing out 16 kHz mono int16 chunks.

    PortAudio's callback thread only copies the samples into a queue; resampling happens in
    the reader's thread. :meth:`read` blocks on that queue, so nothing polls.
    """

    def __init__(self, device: str | int | None = None, max_queue_seconds: float = 30.0) -> None:
        self.device = device
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue(
            maxsize=int(max_queue_seconds / CHUNK_SECONDS) + 1
        )
        self._stream: Any = None
        self._resampler: Any = None
        self._pending = np.zeros(0, dtype=np.int16)
        self.info: DeviceInfo | None = None
        self.overflows = 0

    # -- lifecycle

    def open(self) -> Microphone:
        """Open and start the input stream (AudioDeviceError when that fails)."""
        sd = _sounddevice()
        info = find_device(self.device, "input")
        rate = int(info.rate) or TARGET_RATE
        blocksize = int(round(rate * CHUNK_SECONDS))
        self._queue = queue.Queue(maxsize=self._queue.maxsize)

        def start() -> Any:
            stream = sd.InputStream(
                device=info.index,
                samplerate=rate,
                channels=1,
                dtype="float32",
                blocksize=blocksize,
                latency="low",
                callback=self._callback,
                finished_callback=self._finished,
            )
            try:
                stream.start()
            except BaseException:
                stream.close()
                raise
            return stream

        try:
            # bounded: PortAudio can hang on a sound server that vanished
            stream = bounded_call(start, "open the microphone")
        except sd.PortAudioError as err:
            raise open_failure("input", info, err) from None
        import soxr

        self._resampler = (
            soxr.ResampleStream(rate, TARGET_RATE, 1, dtype="float32", quality="HQ")
            if rate != TARGET_RATE
            else None
        )
        self.info = info
        self._stream = stream
        self._pending = np.zeros(0, dtype=np.int16)
        return self

    def close(self) -> None:
        """Stop the stream; safe to call twice. Never blocks longer than
        :data:`CLOSE_TIMEOUT` (see :func:`close_stream`)."""
        stream, self._stream = self._stream, None
        if stream is not None:
            close_stream(stream, "microphone")

    def __enter__(self) -> Microphone:
        return self.open() if self._stream is None else self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def is_open(self) -> bool:
        """True while the input stream is running."""
        return self._stream is not None and bool(self._stream.active)

    # -- reading

    def read(self, timeout: float | None) -> np.ndarray | None:
        """The next chunk, or None when none arrived within ``timeout`` seconds.

        Raises AudioDeviceError when the stream has died (device unplugged, server gone).
        """
        while len(self._pending) < CHUNK:
            try:
                block = self._queue.get(timeout=timeout)
            except queue.Empty:
                return None
            if block is None:
                raise AudioDeviceError("the microphone stopped delivering audio")
            self._pending = np.concatenate([self._pending, self._convert(block)])
        chunk, self._pending = self._pending[:CHUNK], self._pending[CHUNK:]
        return chunk

    def drain(self) -> int:
        """Throw away everything recorded so far (e.g. the tail of the assistant's own voice);
        return the number of samples dropped."""
        dropped = len(self._pending)
        self._pending = np.zeros(0, dtype=np.int16)
        while True:
            try:
                block = self._queue.get_nowait()
            except queue.Empty:
                return dropped
            if block is None:
                self._queue.put_nowait(None)  # keep the "dead" marker for read()
                return dropped
            dropped += len(self._convert(block))

    def _convert(self, block: np.ndarray) -> np.ndarray:
        if self._resampler is not None:
            block = self._resampler.resample_chunk(block)
        return np.clip(np.round(block * 32767.0), -32768, 32767).astype(np.int16)

    # -- PortAudio thread

    def _callback(self, indata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        if status.input_overflow:
            self.overflows += 1
        try:
            self._queue.put_nowait(indata[:, 0].copy())
        except queue.Full:
            self.overflows += 1  # nobody is reading: drop rather than block PortAudio

    def _finished(self) -> None:
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            pass
