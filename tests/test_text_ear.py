"""The `--text` ear on its own: a real terminal (a pty), piped input, and what typed text
becomes (the shorthand a keyboard invites, and the words kept for the transcript)."""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Iterator

import pytest

from voiceskill.clock import MonotonicClock, VirtualClock
from voiceskill.events import Choice, Listen
from voiceskill.textio import TextEar, answer_words

YES_NO = Listen((Choice("yes", "yes"), Choice("no", "no"), Choice("not sure", "unsure"),
                 Choice("um", "filler")))
DAYS = Listen((Choice("three", "first-72-hours"), Choice("twelve", "week-2"),
               Choice("zero", "first-72-hours"), Choice("twenty", "week-2"),
               Choice("two weeks ago", "week-2")))


@pytest.fixture
def terminal() -> Iterator[tuple[int, TextEar]]:
    """A pty: the master end (what the person types into) and an ear on the slave end."""
    master, slave = os.openpty()
    stream = open(slave, encoding="utf-8", closefd=True)  # noqa: SIM115 - closed below
    try:
        yield master, TextEar(MonotonicClock(), stream)
    finally:
        stream.close()
        try:
            os.close(master)
        except OSError:
            pass  # the test hung up already


def soon() -> float:
    return time.monotonic() + 5.0


def test_ctrl_d_on_a_terminal_is_no_answer_and_later_lines_are_read(terminal):
    """One Ctrl-D had closed the ear for the rest of the session: a "yes" typed after it to a
    red-flag question was echoed by the terminal but never read (the session ended
    "no-response" instead of "emergency")."""
    master, ear = terminal
    os.write(master, b"no\n")
    assert ear.listen(YES_NO, soon()).intent == "no"
    os.write(master, b"\x04")  # Ctrl-D on an empty line
    os.write(master, b"yes\n")
    heard = ear.listen(YES_NO, soon())
    assert heard is not None and heard.intent == "yes"


def test_ctrl_d_alone_is_silence_until_the_turn_ends(terminal):
    master, ear = terminal
    os.write(master, b"\x04")
    until = time.monotonic() + 0.3
    assert ear.listen(YES_NO, until) is None
    assert time.monotonic() >= until  # the turn ran to its end: a silence, not an early return
    os.write(master, b"\x04\x04yes\n")  # and pressed again, twice
    assert ear.listen(YES_NO, soon()).intent == "yes"


def test_a_line_cut_short_by_ctrl_d_is_read_as_typed(terminal):
    """Ctrl-D after some letters hands them over without a newline: read as they are (here
    not understood), not held until a later line completes them."""
    master, ear = terminal
    os.write(master, b"ye\x04")
    unblock = threading.Timer(10.0, os.write, (master, b"\n"))  # ends a read held for a line
    unblock.start()
    try:
        start = time.monotonic()
        heard = ear.listen(YES_NO, start + 5.0)
        assert time.monotonic() - start < 5.0
    finally:
        unblock.cancel()
    assert heard is not None and (heard.text, heard.intent) == ("ye", None)


def test_a_terminal_that_hangs_up_is_silent_from_then_on(terminal):
    master, ear = terminal
    os.close(master)
    start = time.monotonic()
    assert ear.listen(YES_NO, start + 5.0) is None
    assert ear.listen(YES_NO, start + 5.0) is None
    assert time.monotonic() - start < 2.0  # no wait for a person who is gone, no busy loop


def test_piped_input_at_its_end_stays_silent():
    ear = TextEar(VirtualClock(), io.StringIO("no\n"))
    assert ear.listen(YES_NO, 1.0).intent == "no"
    assert ear.listen(YES_NO, 1.0) is None
    assert ear.listen(YES_NO, 1.0) is None


@pytest.mark.parametrize(("typed", "words"), [
    ("y", "yes"), ("n", "no"), ("Y", "yes"), ("N.", "no"), ("  n  ", "no"),
    ("3", "three"), ("12", "twelve"), ("0", "zero"), ("20", "twenty"), ("07", "seven"),
    ("3.", "three"), ("2 weeks ago", "two weeks ago"),
    # not shorthand: left as typed (normalised), so they stay not understood
    ("n/a", "n a"), ("ny", "ny"), ("yn", "yn"), ("y n", "y n"), ("no y", "no y"),
    ("21", "21"), ("100", "100"), ("3rd", "3rd"), ("-1", "1"), ("3.5", "3 5"),
    ("1,000", "1 000"), ("yes", "yes"), ("", ""),
])
def test_typed_shorthand_is_spelled_out(typed, words):
    assert answer_words(typed) == words


@pytest.mark.parametrize(("typed", "listen", "intent"), [
    ("y", YES_NO, "yes"), ("n", YES_NO, "no"), ("um n", YES_NO, None), ("n/a", YES_NO, None),
    ("ny", YES_NO, None), ("yy", YES_NO, None), ("nn", YES_NO, None), ("no", YES_NO, "no"),
    ("3", DAYS, "first-72-hours"), ("12", DAYS, "week-2"), ("2 weeks ago", DAYS, "week-2"),
    ("21", DAYS, None), ("3.5", DAYS, None), ("12 3", DAYS, None),
])
def test_typed_shorthand_is_understood_only_as_a_whole_answer(typed, listen, intent):
    heard = TextEar(VirtualClock(), io.StringIO(typed + "\n")).listen(listen, 1.0)
    assert heard is not None and heard.intent == intent


@pytest.mark.parametrize("typed", [  # the last "nо" has a Cyrillic о
    "né", "NÉ", "nö", "n\u0303", "no\u0301", "nò", "ñ", "y\u00e9s", "ńo", "ño", "nо",
])
def test_a_word_with_a_letter_outside_a_to_z_is_not_understood(typed):
    """"né" (Portuguese for "isn't it") lost its é and was taken as the shorthand "n", a
    red-flag "no"; "nò" and "nö" came out as "no". A letter outside a-z stays in its word
    (in either Unicode form), so the word matches no phrase."""
    heard = TextEar(VirtualClock(), io.StringIO(typed + "\n")).listen(YES_NO, 1.0)
    assert heard is not None and heard.intent is None, answer_words(typed)
    assert answer_words(f"{typed}!") == answer_words(typed) != ""


def test_an_empty_line_is_no_answer():
    """Enter alone ends the turn with nothing said (the session's silence), not with words
    that were not understood: three at a red-flag question escalated to the emergency
    outcome, where silence ends in no-response."""
    from voiceskill.events import Silence

    for typed in ("\n", "   \n", "\t\r\n"):
        assert isinstance(TextEar(VirtualClock(), io.StringIO(typed)).listen(YES_NO, 1.0),
                          Silence)


@pytest.mark.parametrize("typed", ["Ünïcödé ñö 🙂", "  No!  ", "N", "3", "yes\r"])
def test_heard_keeps_what_was_typed(typed):
    """The transcript recorded the normalised text: `Ünïcödé ñö 🙂` became "n c d"."""
    heard = TextEar(VirtualClock(), io.StringIO(typed + "\n")).listen(YES_NO, 1.0)
    assert heard is not None and heard.text == typed.rstrip("\r")


def test_bytes_that_are_not_utf8_become_replacement_characters():
    """Kept as typed, bytes stdin could not decode (lone surrogates) would make the
    transcript's line unwritable; they are shown as U+FFFD instead."""
    stream = io.TextIOWrapper(io.BytesIO(b"\xff\xfeno\n"), encoding="utf-8",
                              errors="surrogateescape")
    heard = TextEar(VirtualClock(), stream).listen(YES_NO, 1.0)
    assert heard is not None and heard.text == "\ufffd\ufffdno"
    heard.text.encode("utf-8")
