"""Decisions: the hiring manager's outcome for a candidate, with its rationale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from tracker.i18n import N_
from tracker.models import Candidate, Decision, DecisionOutcome, utcnow
from tracker.services.actor import Actor
from tracker.services.audit import record_event
from tracker.services.common import MAX_NOTES, clean_text, dialect_insert
from tracker.services.errors import ConflictError, ValidationError
from tracker.services.permissions import get_candidate_or_404, require_results_access


@dataclass(frozen=True)
class DecisionPublic:
    id: int
    candidate_id: int
    outcome: DecisionOutcome
    rationale: str
    decided_by_id: int | None
    decided_at: datetime
    version: int

    @classmethod
    def of(cls, d: Decision) -> DecisionPublic:
        return cls(
            id=d.id or 0, candidate_id=d.candidate_id, outcome=DecisionOutcome(d.outcome), rationale=d.rationale,
            decided_by_id=d.decided_by_id, decided_at=d.decided_at, version=d.version,
        )


def get_decision(session: Session, actor: Actor, *, candidate_id: int) -> DecisionPublic | None:
    candidate = get_candidate_or_404(session, candidate_id)
    require_results_access(session, actor, candidate.posting_id)
    decision = session.exec(select(Decision).where(Decision.candidate_id == candidate_id)).first()
    return DecisionPublic.of(decision) if decision else None


def posting_decisions(session: Session, actor: Actor, *, posting_id: int) -> dict[int, DecisionPublic]:
    """Every decision on a posting, by candidate id, in one query (a page listing candidates needs them
    all; :func:`get_decision` per candidate would be three queries per row)."""
    require_results_access(session, actor, posting_id)
    rows = session.exec(
        select(Decision).join(Candidate, col(Candidate.id) == col(Decision.candidate_id)).where(Candidate.posting_id == posting_id)
    ).all()
    return {d.candidate_id: DecisionPublic.of(d) for d in rows}


def record_decision(
    session: Session,
    actor: Actor,
    *,
    candidate_id: int,
    outcome: DecisionOutcome | str,
    rationale: str,
    expected_version: int | None = None,
) -> DecisionPublic:
    """Admin or the owning manager. Any outcome other than "pending" needs a rationale for the file."""
    candidate = get_candidate_or_404(session, candidate_id)
    require_results_access(session, actor, candidate.posting_id)
    try:
        result_outcome = DecisionOutcome(outcome)
    except ValueError as exc:
        raise ValidationError(N_("Outcome must be one of {outcomes}."), outcomes=[o.value for o in DecisionOutcome]) from exc
    rationale = clean_text(rationale, what=N_("rationale"), max_length=MAX_NOTES)
    if result_outcome != DecisionOutcome.pending and not rationale:
        raise ValidationError(
            N_("Write the rationale for the decision on {candidate}; it is part of the record."), candidate=candidate.label
        )
    existing = session.exec(select(Decision).where(Decision.candidate_id == candidate_id)).first()
    before = DecisionPublic.of(existing).__dict__ if existing else None
    values = {"outcome": result_outcome, "rationale": rationale, "decided_by_id": actor.id, "decided_at": utcnow()}
    table = Decision.__table__  # type: ignore[attr-defined]
    base = dialect_insert(session, Decision).values(candidate_id=candidate_id, version=1, **values)
    if expected_version is None:
        stmt = base.on_conflict_do_update(index_elements=["candidate_id"], set_={**values, "version": table.c.version + 1})
        row = session.execute(stmt.returning(table.c.id)).first()
    elif expected_version == 0:
        row = session.execute(base.on_conflict_do_nothing().returning(table.c.id)).first()
    else:
        row = session.execute(
            update(table)
            .where(table.c.candidate_id == candidate_id, table.c.version == expected_version)
            .values(**values, version=table.c.version + 1)
            .returning(table.c.id)
        ).first()
    if row is None:
        raise ConflictError(
            N_("Someone recorded a decision for {candidate} after you loaded it; reload to see it, then decide again."),
            candidate=candidate.label,
        )
    saved = session.get(Decision, row[0], populate_existing=True)
    assert saved is not None
    record_event(
        session, actor, action="decision.record", entity_type="decision", entity_id=saved.id,
        posting_id=candidate.posting_id, candidate=candidate, before=before, after=DecisionPublic.of(saved).__dict__,
    )
    return DecisionPublic.of(saved)
