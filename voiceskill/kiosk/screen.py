"""The kiosk's screen: a local web page (aiohttp, 127.0.0.1 only) updated live by server-sent
events, with big buttons as a fallback to the voice.

The session and the service call :meth:`Screen.observe`, :meth:`Screen.show_listen` and
:meth:`Screen.set_status` from their own threads; the server runs its asyncio loop in a thread
of its own, and every change crosses over with ``call_soon_threadsafe``. Each change sends the
whole :class:`ScreenState` as one JSON event, so a page that reconnects is up to date at once.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from aiohttp import web

from voiceskill.events import Listen

STATIC_DIR = Path(__file__).resolve().parent / "static"

#: The buttons of the page, in order: intent -> label.
BUTTONS = {"yes": "Yes", "no": "No", "repeat": "Repeat", "pause": "Pause", "stop": "Stop"}

#: The intent the page's start button sends while the kiosk waits for the wake phrase.
WAKE_INTENT = "wake"


@dataclass(frozen=True)
class Countdown:
    """A hold being timed, as the page shows it."""

    remaining: float
    """Seconds left when this was sent."""

    running: bool
    """False while paused (the page shows the number without counting down)."""

    sent_at: float
    """Server wall-clock time (``time.time()``) when ``remaining`` was measured."""

    label: str = ""
    """What is being held, e.g. the exercise name."""


@dataclass(frozen=True)
class ScreenState:
    """Everything the page shows."""

    status: str = "idle"
    """``idle`` (waiting for the wake phrase), ``session`` or ``trouble`` (device problem)."""

    message: str = ""
    """A line under the prompt: how to start, or what is wrong with the devices."""

    prompt: str = ""
    """What the coach said last."""

    heard: str = ""
    """What the coach understood last (or ``(not understood)``)."""

    countdown: Countdown | None = None
    """The hold in progress, if any."""

    buttons: tuple[str, ...] = ()
    """Intents of the buttons that count right now (the others are shown disabled)."""

    version: int = 0
    """Increases with every change (tests wait for a version)."""

    extra: dict[str, Any] = field(default_factory=dict)
    """Free-form details for debugging (last event type)."""


class Screen:
    """Serves the page and pushes every change to it."""

    def __init__(
        self,
        on_press: Callable[[str], None],
        host: str = "127.0.0.1",
        port: int = 8765,
        wake_phrase: str = "hey coach",
        linger: float = 120.0,
    ) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"the screen is served on loopback addresses only, not {host!r}")
        self.on_press = on_press
        self.host = host
        self.port = port
        self.wake_phrase = wake_phrase
        self.linger = linger
        """Seconds the last words of a finished session stay on the page (so the advice can be
        read), unless the next session starts first."""
        self.state = ScreenState(message=self._idle_message(), buttons=(WAKE_INTENT,))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._clients: set[asyncio.Queue[str | None]] = set()
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> str:
        """Start serving in a background thread; return the page's URL."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._start_server())
            except BaseException as err:  # noqa: BLE001 - reported to the starting thread
                failure.append(err)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._stop_server())
            loop.close()

        self._thread = threading.Thread(target=serve, name="kiosk-screen", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise OSError(f"cannot serve the screen on {self.host}:{self.port}: {failure[0]}")
        return self.url

    @property
    def url(self) -> str:
        """Address of the page."""
        return f"http://{self.host}:{self.port}/"

    def stop(self) -> None:
        """Close every page's event stream and stop the server."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(self._close_clients)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        self._loop = self._thread = None

    async def _start_server(self) -> None:
        app = web.Application()
        app.router.add_get("/", self._index)
        app.router.add_get("/state", self._state)
        app.router.add_get("/events", self._events)
        app.router.add_post("/press", self._press)
        app.router.add_static("/static/", STATIC_DIR)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:  # a free port was picked: find out which
            server = site._server
            assert server is not None
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _stop_server(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # ------------------------------------------------------------------ updates (any thread)

    def observe(self, event: dict[str, Any]) -> None:
        """A session transcript event (``say``, ``heard``, ``timer``, ``end``, ...)."""
        self._update(lambda state: _after_event(state, event))

    def show_listen(self, listen: Listen) -> None:
        """Enable the buttons whose intent the current listen accepts."""
        intents = {c.intent for c in listen.choices}

        def change(state: ScreenState) -> ScreenState:
            if state.status != "session":
                buttons: tuple[str, ...] = (WAKE_INTENT,) if WAKE_INTENT in intents else ()
            else:
                buttons = tuple(b for b in BUTTONS if b in intents)
            return replace(state, buttons=buttons)

        self._update(change)

    def set_status(self, status: str, message: str = "") -> None:
        """``idle`` (waiting for the wake phrase), ``session`` or ``trouble``."""

        def change(state: ScreenState) -> ScreenState:
            if status != "idle":
                return replace(state, status=status, message=message)
            # The last advice stays readable for a while; then the page forgets the session.
            return ScreenState(status="idle", message=message or self._idle_message(),
                               prompt=state.prompt, buttons=(WAKE_INTENT,),
                               version=state.version)

        self._update(change)
        loop, version = self._loop, self.state.version
        if self.state.prompt and status == "idle" and loop is not None:
            loop.call_soon_threadsafe(loop.call_later, self.linger, self._forget, version)

    def _forget(self, version: int) -> None:
        """Clear a finished session's words if nothing happened since (loop thread)."""
        self._update(lambda state: replace(state, prompt="", heard="")
                     if state.version == version and state.status == "idle" else state)

    def _idle_message(self) -> str:
        return f'Say "{self.wake_phrase}" or press Start to begin.'

    def _update(self, change: Callable[[ScreenState], ScreenState]) -> None:
        """Apply a change atomically; if anything changed, send the new state to every page."""
        with self._lock:
            new = change(self.state)
            if new == self.state:
                return
            self.state = replace(new, version=self.state.version + 1)
            loop = self._loop
            if loop is not None and loop.is_running():
                loop.call_soon_threadsafe(self._broadcast, json.dumps(_as_json(self.state)))

    # ------------------------------------------------------------------ server side (loop thread)

    def _broadcast(self, text: str) -> None:
        for client in self._clients:
            client.put_nowait(text)

    def _close_clients(self) -> None:
        for client in self._clients:
            client.put_nowait(None)

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC_DIR / "index.html")

    async def _state(self, request: web.Request) -> web.Response:
        return web.json_response(_as_json(self.state))

    async def _events(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        client: asyncio.Queue[str | None] = asyncio.Queue()
        self._clients.add(client)
        try:
            await response.write(_sse(json.dumps(_as_json(self.state))))
            while True:
                text = await client.get()
                if text is None:
                    break
                await response.write(_sse(text))
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self._clients.discard(client)
        return response

    async def _press(self, request: web.Request) -> web.Response:
        # A JSON body cannot be sent across origins without a preflight we never answer, so
        # another web page in the kiosk's browser cannot press buttons.
        if request.content_type != "application/json":
            return web.json_response({"error": "send JSON"}, status=415)
        try:
            body = await request.json()
            intent = str(body["intent"])
        except (ValueError, KeyError, TypeError):
            return web.json_response({"error": 'expected {"intent": "..."}'}, status=400)
        if intent not in BUTTONS and intent != WAKE_INTENT:
            return web.json_response({"error": f"unknown button {intent!r}"}, status=400)
        self.on_press(intent)
        return web.json_response({"ok": True})


def _after_event(state: ScreenState, event: dict[str, Any]) -> ScreenState:
    """The page after one transcript event."""
    kind = event.get("type")
    if kind == "start":
        state = replace(state, status="session", message="", prompt="", heard="",
                        countdown=None)
    elif kind == "say":
        state = replace(state, prompt=str(event.get("text", "")))
    elif kind == "heard":
        understood = event.get("intent") is not None
        state = replace(state, heard=str(event.get("text", "")) if understood
                        else "(not understood)")
    elif kind == "timer":
        state = replace(state, countdown=_countdown(event, state.countdown))
    elif kind == "end":
        state = replace(state, countdown=None, buttons=())
    else:
        return state
    return replace(state, extra={"event": kind})


def _countdown(event: dict[str, Any], previous: Countdown | None) -> Countdown | None:
    """The countdown after a coach timer event (start/cue/pause/resume/end)."""
    what = event.get("event")
    if what == "end":
        return None
    remaining = event.get("remaining")
    if remaining is None:
        return previous
    label = str(event.get("exercise", "") or (previous.label if previous else ""))
    return Countdown(float(remaining), what != "pause", time.time(), label)


def _as_json(state: ScreenState) -> dict[str, Any]:
    data = asdict(state)
    data["labels"] = {**BUTTONS, WAKE_INTENT: "Start"}
    return data


def _sse(text: str) -> bytes:
    return f"data: {text}\n\n".encode()
