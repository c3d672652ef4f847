"""Context-dependent phone states: which pdf a phone's HMM state uses, given its neighbours.

A phone sounds different next to different phones ("t" in "stop" and in "start"). The model
gives a phone state its own pdf in every word-internal context the training texts say often
enough, and backs off to coarser contexts where they do not:

1. the triphone: (left phone, phone, right phone),
2. one side only: the left neighbour for the first two HMM states, the right one for the last
   (where the neighbour's influence is strongest),
3. the phone alone.

Contexts stop at word edges (the neighbour there is :data:`BOUNDARY`), so any word can be
compiled into a graph from its pronunciation alone, without knowing what comes before or after
it, and the graph needs no context transducer. Silence and the ``[unk]`` phone loop keep the
context-independent pdfs (pdfs ``0 .. ci_pdfs − 1``); the context-dependent units are numbered
after them.

The tying is written to ``am/context.txt`` (one key per line: ``phone state left right unit``,
``*`` for "any"; a line names a new unit or one of an earlier line with the same phone state),
read by the graph compiler, and decides the TransitionModel's triples.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from voiceskill.acoustic.kaldi_model import STATES_PER_PHONE as STATES
from voiceskill.acoustic.lexicon import PHONES, SILENCE

#: Neighbour at a word edge.
BOUNDARY = "#"

#: Any neighbour (a backed-off unit).
ANY = "*"

Key = tuple[str, int, str, str]
"""(phone, HMM state, left neighbour, right neighbour)."""

#: The unit silence frames are trained as, so the units' log-softmax knows silence too (the
#: graph's silence uses the context-independent pdf).
SILENCE_UNIT: Key = (SILENCE, 1, ANY, ANY)

FILE_NAME = "context.txt"


class ContextFileError(ValueError):
    """``am/context.txt`` is not in the expected format."""


def in_word(pron: Iterable[str]) -> list[tuple[str, str, str]]:
    """(left, phone, right) of each phone of one word's pronunciation."""
    phones = list(pron)
    padded = [BOUNDARY, *phones, BOUNDARY]
    return [(padded[i], phones[i], padded[i + 2]) for i in range(len(phones))]


def _one_side(state: int, left: str, right: str) -> tuple[str, str]:
    return (left, ANY) if state < STATES - 1 else (ANY, right)


@dataclass
class ContextTying:
    """Context-dependent units of a model and how a phone state in context finds its unit."""

    units: dict[Key, int] = field(default_factory=dict)
    """Unit index of every (phone, state, left, right) key that has one (``*`` = any)."""

    @property
    def num_units(self) -> int:
        """Number of context-dependent units (network outputs after the CI pdfs); several keys
        may share one (:mod:`voiceskill.acoustic.sphinx_context`: keys whose Sphinx senone is
        the same)."""
        return max(self.units.values(), default=-1) + 1

    def unit(self, phone: str, state: int, left: str, right: str) -> int:
        """The unit a phone state uses between ``left`` and ``right`` (most specific first)."""
        for key in (
            (phone, state, left, right),
            (phone, state, *_one_side(state, left, right)),
            (phone, state, ANY, ANY),
        ):
            found = self.units.get(key)
            if found is not None:
                return found
        raise KeyError(f"no context unit for phone {phone} state {state}")

    def unit_phone_states(self) -> list[tuple[int, int]]:
        """(1-based phone id, state) of each unit, in unit order."""
        result = [(0, 0)] * self.num_units
        for (phone, state, _l, _r), u in self.units.items():
            result[u] = (PHONES.index(phone) + 1, state)
        return result

    @property
    def silence_unit(self) -> int:
        """The unit silence frames are trained as."""
        return self.units[SILENCE_UNIT]

    def word_units(self, pron: Iterable[str]) -> list[list[int]]:
        """Units of every state of every phone of one word's pronunciation."""
        return [
            [self.unit(phone, s, left, right) for s in range(STATES)]
            for left, phone, right in in_word(pron)
        ]

    @classmethod
    def from_texts(cls, words: Iterable[Iterable[str]], min_count: int) -> ContextTying:
        """Tie by counts: a context gets its own unit when ``words`` (pronunciations, one per
        word said in the training data) hold it at least ``min_count`` times; the rest of its
        phone's occurrences back off to one side, then to the phone alone (always a unit)."""
        triphones: Counter[tuple[str, str, str]] = Counter()
        for pron in words:
            triphones.update(in_word(pron))
        units: dict[Key, int] = {}
        leftover: Counter[Key] = Counter()
        for (left, phone, right), count in sorted(triphones.items()):
            for s in range(STATES):
                if count >= min_count:
                    units[(phone, s, left, right)] = len(units)
                else:
                    leftover[(phone, s, *_one_side(s, left, right))] += count
        for key, count in sorted(leftover.items()):
            if count >= min_count:
                units[key] = len(units)
        for phone in PHONES:
            if phone != SILENCE:
                for s in range(STATES):
                    units[(phone, s, ANY, ANY)] = len(units)
        units[SILENCE_UNIT] = len(units)
        return cls(units)

    def write(self, path: Path) -> None:
        """Save as ``phone state left right unit`` lines, in unit order."""
        ordered = sorted(self.units.items(), key=lambda item: item[1])
        lines = [" ".join(map(str, (*key, unit))) + "\n" for key, unit in ordered]
        path.write_text("".join(lines), encoding="ascii")

    @classmethod
    def read(cls, path: Path) -> ContextTying:
        """Read a file written by :meth:`write`; a malformed line is a ContextFileError."""
        units: dict[Key, int] = {}
        owner: list[tuple[str, int]] = []
        known = {*PHONES, BOUNDARY, ANY}
        for number, line in enumerate(path.read_text(encoding="ascii").splitlines(), 1):
            parts = line.split()
            try:
                phone, state, left, right, unit = parts
                key = (phone, int(state), left, right)
                index = int(unit)
            except ValueError:
                raise ContextFileError(
                    f"{path}:{number}: expected 'phone state left right unit', got {line!r}"
                ) from None
            if index == len(owner):
                owner.append((phone, key[1]))
            if (not {phone, left, right} <= known or not 0 <= key[1] < STATES
                    or not 0 <= index < len(owner) or owner[index] != (phone, key[1])):
                raise ContextFileError(f"{path}:{number}: not a context unit: {line!r}")
            units[key] = index
        tying = cls(units)
        missing = [(p, s) for p in PHONES if p != SILENCE for s in range(STATES)
                   if (p, s, ANY, ANY) not in units]
        if missing:
            raise ContextFileError(f"{path}: no fallback unit for phone {missing[0][0]}")
        if SILENCE_UNIT not in units:
            raise ContextFileError(f"{path}: no silence unit ({' '.join(map(str, SILENCE_UNIT))})")
        return tying


def read_tying(am_dir: Path) -> ContextTying | None:
    """The model's context tying, or None for a context-independent model."""
    path = am_dir / FILE_NAME
    return ContextTying.read(path) if path.is_file() else None
