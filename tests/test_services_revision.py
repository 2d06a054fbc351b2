"""One clock (issue #22): audit times from the database, and the posting revision that keys the results cache."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from factories import World
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tracker.db import read_session, write_session
from tracker.models import AuditEvent
from tracker.results.data import latest_change
from tracker.services import accounts, scoring
from tracker.services.audit import posting_revision, record_event


def _database_now(session: object, dialect: str) -> datetime:
    query = "SELECT clock_timestamp()" if dialect == "postgresql" else "SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')"
    value = session.execute(text(query)).scalar_one()  # type: ignore[attr-defined]
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_audit_times_come_from_the_database_clock_not_the_app_servers(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    lagging = datetime.now(UTC) - timedelta(seconds=30)  # a replica whose clock is 30 s behind
    monkeypatch.setattr("tracker.models.utcnow", lambda: lagging)
    with write_session(engine) as s:
        event_id = record_event(s, world.actor("admin"), action="test.clock", entity_type="test", entity_id=None)
        database_now = _database_now(s, engine.dialect.name)
    with read_session(engine) as s:
        at = s.get(AuditEvent, event_id).at
    assert abs((at - database_now).total_seconds()) < 5
    assert (at - lagging).total_seconds() > 25


def _revision(engine: Engine, posting_id: int) -> int:
    with read_session(engine) as s:
        return posting_revision(s, posting_id)


def test_every_committed_write_moves_the_posting_revision_and_a_rolled_back_one_does_not(engine: Engine, world: World) -> None:
    chair, posting_id = world.actor("chair"), world.posting.id
    start, other = _revision(engine, posting_id), _revision(engine, world.other_posting.id)
    with write_session(engine) as s:
        scoring.declare(s, chair, candidate_id=world.candidates[0].id, has_conflict=False, language="en")
        card = scoring.open_scorecard(s, chair, candidate_id=world.candidates[0].id)
    after_open = _revision(engine, posting_id)
    assert after_open == start + 1, "one transaction, one move, however many events it records"
    with pytest.raises(RuntimeError), write_session(engine) as s:
        scoring.save_draft_score(s, chair, scorecard_id=card.id, criterion_id=card.scores[0].criterion_id, rating=3)
        raise RuntimeError("the request failed after the save")
    assert _revision(engine, posting_id) == after_open
    with write_session(engine) as s:
        scoring.save_draft_score(s, chair, scorecard_id=card.id, criterion_id=card.scores[0].criterion_id, rating=3)
    assert _revision(engine, posting_id) == after_open + 1
    assert _revision(engine, world.other_posting.id) == other
    with read_session(engine) as s:
        assert latest_change(s, world.actor("manager"), posting_id=posting_id) == str(after_open + 1)


def test_renaming_a_panel_member_moves_the_revision_of_their_postings_only(engine: Engine, world: World) -> None:
    before, other_before = _revision(engine, world.posting.id), _revision(engine, world.other_posting.id)
    with write_session(engine) as s:
        accounts.update_user(s, world.actor("admin"), user_id=world.member.id, display_name="Mika Renamed")
    assert _revision(engine, world.posting.id) == before + 1
    assert _revision(engine, world.other_posting.id) == other_before
    with write_session(engine) as s:  # a change that is not a rename leaves the results' key alone
        accounts.update_user(s, world.actor("admin"), user_id=world.member.id, active=True)
    assert _revision(engine, world.posting.id) == before + 1
