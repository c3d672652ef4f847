"""The screen server over real HTTP on 127.0.0.1 (no browser): state, live events, presses."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from voiceskill.events import Choice, Listen
from voiceskill.kiosk.screen import Screen


@pytest.fixture
def screen() -> Iterator[tuple[Screen, list[str]]]:
    pressed: list[str] = []
    screen = Screen(pressed.append, port=0, linger=0.2)
    screen.start()
    yield screen, pressed
    screen.stop()


def post(url: str, body: bytes, content_type: str = "application/json") -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


def next_event(stream) -> dict:
    while True:
        line = stream.readline().decode()
        if line.startswith("data: "):
            return json.loads(line[6:])


def test_only_loopback_addresses_are_served() -> None:
    with pytest.raises(ValueError, match="loopback"):
        Screen(lambda intent: None, host="0.0.0.0")


def test_events_stream_follows_the_session(screen: tuple[Screen, list[str]]) -> None:
    server, _ = screen
    with urllib.request.urlopen(server.url + "events", timeout=5) as stream:
        first = next_event(stream)
        assert first["status"] == "idle" and first["buttons"] == ["wake"]
        server.observe({"t": 0.0, "type": "start"})
        server.observe({"t": 0.1, "type": "say", "text": "Does a foot drag?"})
        server.show_listen(Listen((Choice("yes", "yes"), Choice("no", "no"),
                                   Choice("stop", "stop"))))
        server.observe({"t": 2.0, "type": "heard", "text": "banana", "intent": None})
        server.observe({"t": 3.0, "type": "timer", "event": "start", "exercise": "bird-dog",
                        "remaining": 20.0})
        server.observe({"t": 5.0, "type": "timer", "event": "pause", "exercise": "bird-dog",
                        "remaining": 18.0})
        states = [next_event(stream) for _ in range(6)]
    assert states[1]["prompt"] == "Does a foot drag?"
    assert states[2]["buttons"] == ["yes", "no", "stop"]
    assert states[3]["heard"] == "(not understood)"
    assert states[4]["countdown"]["remaining"] == 20.0 and states[4]["countdown"]["running"]
    assert states[5]["countdown"]["remaining"] == 18.0 and not states[5]["countdown"]["running"]
    assert [s["version"] for s in states] == sorted({s["version"] for s in states})


def test_the_last_words_stay_a_while_then_go(screen: tuple[Screen, list[str]]) -> None:
    server, _ = screen
    with urllib.request.urlopen(server.url + "events", timeout=5) as stream:
        next_event(stream)
        server.observe({"t": 0.0, "type": "start"})
        server.observe({"t": 0.1, "type": "say", "text": "Call 112 now."})
        server.observe({"t": 0.2, "type": "end", "outcome": "emergency"})
        server.set_status("idle")
        states = [next_event(stream) for _ in range(5)]
    assert states[3]["status"] == "idle" and states[3]["prompt"] == "Call 112 now."
    assert states[4]["prompt"] == ""  # forgotten after the linger time


def test_presses_are_checked(screen: tuple[Screen, list[str]]) -> None:
    server, pressed = screen
    assert post(server.url + "press", b'{"intent": "yes"}') == (200, {"ok": True})
    assert post(server.url + "press", b'{"intent": "wake"}')[0] == 200
    assert post(server.url + "press", b'{"intent": "rm -rf"}')[0] == 400
    assert post(server.url + "press", b"intent=yes", "application/x-www-form-urlencoded")[0] == 415
    assert post(server.url + "press", b"not json")[0] == 400
    assert pressed == ["yes", "wake"]
