"""`voiceskill graph`: the real Graphviz `dot` draws every node, answer and outcome."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import voiceskill
from voiceskill.cli import main
from voiceskill.dialog.graph import COLOURS
from voiceskill.dialog.load import load_dialog

SVG = "{http://www.w3.org/2000/svg}"
BROKEN = Path(__file__).parent / "broken"


@pytest.fixture(scope="module")
def svg(tmp_path_factory) -> ET.Element:
    out = tmp_path_factory.mktemp("graph") / "dialog.svg"
    assert main(["graph", str(voiceskill.DIALOGS_DIR), "-o", str(out)]) == 0
    return ET.parse(out).getroot()


def _titles(svg: ET.Element, kind: str) -> list[str]:
    return [g.find(f"{SVG}title").text for g in svg.iter(f"{SVG}g") if g.get("class") == kind]


def _node_fill(svg: ET.Element, name: str) -> str:
    group = next(g for g in svg.iter(f"{SVG}g")
                 if g.get("class") == "node" and g.find(f"{SVG}title").text == name)
    shape = next(e for e in group if e.tag in (f"{SVG}path", f"{SVG}polygon", f"{SVG}ellipse"))
    return shape.get("fill")


def test_every_node_and_outcome_is_drawn(svg):
    dialog = load_dialog(voiceskill.DIALOGS_DIR)
    drawn = set(_titles(svg, "node"))
    assert set(dialog.nodes) <= drawn
    assert {f"outcome__{name}" for name in dialog.outcomes} <= drawn
    text = " ".join(t.text or "" for t in svg.iter(f"{SVG}text"))
    for name in dialog.outcomes:
        assert f"OUTCOME: {name.upper()}" in text
    assert "(once every red flag was a no:)" in text  # red-flags' say_if_screened, for review


def test_every_answer_is_an_arrow_to_its_target(svg):
    dialog = load_dialog(voiceskill.DIALOGS_DIR)
    edges = set(_titles(svg, "edge"))
    for node in dialog.nodes.values():
        for target in [a.target for a in node.answers] + [node.next, node.if_unsure]:
            if target is not None:
                drawn = target if target in dialog.nodes else f"outcome__{target}"
                assert f"{node.id}->{drawn}" in edges


def test_tiers_are_boxed_and_coloured(svg):
    clusters = _titles(svg, "cluster")
    assert clusters == ["cluster_emergency", "cluster_urgent", "cluster_see-clinician"]
    assert _node_fill(svg, "saddle-numbness") == COLOURS["emergency"]
    assert _node_fill(svg, "fever-back-pain") == COLOURS["urgent"]
    assert _node_fill(svg, "foot-drop") == COLOURS["urgent"]
    assert _node_fill(svg, "night-pain") == COLOURS["see-clinician"]
    assert _node_fill(svg, "time-since-pop") == COLOURS["question"]


def test_png_is_written(tmp_path, capsys):
    out = tmp_path / "dialog.png"
    assert main(["graph", "-o", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert capsys.readouterr().out.startswith(f"wrote {out}")


def test_dot_source_needs_no_graphviz_program(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` reachable
    out = tmp_path / "dialog.dot"
    assert main(["graph", "-o", str(out)]) == 0
    assert out.read_text().startswith("digraph screening {")


def test_missing_dot_program_is_one_clear_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # the real lookup fails: nothing on PATH
    assert main(["graph", "-o", str(tmp_path / "dialog.svg")]) == 3
    err = capsys.readouterr().err
    assert "'dot' program is not installed" in err and "apt-get install graphviz" in err
    assert not (tmp_path / "dialog.svg").exists()


def test_unknown_format_is_refused(tmp_path, capsys):
    assert main(["graph", "-o", str(tmp_path / "dialog.jpeg")]) == 2
    assert "unknown picture format '.jpeg'" in capsys.readouterr().err


def test_broken_dialog_is_not_drawn(tmp_path, capsys):
    for part in ("triage", "outcomes", "intents"):
        (tmp_path / f"{part}.yaml").write_text((BROKEN / "base" / f"{part}.yaml").read_text())
    (tmp_path / "triage.yaml").write_text((BROKEN / "unknown-start.triage.yaml").read_text())
    assert main(["graph", str(tmp_path), "-o", str(tmp_path / "dialog.svg")]) == 1
    assert "start: unknown node 'hello'" in capsys.readouterr().err
    assert not (tmp_path / "dialog.svg").exists()
