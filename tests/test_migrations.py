"""Migrations: the models and the Alembic revisions agree, and upgrading keeps every row."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from factories import build_world, make_consensus, make_scorecard
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from tracker.db import make_engine, write_session
from tracker.migrations import base_revision, current_revision, downgrade, head_revision, pending_diff, upgrade
from tracker.models import ScorecardStatus

_n = itertools.count()


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all (not cloned from the migrated template)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    server = request.getfixturevalue("pg_server")
    name = f"empty_{next(_n)}"
    server.execute(f"CREATE DATABASE {name}")
    try:
        yield server.url(name)
    finally:
        server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_models_and_migrations_agree(db_url: str) -> None:
    """No pending autogenerate diff: whoever changes tracker/models.py must add a revision."""
    assert pending_diff(db_url) == []


def test_every_table_of_the_models_exists_after_upgrade(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert set(SQLModel.metadata.tables) <= tables
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def _snapshot(engine: Any) -> dict[str, list[tuple]]:
    """Every row of every model table the database has (a later revision's new tables are absent at the first)."""
    present = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        return {
            table: sorted(tuple(map(str, row)) for row in connection.execute(text(f'SELECT * FROM "{table}"')).all())
            for table in SQLModel.metadata.tables
            if table in present
        }


def test_upgrade_from_the_first_revision_keeps_every_row(empty_url: str) -> None:
    """Filled at the first revision, upgraded to head: every row of every table is still there.

    With one revision this upgrades in place; it becomes a real data migration test as soon as a
    second revision exists, without changes.
    """
    upgrade(empty_url, base_revision())
    engine = make_engine(empty_url)
    try:
        world = build_world(engine)
        with write_session(engine) as s:
            from tracker.models import Candidate

            cand = s.get(Candidate, world.candidates[0].id)
            make_scorecard(s, candidate=cand, interviewer=world.chair, ratings=[3, 4, None], status=ScorecardStatus.submitted)
            make_scorecard(s, candidate=cand, interviewer=world.member, ratings=[2, 4, 5])
            from factories import criteria_of, rubric_of

            make_consensus(s, candidate=cand, criterion=criteria_of(s, rubric_of(s, world.posting))[0], rating=3, rationale="Agreed")
        before = _snapshot(engine)
        assert sum(len(rows) for rows in before.values()) > 20
    finally:
        engine.dispose()
    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        assert current_revision(engine) == head_revision()
        after = _snapshot(engine)
    finally:
        engine.dispose()
    assert not any(rows for table, rows in after.items() if table not in before), "new tables start empty"
    after = {table: rows for table, rows in after.items() if table in before}
    assert {t: len(r) for t, r in after.items()} == {t: len(r) for t, r in before.items()}
    assert after == before


def test_downgrade_to_nothing_and_back_works_on_an_empty_database(empty_url: str) -> None:
    upgrade(empty_url)
    downgrade(empty_url, "base")
    engine = make_engine(empty_url)
    try:
        assert not set(SQLModel.metadata.tables) & set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    upgrade(empty_url)
    assert pending_diff(empty_url) == []
