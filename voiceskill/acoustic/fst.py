"""A minimal OpenFst VectorFst (tropical weights) written in OpenFst's binary format.

Written here rather than with the kaldifst package: kaldifst and vosk both carry OpenFst, and
loading both into one process hangs (kaldifst first) or corrupts the heap (vosk first) —
and the voice coach, its tests and `voiceskill check` all need vosk.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

FST_MAGIC = 2125659606  # OpenFst binary header
_VERSION = 2
# OpenFst property bits we can vouch for; everything else is left "unknown" for OpenFst to test.
_EXPANDED, _MUTABLE = 0x1, 0x2
_ILABEL_SORTED, _OLABEL_SORTED = 0x10000000, 0x40000000


@dataclass
class VectorFst:
    """States 0..n-1, each with a final cost (None = not final) and arcs."""

    start: int = 0
    """Start state."""
    finals: list[float | None] = field(default_factory=list)
    """Final cost per state, None when the state is not final."""
    arcs: list[list[tuple[int, int, float, int]]] = field(default_factory=list)
    """Per state: (ilabel, olabel, cost, next state)."""
    sorted_on: str = ""
    """'ilabel', 'olabel' or '' — set by :meth:`sort`."""

    def add_state(self) -> int:
        self.finals.append(None)
        self.arcs.append([])
        return len(self.finals) - 1

    def add_arc(self, src: int, ilabel: int, olabel: int, cost: float, dst: int) -> None:
        self.arcs[src].append((ilabel, olabel, float(cost), dst))
        self.sorted_on = ""

    def set_final(self, state: int, cost: float = 0.0) -> None:
        self.finals[state] = float(cost)

    def sort(self, on: str) -> None:
        """Sort every state's arcs on 'ilabel' or 'olabel' (OpenFst's arcsort)."""
        key = (lambda a: (a[0], a[1])) if on == "ilabel" else (lambda a: (a[1], a[0]))
        for arcs in self.arcs:
            arcs.sort(key=key)
        self.sorted_on = on

    def to_bytes(self) -> bytes:
        props = _EXPANDED | _MUTABLE
        if self.sorted_on == "ilabel":
            props |= _ILABEL_SORTED
        elif self.sorted_on == "olabel":
            props |= _OLABEL_SORTED
        out = [struct.pack("<i", FST_MAGIC)]
        for text in (b"vector", b"standard"):
            out.append(struct.pack("<i", len(text)) + text)
        num_arcs = sum(len(a) for a in self.arcs)
        out.append(
            struct.pack("<iiQqqq", _VERSION, 0, props, self.start, len(self.finals), num_arcs)
        )
        infinity = float("inf")
        for final, arcs in zip(self.finals, self.arcs, strict=True):
            out.append(struct.pack("<fq", infinity if final is None else final, len(arcs)))
            out += [struct.pack("<iifi", i, o, w, d) for i, o, w, d in arcs]
        return b"".join(out)

    def write(self, path: str | Path) -> None:
        Path(path).write_bytes(self.to_bytes())
