"""Blind scoring for every panel member, whatever their role (issues #10 and #17).

One rule, read by every path that shows a rating, a note, a recommendation or a consensus (scorecards,
the consensus board, the results frames behind the merit view, charts, reports and exports, the audit
log's payloads):

* **On the panel, no conflict declared** (interviewer, chair, a hiring manager who sits on it, anyone):
  *blind* for a candidate until their own scorecard for that candidate is **submitted with at least one
  criterion rated**; then they read colleagues' *submitted* cards (never drafts).
* **Off the panel** — the posting's manager or an administrator who has no seat, or a member who
  declared a conflict for that candidate — *oversight*: submitted cards only, never drafts; for a
  member with a conflict who does not manage the posting, nothing at all.

Why a card with nothing rated does not unlock: a card whose every criterion is "not assessed" costs
nothing to submit, so it would let anyone read the colleagues' ratings first and then score (the chair's
bypass in #17). A member who truly could assess nothing declares it to the chair, who reopens the
card or the manager runs the consensus; they never need the others' ratings to record "not assessed".
"""

from __future__ import annotations

import enum

from sqlalchemy import Exists, exists
from sqlmodel import Session, col, select

from tracker.i18n import N_
from tracker.i18n.message import Message
from tracker.models import Candidate, Declaration, Posting, Score, Scorecard, ScorecardStatus
from tracker.services.actor import Actor
from tracker.services.permissions import is_posting_manager, panel_membership


class Sight(enum.StrEnum):
    """What an actor may read of colleagues' work on one candidate."""

    none = "none"  # nothing but their own card (not on the panel and not managing, or conflicted)
    blind = "blind"  # on the panel, not unlocked yet: their own card only
    panel = "panel"  # on the panel, unlocked: colleagues' submitted cards and the consensus
    oversight = "oversight"  # manages the posting from off the panel: submitted cards only


def _unlocking_card(candidate_id: object, user_id: object) -> Exists:
    """SQL condition: the user's card for the candidate is submitted and rates at least one criterion."""
    return exists().where(
        col(Scorecard.candidate_id) == candidate_id,
        col(Scorecard.interviewer_id) == user_id,
        col(Scorecard.status) == ScorecardStatus.submitted,
        exists().where(col(Score.scorecard_id) == col(Scorecard.id), col(Score.rating).is_not(None)),
    )


def _conflicted(candidate_id: object, user_id: object) -> Exists:
    return exists().where(
        col(Declaration.candidate_id) == candidate_id,
        col(Declaration.user_id) == user_id,
        col(Declaration.has_conflict).is_(True),
    )


def sight(session: Session, actor: Actor, candidate: Candidate) -> Sight:
    """The actor's sight of colleagues' scorecards for ``candidate`` (see the module docstring)."""
    seat = panel_membership(session, actor, candidate.posting_id)
    conflicted = bool(session.execute(select(_conflicted(candidate.id, actor.id))).scalar())
    if seat is not None and not conflicted:
        unlocked = bool(session.execute(select(_unlocking_card(candidate.id, actor.id))).scalar())
        return Sight.panel if unlocked else Sight.blind
    posting = session.get(Posting, candidate.posting_id)
    if posting is not None and is_posting_manager(actor, posting):
        return Sight.oversight
    return Sight.none


def sees_submitted(session: Session, actor: Actor, candidate: Candidate) -> bool:
    """True when the actor may read colleagues' submitted scorecards (and consensus) for the candidate."""
    return sight(session, actor, candidate) in (Sight.panel, Sight.oversight)


def why_blind(session: Session, actor: Actor, candidate: Candidate) -> Message:
    """The sentence that explains a blind refusal to the actor."""
    own = session.exec(
        select(Scorecard).where(Scorecard.candidate_id == candidate.id, Scorecard.interviewer_id == actor.id)
    ).first()
    if own is not None and own.status == ScorecardStatus.submitted:
        return Message(
            N_(
                "Blind scoring: your scorecard for {candidate} rates no criterion, so it does not open your "
                "colleagues' scorecards; ask the chair or the hiring manager."
            ),
            candidate=candidate.label,
        )
    return Message(
        N_("Blind scoring: you can read your colleagues' scorecards for {candidate} once you have submitted your own."),
        candidate=candidate.label,
    )


def blind_candidate_ids(session: Session, actor: Actor, posting_id: int) -> set[int]:
    """The posting's candidates for whom the actor is *blind* (one statement; empty without a seat).

    Posting-wide readers (the results frames, reports, exports, the audit log) drop every colleague's
    rating, note, recommendation and consensus for these candidates.
    """
    if panel_membership(session, actor, posting_id) is None:
        return set()
    rows = session.execute(
        select(Candidate.id).where(
            col(Candidate.posting_id) == posting_id,
            ~_conflicted(col(Candidate.id), actor.id),
            ~_unlocking_card(col(Candidate.id), actor.id),
        )
    ).all()
    return {int(r[0]) for r in rows}
