"""`voiceskill simulate`: scripts, the virtual clock, outcomes, the recording.

Text replies skip recognition and run without the speech model; the audio replies (WAV
fixtures and synthesized speech through real Vosk) are in tests/speech/test_simulate_audio.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

import voiceskill
from voiceskill.conversation import build_conversation
from voiceskill.errors import ContentError
from voiceskill.simulate import simulate
from voiceskill.simulate_script import load_script
from voiceskill.speech.wav import read_wav

#: Answers every red-flag question with "no" and everything else with the default.
ALL_NO = """
rules:
  - {when: "numb|bladder|bowel|weak|legs|urine|sexual|fever|cancer|weight|fall|steroid|\
injection|night|drugs", reply: {text: "no"}}
"""


def _write(tmp_path: Path, text: str, name: str = "script.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _run(tmp_path: Path, text: str, **kw) -> tuple[str, list[dict]]:
    script = load_script(_write(tmp_path, text))
    engine = build_conversation(voiceskill.DIALOGS_DIR)
    result = simulate(script, engine, None, **kw)
    return result.outcome, result.events


def test_yes_to_the_first_red_flag_is_an_emergency(tmp_path: Path) -> None:
    outcome, events = _run(tmp_path, "replies:\n  - {text: 'yes'}\n")
    assert outcome == "emergency"
    heard = [e for e in events if e["type"] == "heard"]
    assert heard == [{"t": heard[0]["t"], "type": "heard", "text": "yes", "intent": "yes",
                      "confidence": 1.0}]
    says = [e for e in events if e["type"] == "say"]
    assert any("911" in e["text"] for e in says)


def test_silence_reprompts_then_gives_up_on_virtual_time(tmp_path: Path) -> None:
    started = time.monotonic()
    outcome, events = _run(tmp_path, "default: {silence: 30}\n")
    assert outcome == "no-response"
    types = [e["type"] for e in events]
    assert types.count("silence") >= 2 and "reprompt" in types
    silences = [e for e in events if e["type"] == "silence"]
    assert all(e["seconds"] == pytest.approx(8.0, abs=0.1) for e in silences)
    assert events[-1]["t"] > 60  # minutes of conversation ...
    assert time.monotonic() - started < 30  # ... in a few seconds of wall time


def test_rules_win_over_ordered_replies_which_win_over_the_default(tmp_path: Path) -> None:
    outcome, events = _run(tmp_path, "rules:\n  - {when: 'numb', reply: {text: 'no'}}\n"
                           "replies:\n  - {text: 'no'}\n  - {text: 'no'}\n"
                           "default: {text: 'stop'}\n")
    heard = [e["text"] for e in events if e["type"] == "heard"]
    assert heard[:4] == ["no", "no", "no", "stop"]  # rule, ordered, ordered, default
    assert outcome == "stopped"


def test_unknown_words_on_a_red_flag_question_never_count_as_no(tmp_path: Path) -> None:
    outcome, events = _run(tmp_path, "rules:\n  - {when: 'numb', reply: {text: 'banana'}}\n")
    heard = [e for e in events if e["type"] == "heard"]
    assert heard and all(e["intent"] is None for e in heard)
    answers = [e for e in events if e["type"] == "answer"]
    assert not any(a.get("intent") == "no" for a in answers)
    assert outcome != "exercise"


def test_the_recording_holds_prompts_and_replies(tmp_path: Path) -> None:
    wav = tmp_path / "talk.wav"
    outcome, events = _run(tmp_path, "replies:\n  - {text: 'yes'}\n", record=wav)
    samples = read_wav(wav)
    assert abs(len(samples) / 16000 - events[-1]["t"]) < 1.0  # one WAV, as long as the talk


def test_script_errors_name_file_line_and_key(tmp_path: Path) -> None:
    path = _write(tmp_path, "replies:\n  - {say: 'yes'}\n  - {silence: -3}\n"
                  "  - {audio: missing.wav}\nrules:\n  - {when: '(', reply: {text: 'no'}}\n"
                  "colour: blue\n")
    with pytest.raises(ContentError) as caught:
        load_script(path)
    text = str(caught.value)
    assert f"{path}:3: replies[1].silence: -3 is out of range" in text
    assert f"{path}:4: replies[2].audio: no such file" in text
    assert f"{path}:6: rules[0].when: bad regular expression" in text
    assert f"{path}:7: colour: unknown key" in text
    assert ":2:" not in text


def test_command_prints_one_json_object(tmp_path: Path) -> None:
    script = _write(tmp_path, "replies:\n  - {text: 'yes'}\n")
    out = tmp_path / "out.json"
    done = subprocess.run([sys.executable, "-m", "voiceskill", "simulate", str(script),
                           "--json", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text())
    assert data["outcome"] == "emergency"
    assert {"t", "type"} <= set(data["events"][0])
    bad = subprocess.run([sys.executable, "-m", "voiceskill", "simulate",
                          str(tmp_path / "nope.yaml")], capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 2 and "nope.yaml" in bad.stderr and "not found" in bad.stderr


def test_a_script_is_read_like_the_content_files(tmp_path: Path) -> None:
    # The shared reader (voiceskill/yamlread.py): a second `default` is refused, not silently
    # kept, and a bare no stays the word "no".
    path = _write(tmp_path, "replies:\n  - {say: no}\ndefault: {silence: 8}\n"
                  "default: {silence: 9}\n")
    with pytest.raises(ContentError) as caught:
        load_script(path)
    assert str(caught.value).startswith(
        f"{path}:4: default: duplicate key 'default' (first defined at line 3)")
    script = load_script(_write(tmp_path, "replies:\n  - {say: no}\n"))
    assert [(r.kind, r.value) for r in script.replies] == [("say", "no")]


@pytest.mark.parametrize(("value", "problem"), [
    (".nan", ".nan is not a finite number"),
    (".inf", ".inf is not a finite number"),
    ("1e300", "'1e300' is out of range"),
    ("ten", "'ten' is not a number"),
])
def test_a_silence_that_would_never_end_is_refused(tmp_path: Path, value: str,
                                                   problem: str) -> None:
    path = _write(tmp_path, f"replies:\n  - {{silence: {value}}}\n"
                  f"default: {{text: 'no', during: {value}}}\n")
    with pytest.raises(ContentError) as caught:
        load_script(path)
    assert str(caught.value).splitlines() == [
        f"{path}:2: replies[0].silence: {problem} (expected a number of seconds from 0 to 600)",
        f"{path}:3: default.during: {problem} (expected a number of seconds from 0 to 600)",
    ]


@pytest.mark.parametrize("option", [
    ["--silence-timeout", "nan"], ["--silence-timeout", "inf"], ["--silence-timeout", "0"],
    ["--silence-timeout", "-1"], ["--emergency-number", "abc"],
])
def test_unusable_options_are_refused_before_anything_runs(tmp_path: Path, capsys,
                                                           option: list[str]) -> None:
    from voiceskill.cli import main

    script = _write(tmp_path, "replies:\n  - {text: 'yes'}\n")
    with pytest.raises(SystemExit) as caught:
        main(["simulate", str(script), *option])
    assert caught.value.code == 2
    (line,) = [x for x in capsys.readouterr().err.splitlines() if "error:" in x]
    assert line.startswith(f"voiceskill simulate: error: argument {option[0]}: '{option[1]}' ")


def _simulate_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "voiceskill", "simulate", *args],
                          capture_output=True, text=True, timeout=120)


def test_an_unknown_start_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    script = _write(tmp_path, "start: nowhere\nreplies:\n  - {text: 'no'}\n")
    done = _simulate_cli(str(script))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        f"voiceskill simulate: {script}: unknown start 'nowhere' (expected a dialog node, an "
        "exercise id or a phase; see `voiceskill exercises`)"]


def test_rules_that_answer_their_own_prompts_for_ever_end_in_one_line(tmp_path: Path) -> None:
    """"Paused." → resume → the step → pause → "Paused." ... never ends on its own; virtual
    time makes it spin without sleeping, so the simulation gives up after a bound of it."""
    script = _write(tmp_path, "start: walk\nrules:\n  - {when: Paused, reply: {text: resume}}\n"
                              "  - {when: ., reply: {text: pause}}\n")
    out = tmp_path / "out.json"
    done = _simulate_cli(str(script), "--json", str(out))
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"voiceskill simulate: {script}: the session has not ended after 4 "
                           "simulated hours: the script's rules may be answering the prompts")
    # what happened up to then is still written, with no outcome (it wrote nothing before)
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["outcome"] is None
    heard = [e["text"] for e in written["events"] if e["type"] == "heard"]
    assert heard[:2] == ["pause", "resume"] and len(heard) > 100


def test_a_voice_that_is_not_installed_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    if not voiceskill.DEFAULT_MODEL_DIR.is_dir():
        pytest.skip(f"the speech model is not built yet ({voiceskill.DEFAULT_MODEL_DIR})")
    script = _write(tmp_path, "voice: klingon-xx\nreplies:\n  - {say: 'no'}\n")
    done = _simulate_cli(str(script))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"voiceskill simulate: {script}: voice: no text-to-speech voice "
                           "matches 'klingon-xx'")


@pytest.mark.parametrize(("said", "cuts"), [("next", True), ("skip exercise", True),
                                             ("louder", False), ("stop", True)])
def test_the_coach_s_barge_in_commands_cut_its_prompts_and_only_they(
        tmp_path: Path, said: str, cuts: bool) -> None:
    """exercises.yaml's barge_in: "next" said over a step cuts it as voice mode does; "louder"
    is no barge-in word (heard only once the coach is quiet), so the step is said to its end."""
    outcome, events = _run(tmp_path, "start: walk\nrules:\n"
                           f"  - {{when: 'get ready for a gentle', reply: {{text: '{said}', "
                           "during: 0.5}}\ndefault: {text: 'stop'}\n")
    barged = [e for e in events if e["type"] == "heard" and e.get("barge_in")]
    assert [e["text"] for e in barged] == ([said] if cuts else []), barged
    says = [e for e in events if e["type"] == "say"]
    # the set-up step's second sentence, in the same turn: unsaid after a cut
    assert any("Keep the pace easy" in e["text"] for e in says) is not cuts
    if not cuts:  # a typed word that is no barge-in is lost, and the step is said to its end
        i = next(i for i, e in enumerate(says) if "get ready for a gentle" in e["text"])
        assert says[i + 1]["t"] - says[i]["t"] > 2.0, says[i : i + 2]


def test_what_the_person_says_over_a_prompt_nobody_listens_to_is_lost(tmp_path: Path) -> None:
    """Audio the person is still saying when a prompt starts goes on over it. With nothing
    listening while the assistant speaks it is lost, as a microphone nobody reads loses it;
    only what goes on past the prompt (and its echo guard) reaches the next listen. It used to
    wait in a queue for the next listen, however many prompts later that came."""
    import numpy as np

    from voiceskill.clock import VirtualClock
    from voiceskill.simulate import Persona, SimEar, SimMouth
    from voiceskill.speech.voice import ECHO_GUARD, Synthesizer, VoiceSettings
    from voiceskill.speech.wav import TARGET_RATE

    synth = Synthesizer(VoiceSettings())
    try:
        prompt = "Get down on your hands and knees."
        seconds = len(synth.synthesize(prompt)) / TARGET_RATE
        clock = VirtualClock()
        persona = Persona(load_script(_write(tmp_path, "default: {silence: 1}\n")), synth)
        ear = SimEar(persona, None, clock, recorder=None)
        mouth = SimMouth(synth, persona, ear, clock, recorder=None)
        voice = np.full(round((seconds + 1.0) * TARGET_RATE), 1000, dtype=np.int16)
        ear.source.push(voice[: round(seconds / 2 * TARGET_RATE)])
        assert mouth.say(prompt, None) is None
        assert ear.source.seconds_left == 0
        assert clock.now() == pytest.approx(seconds, abs=1e-3)
        ear.source.push(voice)  # goes on for a second past the next prompt
        assert mouth.say(prompt, None) is None
        assert ear.source.seconds_left == pytest.approx(1.0 - ECHO_GUARD, abs=0.06)
    finally:
        synth.close()
