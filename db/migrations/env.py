"""Alembic environment: the tracker's models are the target; the URL comes from tracker.migrations.

On SQLite, migrations run in batch mode (SQLite cannot ALTER most things, so Alembic rebuilds the
table) with foreign keys OFF while tables are rebuilt — with them ON, dropping the old copy of a table
would cascade-delete every child row — and a ``PRAGMA foreign_key_check`` afterwards proves nothing
was orphaned. The whole upgrade is one transaction (SQLite and PostgreSQL both have transactional DDL),
and two upgrades take turns: PostgreSQL's advisory lock, SQLite's write lock.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine, event, pool
from sqlmodel import SQLModel

import tracker.models  # noqa: F401  (registers every table on the metadata)
from tracker.db import BUSY_TIMEOUT_MS, MIGRATION_LOCK_KEY, STARTUP_WAIT_MS, is_sqlite

config = context.config
target_metadata = SQLModel.metadata


def _sqlite_engine(url: str) -> Any:
    engine = create_engine(url, poolclass=pool.NullPool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=bool(url and is_sqlite(url)),
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "tracker.migrations.alembic_config sets sqlalchemy.url"
    sqlite = is_sqlite(url)
    engine = _sqlite_engine(url) if sqlite else create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
                compare_type=True,
                transaction_per_migration=False,
            )
            with context.begin_transaction():
                if not sqlite:
                    # One upgrade at a time (issue #22): replicas or jobs started together take turns
                    # here, and the next one then finds the schema current and has nothing to do.
                    # Transaction-scoped, so COMMIT or ROLLBACK releases it. SQLite's BEGIN IMMEDIATE
                    # (above) is the same turn-taking.
                    connection.exec_driver_sql(f"SET LOCAL lock_timeout = {STARTUP_WAIT_MS}")
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
                context.run_migrations()
                if sqlite:
                    orphans = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if orphans:
                        raise RuntimeError(f"Migration left rows pointing at missing parents: {orphans[:5]}")
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
