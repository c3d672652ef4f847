"""The per-turn recognizer on real Vosk with our model, fed the audio fixtures through the same
chunk path as the microphone (ScriptedAudio → AudioEar → Recognizer)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import voiceskill
from tests.fixtures.make_fixtures import (
    EXERCISES,
    FILLED,
    FILLED_COMMANDS,
    HEDGES,
    NEAR_NO,
    taken_as_no,
    text_of,
)
from tests.speech.heard import (
    FIXTURES,
    YES_NO,
    fixtures,
    hear,
    intent_taken,
    intents_taken,
    red_flag_listen,
    said,
    understood,
    without_fillers,
)
from voiceskill.clock import VirtualClock
from voiceskill.coach.engine import CoachEngine
from voiceskill.conversation import build_conversation
from voiceskill.events import Choice, Heard, Listen
from voiceskill.intents import FILLER
from voiceskill.session import BARGE_IN_INTENTS, apply_thresholds
from voiceskill.speech import recognizer
from voiceskill.speech.audio import CHUNK, CHUNK_SECONDS, ScriptedAudio, silence
from voiceskill.speech.ear import AudioEar
from voiceskill.speech.recognizer import Endpointing, Recognizer
from voiceskill.speech.wav import read_wav


@pytest.mark.parametrize("stem,intent", [
    ("yes", "yes"), ("no", "no"), ("stop", "stop"), ("i_don't_know", "unsure"),
    ("help", "help"), ("yeah", "yes"), ("nope", "no"), ("no_i_don't", "no"),
    ("repeat", "repeat"), ("say_that_again", "repeat"), ("pause", "pause"), ("wait", "wait"),
])
def test_answers_map_to_intents(speech_model: Any, stem: str, intent: str) -> None:
    results = [hear(speech_model, path) for path in fixtures(stem)]
    right = [r for r in results if r is not None and r.intent == intent]
    # The model is trained on synthetic voices only: most voices, not all, must come through.
    assert len(right) >= max(1, int(0.6 * len(results))), results
    assert all(0.0 <= r.confidence <= 1.0 for r in right)


def test_a_no_is_never_heard_as_a_yes(speech_model: Any) -> None:
    for path in fixtures("no"):
        heard = hear(speech_model, path)
        assert heard is None or heard.intent != "yes", path.name


def test_out_of_vocabulary_words_are_not_understood(speech_model: Any) -> None:
    paths = sorted((FIXTURES / "oov").glob("*.wav"))
    if not paths:
        pytest.skip("no out-of-vocabulary fixtures")
    results = [hear(speech_model, p) for p in paths]
    as_no = [p.name for p, r in zip(paths, results, strict=True) if r and r.intent == "no"]
    taken = [r for r in results if r is not None and r.intent is not None]
    assert len(taken) <= 0.35 * len(results), taken
    assert len(as_no) <= 0.1 * len(results) + 1, as_no


def test_no_out_of_vocabulary_word_is_a_no_to_a_red_flag_question(speech_model: Any) -> None:
    # The shipped "no" phrases all start with "no"/"not" (dialogs/intents.yaml says why), and
    # an answer below its intent's threshold is not understood, as in a session.
    listen = red_flag_listen()
    assert all(c.phrase.split()[0] in ("no", "not") for c in listen.choices if c.intent == "no")
    paths = sorted((FIXTURES / "oov").glob("*.wav"))
    if not paths:
        pytest.skip("no out-of-vocabulary fixtures")
    as_no = [p.name for p in paths if intent_taken(speech_model, p, listen) == "no"]
    assert not as_no


def test_go_back_is_heard_at_a_red_flag_question_and_is_never_an_answer(
        speech_model: Any) -> None:
    # How a "no" said by mistake is put right (dialogs/intents.yaml: back).
    taken = intents_taken(speech_model, fixtures("go_back"), red_flag_listen())
    assert sum(t == "back" for t in taken.values()) >= 0.6 * len(taken), taken
    assert not [name for name, t in taken.items() if t in ("yes", "no")], taken


def test_hold_on_is_heard_at_a_red_flag_question_and_is_never_an_answer(
        speech_model: Any) -> None:
    # "Take your time" while the person checks a feeling (dialogs/intents.yaml: wait).
    taken = intents_taken(speech_model, fixtures("hold_on"), red_flag_listen())
    assert sum(t == "wait" for t in taken.values()) >= 0.6 * len(taken), taken
    assert not [name for name, t in taken.items() if t in ("yes", "no")], taken


def test_a_no_the_second_decoding_does_not_confirm_is_not_taken(
    speech_model: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Out-of-grammar clips a red-flag question once took as "no" at confidence 1.0
    (make_fixtures.TAKEN_AS_NO): an answer whose intent needs more than DOUBTFUL_CONFIDENCE is
    decoded again with [unk] likelier, and one that does not survive is not taken."""
    listen = red_flag_listen()
    paths = [path for _, _, path in taken_as_no()]

    def passing_as_no() -> list[str]:
        return [p.name for p in paths if intent_taken(speech_model, p, listen) == "no"]

    assert passing_as_no() == []
    monkeypatch.setattr(recognizer, "DOUBTFUL_CONFIDENCE", 1.0)  # control: no second decoding
    assert passing_as_no(), "these clips pass as no even unchecked no more: pick new ones"


def test_words_one_sound_from_no_are_never_a_no_to_a_red_flag_question(
    speech_model: Any,
) -> None:
    """ "now", "go", "so", "oh" (every held-out voice) are no answer. They are the near misses
    of "no" (dialogs/intents.yaml), which the second decoding listens for: an utterance that
    fits one better is not confirmed as "no". Without them 11 of the 36 passed as "no" at
    confidence 1.0 (8 with the model before the real-speech context); with them one still
    does (flite rms's "now": both decodings hear "no"). The control drops them."""
    listen = red_flag_listen()
    assert set(NEAR_NO) <= set(listen.near_misses)
    paths = [p for text in NEAR_NO for p in sorted((FIXTURES / "near_no").glob(f"{text}__*"))]
    assert len(paths) == 36

    def as_no(turn: Listen) -> list[str]:
        return [p.name for p in paths if intent_taken(speech_model, p, turn) == "no"]

    taken = as_no(listen)
    assert len(taken) <= 1, taken
    assert len(as_no(replace(listen, near_misses=()))) >= len(taken) + 3, "a weak control"


def test_real_noes_survive_the_second_decoding(speech_model: Any) -> None:
    listen = red_flag_listen()
    results = [hear(speech_model, path, listen) for path in fixtures("no")]
    taken = [r for r in results if r is not None and apply_thresholds(r, listen).intent == "no"]
    assert len(taken) >= 0.6 * len(results), results


def test_a_spoken_nope_is_a_no_or_not_understood_by_a_red_flag_question(
    speech_model: Any,
) -> None:
    # "nope" left the grammar (an unrelated word came back as it). By sound it is close to "no",
    # but only just: it comes back "[unk]" for 7 of 40 dither seeds (tests/conftest.py) and "no"
    # for the rest. Either is safe; any other answer is not.
    listen = red_flag_listen()
    assert "nope" not in {c.phrase for c in listen.choices}
    results = [hear(speech_model, path, listen) for path in fixtures("nope")]
    assert all(r is None or r.intent in ("no", None) for r in results), results


def test_hedged_answers_are_never_a_no_to_a_red_flag_question(speech_model: Any) -> None:
    """ "Not very", "a little", "now and then" ... (every held-out voice) mean the sign is there
    a bit: never a "no", and mostly heard as what they are (unsure: the careful path)."""
    listen = red_flag_listen()
    paths = [p for text in HEDGES for p in fixtures(text.replace(" ", "_"))]
    taken = intents_taken(speech_model, paths, listen)
    assert [name for name, intent in taken.items() if intent == "no"] == []
    assert sum(intent == "unsure" for intent in taken.values()) >= 0.8 * len(taken), taken


def test_an_answer_after_a_filler_or_said_twice_is_that_answer(speech_model: Any) -> None:
    """ "um no", "uh yes", "well no", "no no" (every held-out voice) at a red-flag question: about
    half are taken as what they say, none as another answer; the rest are asked again. The
    control: without the fillers in the grammar the recognizer hears "[unk] no" and hardly
    any is taken."""
    listen = red_flag_listen()
    assert any(c.intent == FILLER for c in listen.choices)
    paths = [p for text in FILLED for p in fixtures(text.replace(" ", "_"))]
    assert len(paths) == 36

    def meant(name: str) -> str:
        return "yes" if name.startswith("uh_yes") else "no"

    with_fillers = intents_taken(speech_model, paths, listen)
    assert [n for n, i in with_fillers.items() if i in ("yes", "no") and i != meant(n)] == []
    assert sum(i == meant(n) for n, i in with_fillers.items()) >= 14, with_fillers
    control = intents_taken(speech_model, paths, without_fillers(listen))
    assert sum(i == meant(n) for n, i in control.items() if "no_no" not in n) <= 6, control


def test_a_coach_command_after_a_filler_is_that_command(speech_model: Any) -> None:
    """ "um next", "uh pause" (every held-out voice) while the coach runs an exercise: the
    coach's listens hear the fillers too. Measured: 13 of 18 taken as what they say, 1 as
    something else (flite kal's "um bird" → the bird dog exercise, its 8 kHz voice); without
    the fillers 7 of 18."""
    listen = build_conversation(voiceskill.DIALOGS_DIR).coach.running_listen
    paths = [p for text in FILLED_COMMANDS for p in fixtures(text.replace(" ", "_"))]
    assert len(paths) == 18

    def meant(name: str) -> str:
        return name.split("__")[0].split("_")[1]

    with_fillers = intents_taken(speech_model, paths, listen)
    right = sum(i == meant(n) for n, i in with_fillers.items())
    assert right >= 11, with_fillers
    assert len([n for n, i in with_fillers.items() if i and i != meant(n)]) <= 2, with_fillers
    control = intents_taken(speech_model, paths, without_fillers(listen))
    assert sum(i == meant(n) for n, i in control.items()) <= right - 4, "a weak control"


def stray_fixtures() -> list[Path]:
    """Speech no coach command is meant by: the out-of-grammar and near-miss fixtures."""
    return sorted((FIXTURES / "oov").glob("*.wav")) + sorted((FIXTURES / "near_no").glob("*"))


def test_stray_words_seldom_switch_the_coach_to_another_exercise(speech_model: Any) -> None:
    """While the coach runs, an exercise's name needs the stricter second decoding
    (exercises.yaml, checked.threshold). Measured on the out-of-grammar and near-miss fixtures:
    7 of 75 switched the exercise, 16 without the check (the control); the exercises' own
    fixtures: 9 of 12 understood, 11 without."""
    listen = build_conversation(voiceskill.DIALOGS_DIR).coach.running_listen
    assert all(t > recognizer.DOUBTFUL_CONFIDENCE for _, t in listen.thresholds)
    stray = stray_fixtures()
    names = [p for p in sorted(FIXTURES.glob("*.wav")) if text_of(p) in EXERCISES]
    meaning = {c.phrase: c.intent for c in listen.choices}

    def switches(turn: Listen) -> int:
        return sum((intent_taken(speech_model, p, turn) or "").startswith("exercise:")
                   for p in stray)

    checked = switches(listen)
    assert checked <= 9
    assert switches(replace(listen, thresholds=())) >= checked + 5, "a weak control"
    assert sum(intent_taken(speech_model, p, listen) == meaning[text_of(p)] for p in names) >= 8


def test_stray_words_seldom_move_the_running_coach(speech_model: Any) -> None:
    """The commands whose false alarm disrupts a routine (exercises.yaml, checked.commands:
    resume, next, back, slower, louder, ...) need the stricter second decoding too. Measured
    on the out-of-grammar and near-miss fixtures: 3 of 75 taken as one of them, 17 without the
    check (the control); those commands' own fixtures: 11 of 12 understood, 12 without."""
    coach = build_conversation(voiceskill.DIALOGS_DIR).coach
    listen = coach.running_listen
    checked = set(coach.book.checked.commands)
    unchecked = replace(listen, thresholds=tuple(
        (intent, t) for intent, t in listen.thresholds if intent not in checked))
    stray = stray_fixtures()
    meaning = {c.phrase: c.intent for c in listen.choices}
    commands = [p for p in sorted(FIXTURES.glob("*.wav")) if meaning.get(text_of(p)) in checked]
    assert len(stray) >= 75 and len(commands) >= 12

    def moves(turn: Listen) -> int:
        return sum(intent_taken(speech_model, p, turn) in checked for p in stray)

    taken = moves(listen)
    assert taken <= 6
    assert moves(unchecked) >= taken + 8, "a weak control"
    assert sum(intent_taken(speech_model, p, listen) == meaning[text_of(p)]
               for p in commands) >= 10


def test_no_stray_word_is_a_no_to_the_coach_pain_question(speech_model: Any) -> None:
    """The coach's pain question ("Is the pain severe, or is it spreading down into your
    legs?"): its "no" ends the session with self-care advice instead of the red-flag questions.
    Out-of-grammar words and the near misses of "no" (every held-out voice) are not taken as
    "no" (at most flite rms's "now", as at a red-flag question). The control is the pain
    question as the coach alone hears it, without the intents' threshold, second decoding and
    near misses: how it was shipped until 2026-11-23, when it took 15 of the 36 near misses
    as "no", and 3 of the benchmark's 233 out-of-grammar clips."""
    pain = build_conversation(voiceskill.DIALOGS_DIR).coach.pain_listen
    paths = sorted((FIXTURES / "oov").glob("*.wav"))
    paths += [p for text in NEAR_NO for p in sorted((FIXTURES / "near_no").glob(f"{text}__*"))]
    assert len(paths) >= 36 + 36

    def as_no(turn: Listen) -> list[str]:
        return [p.name for p in paths if intent_taken(speech_model, p, turn) == "no"]

    taken = as_no(pain)
    assert len(taken) <= 1, taken
    assert len(as_no(CoachEngine().pain_listen)) >= len(taken) + 5, "a weak control"


def test_low_confidence_counts_as_not_understood(speech_model: Any) -> None:

    heard = hear(speech_model, understood(speech_model, "yes", "yes"))
    assert heard is not None and heard.intent == "yes"
    strict = Listen(YES_NO.choices, thresholds=(("yes", 1.01),))
    assert apply_thresholds(heard, strict).intent is None


def test_silence_and_noise_give_nothing(speech_model: Any) -> None:
    source = ScriptedAudio()
    source.push(silence(3.0))
    rng = np.random.default_rng(7)
    source.push((rng.normal(0, 30, 16000 * 2)).astype(np.int16))  # faint room noise
    clock = VirtualClock()
    assert AudioEar(source, Recognizer(speech_model), clock).listen(YES_NO, until=5.0) is None
    assert clock.now() == pytest.approx(5.0, abs=0.06)


def heard_at(model: Any, samples: np.ndarray, listen: Listen) -> tuple[Heard | None, float]:
    """What the ear hears in ``samples`` said 0.5 s into a turn, and the (virtual) time then."""
    clock = VirtualClock()
    heard = AudioEar(said(samples, tail=3.0), Recognizer(model), clock).listen(listen, until=30.0)
    return heard, clock.now()


def test_answer_is_final_soon_after_the_voice_stops(speech_model: Any) -> None:
    samples = read_wav(understood(speech_model, "yes", "yes"))
    loud = np.flatnonzero(np.abs(samples) > 800)
    speech_end = 0.5 + loud[-1] / 16000
    heard, now = heard_at(speech_model, samples, YES_NO)
    assert heard is not None and heard.intent == "yes"
    # Vosk's own endpointer would wait 1-2 s; ours answers within trailing_silence (+1 chunk).
    assert now - speech_end < 0.45


def test_an_answer_more_words_could_not_change_ends_sooner(speech_model: Any) -> None:
    # "yes" in YES_NO is settled ("yes i do" is a yes too): final after settled_silence. When a
    # longer phrase starting with "yes" means something else, the ear waits trailing_silence.
    samples = read_wav(understood(speech_model, "yes", "yes"))
    ambiguous = Listen((*YES_NO.choices, Choice("yes and no", "unsure")))
    ended = {}
    for name, listen in (("settled", YES_NO), ("ambiguous", ambiguous)):
        heard, ended[name] = heard_at(speech_model, samples, listen)
        assert heard is not None and heard.intent == "yes", name
    ep = Endpointing()
    wait = ep.trailing_silence - ep.settled_silence
    assert ended["ambiguous"] - ended["settled"] == pytest.approx(wait, abs=CHUNK_SECONDS + 1e-6)


def test_a_stop_said_over_a_prompt_is_heard_from_every_voice(speech_model: Any) -> None:
    """A barge-in turn (eager) ends as soon as the partial result is a one-word phrase. A
    longer phrase does not end it early: a phrase word shows up whole in the partial from its
    first sound (flite kal's "stop" began as "i don't know", and the turn ended empty)."""
    rng = np.random.default_rng(1)
    for path in fixtures("stop"):
        audio = np.concatenate([silence(0.5), read_wav(path), silence(2.0)]).astype(float)
        audio = (audio + rng.normal(0, 20, len(audio))).astype(np.int16)  # a faint room
        turn = Recognizer(speech_model).turn(YES_NO, eager=True)
        heard = next((h for i in range(0, len(audio), CHUNK)
                      if (h := turn.feed(audio[i:i + CHUNK])) is not None), None)
        assert heard is not None and heard.intent == "stop", (path.name, heard)


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,  # only the assertion on what was heard is the expected failure
    reason="session 20's real-speech context model hears this looped flite kal 'stop' as [unk] "
    "under every dither seed and any number of repeats (the no-context model: 7 of 10); it "
    "traded this synthetic 8 kHz diphone voice for real speakers (models/voiceskill-en/README.md)",
)
def test_a_stop_as_the_pulseaudio_loop_delivered_it_is_heard_over_a_prompt(
    speech_model: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """flite kal's "stop" as the skill's microphone recorded it through the PulseAudio loop
    (bench/voice_latency.py lost it there every time): with each barge-in phrase listed once
    against ``[unk]`` it comes back ``[unk]`` under most dither noise; listed
    ``BARGE_IN_REPEATS`` times it is heard under most."""
    import ctypes

    audio = read_wav(FIXTURES / "looped" / "stop__flite-kal.wav")
    # what a session listens for while it speaks a yes/no question (stop, pause, wait)
    barge_in = Listen(tuple(c for c in YES_NO.choices if c.intent in BARGE_IN_INTENTS))

    def hits() -> int:
        count = 0
        for seed in range(10):
            ctypes.CDLL(None).srand(seed)
            turn = Recognizer(speech_model).turn(barge_in, eager=True)
            padded = np.concatenate([silence(0.5), audio, silence(1.0)])
            heard = next((h for i in range(0, len(padded), CHUNK)
                          if (h := turn.feed(padded[i:i + CHUNK])) is not None), None)
            count += heard is not None and heard.intent == "stop"
        return count

    assert hits() >= 5
    monkeypatch.setattr(recognizer, "BARGE_IN_REPEATS", 1)
    assert hits() <= 3  # the control: what the barge-in turn heard before
