"""Draft-save latency (the scoring form's hot path) against a raw single-row upsert on the same table.

The service side is what a rating change costs the app: ``scoring.save_draft_score`` in its own
``write_session`` (``BEGIN IMMEDIATE``, the permission and scale checks in one SELECT, the upsert, the
audit event and its personal payload, the commit). The baseline is the least any draft save could
cost: one ``INSERT … ON CONFLICT DO UPDATE`` of the same ``score`` row in its own transaction, through
the bare driver (``sqlite3``/``psycopg``), on the same database file with the same settings (journal
mode chosen by ``tracker.db``, ``synchronous=FULL``, foreign keys on). Both run in turns so that the
shared machine's load hits them alike. Goal: median <= 5x the baseline's.

Run alone: ``python bench/draft_save.py [--quick]`` (builds the large database first).
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from common import figure, format_figure, interleaved, median, peak_memory_mib, percentile
from datagen import LARGE, QUICK_LARGE, Dataset, build_sqlite
from sqlalchemy.engine import make_url

from tracker.db import choose_journal_mode, make_engine, write_session
from tracker.services import scoring
from tracker.services.actor import Actor, load_actor

GOAL = 5.0
UPSERT_SQL = (
    "INSERT INTO score (scorecard_id, criterion_id, rating, not_assessed, notes, updated_at, version) "
    "VALUES ({p}, {p}, {p}, {p}, {p}, {p}, 1) ON CONFLICT (scorecard_id, criterion_id) DO UPDATE SET "
    "rating = excluded.rating, not_assessed = excluded.not_assessed, notes = excluded.notes, "
    "updated_at = excluded.updated_at, version = score.version + 1"
)


class _Baseline:
    """A bare driver connection doing the single-row upsert, one transaction per save."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.sqlite = parsed.get_backend_name() == "sqlite"
        if self.sqlite:
            self.conn: Any = sqlite3.connect(parsed.database, isolation_level=None, timeout=30)
            self.conn.execute(f"PRAGMA journal_mode={choose_journal_mode().mode}")
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self.sql = UPSERT_SQL.format(p="?")
        else:
            import psycopg

            self.conn = psycopg.connect(
                host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database, autocommit=True
            )
            self.sql = UPSERT_SQL.format(p="%s")

    def save(self, card_id: int, criterion_id: int, rating: int, notes: str) -> None:
        from tracker.models import utcnow

        now = utcnow()
        if self.sqlite:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute(self.sql, (card_id, criterion_id, rating, 0, notes, now.strftime("%Y-%m-%d %H:%M:%S.%f")))
            self.conn.execute("COMMIT")
        else:
            with self.conn.transaction():
                self.conn.execute(self.sql, (card_id, criterion_id, rating, False, notes, now))

    def close(self) -> None:
        self.conn.close()


def measure(dataset: Dataset, *, repeats: int, label: str = "SQLite") -> list[dict[str, Any]]:
    """Median and p95 of both sides on ``dataset`` (its bench interviewer's draft), plus peak memory."""
    engine = make_engine(dataset.url)
    baseline = _Baseline(dataset.url)
    card_id = dataset.scoring_card_id
    criteria = dataset.scoring_criterion_ids
    # Baseline rows on the second half of the criteria (the unrated ones), the service's on the first:
    # each side updates rows it alone writes, as two interviewers' forms would.
    half = max(1, len(criteria) // 2)
    service_criteria, baseline_criteria = criteria[:half], criteria[half:] or criteria[:half]
    try:
        from sqlmodel import Session

        with Session(engine) as session:
            actor: Actor = load_actor(session, dataset.interviewer_id)
        counter = {"service": 0, "baseline": 0}

        def service_save() -> None:
            i = counter["service"] = counter["service"] + 1
            with write_session(engine) as session:
                scoring.save_draft_score(
                    session, actor, scorecard_id=card_id, criterion_id=service_criteria[i % len(service_criteria)],
                    rating=1 + i % 5, not_assessed=False, notes=f"Draft note, revision {i}.",
                )  # fmt: skip

        def baseline_save() -> None:
            i = counter["baseline"] = counter["baseline"] + 1
            baseline.save(card_id, baseline_criteria[i % len(baseline_criteria)], 1 + i % 5, f"Draft note, revision {i}.")

        samples = interleaved({"service": service_save, "baseline": baseline_save}, repeats, warmup=5)
        memory = peak_memory_mib(lambda: [service_save() for _ in range(20)])
    finally:
        baseline.close()
        engine.dispose()
    service, base = samples["service"], samples["baseline"]
    where = f"{label}, {dataset.counts.get('score', 0):,} scores"
    ms = 1000.0
    return [
        figure(f"draft save median ({where})", median(service) * ms, "ms", baseline=median(base) * ms,
               goal=f"<= {GOAL:g}x baseline", limit=GOAL,
               note=f"{repeats} saves each; baseline = raw single-row upsert, same table and settings"),
        figure(f"draft save p95 ({where})", percentile(service, 0.95) * ms, "ms",
               baseline=percentile(base, 0.95) * ms),
        figure(f"draft save peak memory ({label}, 20 saves)", memory, "MiB"),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the quick large database and fewer saves")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-draft-") as folder:
        dataset = build_sqlite(Path(folder) / "large.sqlite3", QUICK_LARGE if args.quick else LARGE)
        print(dataset.describe())
        for fig in measure(dataset, repeats=100 if args.quick else 400):
            print(format_figure(fig))


if __name__ == "__main__":
    main()
