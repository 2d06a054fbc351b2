"""Database helpers shared by test modules (a plain module: two conftest.py files exist, so a test
module that imported ``conftest`` could get tests/browser/conftest.py instead of this folder's)."""

from __future__ import annotations

import itertools
import os
import shutil
import warnings
from pathlib import Path
from typing import NoReturn

import pytest
from pg_server import PostgresServer
from sqlalchemy.engine import Engine

PG_TEMPLATE = "tracker_template"
_db_counter = itertools.count(1)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def engine_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def postgres_unavailable(reason: str) -> NoReturn:
    """Skip loudly (a warning in the summary) — or fail when CI=true, where the server must exist."""
    message = f"PostgreSQL tests cannot run: {reason}"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message + " (CI=true: a missing database server is a failure, not a skip)")
    warnings.warn(message, stacklevel=2)
    pytest.skip(message)


def new_sqlite_db(template: Path, directory: Path) -> str:
    path = directory / "tracker.sqlite3"
    shutil.copyfile(template, path)
    return sqlite_url(path)


def new_pg_db(server: PostgresServer, template: str) -> tuple[str, str]:
    name = f"test_{os.getpid()}_{next(_db_counter)}"
    # FILE_COPY clones a small template several times faster than the default WAL_LOG strategy.
    server.execute(f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY")
    return name, server.url(name)
