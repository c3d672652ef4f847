"""A warning sign reported in the person's own words at a question of the screening ("my leg
is numb" when asked when the back popped) is heard as the coach hears it during the exercises
(exercises.yaml's ``nerve:`` and ``signs:``): past or outside the red-flag questions they are
asked again with the report answering its own (``counts_as``), so the session ends in care
today or the emergency, never in advice or the exercises; at a red-flag question the report
answers its question at once when it is that one or one already answered, else it waits for it.

Before (review finding 4), such a report was "not understood" there, asked again twice, and
the session went on to advice or the exercises.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import voiceskill
from tests.dialog.test_flags import NO_RED_FLAGS, converse, said
from tests.test_run_text import run_text
from voiceskill.conversation import build_conversation
from voiceskill.dialog.engine import MAX_REPEATS
from voiceskill.events import Action, End, Heard, Listen, Record, Say, Started

LEG = "leg-symptoms-since-pop"
LEG_LINE = "You told me a leg felt numb, tingly or weak."
AGAIN = "I will ask the warning-sign questions again."

#: Answers that lead to each question outside the red-flag questions.
TO_THE_QUESTION = {
    "time-since-pop": NO_RED_FLAGS,
    "days-since-pop": [*NO_RED_FLAGS, "last week"],
    "start-exercises": [*NO_RED_FLAGS, "two weeks ago", "yes"],  # "yes": read back
}


def outcomes(actions: list[Action]) -> list[str]:
    return [a.outcome for a in actions if isinstance(a, End)]


def keys(actions: list[Action]) -> list[str]:
    return [a.key for a in actions if isinstance(a, Say)]


def talk(answers: list[str], start: str | None = None) -> list[Action]:
    return converse(build_conversation(voiceskill.DIALOGS_DIR), answers, start=start)


@pytest.mark.parametrize("report", ["my leg is numb", "my left leg feels weak",
                                    "no, but my foot is tingling", "yes my leg is numb"])
@pytest.mark.parametrize("question", TO_THE_QUESTION)
def test_a_numb_leg_after_the_screening_ends_in_care_today(question: str, report: str) -> None:
    before = TO_THE_QUESTION[question]
    actions = talk([*before, report, *["no"] * 30])
    assert outcomes(actions) == ["urgent"]
    asked = keys(actions)
    at = asked.index(f"question:{question}")
    after = asked[at + 1:]
    assert after[:2] == [f"report:{question}", "statement:red-flags"]
    assert AGAIN in said(actions)
    assert "question:saddle-numbness" in after and "question:emergency-check" in after
    assert f"question:{LEG}" not in after and f"reported:{LEG}" in after
    (report_record,) = [a for a in actions if isinstance(a, Record) and a.type == "report"]
    assert report_record.data == {"node": question, "sign": "nerve", "text": report}


@pytest.mark.parametrize(("report", "question"), [
    ("I just wet myself", "bladder-control"),
    ("my knee gave way", "leg-weakness-severe"),
    ("there is numbness in my groin", "saddle-numbness"),
])
def test_an_emergency_sign_after_the_screening_ends_in_the_emergency(
        report: str, question: str) -> None:
    actions = talk([*NO_RED_FLAGS, report, *["no"] * 30])
    assert outcomes(actions) == ["emergency"]
    assert f"reported:{question}" in keys(actions)


def test_in_a_session_started_at_the_question_too() -> None:
    actions = talk(["my leg is numb", *["no"] * 30], start="time-since-pop")
    assert outcomes(actions) == ["urgent"]
    assert AGAIN not in said(actions)
    assert "Now, a few questions about warning signs." in said(actions)


def test_a_fall_then_no_to_everything_never_reaches_the_exercises() -> None:
    """A fall answers no question (as during the exercises): the questions are asked again,
    and with every answer "no" the session ends in advice, saying why, never the exercises."""
    for start, before in ((None, NO_RED_FLAGS), ("time-since-pop", [])):
        actions = talk([*before, "I fell", *["no"] * 30, "two weeks ago", "yes"], start=start)
        assert outcomes(actions) == ["advice"]
        assert "Because of what you told me, I will not guide exercises today." in said(actions)
        assert "exercise" not in outcomes(actions)


def test_go_back_cannot_lead_past_the_questions_after_a_report() -> None:
    actions = talk([*NO_RED_FLAGS, "my leg is numb", "go back", *["no"] * 30])
    assert outcomes(actions) == ["urgent"]
    assert "back:swelling-bruising" not in keys(actions)


# ------------------------------------------------------------------ at a red-flag question

def test_a_numb_leg_at_the_bowel_question_answers_the_leg_question() -> None:
    """The report waits for its question: this one is asked again, and the leg question comes
    out "yes" when reached, whatever is answered meanwhile."""
    actions = talk(["no", "no", "no", "my leg is numb", *["no"] * 30])
    assert outcomes(actions) == ["urgent"]
    asked = keys(actions)
    at = asked.index("question:bowel-control")
    assert asked[at + 1:at + 4] == [f"reported:{LEG}", "report:bowel-control",
                                    "question:bowel-control"]
    assert f"question:{LEG}" not in asked
    answers = [a.data for a in actions if isinstance(a, Record) and a.type == "answer"]
    assert answers[-1] == {"node": LEG, "intent": "yes", "text": "", "reported": True}


def test_a_report_that_answers_this_question_is_its_answer() -> None:
    actions = talk(["no", "I have wet myself"])
    assert outcomes(actions) == ["emergency"]
    assert "reported:bladder-control" in keys(actions)
    actions = talk(["no"] * 13 + ["my leg is numb"])
    assert outcomes(actions) == ["urgent"]


def test_a_report_that_answers_a_question_already_answered_overrides_its_no() -> None:
    actions = talk(["no", "no", "no", "my legs gave way"])
    assert outcomes(actions) == ["emergency"]
    assert keys(actions)[-4] == "reported:leg-weakness-severe"


@pytest.mark.parametrize(("answers", "denial"), [
    ([], "no numbness"),
    (["no"], "no I haven't lost control of my bladder"),
    (["no"] * 9, "no numbness and my legs are not weak"),
    (["no"] * 13, "no tingling"),
])
def test_a_denial_in_the_questions_own_words_is_no_report(answers, denial) -> None:
    """Said to a red-flag question, words that deny are not taken as a report (they may
    repeat the question's words): not understood, as before, never a "no" either."""
    actions = talk([*answers, denial])
    assert not [a for a in actions if isinstance(a, Record) and a.type == "report"]
    assert keys(actions)[-1].startswith("reprompt:")


def test_a_report_said_again_and_again_cannot_hold_a_question() -> None:
    actions = talk(["no", "no", "no", *["I fell"] * (MAX_REPEATS + 3)])
    assert outcomes(actions) == ["emergency"]  # bowel-control's cautious branch


def test_voice_mode_intents_of_the_coach_phrases_are_reports() -> None:
    """In voice mode the recognizer returns the phrase with its intent (``nerve``,
    ``sign:<id>``), as the coach's grammar names them."""
    engine = build_conversation(voiceskill.DIALOGS_DIR)
    state, actions = engine.step(engine.initial_state(), Started("time-since-pop"), 0.0)
    assert isinstance(actions[-1], Listen)
    state, actions = engine.step(state, Heard("my leg is numb", "nerve", 0.9), 1.0)
    assert "statement:red-flags" in keys(actions)
    assert state.screening.reported[0][0] == LEG


# ------------------------------------------------------------------ run --text end to end

def test_run_text_reviewers_reproduction(tmp_path: Path) -> None:
    stdout, events = run_text([*NO_RED_FLAGS, "my leg is numb", *NO_RED_FLAGS], tmp_path)
    assert "[outcome: urgent]" in stdout
    assert LEG_LINE in stdout and "What you just told me can be a warning sign." in stdout
    assert [e for e in events if e["type"] == "report"][0]["node"] == "time-since-pop"


def test_run_text_started_at_days_since_pop(tmp_path: Path) -> None:
    stdout, _ = run_text(["my leg is numb", *NO_RED_FLAGS], tmp_path, "--start",
                         "days-since-pop")
    assert "[outcome: urgent]" in stdout


# ------------------------------------------------------------------ voice mode's listens

RED_FLAG_QUESTIONS = [n.id for n in build_conversation(voiceskill.DIALOGS_DIR)
                      .screening.dialog.nodes.values() if n.tier]


def last_listen(actions: list[Action]) -> Listen:
    return next(a for a in reversed(actions) if isinstance(a, Listen))


def test_the_questions_outside_the_red_flag_ones_listen_for_the_coach_report_phrases() -> None:
    """Voice mode hears "my leg is numb", "pins and needles", "my legs gave way" (the coach's
    nerve command and signs' phrases, with their intents) at every question outside the
    red-flag questions, whatever turn the question is in (asked, repeated, after help or a
    wait, asked again after a word not understood); never at a red-flag question."""
    conversation = build_conversation(voiceskill.DIALOGS_DIR)
    book = conversation.coach.book
    wanted = {(p, "nerve") for p in book.commands["nerve"]}
    wanted |= {(p, f"sign:{r.id}") for r in book.signs.reports for p in r.phrases}
    assert ("my leg is numb", "nerve") in wanted and ("my legs gave way",
                                                     "sign:legs-give-way") in wanted
    for question, before in TO_THE_QUESTION.items():
        for then in ([], ["repeat"], ["help"], ["wait"], ["banana"]):
            listen = last_listen(talk([*before, *then]))
            assert wanted <= {(c.phrase, c.intent) for c in listen.choices}, (question, then)
    for count in range(len(RED_FLAG_QUESTIONS)):
        for then in ([], ["repeat"], ["banana"]):
            listen = last_listen(talk([*["no"] * count, *then]))
            assert not wanted & {(c.phrase, c.intent) for c in listen.choices}, (count, then)


@pytest.mark.parametrize("question", TO_THE_QUESTION)
def test_a_report_heard_in_voice_mode_at_the_question_is_a_report(question: str) -> None:
    engine = build_conversation(voiceskill.DIALOGS_DIR)
    state, actions = engine.step(engine.initial_state(), Started(question), 0.0)
    state, actions = engine.step(state, Heard("pins and needles", "nerve", 0.9), 1.0)
    assert "statement:red-flags" in keys(actions)
    state, actions = engine.step(engine.initial_state(), Started(question), 0.0)
    state, actions = engine.step(state, Heard("my legs gave way", "sign:legs-give-way", 1.0),
                                 1.0)
    assert state.screening.reported[0][0] == "leg-weakness-severe"


# ------------------------------------------------------------------ a fall at the fall question

#: Answers that lead to "Did this back pain begin after a fall, a car accident, or another
#: hard blow?" (the nine emergency questions, the read-back, fever).
TO_THE_FALL_QUESTION = ["no"] * 11
AFTER_A_FALL = ("After a fall or an accident, the best place to be checked is an emergency "
                "department.")


@pytest.mark.parametrize("text", ["I fell", "I had a fall", "I slipped", "yes I fell over",
                                  "I fell down the stairs", "I tripped"])
def test_a_fall_at_the_fall_question_is_its_yes(text: str) -> None:
    """Said there, a fall is what the question asks about: its yes (care today, with the
    answer's line), not "What you just told me can be a warning sign" and the question again."""
    actions = talk([*TO_THE_FALL_QUESTION, text])
    assert keys(actions).count("question:pain-after-accident") == 1  # not asked again
    assert outcomes(actions) == ["urgent"]
    assert AFTER_A_FALL in said(actions)
    assert "report:pain-after-accident" not in keys(actions)
    answer = [a.data for a in actions if isinstance(a, Record) and a.type == "answer"][-1]
    assert answer == {"node": "pain-after-accident", "intent": "yes", "text": text}


def test_a_denied_fall_or_sleep_at_the_fall_question_is_no_yes() -> None:
    for text in ("I didn't fall", "no I never fell", "I fell asleep"):
        actions = talk([*TO_THE_FALL_QUESTION, text])
        assert not outcomes(actions), text
        assert keys(actions)[-1] == "reprompt:pain-after-accident", text


def test_a_fall_with_an_emergency_sign_already_denied_is_the_emergency() -> None:
    """A fall with legs that gave way: the leg question, answered "no" before, gives way
    first (the earlier, graver question), as for any report."""
    actions = talk([*TO_THE_FALL_QUESTION, "I fell, my legs gave way"])
    assert outcomes(actions) == ["emergency"]


def test_a_fall_elsewhere_still_answers_no_question() -> None:
    actions = talk(["no", "no", "no", "I fell", *["no"] * 30])
    assert "question:pain-after-accident" in keys(actions)


def test_check_refuses_an_unknown_sign_in_reports(tmp_path: Path) -> None:
    import shutil

    from voiceskill.dialog.content import check_content

    for name in ("triage.yaml", "intents.yaml", "exercises.yaml", "outcomes.yaml"):
        if (voiceskill.DIALOGS_DIR / name).exists():
            shutil.copy(voiceskill.DIALOGS_DIR / name, tmp_path / name)
    triage = tmp_path / "triage.yaml"
    triage.write_text(triage.read_text().replace("reports: [fall]", "reports: [falling]"))
    report = check_content(tmp_path, None)
    problems = [str(p) for p in report.problems]
    assert any("'falling' is not a warning sign" in p and "reports" in p for p in problems), \
        problems


def test_run_text_a_fall_at_the_fall_question(tmp_path: Path) -> None:
    stdout, events = run_text([*TO_THE_FALL_QUESTION, "I had a fall"], tmp_path)
    flat = " ".join(stdout.split())  # the terminal's lines are wrapped
    assert "[outcome: urgent]" in flat and AFTER_A_FALL in flat
    assert "What you just told me can be a warning sign." not in flat


@pytest.mark.parametrize("report, outcome, leg", [
    ("I can't feel my leg", "urgent", True),   # nerve.everyday, read as the coach reads it
    ("my leg went dead", "urgent", True),
    ("my crotch is numb", "emergency", False),  # the saddle sign, never also a leg
])
def test_the_screening_reads_reports_as_the_coach_does(report: str, outcome: str,
                                                       leg: bool) -> None:
    """The screening and the coach share one reading of a report (ExerciseBook.report_of):
    the screening had its own, which knew only nerve.words, so "I can't feel my leg" was not
    understood at a question and "my crotch is numb" also answered the leg question."""
    actions = talk([*TO_THE_QUESTION["time-since-pop"], report, *["no"] * 30])
    assert outcomes(actions) == [outcome]
    assert (LEG_LINE in said(actions)) is leg
