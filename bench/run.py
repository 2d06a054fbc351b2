"""The benchmark suite's one entry point: ``python bench/run.py [--quick] [--json FILE] [--scaling]``.

It generates its own data in a temporary folder (postings made from ``examples/postings``, candidates,
panels, submitted and draft scorecards, scores, audit trail; see ``bench/datagen.py``) at two sizes,
small (1 posting, 20 candidates) and large (200 postings, 20,000 candidates, ~500,000 scores; with
``--quick`` 20 postings and 4,000 candidates, the 2,000-candidate merit posting kept), builds each
database once, and prints every figure as a value, a baseline measured in the same run, their ratio,
and the goal when there is one:

* parse/import postings per second (``bench/import_bench.py``, plus the parser's own ``bench/parse.py``);
* draft-save latency, median and p95 (``bench/draft_save.py``);
* page reruns in AppTest, scoring and merit pages, small vs large (``bench/pages.py``);
* the results figures (``bench/results.py``) and the merit computation against a raw ``GROUP BY``;
* the merit and raw-scores exports at 10,000 applications, XLSX and CSV, against a plain ``csv`` write
  of the same rows, beside issue #19's 2 s goal (``bench/exports.py``);
* every page of issue #19 at 10,000 applications in real Chromium, first visit and revisit, the
  server's memory over five walks and the candidate CSV import against a raw ``executemany``, on
  SQLite and PostgreSQL (``bench/volume.py``; ``--quick``: 2,000 applications);
* the draft-save and merit figures again on a throwaway PostgreSQL server (skipped, with the reason,
  when the server binaries are missing);
* the concurrent-load figures of ``bench/load.py`` when it is present (``--no-load`` skips them);
* peak memory of each part (tracemalloc; see ``common.MEMORY_METHOD``) and of the whole process.

``--json FILE`` writes ``{"machine": {...}, "figures": [...]}``; ``--scaling`` prints instead a table of
how the costs grow with candidates, criteria, interviewers and postings (docs/performance.md).
Exit status 0 even when a goal is missed: the figures say so, and a script can check ``met``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from common import ROOT, figure, format_figure, machine, markdown_table, max_rss_mib, unavailable
from datagen import LARGE, QUICK_LARGE, SMALL, DatabaseCache, Dataset, Size

sys.path.insert(0, str(ROOT / "tests"))  # tests/pg_server.py: the throwaway PostgreSQL server
# Streamlit outside a server warns about its missing runtime on every call; child processes
# (bench/load.py) inherit this too.
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")


@dataclass(frozen=True)
class Plan:
    """Sizes and repetitions of one run (``FULL``, ``QUICK``; the smoke test uses a tiny one)."""

    name: str
    small: Size
    large: Size
    import_files: int
    saves: int
    page_reruns: int
    merit_reruns: int
    parts: frozenset[str] = frozenset({"import", "parse", "sqlite", "results", "exports", "postgres", "load", "volume"})
    wall_goal_s: float | None = None
    strict: bool = False  # re-raise a part's exception instead of reporting it (the smoke test)

    @property
    def quick(self) -> bool:
        return self.name != "full"


FULL = Plan("full", SMALL, LARGE, import_files=2_000, saves=400, page_reruns=25, merit_reruns=15, wall_goal_s=900)
QUICK = Plan("quick", SMALL, QUICK_LARGE, import_files=300, saves=100, page_reruns=8, merit_reruns=5,
             wall_goal_s=180)  # fmt: skip


class Suite:
    """Runs each part, prints its figures as they come, and keeps going when one part fails."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.figures: list[dict[str, Any]] = []
        self.datasets: dict[str, Dataset] = {}  # the generated SQLite databases, shared between parts
        self.started = time.perf_counter()

    @property
    def quick(self) -> bool:
        return self.plan.quick

    def part(self, title: str, fn: Callable[[], list[dict[str, Any]]], *, unit: str = "s") -> None:
        print(f"\n== {title}", flush=True)
        start = time.perf_counter()
        try:
            figures = fn()
        except Exception as exc:  # one broken part must not hide the others' figures
            if self.plan.strict:
                raise
            traceback.print_exc()
            figures = [unavailable(title, unit, f"{type(exc).__name__}: {exc}")]
        for fig in figures:
            print("  " + format_figure(fig), flush=True)
        self.figures.extend(figures)
        print(f"   ({time.perf_counter() - start:.1f} s)", flush=True)

    def add(self, fig: dict[str, Any]) -> None:
        print("  " + format_figure(fig), flush=True)
        self.figures.append(fig)


def _optional_module(name: str) -> Any | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _other_bench(module_name: str, title: str, unit: str, quick: bool) -> list[dict[str, Any]]:
    """Figures of another helper's benchmark module (``bench/<module_name>.py``'s ``run(quick)``)."""
    module = _optional_module(module_name)
    if module is None or not hasattr(module, "run"):
        return [unavailable(title, unit, f"bench/{module_name}.py has no run() yet")]
    return [f for f in module.run(quick=quick) if isinstance(f, dict) and "name" in f]


def _load_figures(quick: bool) -> list[dict[str, Any]]:
    """``bench/load.py``'s figures, run in a child interpreter: its worker processes are spawned and
    re-import the main module, which must not be this one (it has run AppTest and PostgreSQL meanwhile)."""
    import subprocess

    if not (ROOT / "bench" / "load.py").exists():
        return [unavailable("load (bench/load.py)", "ops/s", "bench/load.py does not exist")]
    code = (
        "import json, sys; sys.path.insert(0, 'bench'); import load; "
        f"figures = load.run(quick={quick!r}); print('\\n' + json.dumps(figures))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0 or not done.stdout.strip():
        return [unavailable("load (bench/load.py)", "ops/s", f"exit {done.returncode}: {done.stderr[-500:]}")]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return [f for f in figures if isinstance(f, dict) and "name" in f]


def _sqlite_parts(suite: Suite, cache: DatabaseCache) -> None:
    import draft_save
    import pages

    plan = suite.plan
    holder: dict[str, Dataset] = {}

    def build() -> list[dict[str, Any]]:
        out = []
        for key, size in (("small", plan.small), ("large", plan.large)):
            dataset = cache.sqlite(size)
            holder[key] = dataset
            print("  " + dataset.describe(), flush=True)
            out.append(figure(f"generate {key} SQLite database ({dataset.counts.get('score', 0):,} scores)",
                              dataset.seconds, "s", note="migrations, then bulk inserts (executemany)"))  # fmt: skip
        return out

    suite.part("data generation (SQLite)", build)
    if len(holder) < 2:
        return
    suite.datasets.update(holder)
    small, large = holder["small"], holder["large"]
    suite.part("draft save (SQLite, large DB)", lambda: draft_save.measure(large, repeats=plan.saves), unit="ms")
    suite.part("scoring page reruns (AppTest)", lambda: pages.scoring_figures(small, large, repeats=plan.page_reruns))
    merit_sets = [
        (f"small DB, {small.merit_candidates:,} candidates", small, small.merit_posting_id),
        (f"large DB, {large.size.scoring_candidates:,} candidates", large, large.scoring_posting_id),
        (f"large DB, {large.merit_candidates:,} candidates", large, large.merit_posting_id),
    ]
    suite.part("merit page reruns (AppTest)", lambda: pages.merit_figures(merit_sets, repeats=plan.merit_reruns))
    suite.part("merit computation vs raw GROUP BY (SQLite, large DB)",
               lambda: pages.merit_compute_figures(large, repeats=plan.merit_reruns, label="SQLite"))  # fmt: skip


def _postgres_part(suite: Suite) -> None:
    import draft_save
    import pages

    plan = suite.plan

    def run_pg() -> list[dict[str, Any]]:
        try:
            from pg_server import PostgresUnavailable
        except ImportError as exc:
            return [unavailable("PostgreSQL figures", "ms", f"tests/pg_server.py cannot be imported: {exc}")]
        try:
            server = start_durable_server()
        except (PostgresUnavailable, OSError) as exc:
            return [unavailable("PostgreSQL figures", "ms", f"skipped: {exc}")]
        from datagen import copy_into, migrate, populate

        from tracker.db import dispose_engines, make_engine

        try:
            server.execute("CREATE DATABASE bench")
            url = server.url("bench")
            migrate(url)
            engine = make_engine(url)
            source = suite.datasets.get("large")
            try:
                dataset = copy_into(source, engine) if source else populate(engine, plan.large)
            finally:
                engine.dispose()
            version = _pg_version(server)
            how = "copied from the large SQLite database" if source else "generated"
            print(f"  PostgreSQL {version}, {how}: {dataset.describe()}", flush=True)
            out = [figure(f"load large PostgreSQL database ({dataset.counts.get('score', 0):,} scores)",
                          dataset.seconds, "s", note=f"PostgreSQL {version}, durable settings (fsync on); {how}, COPY")]  # fmt: skip
            out += draft_save.measure(dataset, repeats=plan.saves, label="PostgreSQL")
            out += pages.merit_compute_figures(dataset, repeats=plan.merit_reruns, label="PostgreSQL")
            out += pages.merit_figures(
                [(f"PostgreSQL, {dataset.merit_candidates:,} candidates", dataset, dataset.merit_posting_id)],
                repeats=plan.merit_reruns,
            )
            return out
        finally:
            dispose_engines()
            server.stop()

    suite.part("PostgreSQL: draft save and merit", run_pg, unit="ms")


def start_durable_server() -> Any:
    """``tests/pg_server.py``'s throwaway server (as the postgres user, temporary data directory, free
    port), but with production's durability: the test server turns fsync off, which would make every
    commit free and the draft-save comparison meaningless. Both sides of each figure run on it."""
    import subprocess

    from pg_server import PostgresServer, PostgresUnavailable, _as_server_user, find_bin_dir, free_port

    class DurableServer(PostgresServer):
        def start(self) -> None:
            if _as_server_user():
                shutil.chown(self.base_dir, user="postgres", group="postgres")
            os.chmod(self.base_dir, 0o700)
            self._run(str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", self.user, "--auth=trust",
                      "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip
            last_error = ""
            for _attempt in range(5):
                self.port = free_port()
                options = (f"-h 127.0.0.1 -p {self.port} -k {self.base_dir} -c fsync=on -c synchronous_commit=on "
                           "-c full_page_writes=on -c max_connections=100 -c shared_buffers=256MB")  # fmt: skip
                try:
                    self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-l",
                              str(self.base_dir / "server.log"), "-o", options, "-w", "-t", "60", "start",
                              timeout=90)  # fmt: skip
                except subprocess.CalledProcessError as exc:  # the port was taken meanwhile: try another
                    last_error = (exc.stdout or "") + (exc.stderr or "") + self.log_tail()
                    continue
                self._started = True
                self._wait_ready()
                return
            raise PostgresUnavailable(f"PostgreSQL would not start: {last_error[-2000:]}")

    server = DurableServer(bin_dir=find_bin_dir())
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    return server


def _pg_version(server: Any) -> str:
    import psycopg

    with psycopg.connect(server.dsn()) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


def run(plan: Plan) -> dict[str, Any]:
    suite = Suite(plan)
    info = machine()
    print("Machine: " + ", ".join(f"{k}={v}" for k, v in info.items() if k not in {"journal_reason", "memory_method"}))
    print(f"SQLite journal: {info['journal_reason']}")
    print(f"Memory figures: {info['memory_method']}")
    print(f"Plan: {plan.name}; small = {plan.small}; large = {plan.large}")
    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as folder:
        cache = DatabaseCache(Path(folder))
        if "import" in plan.parts:
            import import_bench

            suite.part("parse and import (synthetic postings)",
                       lambda: import_bench.run(quick=plan.quick, files=plan.import_files), unit="postings/s")  # fmt: skip
        if "parse" in plan.parts:  # always its quick size: the 2,000-file parse is measured just above
            suite.part("parse (bench/parse.py, the parser's own benchmark)",
                       lambda: _other_bench("parse", "parse (bench/parse.py)", "postings/s", True),
                       unit="postings/s")  # fmt: skip
        if "sqlite" in plan.parts:
            _sqlite_parts(suite, cache)
        if "results" in plan.parts:
            suite.part("results (bench/results.py)",
                       lambda: _other_bench("results", "results (bench/results.py)", "s", plan.quick))  # fmt: skip
        if "exports" in plan.parts:
            suite.part("exports at 10,000 applications (bench/exports.py)",
                       lambda: _other_bench("exports", "exports (bench/exports.py)", "s", plan.quick))  # fmt: skip
        if "volume" in plan.parts:
            import volume

            suite.part("every page at 10,000 applications, in Chromium (bench/volume.py, issue #19)",
                       lambda: volume.run(quick=plan.quick, postgres="postgres" in plan.parts))  # fmt: skip
        if "postgres" in plan.parts:
            _postgres_part(suite)
        if "load" in plan.parts:
            suite.part("concurrent load (bench/load.py)", lambda: _load_figures(plan.quick), unit="ops/s")
    total = time.perf_counter() - suite.started
    print("\n== whole run")
    goal = plan.wall_goal_s
    suite.add(figure("whole run: wall time", total, "s", goal=f"< {goal:g} s" if goal else None, limit=goal,
                     absolute=True))  # fmt: skip
    suite.add(figure("whole run: peak resident memory (ru_maxrss)", max_rss_mib(), "MiB"))
    missed = [f["name"] for f in suite.figures if f["met"] is False]
    unknown = [f["name"] for f in suite.figures if f["goal"] and f["met"] is None]
    print(f"\nGoals missed: {len(missed)}" + "".join(f"\n  - {n}" for n in missed))
    print(f"Goals not measured: {len(unknown)}" + "".join(f"\n  - {n}" for n in unknown))
    return {"machine": info, "plan": plan.name, "figures": suite.figures}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The tracker's benchmark suite (see docs/performance.md).")
    parser.add_argument("--quick", action="store_true", help="smaller large database and fewer repetitions (< 3 min)")
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write machine and figures as JSON")
    parser.add_argument("--scaling", action="store_true", help="print how costs grow with each dimension instead")
    parser.add_argument("--no-load", action="store_true", help="skip bench/load.py's concurrency figures")
    parser.add_argument("--markdown", metavar="JSON", type=Path, help="print a saved run's figures as a Markdown table")
    args = parser.parse_args(argv)
    if args.markdown:
        saved = json.loads(args.markdown.read_text(encoding="utf-8"))
        print(markdown_table(saved["figures"]))
        return 0
    if args.scaling:
        import scaling

        result = scaling.run(quick=args.quick)
    else:
        plan = QUICK if args.quick else FULL
        if args.no_load:
            plan = replace(plan, parts=plan.parts - {"load"})
        result = run(plan)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nWrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
