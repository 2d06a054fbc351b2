"""Outstanding work: what each interviewer still owes, and per posting what is missing and since when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from tracker.models import (
    Candidate,
    CandidateStatus,
    Declaration,
    PanelMember,
    Posting,
    Scorecard,
    ScorecardStatus,
    User,
)
from tracker.services.actor import Actor
from tracker.services.permissions import require_posting_manager

MISSING = "missing"
DRAFT = "draft"


# Status: "missing" (no scorecard yet) or "draft" (started, or reopened, not submitted).
@dataclass(frozen=True)
class OwedItem:
    posting_id: int
    posting_title_en: str | None
    posting_title_fr: str | None
    candidate_id: int
    candidate_label: str
    status: str
    scorecard_id: int | None
    since: datetime


@dataclass(frozen=True)
class OutstandingRow:
    interviewer_id: int
    interviewer_name: str
    candidate_id: int
    candidate_label: str
    status: str
    scorecard_id: int | None
    since: datetime


@dataclass(frozen=True)
class _Owed:
    member: PanelMember
    candidate: Candidate
    status: str
    scorecard_id: int | None
    since: datetime


def _owed(session: Session, posting_ids: list[int], user_id: int | None = None) -> list[_Owed]:
    """Panel seat × active candidate pairs without a submitted scorecard, conflicts excluded."""
    query = (
        select(PanelMember, Candidate)
        .join(Candidate, col(Candidate.posting_id) == col(PanelMember.posting_id))
        .where(col(PanelMember.posting_id).in_(posting_ids), Candidate.status == CandidateStatus.active)
        .order_by(col(Candidate.posting_id), col(Candidate.label_number), col(PanelMember.user_id))
    )
    if user_id is not None:
        query = query.where(PanelMember.user_id == user_id)
    pairs = session.exec(query).all()
    if not pairs:
        return []
    candidate_ids = {c.id for _, c in pairs}
    conflicts = set(
        session.exec(
            select(Declaration.candidate_id, Declaration.user_id).where(
                col(Declaration.candidate_id).in_(candidate_ids), col(Declaration.has_conflict).is_(True)
            )
        ).all()
    )
    cards = {
        (s.candidate_id, s.interviewer_id): s
        for s in session.exec(select(Scorecard).where(col(Scorecard.candidate_id).in_(candidate_ids))).all()
    }
    out = []
    for member, candidate in pairs:
        key = (candidate.id or 0, member.user_id)
        if key in conflicts:
            continue
        card = cards.get(key)
        if card is None:
            out.append(_Owed(member, candidate, MISSING, None, max(member.added_at, candidate.created_at)))
        elif card.status == ScorecardStatus.draft:
            out.append(_Owed(member, candidate, DRAFT, card.id, card.reopened_at or card.created_at))
    return out


def owed_by_me(session: Session, actor: Actor) -> list[OwedItem]:
    postings = {
        p.id: p
        for p in session.exec(
            select(Posting).join(PanelMember, col(PanelMember.posting_id) == col(Posting.id)).where(PanelMember.user_id == actor.id)
        ).all()
    }
    return [
        OwedItem(
            posting_id=o.candidate.posting_id, posting_title_en=postings[o.candidate.posting_id].title_en,
            posting_title_fr=postings[o.candidate.posting_id].title_fr, candidate_id=o.candidate.id or 0,
            candidate_label=o.candidate.label, status=o.status, scorecard_id=o.scorecard_id, since=o.since,
        )
        for o in _owed(session, [pid for pid in postings if pid is not None], actor.id)
    ]


def outstanding_for_posting(session: Session, actor: Actor, *, posting_id: int) -> list[OutstandingRow]:
    """For the posting's manager: every scorecard still missing or in draft, oldest first."""
    require_posting_manager(session, actor, posting_id)
    owed = _owed(session, [posting_id])
    names = dict(session.exec(select(User.id, User.display_name).where(col(User.id).in_({o.member.user_id for o in owed}))).all())
    rows = [
        OutstandingRow(
            interviewer_id=o.member.user_id, interviewer_name=names.get(o.member.user_id, "?"), candidate_id=o.candidate.id or 0,
            candidate_label=o.candidate.label, status=o.status, scorecard_id=o.scorecard_id, since=o.since,
        )
        for o in owed
    ]
    return sorted(rows, key=lambda r: (r.since, r.candidate_label, r.interviewer_name))
