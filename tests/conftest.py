"""Shared fixtures: a fresh database per test on a SQLite file and on a real PostgreSQL server.

Every database is created by the Alembic migrations (issue #3): once per session into a template
(a SQLite file copied per test; a PostgreSQL template database cloned with CREATE DATABASE … TEMPLATE,
which takes a few milliseconds), so the whole service suite runs through the migrations on both.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

from dbtools import PG_TEMPLATE, engine_url, new_pg_db, new_sqlite_db, postgres_unavailable, sqlite_url  # noqa: E402,F401
from factories import World, build_world  # noqa: E402
from pg_server import PostgresServer, PostgresUnavailable, start_server  # noqa: E402

from tracker.db import dispose_engines, make_engine  # noqa: E402

# Registered here, before any test module imports it, so pytest can rewrite its asserts.
pytest_plugins = ["app_helpers"]

# Fixtures parametrised over ["sqlite", "postgres"]; their PostgreSQL cases get the ``postgres`` marker.
POSTGRES_PARAMS = ("db_url", "matrix", "empty_url")








@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server, stopped when the session ends."""
    try:
        server = start_server()
    except (PostgresUnavailable, OSError) as exc:
        postgres_unavailable(str(exc))
    except subprocess.CalledProcessError as exc:
        postgres_unavailable(f"{' '.join(map(str, exc.cmd))} failed: {(exc.stderr or exc.stdout or '').strip()[-500:]}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tracker.migrations import upgrade

    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(sqlite_url(path))
    return path


@pytest.fixture(scope="session")
def pg_template(pg_server: PostgresServer) -> str:
    from tracker.migrations import upgrade

    pg_server.execute(f"CREATE DATABASE {PG_TEMPLATE}")
    upgrade(pg_server.url(PG_TEMPLATE))
    return PG_TEMPLATE






@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database URL: a SQLite file under tmp_path, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield new_sqlite_db(request.getfixturevalue("sqlite_template"), tmp_path)
        return
    server: PostgresServer = request.getfixturevalue("pg_server")
    name, url = new_pg_db(server, request.getfixturevalue("pg_template"))
    try:
        yield url
    finally:
        dispose_engines()
        server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Tests running on the PostgreSQL parameter carry the ``postgres`` marker (so `-m "not postgres"` works).
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and any(callspec.params.get(name) == "postgres" for name in POSTGRES_PARAMS):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_engine(sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """SQLite-only tests (journal mode, backup): a migrated database file under tmp_path."""
    engine = make_engine(new_sqlite_db(sqlite_template, tmp_path))
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def world(engine: Engine) -> World:
    """``factories.build_world`` on the parametrised engine: admin, two managers, a panel, candidates."""
    return build_world(engine)


@pytest.fixture(autouse=True)
def _restore_main_module() -> Iterator[None]:
    """AppTest runs the page script as ``__main__`` and leaves it there; a process spawned later (the
    concurrency and load tests) re-runs ``__main__`` first and dies. Put the real one back after each test."""
    main = sys.modules.get("__main__")
    yield
    if main is not None and sys.modules.get("__main__") is not main:
        sys.modules["__main__"] = main
