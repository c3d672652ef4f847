"""Draw the screening dialog with Graphviz, for a clinician to review the whole flow at a glance.

Statements are notes, questions rounded boxes coloured by tier, outcomes double octagons
coloured by severity; answers label the arrows. Red-flag questions sit in one box per tier,
with that tier's outcome beside them.
"""

from __future__ import annotations

import textwrap

import graphviz

from voiceskill.dialog.engine import DEFAULT_CAUTIOUS, MAX_REASKS
from voiceskill.dialog.model import TIERS, Dialog, Node

#: Fill colours: red flags by tier, then the other kinds of item.
COLOURS = {
    "emergency": "#f4a6a6",
    "urgent": "#f9c98f",
    "see-clinician": "#f6e58d",
    "question": "#cfe3f7",
    "statement": "#eeeeee",
    "exercise": "#b8e0b0",
    "advice": "#d9f0d3",
    "stopped": "#dddddd",
    "no-response": "#dddddd",
}

#: Titles of the tier boxes.
TIER_TITLES = {
    "emergency": "Tier 1: emergency signs (call the emergency number now)",
    "urgent": "Tier 2: urgent signs (medical care today)",
    "see-clinician": "Tier 3: see a clinician before floor exercises",
}

#: Output formats `graph` can write (by file suffix).
FORMATS = ("svg", "png", "pdf", "dot")

_WIDTH = 38  # characters per label line


def dialog_graph(dialog: Dialog, title: str = "") -> graphviz.Digraph:
    """The dialog as a Graphviz graph (not yet laid out)."""
    graph = graphviz.Digraph("screening", graph_attr={
        "rankdir": "TB", "fontname": "Helvetica", "fontsize": "20", "labelloc": "t",
        "label": title, "nodesep": "0.35", "ranksep": "0.45", "newrank": "true",
    })
    graph.attr("node", fontname="Helvetica", fontsize="11", style="filled", margin="0.15,0.08")
    graph.attr("edge", fontname="Helvetica", fontsize="10")
    by_tier = {tier: [n for n in dialog.nodes.values() if n.tier == tier] for tier in TIERS}
    for tier, nodes in by_tier.items():
        if not nodes:
            continue
        with graph.subgraph(name=f"cluster_{tier}") as box:
            box.attr(label=TIER_TITLES[tier], style="rounded,filled", fillcolor="#fafafa",
                     color=COLOURS[tier], penwidth="2", fontsize="14", labeljust="l")
            for node in nodes:
                _add_node(box, node, dialog)
            if tier in dialog.outcomes:
                _add_outcome(box, tier, dialog)
    for node in dialog.nodes.values():
        if node.tier is None:
            _add_node(graph, node, dialog)
    for name in dialog.outcomes:
        if name not in TIERS or not by_tier[name]:
            _add_outcome(graph, name, dialog)
    for node in dialog.nodes.values():
        _add_edges(graph, node, dialog)
    _add_anytime(graph, dialog)
    return graph


def _add_node(graph: graphviz.Digraph, node: Node, dialog: Dialog) -> None:
    text = _wrap(node.text)
    if node.text_if_screened is not None:
        text += f"\n\n(once every red flag was a no:)\n{_wrap(node.text_if_screened)}"
    if node.id == "red-flags":
        text += "\n\n(the exercise coach comes back here\nif pain gets severe or spreads)"
    label = f"{text}\n[{node.id}]"
    if node.is_question:
        graph.node(node.id, label, shape="box", style="rounded,filled",
                   fillcolor=COLOURS[node.tier or "question"])
    else:
        graph.node(node.id, label, shape="note", fillcolor=COLOURS["statement"])


def _add_outcome(graph: graphviz.Digraph, name: str, dialog: Dialog) -> None:
    first = dialog.outcomes[name].say[0]
    label = f"OUTCOME: {name.upper()}\n{_wrap(first, 30)}"
    graph.node(f"outcome__{name}", label, shape="doubleoctagon", penwidth="2",
               fillcolor=COLOURS.get(name, "#ffffff"), fontsize="12")


def _target(name: str, dialog: Dialog) -> str:
    return name if name in dialog.nodes else f"outcome__{name}"


def _add_edges(graph: graphviz.Digraph, node: Node, dialog: Dialog) -> None:
    if node.next is not None:
        graph.edge(node.id, _target(node.next, dialog))
        return
    unsure = node.if_unsure or node.tier or DEFAULT_CAUTIOUS
    labels: dict[str, list[str]] = {}
    for answer in node.answers:
        label = answer.intent
        if answer.phrases:
            shown = ", ".join(answer.phrases[:3]) + (", ..." if len(answer.phrases) > 3 else "")
            label = f"{answer.intent}:\n{_wrap(shown, 24)}"
        labels.setdefault(answer.target, []).append(label)
    if unsure in labels:
        labels[unsure].append("not sure")
    for target, texts in labels.items():
        weight = "1" if target in TIERS else "4"
        graph.edge(node.id, _target(target, dialog), label=" " + " / ".join(texts) + " ",
                   penwidth="2" if "yes" in texts else "1", weight=weight)
    if unsure not in labels:
        graph.edge(node.id, _target(unsure, dialog), style="dashed", color="#777777",
                   label=" not sure ", weight="0")
    if node.if_asked_before is not None:
        graph.edge(node.id, _target(node.if_asked_before, dialog), style="dotted",
                   label=" asked before (back from the coach) ", weight="0")
    if node.if_reported is not None:
        graph.edge(node.id, _target(node.if_reported, dialog), style="dotted",
                   label=" a warning sign reported ", weight="0")


def _add_anytime(graph: graphviz.Digraph, dialog: Dialog) -> None:
    """What any question accepts besides its answers."""
    graph.node("anytime", "At any question:\n'repeat' says it again, 'help' explains.\n"
               f"'not sure', unclear or no answer: asked again\n(rephrased, at most {MAX_REASKS} "
               "times),\nthen the 'not sure' arrow is taken.",
               shape="box", style="dashed", fillcolor="#ffffff")
    if "stopped" in dialog.outcomes:
        graph.edge("anytime", "outcome__stopped", label=" 'stop' / 'quit' ")
    if "no-response" in dialog.outcomes:
        graph.edge("anytime", "outcome__no-response", label=" silence every time ")


def _wrap(text: str, width: int = _WIDTH) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text
