"""Load, bounded (issue #6 §1): twenty interviewers saving drafts and submitting at once.

The same code as ``bench/load.py`` with a small, fixed number of operations, in threads and in
separate processes, on SQLite in the journal mode the engine picks (a rollback journal on this
SQLite) and in forced WAL, and on PostgreSQL. Afterwards every acknowledged write is in the
database exactly once and no error reached a caller: a ``ConflictError`` for a deliberately stale
version is the handled outcome, anything else ("database is locked" included) fails the test.
Throughput is the benchmark's business; this test only prints it.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from dbtools import new_pg_db, new_sqlite_db
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import load as bench_load  # noqa: E402
from tracker.db import make_engine, write_session  # noqa: E402

# Twenty interviewers in four panels, 2 scorecards x 2 criteria x 2 rounds each, a stale save every 3rd;
# "processes" spreads them over two OS processes of ten threads (spawning more only costs start-up time).
WORKLOAD = bench_load.Workload(
    interviewers=20, panel_size=5, candidates_per_posting=2, criteria=2, rounds=2, stale_every=3, processes=2
)


@pytest.fixture(params=["sqlite-default", "sqlite-wal", pytest.param("postgres", marks=pytest.mark.postgres)])
def load_db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str | None]]:
    """(url, journal override) of a fresh migrated database."""
    backend = request.param
    if backend == "postgres":
        server = request.getfixturevalue("pg_server")
        name, url = new_pg_db(server, request.getfixturevalue("pg_template"))
        try:
            yield url, None
        finally:
            server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        return
    journal = "wal" if backend == "sqlite-wal" else None
    if journal:
        monkeypatch.setenv(bench_load.JOURNAL_ENV, journal)
    else:
        monkeypatch.delenv(bench_load.JOURNAL_ENV, raising=False)
    yield new_sqlite_db(request.getfixturevalue("sqlite_template"), tmp_path), journal


@pytest.mark.parametrize("mode", ["threads", "processes"])
def test_twenty_interviewers_at_once_lose_nothing_and_see_no_error(load_db: tuple[str, str | None], mode: str) -> None:
    url, journal = load_db
    jobs = bench_load.setup(url, WORKLOAD)
    assert len(jobs) == 20
    reports, seconds = bench_load.run_concurrent(url, journal, jobs, WORKLOAD, mode)
    result = bench_load.outcome(mode, url, jobs, reports, seconds)

    saves = 20 * WORKLOAD.saves_per_interviewer
    submits = 20 * WORKLOAD.candidates_per_posting
    assert result.errors == []
    assert result.mismatches == []
    assert result.acknowledged == saves + submits
    assert result.found == result.acknowledged
    assert result.stale_refused > 0  # the conflict path was exercised, and every stale save refused
    if url.startswith("sqlite"):
        expected = "wal" if journal == "wal" else bench_load_default_mode()
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            assert connection.execute("PRAGMA journal_mode").fetchone()[0].lower() == expected
    print(
        f"{mode} on {url.split(':')[0]} ({journal or 'default journal'}): {result.acknowledged} acknowledged, "
        f"{result.found} found, {result.error_count} errors, {result.stale_refused} stale saves refused, "
        f"{result.throughput:.0f} ops/s"
    )


def bench_load_default_mode() -> str:
    from tracker.db import choose_journal_mode

    return choose_journal_mode(override="").mode.lower()


def test_the_single_writer_baseline_runs_the_same_operations(load_db: tuple[str, str | None]) -> None:
    url, journal = load_db
    small = bench_load.Workload(interviewers=5, panel_size=5, candidates_per_posting=1, criteria=2, rounds=2, stale_every=3)
    jobs = bench_load.setup(url, small)
    reports, seconds = bench_load.run_single_writer(url, journal, jobs, small)
    result = bench_load.outcome("single writer", url, jobs, reports, seconds)
    assert (result.errors, result.mismatches) == ([], [])
    assert result.found == result.acknowledged == 5 * (small.saves_per_interviewer + 1)


def test_the_check_notices_a_write_nobody_acknowledged(load_db: tuple[str, str | None]) -> None:
    """The checker is not a rubber stamp: a lost or extra write shows up as a mismatch."""
    url, journal = load_db
    small = bench_load.Workload(interviewers=2, panel_size=2, candidates_per_posting=1, criteria=2, rounds=1, stale_every=99)
    jobs = bench_load.setup(url, small)
    reports, seconds = bench_load.run_single_writer(url, journal, jobs, small)
    forgotten = reports[0].saves.pop()  # the caller "never heard" of one acknowledged save
    result = bench_load.outcome("doctored", url, jobs, reports, seconds)
    assert any(str(forgotten[0]) in m for m in result.mismatches)
    engine = make_engine(url)
    try:
        with write_session(engine) as s:
            s.execute(text("UPDATE score SET version = version + 1"))  # a duplicated write
    finally:
        engine.dispose()
    reports[0].saves.append(forgotten)
    assert bench_load.outcome("doctored", url, jobs, reports, seconds).mismatches


def test_sqlite_writers_queue_on_a_lock_file_beside_the_database(tmp_path: Path, sqlite_template: Path) -> None:
    """What keeps contention cheap on SQLite: while one write transaction is open, the next writer
    (in this process or another) waits on ``flock`` of ``<database>-writer.lock``, not in SQLite's
    sleep-and-retry busy handler; the lock is free again as soon as the transaction ends."""
    url = new_sqlite_db(sqlite_template, tmp_path)
    engine = make_engine(url)
    lock_path = Path(url.removeprefix("sqlite:///") + "-writer.lock")
    entered = threading.Event()
    release = threading.Event()

    def writer() -> None:
        with write_session(engine) as s:
            s.execute(text("SELECT 1"))
            entered.set()
            release.wait(10)

    def held_by_someone() -> bool:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return False
        except BlockingIOError:
            return True
        finally:
            os.close(fd)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert entered.wait(10)
        assert held_by_someone()
    finally:
        release.set()
        thread.join()
        engine.dispose()
    assert not held_by_someone()


def test_a_writer_stuck_behind_the_lock_file_goes_on_after_the_busy_timeout(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The queue never makes a writer wait longer than SQLite itself would: past the busy timeout it
    goes on (SQLite's own locking decides), and the lock it gave up on is released, not leaked."""
    import time

    import tracker.db

    monkeypatch.setattr(tracker.db, "BUSY_TIMEOUT_MS", 300)
    url = new_sqlite_db(sqlite_template, tmp_path)
    engine = make_engine(url)
    lock_path = Path(url.removeprefix("sqlite:///") + "-writer.lock")
    squatter = os.open(lock_path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(squatter, fcntl.LOCK_EX)  # another process that never lets go of its turn
    try:
        start = time.monotonic()
        with write_session(engine) as s:
            s.execute(text("UPDATE alembic_version SET version_num = version_num"))
        waited = time.monotonic() - start
        assert 0.25 < waited < 10
    finally:
        os.close(squatter)
        engine.dispose()
    deadline = time.monotonic() + 5
    while True:  # the abandoned waiter takes the freed lock and drops it at once
        fd = os.open(lock_path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            assert time.monotonic() < deadline, "the abandoned turn was never released"
            time.sleep(0.05)
        finally:
            os.close(fd)
