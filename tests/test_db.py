"""Engines and sessions: the journal mode in force and why, foreign keys, BEGIN IMMEDIATE."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tracker.db import (
    BUSY_TIMEOUT_MS,
    DatabaseUnavailableError,
    choose_journal_mode,
    make_engine,
    read_session,
    wal_reset_bug_affects,
    write_session,
)


@pytest.mark.parametrize(
    ("version", "affected"),
    [
        ("3.6.23", False),
        ("3.7.0", True),
        ("3.40.1", True),  # the version Python links on these machines
        ("3.44.5", True),
        ("3.44.6", False),  # backport
        ("3.44.9", False),
        ("3.45.0", True),
        ("3.50.6", True),
        ("3.50.7", False),  # backport
        ("3.51.2", True),
        ("3.51.3", False),  # fixed
        ("3.52.0", False),
    ],
)
def test_wal_reset_bug_version_ranges(version: str, affected: bool) -> None:
    assert wal_reset_bug_affects(version) is affected


@pytest.mark.parametrize(
    ("version", "override", "mode", "why"),
    [
        ("3.40.1", "", "DELETE", "WAL-reset corruption bug"),
        ("3.51.3", "", "WAL", "not affected"),
        ("3.40.1", "wal", "WAL", "TRACKER_SQLITE_JOURNAL=wal"),
        ("3.51.3", "delete", "DELETE", "TRACKER_SQLITE_JOURNAL=delete"),
        ("3.40.1", "bogus", "DELETE", "WAL-reset"),
    ],
)
def test_journal_mode_choice_and_reason(version: str, override: str, mode: str, why: str) -> None:
    choice = choose_journal_mode(version, override)
    assert choice.mode == mode and why in choice.reason and version in choice.reason


def test_the_mode_in_force_on_this_machine_is_the_chosen_one(sqlite_engine: Engine) -> None:
    """Which mode runs here, and why: printed so the test log documents it (issue #3)."""
    choice = choose_journal_mode()
    with sqlite_engine.connect() as connection:
        in_force = connection.exec_driver_sql("PRAGMA journal_mode").scalar_one()
        fk = connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one()
        timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one()
        sync = connection.exec_driver_sql("PRAGMA synchronous").scalar_one()
    print(f"SQLite {sqlite3.sqlite_version}: journal_mode={in_force} because {choice.reason}")
    assert str(in_force).upper() == choice.mode
    if wal_reset_bug_affects(sqlite3.sqlite_version):
        assert choice.mode == "DELETE"
    assert (fk, timeout, sync) == (1, BUSY_TIMEOUT_MS, 2)


def test_write_session_takes_the_write_lock_before_its_first_read(sqlite_engine: Engine) -> None:
    """BEGIN IMMEDIATE: while a write session is open, another writer cannot even begin."""
    path = sqlite_engine.url.database
    with write_session(sqlite_engine) as session:
        session.execute(text("SELECT 1")).all()
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()


def test_read_session_does_not_block_writers(sqlite_engine: Engine) -> None:
    path = sqlite_engine.url.database
    with read_session(sqlite_engine) as session:
        session.execute(text("SELECT count(*) FROM user")).all()
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        finally:
            other.close()


def test_foreign_keys_are_enforced(engine: Any) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), write_session(engine) as session:
        session.execute(text("INSERT INTO panel_member (posting_id, user_id, is_chair, added_at) VALUES (999, 999, false, CURRENT_TIMESTAMP)"))


def test_missing_database_folder_gives_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnavailableError, match="does not exist"):
        make_engine(f"sqlite:///{tmp_path / 'nowhere' / 'db.sqlite3'}")


@pytest.mark.parametrize(("ci", "outcome"), [("true", "fail"), ("", "skip")])
def test_missing_postgres_fails_under_ci_and_skips_loudly_elsewhere(monkeypatch: pytest.MonkeyPatch, ci: str, outcome: str) -> None:
    from dbtools import postgres_unavailable

    monkeypatch.setenv("CI", ci)
    expected = pytest.fail.Exception if outcome == "fail" else pytest.skip.Exception
    with pytest.raises(expected, match="PostgreSQL tests cannot run: no binaries"):
        if outcome == "skip":
            with pytest.warns(UserWarning, match="cannot run"):
                postgres_unavailable("no binaries")
        else:
            postgres_unavailable("no binaries")
