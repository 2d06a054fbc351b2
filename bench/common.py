"""What every benchmark of ``bench/`` shares: figures, same-run timing, memory and the machine's description.

A figure is a plain dict (``name, value, unit, baseline, ratio, goal, met`` and an optional ``note``) so
``bench/run.py --json`` can write it as is and a script can compare runs. Timings are taken in turns
(value, baseline, value, baseline…) because the machine is shared: a burst of load from another process
then slows both sides alike instead of skewing the ratio.
"""

from __future__ import annotations

import gc
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

MEMORY_METHOD = "tracemalloc peak of Python allocations (SQLite's and numpy's C buffers are not counted)"


def figure(
    name: str,
    value: float | None,
    unit: str,
    *,
    baseline: float | None = None,
    goal: str | None = None,
    limit: float | None = None,
    higher_is_better: bool = False,
    absolute: bool = False,
    note: str | None = None,
) -> dict[str, Any]:
    """One figure. ``limit`` makes ``met``: ratio <= limit (or value <= limit when ``absolute``).

    With ``higher_is_better`` the test is ``>=`` (a throughput). Without a goal ``met`` is None, and a
    figure that could not be measured (``value`` None) always has ``met`` None and says why in ``note``.
    """
    ratio = value / baseline if value is not None and baseline else None
    met: bool | None = None
    if limit is not None and value is not None:
        measured = value if absolute else ratio
        if measured is not None:
            met = measured >= limit if higher_is_better else measured <= limit
    out: dict[str, Any] = {
        "name": name,
        "value": _round(value),
        "unit": unit,
        "baseline": _round(baseline),
        "ratio": _round(ratio),
        "goal": goal,
        "met": met,
    }
    if note:
        out["note"] = note
    return out


def unavailable(name: str, unit: str, reason: str, *, goal: str | None = None) -> dict[str, Any]:
    """A figure that could not be measured in this run (page not built yet, server missing…)."""
    return figure(name, None, unit, goal=goal, note=f"not available: {reason}")


def _round(value: float | None) -> float | None:
    if value is None:
        return None
    return float(f"{value:.6g}")


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p95 of 300 samples is the 285th smallest)."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved(fns: dict[str, Callable[[], Any]], repeats: int, *, warmup: int = 1) -> dict[str, list[float]]:
    """Wall times of each callable, ``repeats`` times, taken in turns after ``warmup`` untimed calls."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            samples[name].append(timed(fn))
    return samples


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def peak_memory_mib(fn: Callable[[], Any]) -> float:
    """Peak Python memory of one call of ``fn``, in MiB (an untimed pass: tracemalloc slows code down)."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def max_rss_mib() -> float:
    """The process's peak resident set so far (ru_maxrss: KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def env(**values: str | None) -> Iterator[None]:
    """Set (or unset, with None) environment variables for the block, then restore them."""
    saved = {key: os.environ.get(key) for key in values}
    try:
        for key, value in values.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, Any]:
    """What a reader needs to compare two runs: hardware, versions, and the SQLite settings in force."""
    import sqlite3

    import pandas
    import sqlalchemy
    import streamlit

    from tracker.db import BUSY_TIMEOUT_MS, choose_journal_mode

    journal = choose_journal_mode()
    try:
        load = os.getloadavg()
    except OSError:
        load = (float("nan"),) * 3
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "journal_mode": journal.mode,
        "journal_reason": journal.reason,
        "synchronous": "FULL",
        "busy_timeout_ms": BUSY_TIMEOUT_MS,
        "sqlalchemy": sqlalchemy.__version__,
        "streamlit": streamlit.__version__,
        "pandas": pandas.__version__,
        "load_average_at_start": [round(x, 2) for x in load],
        "memory_method": MEMORY_METHOD,
    }


def format_figure(fig: dict[str, Any]) -> str:
    """One figure as one line: value, same-run baseline, ratio, goal and whether it held."""

    def num(x: float | None) -> str:
        if x is None:
            return "-"
        if abs(x) >= 100:
            return f"{x:,.0f}"
        if abs(x) >= 1:
            return f"{x:.2f}"
        return f"{x:.4g}"

    if fig["value"] is None:
        line = f"{fig['name']}: {fig.get('note', 'not available')}"
    else:
        line = f"{fig['name']}: {num(fig['value'])} {fig['unit']}"
        if fig["baseline"] is not None:
            line += f" | baseline {num(fig['baseline'])} {fig['unit']} | ratio {num(fig['ratio'])}x"
    if fig["goal"] is not None:
        verdict = {True: "met", False: "NOT MET", None: "met: null"}[fig["met"]]
        line += f" | goal {fig['goal']}: {verdict}"
    if fig["value"] is not None and fig.get("note"):
        line += f" ({fig['note']})"
    return line


def markdown_table(figures: list[dict[str, Any]]) -> str:
    """The figures as a Markdown table (docs/performance.md is pasted from ``run.py --markdown``)."""

    def num(x: float | None) -> str:
        if x is None:
            return ""
        if abs(x) >= 100:
            return f"{x:,.0f}"
        if abs(x) >= 1:
            return f"{x:.2f}"
        return f"{x:.3g}"

    lines = ["| figure | value | baseline (same run) | ratio | goal | met |", "|---|---:|---:|---:|---|---|"]
    for fig in figures:
        value = f"{num(fig['value'])} {fig['unit']}" if fig["value"] is not None else fig.get("note", "n/a")
        base = f"{num(fig['baseline'])} {fig['unit']}" if fig["baseline"] is not None else ""
        ratio = f"{num(fig['ratio'])}×" if fig["ratio"] is not None else ""
        met = {True: "yes", False: "**no**", None: ""}[fig["met"]]
        lines.append(f"| {fig['name']} | {value} | {base} | {ratio} | {fig['goal'] or ''} | {met} |")
    return "\n".join(lines)
