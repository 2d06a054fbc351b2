"""Migrations: the models and the Alembic revisions agree, and upgrading keeps every row."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from factories import build_world
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from tracker.db import make_engine, write_session
from tracker.migrations import base_revision, current_revision, downgrade, head_revision, pending_diff, upgrade

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


def _columns(engine: Any) -> dict[str, list[str]]:
    inspector = inspect(engine)
    present = set(inspector.get_table_names())  # tables a later revision adds are absent at the base
    return {t: [c["name"] for c in inspector.get_columns(t)] for t in SQLModel.metadata.tables if t in present}


def _snapshot(engine: Any, columns: dict[str, list[str]] | None = None) -> dict[str, list[tuple]]:
    """Every row of every table, as text; ``columns`` limits each table to the columns it had before."""
    columns = columns or _columns(engine)
    with engine.connect() as connection:
        return {
            table: sorted(
                tuple(map(str, row))
                for row in connection.execute(text(f'SELECT {", ".join(chr(34) + c + chr(34) for c in names)} FROM "{table}"')).all()
            )
            for table, names in columns.items()
        }


def _insert(connection: Any, table: str, **values: Any) -> int:
    """A row written with the columns of the revision the database is at (the models may be ahead)."""
    names = ", ".join(values)
    marks = ", ".join(f":{k}" for k in values)
    return int(connection.execute(text(f'INSERT INTO "{table}" ({names}) VALUES ({marks}) RETURNING id'), values).scalar_one())


def _fill_at_first_revision(engine: Any) -> tuple[int, int]:
    """Users, postings, two rubric versions, scorecards, scores and consensus rows, two of which are for
    one candidate and one criterion lineage (the duplicate #10 reported). Returns (kept id, dropped id)."""
    from factories import criteria_of, rubric_of

    from tracker.models import Criterion, Rubric, RubricStatus

    # Today's code stores no label text (0008 dropped candidate.label): let the first revision's NOT NULL
    # column take a default while today's services insert, then write the labels its code wrote.
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(text("ALTER TABLE candidate DROP COLUMN label"))
            connection.execute(text("ALTER TABLE candidate ADD COLUMN label VARCHAR(40) NOT NULL DEFAULT ''"))
        else:
            connection.execute(text("ALTER TABLE candidate ALTER COLUMN label SET DEFAULT ''"))
    world = build_world(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE candidate SET label = 'Candidate ' || substr('0' || label_number, -2)"))
    with write_session(engine) as s:
        old = rubric_of(s, world.posting)
        old_criteria = criteria_of(s, old)
        new = Rubric(posting_id=world.posting.id, version_number=2, status=RubricStatus.locked)
        s.add(new)
        s.flush()
        new_criteria = []
        for c in old_criteria:
            copy = Criterion(rubric_id=new.id, lineage=c.lineage, number=c.number, kind=c.kind, text_en=c.text_en, text_fr=c.text_fr)
            s.add(copy)
            new_criteria.append(copy)
        s.flush()
        cand = world.candidates[0].id
        other = world.candidates[1].id
        conn = s.connection()
        at = "2026-03-02 09:00:00.000000" if engine.dialect.name == "sqlite" else "2026-03-02 09:00:00+00"
        later = "2026-03-03 09:00:00.000000" if engine.dialect.name == "sqlite" else "2026-03-03 09:00:00+00"
        card = {"rubric_id": old.id, "status": "submitted", "overall_notes": "", "created_at": at, "updated_at": at, "version": 1}
        chair_card = _insert(conn, "scorecard", candidate_id=cand, interviewer_id=world.chair.id, **card)
        _insert(conn, "scorecard", candidate_id=cand, interviewer_id=world.member.id, **{**card, "status": "draft"})
        for crit, rating in zip(old_criteria, [3, 4, None], strict=True):
            _insert(conn, "score", scorecard_id=chair_card, criterion_id=crit.id, rating=rating, not_assessed=rating is None,
                    notes="Evidence", updated_at=at, version=1)  # fmt: skip
        consensus = {"candidate_id": cand, "not_assessed": False, "decided_by_id": world.chair.id, "version": 1}
        dropped = _insert(conn, "consensus", criterion_id=old_criteria[0].id, rating=3, rationale="First", decided_at=at, **consensus)
        kept = _insert(conn, "consensus", criterion_id=new_criteria[0].id, rating=4, rationale="Again", decided_at=later, **consensus)
        _insert(conn, "consensus", criterion_id=old_criteria[1].id, rating=4, rationale="Agreed", decided_at=at, **consensus)
        _insert(conn, "consensus", **{**consensus, "candidate_id": other}, criterion_id=old_criteria[0].id, rating=2,
                rationale="Other", decided_at=at)  # fmt: skip
    return kept, dropped


def test_upgrade_from_the_first_revision_merges_duplicate_consensus_and_keeps_every_other_row(
    empty_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Filled at the first revision (with a duplicate consensus), upgraded to head: the latest consensus
    of the pair is kept, the merge is audited, and every other row of every table is still there.

    The fill runs today's services, so what they write to tables of later revisions is left out the
    way the first revision's code did: the posting revision (0004) did not exist.
    """
    monkeypatch.setattr("tracker.services.audit.touch_postings", lambda _session, _ids: None)
    upgrade(empty_url, base_revision())
    engine = make_engine(empty_url)
    try:
        kept, dropped = _fill_at_first_revision(engine)
        old_columns = _columns(engine)
        old_columns["candidate"].remove("label")  # dropped on purpose by 0008 (the label is its number)
        before = _snapshot(engine, old_columns)
        assert sum(len(rows) for rows in before.values()) > 20
    finally:
        engine.dispose()
    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        assert current_revision(engine) == head_revision()
        after = _snapshot(engine, old_columns)
        with engine.connect() as connection:
            ids = {r[0] for r in connection.execute(text("SELECT id FROM consensus")).all()}
            lineages = connection.execute(text("SELECT count(*), count(DISTINCT candidate_id || '/' || lineage) FROM consensus")).one()
            merge = connection.execute(
                text("SELECT e.entity_id, e.candidate_label, p.before_json FROM audit_event e "
                     "JOIN audit_personal_data p ON p.audit_event_id = e.id WHERE e.action = 'consensus.merge'")
            ).all()  # fmt: skip
    finally:
        engine.dispose()
    assert kept in ids and dropped not in ids
    assert lineages[0] == lineages[1] == 3
    assert len(merge) == 1 and merge[0][0] == kept and merge[0][1] == "Candidate 01"
    assert "First" in merge[0][2] and "Again" in merge[0][2]
    dropped_row = next(r for r in before["consensus"] if r[0] == str(dropped))
    assert after["consensus"] == [r for r in before["consensus"] if r != dropped_row]
    assert len(after["audit_event"]) == len(before["audit_event"]) + 1
    assert len(after["audit_personal_data"]) == len(before["audit_personal_data"]) + 1
    for table in set(before) - {"consensus", "audit_event", "audit_personal_data"}:
        assert after[table] == before[table], table
    assert set(before["audit_event"]) <= set(after["audit_event"])


def test_one_consensus_per_candidate_and_lineage_is_enforced_by_the_database(db_url: str) -> None:
    from factories import criteria_of, rubric_of
    from sqlalchemy.exc import IntegrityError

    from tracker.models import Consensus

    engine = make_engine(db_url)
    try:
        world = build_world(engine)
        with pytest.raises(IntegrityError), write_session(engine) as s:
            crit = criteria_of(s, rubric_of(s, world.posting))[0]
            for rating in (3, 4):
                s.add(Consensus(candidate_id=world.candidates[0].id, criterion_id=crit.id, lineage=crit.lineage, rating=rating))
                s.flush()
    finally:
        engine.dispose()


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
