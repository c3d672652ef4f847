"""Whole simulated sessions driven by audio: WAV fixtures and synthesized speech go through
real Vosk with our model; prompts are synthesized with pyttsx3; time is virtual."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import voiceskill
from tests.speech.heard import FIXTURES, red_flag_listen, understood
from voiceskill.conversation import build_conversation
from voiceskill.dialog.engine import MAX_REASKS, MAX_REPEATS
from voiceskill.simulate import simulate
from voiceskill.simulate_script import load_script

#: Regexes that pick out the red-flag questions by tier.
EMERGENCY_Q = "groin|bladder|weak|bowel|both legs|urine|empty your bowels|back passage|sexual"
URGENT_Q = "fever|accident|fall|weight|since the pop|foot"
CLINICIAN_Q = "shooting|night|injury|lock|swelling|bruis"
WHEN_Q = "when did (your back|it) pop"
START_Q = "start the exercises"


def audio(model: Any, stem: str, intent: str) -> str:
    """A reply with a fixture of ``stem`` that the model hears as ``intent`` on its own, as a
    red-flag question does (its "no" needs the second decoding too), wherever it starts (the
    simulation plumbing is under test here; accuracy is tested in test_recognizer.py)."""
    return f"{{audio: '{understood(model, stem, intent, red_flag_listen())}'}}"


def run(tmp_path: Path, model: Any, text: str, **kw: Any) -> tuple[str, list[dict]]:
    path = tmp_path / "script.yaml"
    path.write_text(text, encoding="utf-8")
    engine = build_conversation(voiceskill.DIALOGS_DIR)
    result = simulate(load_script(path), engine, model, **kw)
    return result.outcome, result.events


def heard(events: list[dict]) -> list[tuple[str, str | None]]:
    return [(e["text"], e["intent"]) for e in events if e["type"] == "heard"]


def test_emergency_from_a_spoken_yes(tmp_path: Path, speech_model: Any) -> None:
    yes = audio(speech_model, "yes", "yes")
    outcome, events = run(tmp_path, speech_model, f"replies:\n  - {yes}\n")
    assert outcome == "emergency"
    assert heard(events)[0][1] == "yes"


@pytest.mark.parametrize("outcome,tier_yes", [("urgent", URGENT_Q),
                                              ("see-clinician", CLINICIAN_Q)])
def test_urgent_and_see_clinician_from_audio(tmp_path: Path, speech_model: Any, outcome: str,
                                             tier_yes: str) -> None:
    no, yes = audio(speech_model, "no", "no"), audio(speech_model, "yes", "yes")
    # a question of a higher tier than the one answered yes gets "no" first ("a fall" is part
    # of a see-clinician question as well as an urgent one)
    higher = EMERGENCY_Q if tier_yes == URGENT_Q else f"{EMERGENCY_Q}|{URGENT_Q}"
    script = (f"rules:\n  - {{when: '{higher}', reply: {no}}}\n"
              f"  - {{when: '{tier_yes}', reply: {yes}}}\n"
              f"default: {no}\n")
    got, events = run(tmp_path, speech_model, script)
    assert got == outcome, heard(events)


def test_exercise_and_advice_from_audio_and_synthesized_speech(tmp_path: Path,
                                                               speech_model: Any) -> None:
    no, yes = audio(speech_model, "no", "no"), audio(speech_model, "yes", "yes")
    base = (f"rules:\n  - {{when: '{WHEN_Q}', reply: {{say: 'today'}}}}\n"
            f"  - {{when: '{START_Q}', reply: REPLY}}\n"
            f"  - {{when: '\\?', reply: {no}}}\n"
            "default: {silence: 1}\n")
    outcome, events = run(tmp_path, speech_model, base.replace("REPLY", yes))
    assert "today" in [text for text, _ in heard(events)], heard(events)
    assert outcome == "exercise"
    assert events[-1]["t"] > 300  # minutes of holds ran on the virtual clock
    outcome, _ = run(tmp_path, speech_model, base.replace("REPLY", no))
    assert outcome == "advice"


def test_stop_said_over_a_question_ends_the_session(tmp_path: Path, speech_model: Any) -> None:
    stop = audio(speech_model, "stop", "stop")[:-1] + ", during: 1.0}"
    wav = tmp_path / "talk.wav"
    outcome, events = run(tmp_path, speech_model,
                          f"rules:\n  - {{when: 'groin', reply: {stop}}}\n", record=wav)
    assert outcome == "stopped"
    barge = [e for e in events if e["type"] == "heard" and e.get("barge_in")]
    assert barge and barge[0]["intent"] == "stop"
    assert wav.stat().st_size > 44


def test_silence_to_everything_is_no_response(tmp_path: Path, speech_model: Any) -> None:
    outcome, events = run(tmp_path, speech_model, "default: {silence: 20}\n")
    assert outcome == "no-response"
    assert [e["type"] for e in events].count("reprompt") >= 1


@pytest.mark.parametrize("stem", ["banana", "bicycle"])
def test_out_of_vocabulary_on_a_red_flag_is_never_no(tmp_path: Path, speech_model: Any,
                                                     stem: str) -> None:
    found = sorted((FIXTURES / "oov").glob(f"{stem}__*.wav"))
    if not found:
        pytest.skip(f"no oov fixture {stem}")
    # Said once, to the first emergency question; then nothing. (As a rule for every emergency
    # prompt it never ended when the model heard the word as "again": each repeat of the
    # question got the same word back.)
    script = f"start: saddle-numbness\nreplies:\n  - {{audio: '{found[0]}'}}\n"
    outcome, events = run(tmp_path, speech_model, script)
    said = heard(events)
    assert said, "the word was never heard at all"
    assert not any(intent == "no" for _, intent in said), said
    assert outcome not in ("exercise", "advice")


def test_asking_again_and_again_ends_in_the_cautious_outcome(tmp_path: Path,
                                                             speech_model: Any) -> None:
    # "say that again" to every prompt of the first emergency question (or a word the model keeps
    # hearing as "again"): the question is said again MAX_REPEATS times, then it counts as unsure
    # and the session ends in that question's tier instead of looping for ever.
    script = (f"start: saddle-numbness\n"
              f"default: {audio(speech_model, 'say_that_again', 'repeat')}\n")
    outcome, events = run(tmp_path, speech_model, script)
    assert outcome == "emergency"
    assert sum(intent == "repeat" for _, intent in heard(events)) == MAX_REPEATS + MAX_REASKS + 1


def test_speech_past_a_prompt_loses_the_echo_guard_as_in_voice_mode(tmp_path: Path,
                                                                    speech_model: Any) -> None:
    """Voice mode drops the microphone's first ECHO_GUARD (0.15) s after every prompt as its
    echo. A "yes" that starts 0.3 s before a prompt ends (no barge-in word, so the prompt plays
    to its end) reaches the next listen from 0.15 s after the prompt on, and the virtual clock
    is there by then."""
    import numpy as np

    from voiceskill.clock import VirtualClock
    from voiceskill.events import Choice, Listen
    from voiceskill.simulate import TRAILING_SILENCE, Persona, SimEar, SimMouth
    from voiceskill.speech.audio import silence
    from voiceskill.speech.recognizer import Recognizer
    from voiceskill.speech.voice import ECHO_GUARD, Synthesizer, VoiceSettings
    from voiceskill.speech.wav import TARGET_RATE, read_wav

    prompt = "Do you have pain running down the back of both legs?"
    fixture = FIXTURES / "yes__espeak-en-us-f4.wav"
    synth = Synthesizer(VoiceSettings())
    try:
        prompt_samples = len(synth.synthesize(prompt))
        # as written in the script, so that the offset below is the one the script gives
        starts_at = round(prompt_samples / TARGET_RATE - 0.3, 4)
        path = tmp_path / "script.yaml"
        path.write_text("rules:\n  - {when: 'both legs', reply: "
                        f"{{audio: '{fixture}', during: {starts_at:.4f}}}}}\n", encoding="utf-8")
        clock = VirtualClock()
        persona = Persona(load_script(path), synth)
        ear = SimEar(persona, Recognizer(speech_model), clock, recorder=None)
        mouth = SimMouth(synth, persona, ear, clock, recorder=None)
        assert mouth.say(prompt, Listen((Choice("stop", "stop"),))) is None  # played to the end
    finally:
        synth.close()
    queued = []
    while (chunk := ear.source.read()) is not None:
        queued.append(chunk)
    user = np.concatenate([read_wav(fixture), silence(TRAILING_SILENCE)])
    first = prompt_samples - int(starts_at * TARGET_RATE) + round(ECHO_GUARD * TARGET_RATE)
    assert first > 0.4 * TARGET_RATE  # 0.3 s over the prompt, 0.15 s of echo guard
    assert np.array_equal(np.concatenate(queued), user[first:])
    assert clock.now() == pytest.approx(prompt_samples / TARGET_RATE + ECHO_GUARD, abs=1e-3)


def _last_say_before(events: list[dict], event: dict) -> str:
    before = events[: events.index(event)]
    return next(e["text"] for e in reversed(before) if e["type"] == "say")


def test_a_rule_s_reply_answers_the_turn_whose_prompt_matched(tmp_path: Path,
                                                             speech_model: Any) -> None:
    """A reviewer's script: "it hurts" over the bird-dog hold, then "no" to the pain question.
    The tail of "it hurts" (its trailing silence) was still queued when the pain question was
    asked, so no reply was chosen for it (silence, unsure); the prompts piled up in the
    persona's prompt, and the "no" chosen for "severe" went to the first emergency question,
    which the script never answered."""
    script = ("start: week-2\nrules:\n"
              "  - {when: '^Hold\\.$', reply: {say: 'it hurts'}}\n"
              "  - {when: 'severe', reply: {text: 'no'}}\n")
    _, events = run(tmp_path, speech_model, script)
    pains = [e for e in events if e["type"] == "heard" and e["intent"] == "pain"]
    assert pains and _last_say_before(events, pains[0]) == "Hold.", heard(events)
    noes = [e for e in events if e["type"] == "heard" and e["intent"] == "no"]
    assert noes, heard(events)
    assert all("severe" in _last_say_before(events, e) for e in noes), heard(events)
    answers = [e for e in events if e["type"] == "answer"]
    assert {"question": "pain-severe-or-spreading", "intent": "no"}.items() <= answers[0].items()
    assert not any(a.get("node") == "saddle-numbness" for a in answers), answers


def test_speech_over_a_coach_that_talks_without_pause_is_heard_there(tmp_path: Path,
                                                                    speech_model: Any) -> None:
    """A reviewer's script: "it hurts" after the first "arching your back". Cat-cow's steps
    then followed one another with no pause to listen in (before 9adcb1c); the words were held
    in a queue and decoded about two minutes later, in bird-dog, and the pile of prompts since
    then was matched to choose the next reply. They are heard in cat-cow: in the quiet after
    the step now, or over the next step (a barge-in word) when there is none; the second case
    alone is test_words_still_said_when_a_prompt_starts_can_cut_it."""
    script = "start: week-2\nrules:\n  - {when: 'arching', reply: {say: 'it hurts'}}\n"
    _, events = run(tmp_path, speech_model, script)
    pains = [e for e in events if e["type"] == "heard" and e["intent"] == "pain"]
    assert pains, heard(events)
    says = [e["text"] for e in events[: events.index(pains[0])] if e["type"] == "say"]
    assert "Next: seated nerve glides." not in says, says[-3:]
    assert sum("arching" in s for s in says) == 1, says[-3:]
    # nothing the script said to the arching prompts reaches any later question
    assert [e for e in events if e["type"] == "heard"] == pains[:1], heard(events)


def test_words_still_said_when_a_prompt_starts_can_cut_it(tmp_path: Path,
                                                          speech_model: Any) -> None:
    """What the person is still saying when the assistant starts a prompt goes on over the
    prompt, through the barge-in path as a word said during it does: a "stop" cuts it, and
    nothing of it is left over for a later listen."""
    from voiceskill.clock import VirtualClock
    from voiceskill.events import Choice, Listen
    from voiceskill.simulate import TRAILING_SILENCE, Persona, SimEar, SimMouth
    from voiceskill.speech.audio import silence
    from voiceskill.speech.recognizer import Recognizer
    from voiceskill.speech.voice import Synthesizer, VoiceSettings
    from voiceskill.speech.wav import TARGET_RATE, read_wav

    stop = read_wav(understood(speech_model, "stop", "stop", red_flag_listen()))
    prompt = "Now tuck your chin and round your back up toward the ceiling."
    path = tmp_path / "script.yaml"
    path.write_text("default: {silence: 1}\n", encoding="utf-8")
    synth = Synthesizer(VoiceSettings())
    try:
        seconds = len(synth.synthesize(prompt)) / TARGET_RATE
        clock = VirtualClock()
        ear = SimEar(Persona(load_script(path), synth), Recognizer(speech_model), clock, None)
        mouth = SimMouth(synth, ear.persona, ear, clock, recorder=None)
        ear.source.push(silence(0.2))
        ear.source.push(stop)
        ear.source.push(silence(TRAILING_SILENCE))
        got = mouth.say(prompt, Listen((Choice("stop", "stop"),)))
    finally:
        synth.close()
    assert got is not None and got.intent == "stop"
    assert clock.now() < seconds - 1.0  # cut short
    assert ear.source.seconds_left == 0


def test_words_after_a_barge_in_reach_the_next_listen(tmp_path: Path, speech_model: Any) -> None:
    """"stop", a pause, then "yes" said over a prompt: "stop" cuts the prompt, and the "yes"
    said after the cut reaches the next listen, as a microphone hears it once the prompt has
    stopped (voice mode drops only the echo guard after a prompt). It used to be dropped with
    the rest of the person's audio after any barge-in."""
    import numpy as np

    from voiceskill.clock import VirtualClock
    from voiceskill.events import Choice, Listen
    from voiceskill.simulate import Persona, SimEar, SimMouth
    from voiceskill.speech.audio import silence
    from voiceskill.speech.recognizer import Recognizer
    from voiceskill.speech.voice import Synthesizer, VoiceSettings
    from voiceskill.speech.wav import read_wav

    stop = read_wav(understood(speech_model, "stop", "stop", red_flag_listen()))
    yes = read_wav(FIXTURES / "yes__espeak-en-us-f4.wav")
    prompt = "Now tuck your chin and round your back up toward the ceiling."
    path = tmp_path / "script.yaml"
    path.write_text("default: {silence: 1}\n", encoding="utf-8")
    synth = Synthesizer(VoiceSettings())
    try:
        clock = VirtualClock()
        ear = SimEar(Persona(load_script(path), synth), Recognizer(speech_model), clock, None)
        mouth = SimMouth(synth, ear.persona, ear, clock, recorder=None)
        for samples in (silence(0.2), stop, silence(1.5), yes, silence(0.5)):
            ear.source.push(samples)
        got = mouth.say(prompt, Listen((Choice("stop", "stop"),)))
    finally:
        synth.close()
    assert got is not None and got.intent == "stop"
    queued = []
    while (chunk := ear.source.read()) is not None:
        queued.append(chunk)
    rest = np.concatenate(queued) if queued else np.zeros(0, dtype=np.int16)
    # all of the "yes" is still to be heard, after some of the pause
    assert 0 < len(rest) - len(yes) < 2.0 * 16000
    assert np.array_equal(rest[-len(yes) - 8000 : -8000], yes)
