"""Readiness and timeouts (issue #22): `db ready`, the schema check the app uses, PostgreSQL's limits.

A replica must not take traffic on a database that is down or not migrated, and a lock held elsewhere
(a migration's ``ALTER TABLE``) or an exhausted pool must end in an error within the configured time
instead of freezing every page.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from tracker.cli import cli
from tracker.db import dispose_engines, make_engine, read_session
from tracker.migrations import NOT_MIGRATED, head_revision, readiness, upgrade
from tracker.services.actor import load_actor

_n = itertools.count()


@pytest.fixture(params=["sqlite", "postgres"])
def bare_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bare.sqlite3'}"
        return
    server = request.getfixturevalue("pg_server")
    name = f"bare_{next(_n)}"
    server.execute(f"CREATE DATABASE {name}")
    try:
        yield server.url(name)
    finally:
        dispose_engines()
        server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _ready(url: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    dispose_engines()
    result = CliRunner().invoke(cli, ["db", "ready"])
    dispose_engines()
    return result.exit_code, result.output.strip()


def test_db_ready_says_not_migrated_then_ready_then_unknown_revision(bare_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _ready(bare_url, monkeypatch) == (1, NOT_MIGRATED)
    upgrade(bare_url)
    code, output = _ready(bare_url, monkeypatch)
    assert (code, output) == (0, f"The database is ready (schema revision {head_revision()}).")
    engine = make_engine(bare_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
        state = readiness(engine)
    finally:
        engine.dispose()
    assert state.reason == "unknown_revision" and "run the same release on every replica" in state.detail
    assert _ready(bare_url, monkeypatch)[0] == 1


def test_db_ready_fails_with_a_sentence_when_the_server_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    code, output = _ready("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2", monkeypatch)
    assert code == 1 and output.startswith("The database cannot be reached (") and "Traceback" not in output


@pytest.mark.postgres
def test_a_lock_held_elsewhere_ends_in_an_error_within_the_lock_timeout(
    pg_server: object, pg_template: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dbtools import new_pg_db

    name, url = new_pg_db(pg_server, pg_template)  # type: ignore[arg-type]
    monkeypatch.setenv("TRACKER_PG_LOCK_TIMEOUT_MS", "300")
    monkeypatch.setenv("TRACKER_PG_STATEMENT_TIMEOUT_MS", "4000")
    engine = make_engine(url)
    holder = make_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SHOW lock_timeout")).scalar_one() == "300ms"
            assert connection.execute(text("SHOW statement_timeout")).scalar_one() == "4s"
        with holder.connect() as blocking:
            blocking.execute(text('LOCK TABLE "user" IN ACCESS EXCLUSIVE MODE'))  # what ALTER TABLE takes
            started = time.monotonic()
            with pytest.raises(OperationalError, match="lock timeout"), read_session(engine) as session:
                load_actor(session, 1)
            waited = time.monotonic() - started
            blocking.rollback()
        assert waited < 3, f"waited {waited:.1f} s for a lock with a 0.3 s lock timeout"
    finally:
        engine.dispose()
        holder.dispose()
        pg_server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # type: ignore[attr-defined]


@pytest.mark.postgres
def test_an_exhausted_pool_ends_in_a_timeout_error_not_a_frozen_page(
    pg_server: object, pg_template: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dbtools import new_pg_db

    name, url = new_pg_db(pg_server, pg_template)  # type: ignore[arg-type]
    monkeypatch.setenv("TRACKER_POOL_TIMEOUT_SECONDS", "0.3")
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        with engine.connect():
            started = time.monotonic()
            with pytest.raises(PoolTimeoutError):
                engine.connect()
            assert time.monotonic() - started < 3
    finally:
        engine.dispose()
        pg_server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # type: ignore[attr-defined]
