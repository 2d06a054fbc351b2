"""How each cost grows: one dimension varied at a time, everything else held at a reference size.

``python bench/run.py --scaling [--quick] [--json FILE]`` builds a series of SQLite databases and, for
each, measures the scoring page rerun (the bench interviewer's queue holds every candidate of the
posting), a draft save, the merit page rerun (or, while the page is not built, the merit computation)
and the SQL statements per page rerun. The dimensions:

* **candidates** of the posting (the interviewer's queue and the merit view's rows);
* **criteria** per rubric (the scoring form's widgets and the merit view's columns);
* **interviewers** per panel (scorecards per candidate);
* **postings** in the database, with the measured posting held at 100 candidates (size of the rest of
  the database: should cost nothing).

Prints a Markdown table per dimension (pasted into docs/performance.md).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import draft_save
import pages
from common import figure, format_figure, interleaved, machine, median
from datagen import DatabaseCache, Dataset, Size

REFERENCE = Size("reference", postings=1, candidates=100, scoring_candidates=100, criteria=(8, 8), panel=3,
                 audit=False)  # fmt: skip


def _series(quick: bool) -> dict[str, list[tuple[str, Size]]]:
    candidates = (20, 200, 2_000) if quick else (20, 200, 1_000, 2_000)
    criteria = (4, 8, 16) if quick else (4, 8, 16, 32)
    panel = (2, 3, 6) if quick else (2, 3, 5, 8)
    postings = (1, 20, 100) if quick else (1, 20, 100, 200)
    return {
        "candidates": [(f"{n:,}", REFERENCE.scaled(name=f"candidates {n}", candidates=n, scoring_candidates=n))
                       for n in candidates],
        "criteria": [(str(n), REFERENCE.scaled(name=f"criteria {n}", criteria=(n, n))) for n in criteria],
        "interviewers": [(str(n), REFERENCE.scaled(name=f"panel {n}", panel=n)) for n in panel],
        "postings": [(f"{n:,}", REFERENCE.scaled(name=f"postings {n}", postings=n, candidates=100 * n))
                     for n in postings],
    }  # fmt: skip


def _measure(dataset: Dataset, repeats: int) -> dict[str, Any]:
    row: dict[str, Any] = {"scores": dataset.counts.get("score", 0)}
    try:
        at = pages.scoring_session(dataset)
        samples = interleaved({"rerun": lambda: pages.rerun(at, dataset)}, repeats, warmup=2)["rerun"]
        row["scoring_s"] = median(samples)
        row["scoring_sql"] = pages.statements_per_rerun(at, dataset)
    except pages.PageUnavailable as exc:
        row["scoring_s"] = f"n/a ({exc})"
    saves = draft_save.measure(dataset, repeats=max(20, repeats * 2))
    row["save_ms"] = saves[0]["value"]
    row["save_base_ms"] = saves[0]["baseline"]
    merit = pages.merit_figures([("merit", dataset, dataset.merit_posting_id)], repeats=max(3, repeats // 2))
    by_name = {f["name"]: f for f in merit}
    rerun = by_name.get("merit page rerun, uncached (merit)")
    if rerun is not None and rerun["value"] is not None:
        row["merit_s"] = rerun["value"]
        row["merit_cached_s"] = by_name["merit page rerun, cached (merit)"]["value"]
        row["merit_sql"] = by_name["merit page SQL statements per rerun, uncached/cached (merit)"]["value"]
    else:
        compute = pages.merit_compute_figures(dataset, repeats=max(3, repeats // 2), label="SQLite")
        row["merit_s"] = f"{compute[0]['value']:.4f} (computation only: page not available)"
    return row


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f}"
    return str(value)


def run(quick: bool = False) -> dict[str, Any]:
    started = time.perf_counter()
    repeats = 5 if quick else 20
    figures: list[dict[str, Any]] = []
    tables: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="tracker-scaling-") as folder:
        cache = DatabaseCache(Path(folder))
        for dimension, series in _series(quick).items():
            rows = []
            for value, size in series:
                dataset = cache.sqlite(size)
                print(f"  {dimension} = {value}: {dataset.describe()}", flush=True)
                row = {dimension: value, **_measure(dataset, repeats)}
                rows.append(row)
                for key, unit in (("scoring_s", "s"), ("save_ms", "ms"), ("merit_s", "s")):
                    if isinstance(row.get(key), float):
                        figures.append(figure(f"scaling {dimension}={value}: {key}", row[key], unit))
            tables[dimension] = rows
            _print_table(dimension, rows)
    print(f"\n(scaling run: {time.perf_counter() - started:.0f} s)")
    for fig in figures:
        print(format_figure(fig))
    return {"machine": machine(), "quick": quick, "tables": tables, "figures": figures}


def _print_table(dimension: str, rows: list[dict[str, Any]]) -> None:
    print(f"\n| {dimension} | scores in DB | scoring page rerun | SQL/rerun | draft save (raw upsert) "
          f"| merit page, uncached | cached | SQL/rerun |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        save = f"{row['save_ms']:.1f} ms ({row['save_base_ms']:.1f} ms)"
        print(f"| {row[dimension]} | {row['scores']:,} | {_cell(row.get('scoring_s'))} | {row.get('scoring_sql', '-')} "
              f"| {save} | {_cell(row.get('merit_s'))} | {_cell(row.get('merit_cached_s', '-'))} "
              f"| {row.get('merit_sql', '-')} |", flush=True)  # fmt: skip
