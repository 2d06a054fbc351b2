"""Every datetime column reads back aware UTC on SQLite and PostgreSQL (issue #24).

The naive-datetime shims (``_aware``, ``tz_localize``) are gone because the column type,
``sqlmodel.sql.sqltypes.UTCDateTime``, already returns aware UTC on both databases. This test fills
every table that has a datetime column, writes each such column with a time in another zone, and reads
it back through the ORM and through Core.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from factories import build_world, criteria_of, make_consensus, make_scorecard, rubric_of
from sqlalchemy import DateTime, select, update
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import UTCDateTime

from tracker.db import read_session, write_session
from tracker.models import Candidate, Decision, DecisionOutcome, PostingSource, ScorecardStatus, TextDraft, User
from tracker.services import accounts, drafts, sessions
from tracker.services.audit import record_event

EASTERN = timezone(timedelta(hours=-5))
WRITTEN = datetime(2026, 3, 2, 9, 30, 15, tzinfo=EASTERN)  # = 14:30:15 UTC
APPEND_ONLY = {"audit_event"}  # triggers refuse UPDATE: its rows are checked as written


def _holds_datetimes(column: Any) -> bool:
    # UTCDateTime is a TypeDecorator over DateTime, not a DateTime subclass: look at both.
    return isinstance(column.type, DateTime) or isinstance(getattr(column.type, "impl", None), DateTime)


def datetime_columns() -> dict[str, list[str]]:
    found = {
        table.name: [c.name for c in table.columns if _holds_datetimes(c)] for table in SQLModel.metadata.sorted_tables
    }
    return {name: cols for name, cols in found.items() if cols}


def test_every_datetime_column_is_utc_datetime() -> None:
    columns = [c for table in SQLModel.metadata.sorted_tables for c in table.columns if _holds_datetimes(c)]
    assert len(columns) >= 17  # every created/updated/submitted/... time of the schema
    loose = [f"{c.table.name}.{c.name}" for c in columns if not isinstance(c.type, UTCDateTime)]
    assert not loose, f"columns that would come back naive on SQLite: {loose}"


def fill_every_table(engine: Any) -> None:
    world = build_world(engine)
    with write_session(engine) as s:
        cand = s.get(Candidate, world.candidates[0].id)
        make_scorecard(s, candidate=cand, interviewer=world.chair, ratings=[3, 4, 5], status=ScorecardStatus.submitted)
        make_consensus(
            s, candidate=cand, criterion=criteria_of(s, rubric_of(s, world.posting))[0], rating=4, rationale="Agreed"
        )
        s.add(Decision(candidate_id=cand.id or 0, outcome=DecisionOutcome.qualified, decided_by_id=world.manager.id))
        s.add(
            PostingSource(posting_id=world.posting.id or 0, lang="en", path="p.md", content_hash="0" * 64, content="x")
        )
        s.get(User, world.member.id).locked_until = WRITTEN
        record_event(s, world.actor("admin"), action="test.event", entity_type="user", entity_id=world.admin.id)
    issuer = "https://login.northwind.example"
    claims = {"iss": issuer, "sub": "c-1", "email": world.chair.email, "email_verified": True}
    with write_session(engine) as s:
        accounts.actor_for_sso(s, claims=claims, issuers=[issuer])
    with write_session(engine) as s:  # a stay-signed-in session (#18)
        sessions.start_session(s, world.actor("chair"))
        # a long text being written, not recorded yet (#18)
        s.add(TextDraft(user_id=world.chair.id or 0, candidate_id=world.candidates[0].id or 0,
                        kind=drafts.DECISION_RATIONALE, text="Half a sentence"))  # fmt: skip


def test_every_datetime_column_reads_back_aware_utc(engine: Any) -> None:
    fill_every_table(engine)
    columns = datetime_columns()
    tables = {t.name: t for t in SQLModel.metadata.sorted_tables}
    with write_session(engine) as s:
        for name, cols in columns.items():
            if name not in APPEND_ONLY:
                s.execute(update(tables[name]).values(dict.fromkeys(cols, WRITTEN)))
    seen: dict[str, int] = {}
    with read_session(engine) as s:
        for name, cols in columns.items():
            rows = s.execute(select(*(tables[name].c[c] for c in cols))).all()
            assert rows, f"table {name} has no row: fill it above so its datetimes are checked"
            for row in rows:
                for column, value in zip(cols, row, strict=True):
                    assert value is not None, f"{name}.{column} was not written"
                    assert value.tzinfo is not None and value.utcoffset() == timedelta(0), f"{name}.{column}: {value!r}"
                    if name not in APPEND_ONLY:
                        assert value == WRITTEN and value.hour == 14, f"{name}.{column}: {value!r}"
                    seen[f"{name}.{column}"] = seen.get(f"{name}.{column}", 0) + 1
        # The ORM path too (what the services read): one model per kind of row.
        member = s.get(User, 1)
        assert member is not None and member.created_at.tzinfo is not None
        assert all(u.locked_until is not None and u.locked_until.utcoffset() == timedelta(0) for u in s.query(User))
    assert set(seen) == {f"{t}.{c}" for t, cols in columns.items() for c in cols}


def test_a_lockout_compares_with_aware_now_on_both_databases(engine: Any) -> None:
    """What the deleted ``accounts._aware`` was for: comparing ``locked_until`` with an aware now."""
    world = build_world(engine)
    with write_session(engine) as s:
        s.get(User, world.member.id).locked_until = datetime.now(UTC) + timedelta(minutes=5)
    with read_session(engine) as s:
        user = s.get(User, world.member.id)
        assert user.locked_until > datetime.now(UTC)
    assert WRITTEN.astimezone(UTC).hour == 14
