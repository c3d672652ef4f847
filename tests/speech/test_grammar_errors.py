"""A turn's grammar that Vosk cannot make a recognizer for is one GrammarError naming the model
and the grammar: never a crash, an abort, or a bare "Failed to create a recognizer".

What Vosk 0.3.45 does with the shipped model, found by trying: a word whose id in
graph/words.txt is 0 (``<eps>``, the graph's empty word) fails an assertion in its grammar
estimator and aborts the process (SIGABRT); a grammar that is not a non-empty JSON list (an
object, a string, ``[]``, broken JSON) gets a warning and then crashes the process (SIGSEGV);
a list holding something other than a string makes vosk.KaldiRecognizer raise a bare
Exception. ``vosk_grammar`` writes only lists of strings, so the last two are reached here by
having it return such a grammar. Each case runs the real Recognizer with the real Vosk and the
shipped model in a process of its own: without the checks the test fails, instead of taking
pytest down with it.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import voiceskill

SCRIPT = """
import json, sys
from voiceskill.events import Choice, Listen
from voiceskill.speech import recognizer

phrases, grammar, model_dir = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
if grammar:
    recognizer.vosk_grammar = lambda model, phrases, unknowns=1: grammar
owner = recognizer.Recognizer(recognizer.open_model(model_dir))
try:
    owner.turn(Listen(tuple(Choice(p, "answer") for p in phrases)))
except Exception as err:
    print(f"{type(err).__name__}: {err}")
else:
    print("no error")
"""


def turn_in_own_process(phrases: list[str], grammar: str = "") -> str:
    """What starting a turn for ``phrases`` (with ``grammar`` instead of the one
    ``vosk_grammar`` would write, if given) prints; fails on a crash or an abort."""
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(phrases), grammar,
         str(voiceskill.DEFAULT_MODEL_DIR)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, (
        f"the process ended with {result.returncode}: {result.stderr[-2000:]}")
    assert "VoskAPI" not in result.stderr  # Kaldi's own lines are in the one message, if at all
    return result.stdout.strip()


def test_a_plain_grammar_makes_a_recognizer() -> None:
    assert turn_in_own_process(["yes", "no"]) == "no error"


def test_the_empty_word_in_a_phrase_is_one_message_not_an_abort() -> None:
    grammar = '["yes", "<eps>", "[unk]", "[unk]"]'  # [unk] twice, as every plain turn has it
    assert turn_in_own_process(["yes", "<eps>"]) == (
        f"GrammarError: Vosk cannot make a recognizer with the model "
        f"{voiceskill.DEFAULT_MODEL_DIR} for the grammar {grammar}: the word '<eps>' (in the "
        "phrase '<eps>') is the model's word 0, the empty word of its graph, on which Vosk "
        "0.3.45 aborts the whole program")


@pytest.mark.parametrize("grammar", ['{"yes": 1}', '"yes"', "[]", '["yes", "[unk]"'])
def test_a_grammar_that_is_not_a_list_of_phrases_never_reaches_vosk(grammar: str) -> None:
    assert turn_in_own_process(["yes"], grammar) == (
        f"GrammarError: Vosk cannot make a recognizer with the model "
        f"{voiceskill.DEFAULT_MODEL_DIR} for the grammar {grammar}: it is not a JSON list of "
        "phrases, on which Vosk 0.3.45 crashes the whole program")


def test_a_grammar_vosk_refuses_names_the_model_the_grammar_and_kaldis_reason() -> None:
    grammar = '["yes", 1, "[unk]"]'
    assert turn_in_own_process(["yes"], grammar) == (
        f"GrammarError: Vosk cannot make a recognizer with the model "
        f"{voiceskill.DEFAULT_MODEL_DIR} for the grammar {grammar}: Kaldi says \"Expecting "
        f"array of strings, got: '{grammar}'\"")


def test_transcribe_with_the_empty_word_in_its_grammar_is_one_line_not_an_abort() -> None:
    fixture = voiceskill.PROJECT_ROOT / "tests" / "fixtures" / "audio" / "yes__flite-kal16.wav"
    result = subprocess.run(
        [sys.executable, "-m", "voiceskill", "transcribe", str(fixture), "--grammar",
         "yes,<eps>"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr[-2000:]  # Vosk aborted with 134 before
    assert result.stderr.splitlines() == [
        f"voiceskill transcribe: Vosk cannot make a recognizer with the model "
        f"{voiceskill.DEFAULT_MODEL_DIR} for the grammar [\"yes\", \"<eps>\", \"[unk]\"]: the "
        "word '<eps>' (in the phrase '<eps>') is the model's word 0, the empty word of its "
        "graph, on which Vosk 0.3.45 aborts the whole program"]
