"""The listening side of voice mode: any audio source through the recognizer into a Heard.

:class:`AudioEar` reads chunks from a live microphone or from scripted audio; the session's
clock decides when a listen is over. When the microphone fails, the ear says so, reopens it
with growing pauses and carries on; the session (and its state) never sees an exception.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from voiceskill.clock import Clock
from voiceskill.events import Heard, Listen
from voiceskill.speech.audio import AudioDeviceError, AudioSource, Backoff
from voiceskill.speech.recognizer import Recognizer
from voiceskill.speech.wav import TARGET_RATE

#: Seconds without any chunk from a running microphone before it counts as dead.
STALL_SECONDS = 2.0

#: First and longest pause between attempts to reopen a failed microphone (doubling between).
BACKOFF_FIRST, BACKOFF_CAP = 0.5, 15.0

MIC_LOST = "I can't hear you: the microphone stopped working. I will keep trying."
MIC_BACK = "The microphone works again."


class AudioEar:
    """An :class:`voiceskill.session.Ear` over an audio source and a Vosk recognizer."""

    def __init__(
        self,
        source: AudioSource,
        recognizer: Recognizer,
        clock: Clock,
        notify: Callable[[str], None] = print,
        reopen: Callable[[], None] | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.source = source
        self.recognizer = recognizer
        self.clock = clock
        self.notify = notify
        """Tells the person about microphone trouble (the mouth's say, or print)."""
        self.reopen = reopen
        """Reopens the microphone after a failure; None = the source cannot fail."""
        self.stop = stop if stop is not None else threading.Event()
        """Set when the session is stopping: reopening gives up and the listen hears nothing."""
        self.last_turn = None
        self.failures = 0

    def listen(self, listen: Listen, until: float) -> Heard | None:
        turn = self.recognizer.turn(listen)
        self.last_turn = turn
        quiet_since = self.clock.now()
        while True:
            if self.stop.is_set():
                return None  # the session is stopping: it asks nothing more
            remaining = until - self.clock.now()
            if remaining <= 0 and not turn.in_speech:
                return None  # never cut a person off mid-answer: finish the utterance first
            try:
                chunk = self.source.read(timeout=min(max(remaining, 0.1), STALL_SECONDS))
                if chunk is None and self.reopen is not None:
                    if self.clock.now() - quiet_since >= STALL_SECONDS:
                        raise AudioDeviceError("no audio from the microphone")
                    continue
            except AudioDeviceError as err:
                if not self._recover(str(err)):
                    return None  # stopped while the microphone was gone
                quiet_since = self.clock.now()
                turn = self.recognizer.turn(listen)
                continue
            if chunk is None:  # scripted audio is used up: nothing more will be said
                heard = turn.flush()
                if heard is not None:
                    return heard
                self.clock.sleep_until(until)
                return None
            self.clock.spent(len(chunk) / TARGET_RATE)
            quiet_since = self.clock.now()
            heard = turn.feed(chunk)
            if heard is not None:
                return heard

    def _recover(self, problem: str) -> bool:
        """Tell the person, then reopen the microphone with growing pauses until it works
        (True) or :attr:`stop` is set (False)."""
        if self.reopen is None:
            raise AudioDeviceError(problem)
        self.failures += 1
        self.notify(MIC_LOST)
        backoff = Backoff(BACKOFF_FIRST, BACKOFF_CAP, self.stop)
        error: BaseException | str = problem
        while True:
            pause = backoff.failed("reopening the microphone", error)
            if not backoff.wait(pause, self.clock):  # simulated time passes on a virtual clock
                return False
            try:
                self.reopen()
            except AudioDeviceError as err:
                error = err
                continue
            self.notify(MIC_BACK)
            return True
