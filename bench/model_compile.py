"""How long `voiceskill model compile` takes to regenerate the graph for a vocabulary.

Runs the real command (in a child process, as a person would) on a copy of the shipped model
directory, with the shipped dialogs and with a small word file, a few times each; prints a
markdown table with the target beside it (issue 3: "in seconds, without retraining").

    .venv/bin/python bench/model_compile.py             # 3 runs of each, about a minute
    .venv/bin/python bench/model_compile.py --runs 5
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import voiceskill  # noqa: E402

TARGET_SECONDS = 20.0
WORDS = "yes\nno\nbanana split\n"


def compile_seconds(model: Path, source: list[str]) -> float:
    """Wall seconds of one `voiceskill model compile` (it must succeed)."""
    began = time.monotonic()
    subprocess.run([sys.executable, "-m", "voiceskill", "model", "compile", *source,
                    "--model", str(model)], check=True, capture_output=True, cwd=ROOT)
    return time.monotonic() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "model"
        shutil.copytree(voiceskill.DEFAULT_MODEL_DIR, model)
        words = Path(tmp) / "words.txt"
        words.write_text(WORDS)
        cases = {
            "shipped dialogs (`--dialogs dialogs`)": ["--dialogs", str(voiceskill.DIALOGS_DIR)],
            "three words (`--words`)": ["--words", str(words)],
        }
        print("| vocabulary | median s | max s | graph kB | target |")
        print("|---|---|---|---|---|")
        missed = False
        for name, source in cases.items():
            times = [compile_seconds(model, source) for _ in range(args.runs)]
            size = sum(f.stat().st_size for f in (model / "graph").iterdir()) / 1000
            slow = max(times) > TARGET_SECONDS
            missed |= slow
            print(f"| {name} | {statistics.median(times):.1f} | {max(times):.1f} | "
                  f"{size:.0f} | ≤ {TARGET_SECONDS:.0f} s {'✘' if slow else '✔'} |")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
