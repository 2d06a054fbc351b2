"""Postings per second for ``tracker parse`` and ``tracker import``, against ``frontmatter.loads`` alone.

The inputs are synthetic bilingual postings written by :func:`datagen.write_posting_files` (2,000 files,
i.e. 1,000 EN/FR pairs; fewer with ``--quick``), all distinct, so the import creates every posting:

* **parse**: ``tracker.parsing.parse_paths`` over the folder, what ``tracker parse`` runs (reading,
  decoding, safe front matter, Markdown tree, bilingual lexicon, criteria, pairing);
* **import**: ``tracker.services.postings.import_postings``, what ``tracker import`` runs, into a fresh
  migrated SQLite file: the parse plus one write transaction per bilingual posting (posting, sources,
  rubric, scale and criteria in bulk inserts, audit event), committed with ``synchronous=FULL``;
* **re-import**: the same folder again (every posting "unchanged": parse and compare hashes);
* **baseline**: read each file, decode it and split its front matter with ``frontmatter.loads``,
  nothing more. The ratios say which share of that bare speed each step keeps (so they are < 1).

Run alone: ``python bench/import_bench.py [--quick]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import frontmatter
from common import figure, format_figure, peak_memory_mib
from datagen import migrate, write_posting_files

from tracker.db import make_engine
from tracker.parsing import parse_paths
from tracker.services.actor import SYSTEM_ACTOR
from tracker.services.postings import import_postings

FULL_FILES = 2_000
QUICK_FILES = 300
MEMORY_FILES = 100
QUICK_MEMORY_FILES = 40
REIMPORT_FILES = 300


def _front_matter_only(paths: list[Path]) -> None:
    for path in paths:
        frontmatter.loads(path.read_bytes().decode("utf-8-sig"))


def _import_into_fresh_db(folder: Path, sources: Path, name: str) -> tuple[float, dict[str, int], Any]:
    url = f"sqlite:///{folder / name}"
    migrate(url)
    engine = make_engine(url)
    start = time.perf_counter()
    report = import_postings(engine, SYSTEM_ACTOR, paths=[sources])
    return time.perf_counter() - start, report.counts(), engine


def measure(folder: Path, *, files: int, memory_files: int = MEMORY_FILES) -> list[dict[str, Any]]:
    sources = folder / "postings"
    paths = write_posting_files(sources, files)
    _front_matter_only(paths[:50])  # warm-up: imports, YAML loader
    parse_paths(paths[:10])

    start = time.perf_counter()
    _front_matter_only(paths)
    base_seconds = time.perf_counter() - start
    start = time.perf_counter()
    run = parse_paths([sources])
    parse_seconds = time.perf_counter() - start
    if run.errors or len(run.postings) != files:
        raise RuntimeError(f"bench: the synthetic postings did not parse cleanly: {run.errors[:3]}")
    # The baseline again after the slow steps, and the faster of the two: the machine is shared.
    start = time.perf_counter()
    _front_matter_only(paths)
    base_seconds = min(base_seconds, time.perf_counter() - start)

    import_seconds, counts, engine = _import_into_fresh_db(folder, sources, "import.sqlite3")
    try:
        if counts.get("created") != files // 2 + files % 2 or counts.get("error"):
            raise RuntimeError(f"bench: the import did not create every posting: {counts}")
        # Importing again (every posting unchanged): a share of the files is enough for the rate.
        subset = paths[: min(files, REIMPORT_FILES)]
        start = time.perf_counter()
        again = import_postings(engine, SYSTEM_ACTOR, paths=subset).counts()
        reimport_seconds = time.perf_counter() - start
        if again.get("unchanged") != len(subset) // 2 or again.get("error"):
            raise RuntimeError(f"bench: importing the same files again changed something: {again}")
    finally:
        engine.dispose()

    small = folder / "memory"
    write_posting_files(small, memory_files)
    parse_memory = peak_memory_mib(lambda: parse_paths([small]))
    holder: dict[str, Any] = {}

    def import_small() -> None:
        holder["result"] = _import_into_fresh_db(folder, small, "memory.sqlite3")

    import_memory = peak_memory_mib(import_small)
    holder["result"][2].dispose()

    base_rate = files / base_seconds
    what = f"{files:,} synthetic files"
    return [
        figure(f"parse: postings/s ({what})", files / parse_seconds, "postings/s", baseline=base_rate,
               note="tracker.parsing.parse_paths; baseline frontmatter.loads alone"),
        figure(f"import: postings/s ({what}, fresh SQLite)", files / import_seconds, "postings/s", baseline=base_rate,
               note=f"import_postings, one transaction per EN/FR pair ({counts.get('created', 0):,} postings)"),
        figure(f"re-import unchanged: postings/s ({len(subset):,} of the files)", len(subset) / reimport_seconds,
               "postings/s", baseline=base_rate),
        figure(f"parse peak memory ({memory_files} files)", parse_memory, "MiB"),
        figure(f"import peak memory ({memory_files} files)", import_memory, "MiB"),
    ]  # fmt: skip


def run(quick: bool = False, files: int | None = None) -> list[dict[str, Any]]:
    files = files or (QUICK_FILES if quick else FULL_FILES)
    memory_files = min(files, QUICK_MEMORY_FILES if quick else MEMORY_FILES)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        return measure(Path(folder), files=files, memory_files=memory_files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_FILES} files instead of {FULL_FILES:,}")
    args = parser.parse_args()
    for fig in run(quick=args.quick):
        print(format_figure(fig))


if __name__ == "__main__":
    main()
