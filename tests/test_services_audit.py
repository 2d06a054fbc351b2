"""The audit trail: every service write records an event in the same transaction, personal payloads
sit apart, and nothing — no service, no SQL — can change or delete an event."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from factories import build_world
from sqlalchemy import func, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select
from test_services_permissions import ACTORS, CASES, Ctx, shared_ctx

from tracker.db import read_session, write_session
from tracker.models import AuditEvent, AuditPersonalData, Candidate
from tracker.services import ValidationError, audit, candidates

SERVICES_DIR = Path(__file__).resolve().parent.parent / "tracker" / "services"
READS = {
    "postings.get_posting", "postings.posting_sections", "rubrics.current_rubric", "rubrics.get_rubric",
    "rubrics.list_rubric_versions", "candidates.get_candidate", "candidates.list_candidates",
    "candidates.preview_candidates_csv", "panels.get_panel", "scoring.get_declaration", "scoring.candidate_scorecards",
    "consensus.consensus_board", "decisions.get_decision", "decisions.posting_decisions", "outstanding.outstanding_for_posting", "outstanding.owed_by_me",
    "outstanding.owed_overview", "outstanding.posting_overview", "candidates.search_candidates",
    "audit.list_events", "accounts.list_users", "privacy.purge_closed_postings",  # (the matrix runs the purge as a dry run)
    "accounts.list_sso_links",
}
# Locking an already-locked rubric changes nothing, so it records nothing (tested in test_services_rubrics);
# nor does removing the SSO links of an account that has none (the removal's event: test_accounts_sso).
WRITES = [
    name for name in CASES
    if name.split(" ")[0] not in READS | {"rubrics.lock_rubric", "accounts.remove_sso_links"}
    and not name.startswith("scoring.get_scorecard")
]


def _count(s: Session) -> int:
    return s.exec(select(func.count()).select_from(AuditEvent)).one()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def matrix(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Ctx]]:
    yield from shared_ctx(request, tmp_path_factory)


@pytest.mark.parametrize("case", WRITES)
def test_every_service_write_records_an_audit_event(matrix: tuple[Any, Ctx], case: str) -> None:
    engine, ctx = matrix
    op, allowed = CASES[case]
    actor_name = next(a for a in ACTORS if a in allowed)
    with Session(engine) as s:
        before = _count(s)
        op(s, ctx.world.actor(actor_name), ctx)
        s.flush()
        assert _count(s) > before, f"{case} as {actor_name} wrote no audit event"
        s.rollback()


def test_a_failing_write_leaves_no_audit_row(engine: Any) -> None:
    """The event and the change share one transaction: when the action fails, neither stays."""
    world = build_world(engine)
    manager = world.actor("manager")
    with read_session(engine) as s:
        before = _count(s)
    with pytest.raises(ValidationError), write_session(engine) as s:
        candidates.add_candidate(s, manager, posting_id=world.posting.id, name="Ann Example", email="ann@mail.example")
        candidates.add_candidate(s, manager, posting_id=world.posting.id, name="Ann Again", email="ann@mail.example")
    with read_session(engine) as s:
        assert _count(s) == before
        assert s.exec(select(Candidate).where(Candidate.email == "ann@mail.example")).first() is None


def test_candidate_personal_payloads_live_apart_from_the_event(engine: Any) -> None:
    world = build_world(engine)
    with write_session(engine) as s:
        added = candidates.add_candidate(s, world.actor("manager"), posting_id=world.posting.id, name="Zoë Tremblay", email="zoe@mail.example")
    with read_session(engine) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "candidate.create", AuditEvent.entity_id == added.id)).one()
        personal = s.get(AuditPersonalData, event.id)
        assert event.candidate_label == added.label
        assert event.before_json is None and event.after_json is None
        assert "Zoë Tremblay" in personal.after_json
        shown = audit.list_events(s, world.actor("admin"), action="candidate.create")
    assert any(e.after and e.after["name"] == "Zoë Tremblay" for e in shown)


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET action = 'forged'", "DELETE FROM audit_event"])
def test_the_database_refuses_to_change_or_delete_audit_events(engine: Any, statement: str) -> None:
    world = build_world(engine)
    with write_session(engine) as s:
        candidates.add_candidate(s, world.actor("manager"), posting_id=world.posting.id, name="Al Example", email="al@mail.example")
    with pytest.raises(DBAPIError, match="append-only"), write_session(engine) as s:
        s.execute(text(statement))
    with read_session(engine) as s:
        assert _count(s) >= 1
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "forged")).first() is None


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_personal_data SET after_json = '{\"name\": \"forged\"}'",
        "DELETE FROM audit_personal_data",
        "DELETE FROM audit_personal_data WHERE audit_event_id = (SELECT MAX(audit_event_id) FROM audit_personal_data)",
    ],
)
def test_the_database_refuses_to_change_or_delete_personal_audit_payloads(engine: Any, statement: str) -> None:
    """Issue #17: the before/after values are as append-only as the events (migration 0003's triggers)."""
    world = build_world(engine)
    with write_session(engine) as s:
        candidates.add_candidate(s, world.actor("manager"), posting_id=world.posting.id, name="Bo Example", email="bo@mail.example")
    with read_session(engine) as s:
        before = sorted((p.audit_event_id, p.after_json) for p in s.exec(select(AuditPersonalData)).all())
    assert before
    with pytest.raises(DBAPIError, match="append-only"), write_session(engine) as s:
        s.execute(text(statement))
    with read_session(engine) as s:
        assert sorted((p.audit_event_id, p.after_json) for p in s.exec(select(AuditPersonalData)).all()) == before


def test_personal_audit_payloads_go_only_with_their_candidate(engine: Any) -> None:
    """The privacy purge's cascade (deleting the candidate) still removes the payloads, and only theirs."""
    from tracker.services import privacy

    world = build_world(engine)
    manager = world.actor("manager")
    with write_session(engine) as s:
        gone = candidates.add_candidate(s, manager, posting_id=world.posting.id, name="Cal Example", email="cal@mail.example")
        kept = candidates.add_candidate(s, manager, posting_id=world.posting.id, name="Di Example", email="di@mail.example")
    with write_session(engine) as s:
        privacy.delete_candidate(s, manager, candidate_id=gone.id)
    with read_session(engine) as s:
        owners = {p.candidate_id for p in s.exec(select(AuditPersonalData)).all()}
    assert gone.id not in owners and kept.id in owners


def test_no_service_updates_or_deletes_audit_events() -> None:
    """Read the services' source: no UPDATE/DELETE names the audit table, no function offers to."""
    offenders = []
    for path in SERVICES_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in {"update", "delete"}:
                names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
                if names & {"AuditEvent", "AuditPersonalData"}:
                    offenders.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.FunctionDef) and any(w in node.name for w in ("update_event", "delete_event", "edit_event", "purge_audit")):
                offenders.append(f"{path.name}:{node.name}")
    assert offenders == []
    assert {n for n in dir(audit) if not n.startswith("_") and callable(getattr(audit, n))} >= {"record_event", "list_events"}


def test_list_events_filters(engine: Any) -> None:
    world = build_world(engine)
    with write_session(engine) as s:
        candidates.add_candidate(s, world.actor("manager"), posting_id=world.posting.id, name="Cy Example", email="cy@mail.example")
    admin = world.actor("admin")
    with read_session(engine) as s:
        assert audit.list_events(s, admin, action="candidate.")[0].action == "candidate.create"
        assert audit.list_events(s, admin, actor_email=world.manager.email[:8])
        assert audit.list_events(s, admin, posting_id=world.other_posting.id) == []
        with pytest.raises(ValidationError):
            audit.list_events(s, admin, limit=0)
