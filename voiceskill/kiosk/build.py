"""Assembling the kiosk from settings: dialogs, model, devices, screen, service.

Everything that can be wrong before the first session (broken dialogs, missing model, a wake
phrase the model cannot recognise, a busy screen port) is found here and reported as one
:class:`KioskSetupError`; device trouble is not an error here: the service retries it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from voiceskill.clock import MonotonicClock
from voiceskill.config import Settings
from voiceskill.dialog.model import Dialog
from voiceskill.dialog.safety import red_flags_skipped
from voiceskill.errors import ContentError
from voiceskill.kiosk.service import KioskParts, KioskService


class KioskSetupError(Exception):
    """The kiosk cannot start; the message says what to fix."""


def build_kiosk(
    settings: Settings, dialogs_dir: Path, start: str | None = None
) -> tuple[KioskService, Any]:
    """A ready service and its screen (None when the screen is off). Raises KioskSetupError."""
    from voiceskill.conversation import build_conversation
    from voiceskill.speech.audio import AudioDeviceError
    from voiceskill.speech.recognizer import ModelError, open_models

    def make_engine() -> Any:
        return build_conversation(dialogs_dir, settings.emergency_number)

    try:
        engine = make_engine()  # fail now, not at the first wake-up
    except ContentError as err:
        raise KioskSetupError(f"the dialogs are broken; not starting.\n{err}") from None
    if start is not None:
        check_kiosk_start(start, engine.screening.dialog)
    try:
        model, narrowband = open_models(settings.model_dir)
    except ModelError as err:
        raise KioskSetupError(str(err)) from None
    check_wake_phrase(settings.wake_phrase, settings.model_dir)

    from voiceskill.kiosk.devices import AudioDevices

    clock = MonotonicClock()
    audio = AudioDevices(settings, clock, model, narrowband)
    parts = KioskParts(audio.open, make_engine, clock, device_errors=(AudioDeviceError,))
    screen = None
    if settings.screen:
        from voiceskill.kiosk.screen import Screen

        screen = Screen(lambda intent: None, settings.screen_host, settings.screen_port,
                        settings.wake_phrase)
    service = KioskService(settings, parts, screen, session_start=start)
    if screen is not None:
        screen.on_press = service.hub.press
        try:
            screen.start()
        except OSError as err:
            raise KioskSetupError(str(err)) from None
    return service, screen


def check_kiosk_start(start: str, dialog: Dialog) -> None:
    """An unattended box must not coach anyone who has not answered the warning signs: every
    session must start where all the red-flag questions are still ahead."""
    if start not in dialog.nodes:
        raise KioskSetupError(
            f"--start {start}: not a dialog node (expected a node of triage.yaml such as "
            "red-flags; the kiosk never starts at an exercise, which would skip the "
            "warning-sign questions for every person)")
    skipped = red_flags_skipped(dialog, start)
    if skipped:
        raise KioskSetupError(
            f"--start {start}: from there a session can reach the exercises or home advice "
            f"without asking {len(skipped)} of the warning-sign questions (the first: "
            f"{skipped[0]}); the kiosk starts only where every one is still ahead, such as "
            "red-flags")


def check_wake_phrase(phrase: str, model_dir: Path) -> None:
    """Every word of the wake phrase must be in the model's vocabulary (``graph/words.txt``)."""
    words_file = model_dir / "graph" / "words.txt"
    if not words_file.is_file():
        return  # a model without a word list: Vosk itself will drop unknown words
    known = {line.split()[0] for line in words_file.read_text(encoding="utf-8").splitlines()
             if line.strip()}
    missing = [w for w in phrase.split() if w not in known]
    if missing:
        raise KioskSetupError(
            f"wake.phrase {phrase!r}: the speech model does not know "
            f"{', '.join(repr(w) for w in missing)} (expected words from {words_file})"
        )
