"""``python -m tracker db``: upgrade the schema, back up, restore and check the database."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

import click
from sqlalchemy.engine import make_url

from tracker.db import database_url, dispose_engines, get_engine, is_sqlite, write_session


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise click.ClickException("This command needs a SQLite database file, not an in-memory database.")
    return Path(database)


def _require_sqlite(url: str, what: str) -> Path:
    if not is_sqlite(url):
        raise click.ClickException(
            f"`db {what}` works on SQLite files. For PostgreSQL use pg_dump / pg_restore (see docs/operations.md)."
        )
    return _sqlite_path(url)


def _copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's online backup API: a consistent snapshot even while the app is writing."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst, pages=1024)
        finally:
            dst.close()
    finally:
        src.close()


def _integrity(path: Path) -> str:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return ", ".join(row[0] for row in connection.execute("PRAGMA integrity_check").fetchall())
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        connection.close()


@click.group()
def command() -> None:
    """Manage the database: upgrade the schema, back up, restore, check."""


@command.command()
def upgrade() -> None:
    """Create or upgrade the schema to the latest revision; creates the first admin on an empty database."""
    from tracker.migrations import upgrade as run_upgrade
    from tracker.services.accounts import ensure_first_admin

    url = database_url()
    run_upgrade(url)
    with write_session(get_engine(url)) as session:
        created = ensure_first_admin(session)
    click.echo(f"Database is at the latest schema ({make_url(url).render_as_string(hide_password=True)}).")
    if created is not None:
        email, password = created
        click.echo("")
        click.echo("First administrator created. This one-time password is shown only now:")
        click.echo(f"  e-mail:   {email}")
        click.echo(f"  password: {password}")
        click.echo("Sign in and change it at once.")


@command.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
def backup(file: Path, force: bool) -> None:
    """Copy the SQLite database to FILE, safely while the app runs."""
    source = _require_sqlite(database_url(), "backup")
    if not source.exists():
        raise click.ClickException(f"There is no database at {source} to back up.")
    if file.exists() and not force:
        raise click.ClickException(f"{file} already exists; choose another name or add --force.")
    if file.resolve() == source.resolve():
        raise click.ClickException("The backup file cannot be the database itself.")
    file.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target then rename, so a crash never leaves a half-written backup under FILE.
    fd, tmp_name = tempfile.mkstemp(prefix=".backup-", suffix=".sqlite3", dir=file.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _copy_sqlite(source, tmp)
        result = _integrity(tmp)
        if result != "ok":
            raise click.ClickException(f"The backup failed its integrity check ({result}); the database was left as it is.")
        os.replace(tmp, file)
    finally:
        tmp.unlink(missing_ok=True)
    click.echo(f"Backed up {source} to {file} ({file.stat().st_size:,} bytes, integrity ok).")


@command.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the existing database without asking.")
def restore(file: Path, yes: bool) -> None:
    """Replace the SQLite database with the backup FILE (refuses to overwrite without --yes)."""
    target = _require_sqlite(database_url(), "restore")
    result = _integrity(file)
    if result != "ok":
        raise click.ClickException(f"{file} is not a sound SQLite database ({result}); nothing was restored.")
    if target.exists() and target.stat().st_size > 0 and not yes:
        raise click.ClickException(
            f"{target} already exists and would be overwritten; stop the app, then run again with --yes."
        )
    dispose_engines()
    target.parent.mkdir(parents=True, exist_ok=True)
    # The backup API writes every page into the live file under SQLite's own locks, journal and all.
    _copy_sqlite(file, target)
    dispose_engines()
    click.echo(f"Restored {target} from {file}. Run `python -m tracker db upgrade` if the backup is older than this version.")


@command.command()
def ready() -> None:
    """Exit 0 when the database is reachable and at this release's schema revision, else 1: a readiness probe."""
    from tracker.migrations import readiness

    state = readiness(get_engine(database_url()))
    click.echo(state.detail, err=not state.ready)
    if not state.ready:
        raise SystemExit(1)


@command.command()
def check() -> None:
    """Print the journal mode in force and why, the schema revision and the integrity check."""
    from sqlalchemy import text

    from tracker.migrations import current_revision, head_revision

    url = database_url()
    engine = get_engine(url)
    revision = current_revision(engine)
    click.echo(f"Database: {make_url(url).render_as_string(hide_password=True)}")
    click.echo(f"Schema revision: {revision or 'none (run `db upgrade`)'} (latest {head_revision()})")
    if not is_sqlite(url):
        with engine.connect() as connection:
            click.echo(f"Server: {connection.execute(text('select version()')).scalar_one()}")
        return
    with engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar_one()
        integrity = ", ".join(r[0] for r in connection.exec_driver_sql("PRAGMA integrity_check").fetchall())
        fk = connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one()
    choice = engine.info_journal  # type: ignore[attr-defined]
    click.echo(f"SQLite {sqlite3.sqlite_version}; journal mode in force: {str(mode).upper()}")
    click.echo(f"Why: {choice.reason}")
    click.echo(f"Foreign keys: {'on' if fk else 'OFF'}")
    click.echo(f"Integrity check: {integrity}")
    if integrity != "ok":
        raise SystemExit(1)
