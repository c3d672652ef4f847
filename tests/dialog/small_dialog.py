"""A tiny screening dialog built in Python, for engine and safety tests that must not depend
on the shipped content."""

from __future__ import annotations

from voiceskill.dialog.model import Answer, Dialog, Intent, Node, Outcome

S = "test"


def small_dialog(**node_overrides: dict) -> Dialog:
    """welcome → saddle (emergency) → fever (urgent) → tingling (see-clinician) → when → go?"""
    nodes = {
        "welcome": Node("welcome", "Not a diagnosis. Call {emergency_number} if in doubt.", S,
                        next="saddle"),
        "saddle": Node("saddle", "Numbness in the saddle area?", S, tier="emergency",
                       answers=(Answer("yes", "emergency"), Answer("no", "fever")),
                       reprompts=("Saddle numbness, yes or no?", "Numb saddle? Yes or no.")),
        "fever": Node("fever", "Fever with the pain?", S, tier="urgent",
                      answers=(Answer("yes", "urgent"), Answer("no", "tingling"))),
        "tingling": Node("tingling", "Tingling in a leg?", S, tier="see-clinician",
                         answers=(Answer("yes", "see-clinician"), Answer("no", "when"))),
        "when": Node("when", "When did it pop? Today or earlier?", S,
                     answers=(Answer("today", "go", ("today",), (("phase", "first-72-hours"),)),
                              Answer("earlier", "go", ("earlier",), (("phase", "days-4-7"),))),
                     if_unsure="advice"),
        "go": Node("go", "Start the exercises?", S,
                   answers=(Answer("yes", "exercise"), Answer("no", "advice")),
                   if_unsure="advice"),
    }
    for node_id, changes in node_overrides.items():
        from dataclasses import replace

        nodes[node_id] = replace(nodes[node_id], **changes)
    outcomes = {
        name: Outcome(name, (f"Outcome {name}. Number {{emergency_number}}.",), S)
        for name in ("emergency", "urgent", "see-clinician", "exercise", "advice", "stopped",
                     "no-response")
    }
    intents = {
        "yes": Intent("yes", ("yes", "yeah")),
        "no": Intent("no", ("no", "nope"), threshold=0.7),
        "unsure": Intent("unsure", ("i don't know", "not sure")),
        "repeat": Intent("repeat", ("repeat", "what")),
        "help": Intent("help", ("help",)),
        "stop": Intent("stop", ("stop", "quit")),
        "back": Intent("back", ("go back",)),
        "wait": Intent("wait", ("wait", "hold on")),
    }
    messages = {"help": "Say yes or no.", "not_understood": "Sorry, I did not catch that.",
                "silence": "Are you still there?", "unsure": "That is all right.",
                "back": "Back to the question before.", "wait": "Take your time."}
    return Dialog("welcome", nodes, outcomes, intents, messages)
