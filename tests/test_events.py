"""Every event and action round-trips through its dict form (wyoming-style)."""

from __future__ import annotations

import json

import pytest

from voiceskill import events as ev

SAMPLES = [
    ev.Started(), ev.Started("bird-dog"),
    ev.Heard("yes", "yes", 0.93), ev.Heard("", None, 0.0),
    ev.Silence(8.0), ev.TimerFired("hold"),
    ev.Say("Hello", "statement:welcome"),
    ev.Listen((ev.Choice("yes", "yes"), ev.Choice("nope", "no")), 8.0, (("no", 0.7),), ("now",)),
    ev.StartTimer("hold", 12.5), ev.CancelTimer("hold"), ev.AdjustVoice(1, -1),
    ev.Record("timer", {"event": "cue", "rep": 3}), ev.Goto("red-flags"), ev.End("emergency"),
]


@pytest.mark.parametrize("message", SAMPLES, ids=lambda m: type(m).__name__)
def test_round_trip_through_json(message):
    assert ev.from_dict(json.loads(json.dumps(ev.to_dict(message)))) == message


def test_every_message_type_has_a_sample():
    assert {type(m).__name__ for m in SAMPLES} == set(ev._TYPES) - {"Choice"}


def test_listen_phrases_are_unique_and_ordered():
    listen = ev.Listen((ev.Choice("yes", "yes"), ev.Choice("no", "no"), ev.Choice("yes", "yes")))
    assert listen.phrases == ["yes", "no"]
