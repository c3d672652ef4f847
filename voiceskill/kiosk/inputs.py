"""One Ear fed from two places: the microphone and the screen's buttons.

The session thread calls :meth:`InputHub.listen`; the screen's server thread calls
:meth:`InputHub.press` at any moment. A press while the microphone is listening ends that listen
within one audio chunk: the microphone's chunks pass through :meth:`InputHub.wrap_source`, which
raises :class:`ListenInterrupted` in the reading thread when a press is waiting. Without a
microphone the hub waits on a condition variable until a press or the deadline (no polling).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from voiceskill.clock import Clock
from voiceskill.events import Heard, Listen
from voiceskill.session import Ear


class ListenInterrupted(BaseException):  # noqa: N818 - a signal, not an error
    """Raised inside a microphone read when a screen button was pressed.

    A BaseException so that an ear's ``except Exception`` (retry on device errors) cannot
    swallow it; only :class:`InputHub` catches it.
    """


class SessionAborted(BaseException):  # noqa: N818 - a control signal, not an error
    """The kiosk ends the running session itself (idle timeout, or shutdown when the engine did
    not end politely). Raised from :meth:`InputHub.listen` through the session loop."""

    def __init__(self, outcome: str, reason: str) -> None:
        super().__init__(f"{outcome}: {reason}")
        self.outcome = outcome
        self.reason = reason


#: Listens answered with "stop" after a shutdown request before the session is forced to end.
POLITE_STOP_LISTENS = 2


class InputHub:
    """Merges microphone answers and screen presses into one :class:`~voiceskill.session.Ear`,
    and watches a session for idleness (no answer and no running hold for ``idle_timeout``,
    counted from the first listen after the last one: the kiosk's own speech before it is no
    time the person had to answer)."""

    def __init__(self, clock: Clock, mic: Ear | None = None, idle_timeout: float = 180.0) -> None:
        self.clock = clock
        self.mic = mic
        self.idle_timeout = idle_timeout
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._pressed: deque[str] = deque()
        self._in_mic = False
        self._shutdown = False
        self._stops_given = 0
        self._in_session = False
        self._waiting_since: float | None = None
        """When the first listen since the last answer (or running hold) began; None before."""
        #: Session-clock time the current session began.
        self.session_started = clock.now()
        #: Called with the Listen in force each time listening starts (the screen shows buttons).
        self.on_listen: Callable[[Listen], None] | None = None

    # ------------------------------------------------------------------ any thread

    def press(self, intent: str) -> None:
        """A screen button was pressed: answer the current (or next) listen with ``intent``."""
        with self._changed:
            self._pressed.append(intent)
            self._changed.notify_all()

    def clear(self) -> None:
        """Forget presses not yet taken (between sessions: nothing carries over)."""
        with self._lock:
            self._pressed.clear()

    def shutdown(self) -> None:
        """The service is stopping: end the current listen now; in a session, answer "stop"."""
        with self._changed:
            self._shutdown = True
            self._changed.notify_all()

    def observe(self, event: dict[str, Any]) -> None:
        """Session observer: an answer or a running hold counts as activity."""
        if event.get("type") in ("heard", "timer", "start"):
            self._waiting_since = None

    def begin_session(self) -> None:
        """A session starts: idle time counts from its first listen."""
        with self._lock:
            self._in_session = True
            self._stops_given = 0
            self._waiting_since = None
            self.session_started = self.clock.now()

    def end_session(self) -> None:
        """The session is over; presses left over are dropped."""
        with self._lock:
            self._in_session = False
            self._pressed.clear()

    # ------------------------------------------------------------------ session thread

    def listen(self, listen: Listen, until: float) -> Heard | None:
        """The next answer from the screen or the microphone, or None at ``until``."""
        if self.on_listen is not None:
            self.on_listen(listen)
        stopping = self._stopping(listen)
        if stopping is not None:
            return stopping
        pressed = self._take(listen)
        if pressed is not None:
            return pressed
        if self._waiting_since is None:
            self._waiting_since = self.clock.now()
        idle_deadline = self._waiting_since + self.idle_timeout
        if self._in_session and self.clock.now() >= idle_deadline:
            raise SessionAborted("no-response", "idle")
        if self._in_session:
            until = min(until, idle_deadline)
        if self.mic is None:
            heard = self._wait_for_press(listen, until)
        else:
            with self._lock:
                self._in_mic = True
            try:
                heard = self.mic.listen(listen, until)
            except ListenInterrupted:
                heard = None
            finally:
                with self._lock:
                    self._in_mic = False
        heard = self._stopping(listen) or self._take(listen) or heard
        if heard is None and self._in_session and self.clock.now() >= idle_deadline:
            raise SessionAborted("no-response", "idle")
        return heard

    def _stopping(self, listen: Listen) -> Heard | None:
        """After :meth:`shutdown`: "stop" a few times in a session, then force its end."""
        with self._lock:
            if not self._shutdown:
                return None
            if not self._in_session:
                return Heard("", None, 0.0)
            self._stops_given += 1
            if self._stops_given > POLITE_STOP_LISTENS:
                raise SessionAborted("stopped", "shutdown")
        return press_to_heard("stop", listen)

    def wrap_source(self, source: Any) -> Any:
        """An audio source whose reads stop the listen when a press is waiting."""
        return _InterruptibleSource(source, self)

    def _interrupt_pending(self) -> bool:
        with self._lock:
            return self._in_mic and (bool(self._pressed) or self._shutdown)

    def _take(self, listen: Listen) -> Heard | None:
        with self._lock:
            if not self._pressed:
                return None
            intent = self._pressed.popleft()
        return press_to_heard(intent, listen)

    def _wait_for_press(self, listen: Listen, until: float) -> Heard | None:
        with self._changed:
            self._changed.wait_for(
                lambda: bool(self._pressed) or self._shutdown,
                timeout=max(0.0, until - self.clock.now()),
            )
        return self._take(listen)


def press_to_heard(intent: str, listen: Listen) -> Heard:
    """A button as an answer: the phrase of the listen that means ``intent``, confidence 1.

    A button whose intent the current question does not accept is "not understood" (intent
    None), exactly like a spoken word outside the grammar: never a guess.
    """
    for choice in listen.choices:
        if choice.intent == intent:
            return Heard(choice.phrase, intent, 1.0)
    return Heard(intent, None, 1.0)


class _InterruptibleSource:
    """Wraps an audio source (``read``/``drain``); raises ListenInterrupted on a press."""

    def __init__(self, inner: Any, hub: InputHub) -> None:
        self.inner = inner
        self.hub = hub

    def read(self, timeout: float | None) -> Any:
        if self.hub._interrupt_pending():
            raise ListenInterrupted
        chunk = self.inner.read(timeout)
        if self.hub._interrupt_pending():
            raise ListenInterrupted
        return chunk

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
