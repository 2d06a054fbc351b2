"""Benchmark: postings parsed per second, against ``frontmatter.loads`` alone on the same files.

Usage: ``python bench/parse.py [--quick]``. ``bench/run.py`` calls ``run(quick)``, which returns figures
``{name, value, unit, baseline, ratio, goal, met}``. The inputs are the real corpus in ../shared
(falling back to examples/ when it is absent), repeated until at least 2,000 parses (500 with --quick).
The baseline decodes each file and splits its front matter with python-frontmatter, nothing more: the
ratio says what share of that bare speed survives the full parse (Markdown tree, lexicon, selection).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import frontmatter

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tracker.parsing import parse_bytes  # noqa: E402 - after the path fix, so the script runs from anywhere

CORPUS_DIRS = (REPO.parent / "shared" / "corpus" / "postings", REPO.parent / "shared" / "seed")
EXAMPLES_DIR = REPO / "examples" / "postings"
GOAL_PER_SECOND = 100.0  # an import of 100 postings should take about a second on a 2-core machine


def load_inputs() -> tuple[str, list[tuple[str, bytes]]]:
    dirs = [d for d in CORPUS_DIRS if d.is_dir()]
    source = "corpus" if dirs else "examples"
    if not dirs:
        dirs = [EXAMPLES_DIR]
    files = sorted(p for d in dirs for p in d.rglob("*.md"))
    return source, [(str(p), p.read_bytes()) for p in files]


def _rate(work, inputs: list[tuple[str, bytes]], rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        for path, data in inputs:
            work(path, data)
    return rounds * len(inputs) / (time.perf_counter() - started)


def _full(path: str, data: bytes) -> None:
    parse_bytes(data, path=path)


def _front_matter_only(path: str, data: bytes) -> None:
    frontmatter.loads(data.decode("utf-8-sig"))


def run(quick: bool = False) -> list[dict]:
    source, inputs = load_inputs()
    if not inputs:
        raise SystemExit("bench/parse.py: no postings found in ../shared or examples/")
    target = 500 if quick else 2000
    rounds = max(1, -(-target // len(inputs)))  # ceiling division: at least `target` parses
    _rate(_full, inputs, 1)  # warm-up: imports, regex compilation, caches
    _rate(_front_matter_only, inputs, 1)
    value = _rate(_full, inputs, rounds)
    baseline = _rate(_front_matter_only, inputs, rounds)
    return [
        {
            "name": f"parse: postings per second ({source}, {rounds * len(inputs):,} parses)",
            "value": round(value, 1),
            "unit": "postings/s",
            "baseline": round(baseline, 1),
            "ratio": round(value / baseline, 4),
            "goal": f">= {GOAL_PER_SECOND:g} postings/s",
            "met": value >= GOAL_PER_SECOND,
        }
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 parses instead of 2,000")
    args = parser.parse_args()
    for figure in run(quick=args.quick):
        print(figure["name"])
        print(f"  value:    {figure['value']:,.1f} {figure['unit']} (full parse)")
        print(f"  baseline: {figure['baseline']:,.1f} {figure['unit']} (frontmatter.loads alone, same files, same run)")
        print(f"  ratio:    {figure['ratio']:.3f} (value / baseline)")
        print(f"  goal:     {figure['goal']} -> {'met' if figure['met'] else 'NOT met'}")


if __name__ == "__main__":
    main()
