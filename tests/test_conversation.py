"""The shipped conversation end to end on typed answers: screening, the coach, and the way
back from the coach to the red-flag questions when an exercise hurts."""

from __future__ import annotations

import voiceskill
from voiceskill.conversation import build_conversation
from voiceskill.events import End, Say

from .dialog.test_flags import NO_RED_FLAGS, content_dir, converse, said


def test_pain_during_an_exercise_never_leads_back_to_the_exercises() -> None:
    """'It hurts', the pain is severe, every warning sign a "no" again: the session ends with
    care advice instead of asking when the back popped and offering the exercises again."""
    engine = build_conversation(voiceskill.DIALOGS_DIR)
    actions = converse(engine, [*NO_RED_FLAGS, "two weeks ago", "yes",  # the coach starts
                                "it hurts", "yes", *NO_RED_FLAGS])
    keys = [a.key for a in actions if isinstance(a, Say)]
    assert keys.count("question:time-since-pop") == 1
    assert keys.count("question:saddle-numbness") == 2  # every warning sign asked again
    assert keys.count("question:start-exercises") == 1
    assert "Because the exercise brought on pain, we will not do any more exercises today." \
        in said(actions)
    assert [a.outcome for a in actions if isinstance(a, End)] == ["advice"]


def test_when_the_pop_was_this_week_the_days_are_asked() -> None:
    """'This week' can be two days ago or six: the phase comes from a number of days."""
    engine = build_conversation(voiceskill.DIALOGS_DIR)
    for days, phase_key in (("two", "statement:care-first-72-hours"),
                            ("five", "statement:care-days-4-7"),
                            ("ten", "statement:care-later")):
        actions = converse(engine, [*NO_RED_FLAGS, "this week", days])
        keys = [a.key for a in actions if isinstance(a, Say)]
        assert "question:days-since-pop" in keys and phase_key in keys, (days, keys)


def test_a_question_asked_again_must_not_lead_to_the_exercises(tmp_path) -> None:
    from voiceskill.dialog.content import check_content

    directory = content_dir(tmp_path, lambda t: t.replace(
        "if_asked_before: exercise-hurt", "if_asked_before: start-exercises"))
    problems = [str(p) for p in check_content(directory, None).problems]
    assert any("time-since-pop.if_asked_before: 'start-exercises' can lead to exercise" in p
               for p in problems), problems
    assert any("exercise-hurt: unreachable" in p for p in problems), problems  # left over


def test_the_two_week_deadline_is_said_only_to_shooting_leg_pain() -> None:
    """The see-clinician ending is shared; the deadline for a doctor belongs to one answer."""
    engine = build_conversation(voiceskill.DIALOGS_DIR)
    deadlines = {}
    for k in range(len(NO_RED_FLAGS) + 1):
        actions = converse(engine, [*NO_RED_FLAGS[:k], "yes"])
        if [a.outcome for a in actions if isinstance(a, End)] != ["see-clinician"]:
            continue
        question = [a.key for a in actions if isinstance(a, Say)
                    and a.key.startswith("question:")][-1].removeprefix("question:")
        deadlines[question] = "within the next two weeks" in said(actions)
    assert len(deadlines) >= 5, deadlines
    assert deadlines == {q: q == "shooting-leg-pain" for q in deadlines}
