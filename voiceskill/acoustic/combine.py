"""Average the synthetic networks of several models into one (``voiceskill model combine``).

Models written with the real-speech half (:mod:`voiceskill.acoustic.sphinx_net`) hold one or
more synthetic networks, each a branch ``synth.``, ``synth2.``, … ending in a ``mix`` layer that
weighs its log-likelihoods. Networks from different builds make different chance errors; a
model that adds their average hears real people better than either
(models/voiceskill-en/EXPERIMENTS.md, session 14).
The combined model keeps the first model's graph, configuration, real-speech half and
synthetic weight, and gives each network an equal share of that weight.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from voiceskill.acoustic.sphinx_net import synthetic_prefix

#: Files that must be the same in every model combined (the graph and the features).
SAME_FILES = ("graph/HCLr.fst", "graph/Gr.fst", "graph/words.txt", "conf/mfcc.conf",
              "am/global_cmvn.stats")
_BRANCH = re.compile(r"name=(synth\d*\.)")
_NUMBER = re.compile(r"-?\d+(?:\.\d*)?(?:e[-+]?\d+)?")


class CombineError(ValueError):
    """Models that cannot be combined; the message says which file and why."""


@dataclass
class TextNnet:
    """The parts of a final.mdl that combining touches."""

    head: str
    """Everything before the network's config lines (the TransitionModel and ``<Nnet3>``)."""
    config: list[str]
    """The network's config lines."""
    components: list[str]
    """Each component's text, from its ``<ComponentName>``."""
    tail: str
    """``</Nnet3>`` and what follows (contexts, priors)."""


def read_nnet(path: Path) -> TextNnet:
    """The parts of the text model ``path`` (a CombineError if it is not one)."""
    text = path.read_text(encoding="ascii")
    try:
        start = text.index("<Nnet3> \n") + len("<Nnet3> \n")
        config, rest = text[start:].split("\n\n<NumComponents>", 1)
        end = rest.index("</Nnet3>")
    except ValueError:
        raise CombineError(f"{path}: not a Kaldi text nnet3 model") from None
    body = rest[rest.index("<ComponentName>") : end]
    components = ["<ComponentName>" + c for c in body.split("<ComponentName>")[1:]]
    return TextNnet(text[:start], config.split("\n"), components, rest[end:])


def _branch_of(line: str) -> str | None:
    """The synthetic network (prefix) a config line belongs to, if any."""
    match = _BRANCH.search(line)
    return match.group(1) if match else None


def synthetic_branches(nnet: TextNnet, path: Path) -> list[str]:
    """Prefixes of the synthetic networks in ``nnet`` (read from ``path``), in order; a
    CombineError if there are none or the model has context units."""
    if any("name=total.cd" in line or "name=senones" in line for line in nnet.config):
        raise CombineError(f"{path}: models with context units cannot be combined (combine "
                           "models without it, then run `voiceskill model context`)")
    found: list[str] = []
    for line in nnet.config:
        branch = _branch_of(line)
        if branch and branch not in found:
            found.append(branch)
    if not found:
        raise CombineError(f"{path}: has no synthetic network (synth.mix)")
    return found


def _component(nnet: TextNnet, name: str) -> str:
    return next(c for c in nnet.components if c.startswith(f"<ComponentName> {name} "))


def _mix_weight(nnet: TextNnet, branch: str) -> float:
    """A branch's weight: the largest entry of its mix layer's matrix."""
    matrix = _component(nnet, f"{branch}mix").split("<LinearParams>")[1].split("]")[0]
    return max(float(v) for v in _NUMBER.findall(matrix))


def _scaled(component: str, factor: float) -> str:
    if factor == 1:
        return component
    return re.sub(r"\[[^\]]*\]",
                  lambda m: _NUMBER.sub(lambda x: f"{float(x.group(0)) * factor:.7g}", m.group(0)),
                  component)


def combine(out_dir: Path, sources: list[Path]) -> int:
    """Write ``out_dir``: ``sources[0]`` with the synthetic networks of all ``sources``
    averaged. Returns the number of networks."""
    if not sources:
        raise CombineError("no models to combine")
    for source in sources[1:]:
        for name in SAME_FILES:
            a, b = sources[0] / name, source / name
            if not b.is_file() or a.read_bytes() != b.read_bytes():
                raise CombineError(f"{b}: differs from {a} (combine models built for the same "
                                   "graph and features)")
    nnets = [read_nnet(s / "am" / "final.mdl") for s in sources]
    branches = [(n, b) for n, s in zip(nnets, sources, strict=True)
                for b in synthetic_branches(n, s)]
    first = nnets[0]
    weight = sum(_mix_weight(nnet, b) for nnet, b in branches if nnet is first)
    share = weight / len(branches)
    config = [line for line in first.config
              if not _branch_of(line) and not line.startswith("output-node")]
    components = [c for c in first.components if not c.startswith("<ComponentName> synth")]
    total = "total"
    for index, (nnet, branch) in enumerate(branches):
        new = synthetic_prefix(index)
        config += [line.replace(branch, new) for line in nnet.config
                   if _branch_of(line) == branch]
        for c in nnet.components:
            if c.startswith(f"<ComponentName> {branch}"):
                factor = share / _mix_weight(nnet, branch) if c.startswith(
                    f"<ComponentName> {branch}mix ") else 1.0
                components.append(_scaled(c, factor).replace(branch, new))
        total = f"Sum({total}, {new}mix)"
    config.append(f"output-node name=output input={total} objective=linear")
    text = (first.head + "\n".join(config) + f"\n\n<NumComponents> {len(components)} \n"
            + "".join(components) + first.tail)
    if out_dir.resolve() not in {s.resolve() for s in sources}:
        if out_dir.exists():
            shutil.rmtree(out_dir)
        shutil.copytree(sources[0], out_dir)
    (out_dir / "am" / "final.mdl").write_text(text, encoding="ascii")
    return len(branches)
