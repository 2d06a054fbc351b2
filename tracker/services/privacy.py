"""Privacy: delete a candidate's personal information, alone or in bulk for closed postings.

Deleting the ``Candidate`` row cascades (foreign keys ON DELETE CASCADE) to their scorecards, scores,
consensus, decision, declarations and the personal payloads of their audit events. The audit events
themselves stay, naming the candidate only by label, and a ``candidate.delete`` event records who
deleted whom (by label) and when.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from tracker.i18n import N_
from tracker.models import Candidate, Posting, Role
from tracker.services.actor import Actor
from tracker.services.audit import record_event
from tracker.services.errors import ValidationError
from tracker.services.permissions import get_candidate_or_404, require_posting_manager, require_role


@dataclass(frozen=True)
class PurgedPosting:
    posting_id: int
    translation_key: str
    closed_on: date
    candidates: int


@dataclass
class PurgeReport:
    closed_before: date
    dry_run: bool
    postings: list[PurgedPosting] = field(default_factory=list)

    @property
    def candidates(self) -> int:
        return sum(p.candidates for p in self.postings)


def delete_candidate(session: Session, actor: Actor, *, candidate_id: int) -> None:
    """Admin or the owning manager: remove everything personal about one candidate, keep the trail."""
    candidate = get_candidate_or_404(session, candidate_id)
    require_posting_manager(session, actor, candidate.posting_id)
    record_event(
        session, actor, action="candidate.delete", entity_type="candidate", entity_id=candidate_id,
        posting_id=candidate.posting_id, candidate=candidate,
    )
    session.execute(delete(Candidate).where(col(Candidate.id) == candidate_id))
    session.expire_all()


def purge_closed_postings(session: Session, actor: Actor, *, closed_before: date, dry_run: bool) -> PurgeReport:
    """Delete the candidates of every posting closed before ``closed_before`` (admins, the CLI operator).

    The posting and its rubric stay (they hold nothing personal); a dry run only reports.
    """
    require_role(actor, Role.admin)
    today = date.today()
    if closed_before > today + timedelta(days=1):
        raise ValidationError(
            N_(
                "{date} is in the future: purging would delete candidates of postings that have not closed yet. "
                "Give a past date."
            ),
            date=closed_before,
        )
    rows = session.exec(
        select(Posting.id, col(Posting.translation_key), col(Posting.closed_on), func.count(col(Candidate.id)))
        .join(Candidate, col(Candidate.posting_id) == col(Posting.id))
        .where(col(Posting.closed_on).is_not(None), col(Posting.closed_on) < closed_before)
        .group_by(col(Posting.id), col(Posting.translation_key), col(Posting.closed_on))
        .order_by(col(Posting.closed_on), col(Posting.id))
    ).all()
    report = PurgeReport(closed_before=closed_before, dry_run=dry_run)
    for posting_id, key, closed_on, count in rows:
        report.postings.append(PurgedPosting(int(posting_id or 0), key, closed_on, int(count)))  # type: ignore[arg-type]
        if dry_run:
            continue
        candidates = session.exec(select(Candidate).where(Candidate.posting_id == posting_id)).all()
        for candidate in candidates:
            record_event(
                session, actor, action="candidate.purge", entity_type="candidate", entity_id=candidate.id,
                posting_id=posting_id, candidate=candidate, reason=f"retention: posting closed {closed_on}",
            )
        session.execute(delete(Candidate).where(col(Candidate.posting_id) == posting_id))
        record_event(
            session, actor, action="posting.purge", entity_type="posting", entity_id=posting_id, posting_id=posting_id,
            after={"candidates_deleted": int(count), "closed_on": closed_on, "closed_before": closed_before},
        )
    session.expire_all()
    return report
