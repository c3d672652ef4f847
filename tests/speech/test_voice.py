"""The assistant's voice: pyttsx3 synthesis in memory, playback through PortAudio → PulseAudio,
cutting playback, and carrying on with the text when synthesis or the speaker fails."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from tests.pulse import PulseServer
from tests.speech.loop import played_length
from voiceskill.speech.voice import (
    Player,
    SynthesisError,
    Synthesizer,
    VoiceMouth,
    VoiceSettings,
)
from voiceskill.speech.wav import TARGET_RATE


def _voiced_seconds(samples: np.ndarray, threshold: int = 500) -> float:
    """Seconds between the first and the last sample above ``threshold``."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    return 0.0 if len(loud) == 0 else (loud[-1] - loud[0]) / TARGET_RATE


def test_synthesis_is_in_memory_and_silent_on_the_terminal(capfd: pytest.CaptureFixture) -> None:
    synth = Synthesizer(VoiceSettings(rate=180))
    samples = synth.synthesize("Bend your knees and rest.")
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # no "Audio saved to ..." from pyttsx3
    assert samples.dtype == np.int16
    assert 0.8 < len(samples) / TARGET_RATE < 4.0
    slow = Synthesizer(VoiceSettings(rate=90)).synthesize("Bend your knees and rest.")
    assert len(slow) > 1.5 * len(samples)


def test_synthesis_leaves_no_temporary_files(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A Synthesizer that is never closed (a test, a crashed kiosk) must not leave a
    # directory in /tmp per instance: before, every instance made one and only close()
    # removed it, and a day of test runs left hundreds.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    synth = Synthesizer()
    assert len(synth.synthesize("Rest on your back.")) > 0
    with pytest.raises(SynthesisError):
        Synthesizer(VoiceSettings(voice="klingon-xx")).synthesize("hi")
    assert list(tmp_path.iterdir()) == []


def test_two_synthesizers_keep_their_own_voices() -> None:
    one = Synthesizer(VoiceSettings(voice="en-us"))
    two = Synthesizer(VoiceSettings(voice="en-gb-scotland"))
    a, b, a2 = one.synthesize("hello"), two.synthesize("hello"), one.synthesize("hello there")
    assert not np.array_equal(a[: len(b)], b[: len(a)])
    assert len(a2) > len(a)


def test_unknown_voice_is_one_clear_error() -> None:
    with pytest.raises(SynthesisError, match="no text-to-speech voice matches 'klingon-xx'"):
        Synthesizer(VoiceSettings(voice="klingon-xx")).synthesize("hi")


@pytest.mark.audio
def test_prompt_is_played_through_the_speaker(pulse: PulseServer) -> None:
    synth = Synthesizer()
    samples = synth.synthesize("Lie on your back and breathe out slowly.")
    recording = pulse.record("spk")
    player = Player()
    started = time.monotonic()
    player.start(samples)
    assert player.wait(10)
    elapsed = time.monotonic() - started
    time.sleep(0.3)
    heard = recording.stop()
    player.close()
    length = len(samples) / TARGET_RATE
    assert length - 0.1 < elapsed < length + 0.5  # real time, not faster, not stuck
    assert abs(_voiced_seconds(heard) - _voiced_seconds(samples)) < 0.25
    assert player.started_at is not None and player.started_at - started < 0.15


@pytest.mark.audio
def test_stop_cuts_playback_at_once(pulse: PulseServer) -> None:
    samples = Synthesizer().synthesize("This is a long sentence that is going to be cut "
                                       "short well before it reaches its natural end.")
    recording = pulse.record("spk")
    player = Player()
    player.start(samples)
    time.sleep(1.0)
    cut_at = time.monotonic()
    player.stop()
    assert not player.playing
    time.sleep(0.6)
    heard = recording.stop()
    player.close()
    # The monitor recording ends 0.6 s after the cut: the voice must have ended within 150 ms.
    loud = np.flatnonzero(np.abs(heard) > 500)
    silent_tail = (len(heard) - loud[-1]) / TARGET_RATE
    assert silent_tail > 0.6 - 0.15 - 0.05, f"voice went on {0.6 - silent_tail:.3f} s after stop"
    assert time.monotonic() - cut_at < 2


@pytest.mark.audio
def test_stop_drops_the_sound_already_queued_in_the_device(pulse: PulseServer) -> None:
    """What the player has handed to PortAudio is not played out after stop(): the speaker's
    monitor holds less of the sentence than the player had handed over (the device's output
    latency less; without the abort it held 0-20 ms more, played out after the cut)."""
    samples = Synthesizer().synthesize("This is a long sentence that is going to be cut "
                                       "short well before it reaches its natural end.")
    recording = pulse.record("spk")
    time.sleep(0.3)  # parec is recording
    player = Player()
    assert player.output_latency is None  # no stream yet
    player.start(samples)
    assert player.output_latency is not None and 0 < player.output_latency < 1
    time.sleep(1.5)
    handed = player.handed_over
    player.stop()
    time.sleep(0.4)
    heard = recording.stop()
    played = played_length(heard, samples)
    assert 0.5 * TARGET_RATE < played < handed - 0.01 * TARGET_RATE, (played, handed)
    player.start(samples[: TARGET_RATE // 2])  # the stream starts again after the cut
    assert player.wait(5) and player.started_at is not None
    player.close()


def test_broken_speaker_prints_the_prompt_and_goes_on(capsys: pytest.CaptureFixture) -> None:
    mouth = VoiceMouth(Synthesizer(), Player("no-such-speaker-xyz"), captions=False)
    assert mouth.say("Is your left leg numb?", None) is None
    out = capsys.readouterr().out
    assert "Is your left leg numb?" in out
    assert "no output device matching 'no-such-speaker-xyz'" in out or "sound" in out


def test_failed_synthesis_prints_the_prompt_and_goes_on(capsys: pytest.CaptureFixture) -> None:
    mouth = VoiceMouth(Synthesizer(VoiceSettings(voice="klingon-xx")), Player(), captions=False)
    assert mouth.say("Can you stand up?", None) is None
    out = capsys.readouterr().out
    assert "Can you stand up?" in out and "klingon-xx" in out


def test_faster_slower_louder_softer_stay_in_bounds() -> None:
    mouth = VoiceMouth(Synthesizer(VoiceSettings(rate=150, volume=0.5)), Player())
    mouth.adjust(+1, +1)
    assert mouth.synthesizer.settings.rate == 175 and mouth.volume == pytest.approx(0.65)
    for _ in range(20):
        mouth.adjust(-1, -1)
    assert mouth.synthesizer.settings.rate == 80 and mouth.volume == pytest.approx(0.2)


@pytest.mark.parametrize("number, words", [("911", "nine one one"), ("112", "one one two"),
                                           ("999", "nine nine nine")])
def test_the_number_to_call_is_said_digit_by_digit(number: str, words: str) -> None:
    """espeak-ng read "call 911" as "call nine hundred and eleven" and 112 as "one hundred and
    twelve" (review finding 11): a frightened person needs the digits. The synthesizer now
    says the number after "call" as its digits; numbers elsewhere ("25 seconds") stay numbers."""
    synth = Synthesizer()
    try:
        said = len(synth.synthesize(f"Please call {number} now."))
        digits = len(synth.synthesize(f"Please call {words} now."))
        as_a_quantity = len(synth.synthesize(f"Please call {number[0]} hundred and "
                                             f"{int(number[1:])} now."))
        assert abs(said - digits) < 0.1 * digits < as_a_quantity - digits, (said, digits)
        assert not np.array_equal(synth.synthesize("Set 2 starts in 25 seconds."),
                                  synth.synthesize("Set 2 starts in 2 5 seconds."))
    finally:
        synth.close()


def test_the_spoken_form_changes_only_a_number_to_call() -> None:
    from voiceskill.speech.voice import spoken_form

    assert spoken_form("If in doubt, call 112 straight away.") == (
        "If in doubt, call 1 1 2 straight away.")
    assert spoken_form("Hold for 30 seconds. Call 000.") == "Hold for 30 seconds. Call 0 0 0."
    assert spoken_form("Set 2 starts in 25 seconds.") == "Set 2 starts in 25 seconds."
