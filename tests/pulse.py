"""A private PulseAudio server with null sinks, so tests run real sounddevice → PortAudio →
ALSA pulse plugin → PulseAudio audio without a sound card.

Each null sink ``X`` is a fake speaker whose monitor source ``X.monitor`` records everything
played into it: play a person's voice into the sink the code under test records from, and
record the assistant's voice from the monitor of the sink it plays into.

Reusable outside pytest::

    with PulseServer(sinks=("mic", "spk")) as pulse:
        pulse.route(source="mic.monitor", sink="spk")   # what the code opens as default
        player = pulse.play("tests/fixtures/audio/yes__en-us-f3.wav", sink="mic")
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

#: module-echo-cancel as the README's kiosk set-up loads it: WebRTC's canceller without its gain
#: control and noise suppression (with them, speech reached the recognizer 20 dB quieter).
ECHO_SOURCE, ECHO_SINK = "voiceskill_mic", "voiceskill_speaker"
ECHO_CANCEL_ARGS = (
    "aec_method=webrtc",
    'aec_args="analog_gain_control=0 digital_gain_control=0 noise_suppression=0"',
    f"source_name={ECHO_SOURCE}",
    f"sink_name={ECHO_SINK}",
)

#: Level of the faint 440 Hz tone a tests' microphone carries (:meth:`PulseServer.tone_source`,
#: :meth:`PulseServer.tone_into`): about 4 of int16's 32767 at the kiosk's 16 kHz (measured:
#: largest sample 5, standard deviation 3.7, 6 % of the samples 0). A real microphone is never
#: silent (it has noise); a null sink's monitor or a null source sends exact zeros, which the
#: kiosk takes for a microphone that was removed (voiceskill/kiosk/zeros.py).
ROOM_TONE = "-70dB"

#: Stream name prefix of the silent clients that keep every sink and monitor awake; the device
#: name follows it.
KEEP_AWAKE = "keep awake: "


class PulseUnavailable(RuntimeError):
    """PulseAudio cannot run here; the message says why (tests skip with it)."""


@contextlib.contextmanager
def running_pulse(sinks: tuple[str, ...] = ("mic", "spk")) -> Iterator[PulseServer]:
    """A started :class:`PulseServer`, stopped afterwards; the test is skipped, with the
    reason, when PulseAudio cannot start here."""
    server = PulseServer(sinks=sinks)
    try:
        server.start()
    except PulseUnavailable as err:
        pytest.skip(f"PulseAudio cannot start here: {err}")
    try:
        yield server
    finally:
        server.stop()


class PulseServer:
    """One ``pulseaudio`` process in the foreground, owned by the test that started it."""

    def __init__(self, sinks: tuple[str, ...] = ("mic", "spk"), rate: int = 44100) -> None:
        self.sinks = sinks
        self.rate = rate
        self.dir = Path(tempfile.mkdtemp(prefix="voiceskill-pulse-"))
        self.socket = self.dir / "native"
        self.process: subprocess.Popen[bytes] | None = None
        self._saved_env: dict[str, str | None] = {}
        self._helpers: list[subprocess.Popen[bytes]] = []

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> PulseServer:
        exe = shutil.which("pulseaudio")
        if exe is None:
            raise PulseUnavailable("pulseaudio is not installed (apt package pulseaudio)")
        if shutil.which("pactl") is None:
            raise PulseUnavailable("pactl is missing (apt package pulseaudio-utils)")
        args = [
            exe, "--daemonize=no", "--exit-idle-time=-1", "-n", "--use-pid-file=no",
            "--disallow-exit", "--no-cpu-limit",
            f"--log-target=file:{self.dir / 'pulse.log'}",
            f"--log-level={os.environ.get('VOICESKILL_PULSE_LOG', 'notice')}",
            *(f"--load=module-null-sink sink_name={s} rate={self.rate}" for s in self.sinks),
            f"--load=module-native-protocol-unix auth-anonymous=1 socket={self.socket}",
        ]
        env = {**os.environ, "HOME": str(self.dir), "XDG_RUNTIME_DIR": str(self.dir)}
        self.process = subprocess.Popen(
            args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + 10.0
        while not self._answers():
            if self.process.poll() is not None:
                log = self.dir / "pulse.log"
                err = log.read_text(errors="replace") if log.exists() else ""
                self.process = None
                lines = [ln for ln in err.splitlines() if "not intended" not in ln]
                raise PulseUnavailable("pulseaudio exited at start: " + " ".join(lines)[:300])
            if time.monotonic() > deadline:
                self.stop()
                raise PulseUnavailable("pulseaudio did not answer within 10 s")
            time.sleep(0.05)
        self._keep_awake()
        self._export()
        return self

    def _keep_awake(self) -> None:
        """Keep one low-latency client on every sink and monitor for the server's lifetime.

        An idle null sink runs with 2 s of latency; when a client connects asking for less,
        the sink's clock can stall for up to those 2 s (measured here: streams ran at a third
        of real time, PortAudio callbacks stopped). Silent clients that never leave keep the
        latency low, so every stream the tests open runs in real time from the start.
        :meth:`route` keeps them on their own sink and monitor (see :meth:`_pin_helpers`).
        """
        zeros = open("/dev/zero", "rb")  # noqa: SIM115 - lives as long as the helpers
        for sink in self.sinks:
            for cmd, device in (("pacat", sink), ("parec", f"{sink}.monitor")):
                self._helpers.append(subprocess.Popen(
                    [cmd, "--server", self.server, "-d", device, "--raw", "--latency-msec=10",
                     "--format=s16le", "--rate=16000", "--channels=1",
                     f"--stream-name={KEEP_AWAKE}{device}"],
                    stdin=zeros if cmd == "pacat" else subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    preexec_fn=_die_with_parent,
                ))
        zeros.close()
        time.sleep(2.5)  # let the sinks settle on the low latency (see above)

    def stop(self) -> None:
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env = {}
        for helper in self._helpers:
            helper.terminate()
            helper.wait(5)
        self._helpers = []
        process, self.process = self.process, None
        if process is not None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> PulseServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def server(self) -> str:
        return f"unix:{self.socket}"

    def _answers(self) -> bool:
        if not self.socket.exists():
            return False
        done = subprocess.run(["pactl", "--server", self.server, "info"], capture_output=True)
        return done.returncode == 0

    def _export(self) -> None:
        """Point this process's PulseAudio clients (PortAudio's ALSA plugin) at our server."""
        for key, value in (("PULSE_SERVER", self.server),):
            self._saved_env[key] = os.environ.get(key)
            os.environ[key] = value
        reinitialize_portaudio()

    # ---------------------------------------------------------------- routing and audio

    def pactl(self, *args: str) -> str:
        done = subprocess.run(["pactl", "--server", self.server, *args],
                              capture_output=True, text=True, check=True)
        return done.stdout

    def _list(self, kind: str) -> list[dict]:
        """``pactl list <kind>`` as JSON objects (sinks, sources, sink-inputs, ...)."""
        return json.loads(self.pactl("--format=json", "list", kind))

    def state(self) -> str:
        """What the server holds now, one line each: defaults, modules, devices with their
        state and latency, and every stream with the device it is on (for failure messages)."""
        info = json.loads(self.pactl("--format=json", "info"))
        lines = [f"default sink {info['default_sink_name']}, "
                 f"default source {info['default_source_name']}"]
        lines += [f"module {m['name']} {m['argument'] or ''}".rstrip()
                  for m in self._list("modules")]
        names: dict[str, dict[int, str]] = {}
        for kind in ("sinks", "sources"):
            devices = self._list(kind)
            names[kind] = {d["index"]: d["name"] for d in devices}
            lines += [f"{kind[:-1]} {d['name']} {d['state']}, latency "
                      f"{d['latency']['actual'] / 1000:.0f} ms "
                      f"(configured {d['latency']['configured'] / 1000:.0f} ms), "
                      f"volume {_volume(d)}{' MUTED' if d['mute'] else ''}" for d in devices]
        for kind, device in (("sink-inputs", "sink"), ("source-outputs", "source")):
            lines += [f"{kind[:-1]} #{st['index']} {st['properties'].get('media.name', '?')!r} "
                      f"({st['properties'].get('application.process.binary', '?')} "
                      f"pid {st['properties'].get('application.process.id', '?')}) on "
                      f"{names[device + 's'].get(st[device], st[device])}"
                      f"{' corked' if st['corked'] else ''}" for st in self._list(kind)]
        return "\n".join(lines)

    def route(self, source: str, sink: str) -> None:
        """Set the default microphone and speaker that ``pulse``/``default`` devices open."""
        self.pactl("set-default-source", source)
        self.pactl("set-default-sink", sink)
        self._pin_helpers()

    def _pin_helpers(self) -> None:
        """Put every keep-awake stream back on its own sink or monitor.

        PulseAudio 16 moves a stream along when the default device changes if it was opened
        on the device that was the default then, or if its device has been the default since.
        Without this, after the first :meth:`route` the ``mic`` sink had no helper left (its
        ``pacat`` had moved to ``spk``), and after a test routed the microphone to
        ``spk.monitor`` and the next one back, both monitor helpers sat on ``mic.monitor`` and
        ``spk.monitor`` was back at 2 s of latency. A stream moved by hand stays where it was
        put until its device next becomes the default, hence this after every change.
        """
        for kind, move in (("sink-inputs", "move-sink-input"),
                           ("source-outputs", "move-source-output")):
            for stream in self._list(kind):
                name = stream["properties"].get("media.name", "")
                if name.startswith(KEEP_AWAKE):
                    self.pactl(move, str(stream["index"]), name.removeprefix(KEEP_AWAKE))

    @contextlib.contextmanager
    def module(self, name: str, *args: str) -> Iterator[None]:
        """A PulseAudio module loaded for the ``with`` block, unloaded after it."""
        index = self.pactl("load-module", name, *args).strip()
        try:
            yield
        finally:
            self.pactl("unload-module", index)

    def tone_source(self, name: str) -> str:
        """Load a source ``name`` that records a faint steady tone (:data:`ROOM_TONE`): a
        microphone in a quiet room, which never sends exact zeros (unlike
        ``module-null-source``). Returns the module's index (unloading it removes the source,
        as a USB microphone unplugged)."""
        index = self.pactl("load-module", "module-sine-source", f"source_name={name}",
                           "frequency=440").strip()
        self.pactl("set-source-volume", name, ROOM_TONE)
        return index

    def tone_into(self, sink: str) -> str:
        """Play a faint steady tone (:data:`ROOM_TONE`) into ``sink`` until its module is
        unloaded: the sink's monitor is then a microphone in a quiet room, which never sends
        exact zeros. Returns the module's index. The tone stays on ``sink`` (moved there by
        hand, as :meth:`_pin_helpers` does) until the sink is removed: PulseAudio then moves it
        to a sink that is left, or ends it and unloads its module when none is."""
        index = self.pactl("load-module", "module-sine", f"sink={sink}", "frequency=440").strip()
        (stream,) = [s["index"] for s in self._list("sink-inputs")
                     if str(s.get("owner_module")) == index]
        self.pactl("set-sink-input-volume", str(stream), ROOM_TONE)
        self.pactl("move-sink-input", str(stream), sink)
        return index

    @contextlib.contextmanager
    def toned(self, sink: str) -> Iterator[None]:
        """:meth:`tone_into` ``sink`` for the ``with`` block (the module unloaded after it,
        unless PulseAudio unloaded it already)."""
        index = self.tone_into(sink)
        try:
            yield
        finally:
            subprocess.run(["pactl", "--server", self.server, "unload-module", index],
                           capture_output=True)

    @contextlib.contextmanager
    def speaker_leak(self, speaker: str, mic: str, volume: str) -> Iterator[None]:
        """What is played into ``speaker`` also reaches ``mic`` at ``volume`` (a pactl volume,
        e.g. ``50%``), 30 ms later: a loudspeaker next to the microphone, as on a kiosk."""
        with self.module("module-loopback", f"source={speaker}.monitor", f"sink={mic}",
                         "latency_msec=30", "source_dont_move=true", "sink_dont_move=true"):
            for line in self.pactl("list", "short", "sink-inputs").splitlines():
                if "module-loopback" in line:
                    self.pactl("set-sink-input-volume", line.split()[0], volume)
            yield

    @contextlib.contextmanager
    def echo_cancelled(self, mic: str, speaker: str) -> Iterator[None]:
        """PulseAudio's echo canceller between ``mic`` (a sink whose monitor is the microphone)
        and ``speaker``, routed as the default microphone and speaker, with the settings the
        README gives for kiosks (:data:`ECHO_CANCEL_ARGS`)."""
        with self.module("module-echo-cancel", f"source_master={mic}.monitor",
                         f"sink_master={speaker}", *ECHO_CANCEL_ARGS):
            self.route(source=ECHO_SOURCE, sink=ECHO_SINK)
            yield

    def play(self, wav: str | Path, sink: str) -> subprocess.Popen[bytes]:
        """Start playing a WAV file into ``sink`` (a person talking); returns the process."""
        return subprocess.Popen(["paplay", "--server", self.server, "-d", sink,
                                 f"--stream-name=test plays {Path(wav).name}", str(wav)])

    def record(self, sink: str) -> Recording:
        """Start recording what is played into ``sink`` (16 kHz mono int16)."""
        return Recording(self, f"{sink}.monitor")


class Recording:
    """``parec`` on a monitor source; :meth:`stop` returns the samples."""

    def __init__(self, pulse: PulseServer, source: str) -> None:
        self.path = pulse.dir / f"rec-{source}-{time.monotonic_ns()}.raw"
        self._file = self.path.open("wb")
        self.process = subprocess.Popen(
            ["parec", "--server", pulse.server, "-d", source, "--raw", "--format=s16le",
             "--rate=16000", "--channels=1", "--latency-msec=20",
             f"--stream-name=test records {source}"],
            stdout=self._file,
        )

    def stop(self) -> np.ndarray:
        self.process.terminate()
        self.process.wait(5)
        self._file.close()
        return np.frombuffer(self.path.read_bytes(), dtype=np.int16)


def _volume(device: dict) -> str:
    """A device's channel volumes as pactl shows them (``100%``)."""
    return "/".join(v["value_percent"] for v in device["volume"].values())


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the test process dies (no orphaned servers)."""
    import ctypes
    import signal

    try:
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def reinitialize_portaudio() -> None:
    """Make PortAudio rescan devices (it caches them from the moment sounddevice loads)."""
    try:
        import sounddevice as sd
    except OSError:
        return
    sd._terminate()
    sd._initialize()
