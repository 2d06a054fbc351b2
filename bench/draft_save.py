"""Draft-save latency on a SQLite file: the service hot path against a raw sqlite3 upsert baseline.

Run: ``.venv/bin/python bench/draft_save.py [N]``. Both sides use the same file settings (journal mode
chosen by tracker.db, synchronous=FULL) and one transaction per save, so the ratio shows what the
service adds (permission checks, scale check, audit event + personal payload) over the bare write.
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from factories import build_world  # noqa: E402

from tracker.db import choose_journal_mode, make_engine, write_session  # noqa: E402
from tracker.migrations import upgrade  # noqa: E402
from tracker.services import scoring  # noqa: E402


def service_latencies(url: str, n: int) -> list[float]:
    engine = make_engine(url)
    world = build_world(engine)
    chair = world.actor("chair")
    with write_session(engine) as s:
        scoring.declare(s, chair, candidate_id=world.candidates[0].id, has_conflict=False, language="en")
        card = scoring.open_scorecard(s, chair, candidate_id=world.candidates[0].id)
    crit = [sc.criterion_id for sc in card.scores]
    out = []
    for i in range(n):
        start = time.perf_counter()
        with write_session(engine) as s:
            scoring.save_draft_score(s, chair, scorecard_id=card.id, criterion_id=crit[i % len(crit)], rating=1 + i % 5, notes=f"note {i}")
        out.append(time.perf_counter() - start)
    engine.dispose()
    return out


def baseline_latencies(path: Path, n: int) -> list[float]:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute(f"PRAGMA journal_mode={choose_journal_mode().mode}")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("CREATE TABLE s (a INTEGER, b INTEGER, rating INTEGER, notes TEXT, version INTEGER, PRIMARY KEY (a, b))")
    out = []
    for i in range(n):
        start = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            "INSERT INTO s VALUES (1, ?, ?, ?, 1) ON CONFLICT (a, b) DO UPDATE SET rating=excluded.rating, "
            "notes=excluded.notes, version=s.version + 1",
            (i % 3, 1 + i % 5, f"note {i}"),
        )
        connection.execute("COMMIT")
        out.append(time.perf_counter() - start)
    connection.close()
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite3"
        upgrade(f"sqlite:///{db}")
        service = service_latencies(f"sqlite:///{db}", n)
        base = baseline_latencies(Path(tmp) / "baseline.sqlite3", n)
    s_med, b_med = statistics.median(service), statistics.median(base)
    print(f"SQLite {sqlite3.sqlite_version}, journal {choose_journal_mode().mode}, synchronous=FULL, {n} saves each")
    print(f"save_draft_score median {s_med * 1000:.2f} ms (p95 {sorted(service)[int(n * 0.95)] * 1000:.2f} ms)")
    print(f"raw sqlite3 upsert median {b_med * 1000:.2f} ms (p95 {sorted(base)[int(n * 0.95)] * 1000:.2f} ms)")
    print(f"ratio service / raw: {s_med / b_med:.1f}x")


if __name__ == "__main__":
    main()
