"""Consensus: the chair records the board's agreed rating per criterion once everyone has submitted.

The individual ratings are never changed by a consensus; they stay beside it in the record. There is
one consensus per candidate and criterion *lineage* (issue #10): recording it again under a newer
rubric version replaces it, and every reader matches it by lineage. Rules:

* a written **rationale** whenever the consensus differs from any member's rating, whenever no member
  rated the criterion, and for "not assessed" when members did rate it;
* fewer members rated the criterion than its ``min_raters``: refused unless a **reason** is given,
  kept beside the consensus and printed on the record of decision;
* an **essential** criterion left unmet (below its pass mark, or "not assessed") carries a
  **justification** from the fixed list :class:`tracker.models.Justification` and the board's words
  (the rationale); the feedback summary states both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from tracker.i18n import N_
from tracker.i18n.message import Message
from tracker.models import (
    Candidate,
    Consensus,
    Criterion,
    CriterionKind,
    Declaration,
    Justification,
    PanelMember,
    Posting,
    RatingLevel,
    Score,
    Scorecard,
    ScorecardStatus,
    User,
    utcnow,
)
from tracker.services.actor import Actor
from tracker.services.audit import record_event
from tracker.services.blind import Sight, sight, why_blind
from tracker.services.common import MAX_NOTES, clean_text, dialect_insert
from tracker.services.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from tracker.services.permissions import get_candidate_or_404, is_chair, is_posting_manager
from tracker.services.rubric_rows import current_rubric_row, rubric_criteria
from tracker.services.rubrics import CriterionPublic

# The fixed list's words (gettext msgids; the reports carry their own EN/FR words for the file).
JUSTIFICATION_WORDS: dict[Justification, str] = {
    Justification.insufficiently_demonstrated: N_("insufficiently demonstrated"),
    Justification.not_enough_information: N_("not enough information"),
    Justification.not_assessed: N_("not assessed"),
    Justification.did_not_attend: N_("did not attend"),
    Justification.not_relevant: N_("education or experience not relevant"),
    Justification.other: N_("other"),
}


@dataclass(frozen=True)
class ConsensusPublic:
    id: int
    candidate_id: int
    criterion_id: int
    rating: int | None
    not_assessed: bool
    rationale: str
    decided_by_id: int | None
    decided_at: datetime
    version: int
    lineage: str = ""
    justification: Justification | None = None
    below_min_reason: str = ""

    @classmethod
    def of(cls, c: Consensus) -> ConsensusPublic:
        return cls(
            id=c.id or 0, candidate_id=c.candidate_id, criterion_id=c.criterion_id, rating=c.rating,
            not_assessed=c.not_assessed, rationale=c.rationale, decided_by_id=c.decided_by_id,
            decided_at=c.decided_at, version=c.version, lineage=c.lineage,
            justification=Justification(c.justification) if c.justification else None,
            below_min_reason=c.below_min_reason,
        )


# One interviewer's submitted rating for a criterion (``older_version``: given under an older rubric).
@dataclass(frozen=True)
class IndividualRating:
    interviewer_id: int
    interviewer_name: str
    rating: int | None
    not_assessed: bool
    notes: str
    older_version: bool
    # The card was reopened after its author could read colleagues' cards (issue #17).
    reopened_after_peek: bool = False


@dataclass(frozen=True)
class ConsensusRow:
    criterion: CriterionPublic
    ratings: list[IndividualRating]
    low: int | None
    high: int | None
    spread: int | None
    consensus: ConsensusPublic | None


# ``ready`` is False (and ``rows`` empty) until every non-conflicted panel member has submitted.
@dataclass(frozen=True)
class ConsensusBoard:
    candidate_id: int
    candidate_label: str
    posting_id: int
    rubric_id: int
    ready: bool
    waiting_for: list[str]
    rows: list[ConsensusRow]


def _require_board_access(session: Session, actor: Actor, candidate: Candidate, *, write: bool) -> None:
    """The chair runs consensus; the posting's manager may too (needed when the chair is conflicted).

    Blind scoring first (:mod:`tracker.services.blind`): a panel member who has not yet submitted a
    card with a criterion rated sees no consensus board, whatever their role, the manager included.
    """
    seen = sight(session, actor, candidate)
    if seen == Sight.blind:
        raise PermissionDeniedError(why_blind(session, actor, candidate))
    posting = session.get(Posting, candidate.posting_id)
    assert posting is not None
    if seen in (Sight.panel, Sight.oversight) and is_posting_manager(actor, posting):
        return
    if seen == Sight.panel and is_chair(session, actor, candidate.posting_id):
        return
    conflicted = session.exec(
        select(Declaration.id).where(
            Declaration.candidate_id == candidate.id, Declaration.user_id == actor.id, col(Declaration.has_conflict).is_(True)
        )
    ).first()
    if conflicted is not None and is_chair(session, actor, candidate.posting_id):
        raise PermissionDeniedError(
            N_("You declared a conflict of interest with {candidate}; the hiring manager runs this consensus instead."),
            candidate=candidate.label,
        )
    raise PermissionDeniedError(N_("Only the panel's chair or the posting's hiring manager can run the consensus."))


def waiting_for(session: Session, candidate: Candidate) -> list[str]:
    """Names of panel members (without a declared conflict) who have not submitted for the candidate."""
    members = session.exec(
        select(User.id, User.display_name)
        .join(PanelMember, col(PanelMember.user_id) == col(User.id))
        .where(PanelMember.posting_id == candidate.posting_id)
        .order_by(User.display_name)
    ).all()
    conflicted = set(
        session.exec(
            select(Declaration.user_id).where(Declaration.candidate_id == candidate.id, col(Declaration.has_conflict).is_(True))
        ).all()
    )
    submitted = set(
        session.exec(
            select(Scorecard.interviewer_id).where(
                Scorecard.candidate_id == candidate.id, Scorecard.status == ScorecardStatus.submitted
            )
        ).all()
    )
    eligible = [(uid, name) for uid, name in members if uid not in conflicted]
    if not eligible:
        return [Message(N_("(the panel has no member without a conflict of interest)"))]
    return [name for uid, name in eligible if uid not in submitted]


def _rows(session: Session, candidate: Candidate, rubric_id: int) -> list[ConsensusRow]:
    criteria = rubric_criteria(session, rubric_id)
    scored = session.exec(
        select(Score, Criterion, Scorecard, User)
        .join(Criterion, col(Criterion.id) == col(Score.criterion_id))
        .join(Scorecard, col(Scorecard.id) == col(Score.scorecard_id))
        .join(User, col(User.id) == col(Scorecard.interviewer_id))
        .where(Scorecard.candidate_id == candidate.id, Scorecard.status == ScorecardStatus.submitted)
        .order_by(User.display_name)
    ).all()
    by_lineage: dict[str, list[IndividualRating]] = {}
    for score, criterion, card, user in scored:
        by_lineage.setdefault(criterion.lineage, []).append(
            IndividualRating(
                interviewer_id=user.id or 0, interviewer_name=user.display_name, rating=score.rating,
                not_assessed=score.not_assessed, notes=score.notes, older_version=card.rubric_id != rubric_id,
                reopened_after_peek=bool(card.reopened_after_peek),
            )
        )
    # By lineage: a consensus recorded under an older rubric version is this criterion's consensus too.
    existing = {c.lineage: c for c in session.exec(select(Consensus).where(Consensus.candidate_id == candidate.id)).all()}
    rows = []
    for criterion in criteria:
        ratings = by_lineage.get(criterion.lineage, [])
        values = [r.rating for r in ratings if r.rating is not None]
        low, high = (min(values), max(values)) if values else (None, None)
        found = existing.get(criterion.lineage)
        rows.append(
            ConsensusRow(
                criterion=CriterionPublic.of(criterion), ratings=ratings, low=low, high=high,
                spread=(high - low) if values else None,  # type: ignore[operator]
                consensus=ConsensusPublic.of(found) if found else None,
            )
        )
    return rows


def consensus_board(session: Session, actor: Actor, *, candidate_id: int) -> ConsensusBoard:
    candidate = get_candidate_or_404(session, candidate_id)
    _require_board_access(session, actor, candidate, write=False)
    rubric = current_rubric_row(session, candidate.posting_id)
    if rubric is None:
        raise NotFoundError(N_("This posting has no rubric yet."))
    waiting = waiting_for(session, candidate)
    return ConsensusBoard(
        candidate_id=candidate_id, candidate_label=candidate.label, posting_id=candidate.posting_id,
        rubric_id=rubric.id or 0, ready=not waiting, waiting_for=waiting,
        rows=[] if waiting else _rows(session, candidate, rubric.id or 0),
    )


def record_consensus(
    session: Session,
    actor: Actor,
    *,
    candidate_id: int,
    criterion_id: int,
    rating: int | None,
    not_assessed: bool = False,
    rationale: str = "",
    expected_version: int | None = None,
    justification: Justification | str | None = None,
    below_min_reason: str = "",
) -> ConsensusPublic:
    """Record (or replace) the board's consensus on one criterion; the rules are in the module docstring."""
    candidate = get_candidate_or_404(session, candidate_id)
    _require_board_access(session, actor, candidate, write=True)
    waiting = waiting_for(session, candidate)
    if waiting:
        raise ValidationError(
            N_("Consensus for {candidate} waits until every panel member has submitted: still waiting for {names}."),
            candidate=candidate.label,
            names=waiting,
        )
    rubric = current_rubric_row(session, candidate.posting_id)
    assert rubric is not None
    rows = {r.criterion.id: r for r in _rows(session, candidate, rubric.id or 0)}
    row = rows.get(criterion_id)
    if row is None:
        raise ValidationError(
            N_("Criterion {criterion_id} is not part of the current rubric; reload the page."), criterion_id=criterion_id
        )
    rationale = clean_text(rationale, what=N_("rationale"), max_length=MAX_NOTES)
    below_min_reason = clean_text(below_min_reason, what=N_("reason for agreeing with too few ratings"), max_length=MAX_NOTES)
    criterion = row.criterion
    number = criterion.number
    rated = [r.rating for r in row.ratings if r.rating is not None]
    if not_assessed:
        rating = None
        if rated and not rationale:
            raise ValidationError(
                N_("Panel members rated criterion {number}; explain why the board marks it “not assessed”."), number=number
            )
    else:
        if rating is None or isinstance(rating, bool) or not isinstance(rating, int):
            raise ValidationError(N_("Give criterion {number} a consensus rating, or mark it “not assessed”."), number=number)
        levels = set(session.exec(select(RatingLevel.value).where(RatingLevel.rubric_id == rubric.id)).all())
        if rating not in levels:
            raise ValidationError(
                N_("{rating} is not a level of this rubric's rating scale ({low}–{high})."),
                rating=rating,
                low=min(levels),
                high=max(levels),
            )
        if not rated and not rationale:
            raise ValidationError(
                N_("No panel member rated criterion {number}; write the rationale for the consensus {rating}."),
                number=number,
                rating=rating,
            )
        if any(r != rating for r in rated) and not rationale:
            raise ValidationError(
                N_(
                    "The consensus {rating} for criterion {number} differs from a panel member's rating "
                    "({ratings}); write the rationale for it."
                ),
                rating=rating,
                number=number,
                ratings=", ".join(str(r) for r in rated),
            )
        if len(rated) < criterion.min_raters and not below_min_reason:
            raise ValidationError(
                N_(
                    "Criterion {number} needs ratings from {min_raters} panel members and has {n}; give the reason "
                    "the board agrees anyway (it is shown on the record of decision)."
                ),
                number=number,
                min_raters=criterion.min_raters,
                n=len(rated),
            )
    unmet = criterion.kind == CriterionKind.essential and (not_assessed or (rating is not None and rating < criterion.pass_mark))
    code: Justification | None = None
    if unmet:
        try:
            code = Justification(justification) if justification else None
        except ValueError as exc:
            raise ValidationError(
                N_("Justification must be one of {justifications}."), justifications=[j.value for j in Justification]
            ) from exc
        if code is None or not rationale:
            raise ValidationError(
                N_(
                    "Essential criterion {number} is not met with this consensus: choose the justification and write "
                    "the board's reasons; the candidate's feedback summary states both."
                ),
                number=number,
            )
    elif justification:
        raise ValidationError(
            N_("Criterion {number} is not left unmet by this consensus, so it takes no justification."), number=number
        )
    now = utcnow()
    values = {
        "criterion_id": criterion_id, "rating": rating, "not_assessed": bool(not_assessed), "rationale": rationale,
        "justification": code.value if code else None, "below_min_reason": below_min_reason if len(rated) < criterion.min_raters else "",
        "decided_by_id": actor.id, "decided_at": now,
    }  # fmt: skip
    table = Consensus.__table__  # type: ignore[attr-defined]
    lineage = criterion.lineage
    base = dialect_insert(session, Consensus).values(candidate_id=candidate_id, lineage=lineage, version=1, **values)
    if expected_version is None:
        stmt = base.on_conflict_do_update(index_elements=["candidate_id", "lineage"], set_={**values, "version": table.c.version + 1})
        result = session.execute(stmt.returning(table.c.id)).first()
    elif expected_version == 0:
        result = session.execute(base.on_conflict_do_nothing().returning(table.c.id)).first()
    else:
        result = session.execute(
            update(table)
            .where(table.c.candidate_id == candidate_id, table.c.lineage == lineage, table.c.version == expected_version)
            .values(**values, version=table.c.version + 1)
            .returning(table.c.id)
        ).first()
    if result is None:
        raise ConflictError(
            N_(
                "Someone recorded a consensus for criterion {number} of {candidate} after you loaded it; "
                "reload to see it, then make your change again."
            ),
            number=number,
            candidate=candidate.label,
        )
    saved = session.get(Consensus, result[0], populate_existing=True)
    assert saved is not None
    record_event(
        session, actor, action="consensus.record", entity_type="consensus", entity_id=saved.id, posting_id=candidate.posting_id,
        candidate=candidate,
        before=row.consensus.__dict__ if row.consensus else None,
        after={**ConsensusPublic.of(saved).__dict__, "individual": [r.rating for r in row.ratings]},
    )
    return ConsensusPublic.of(saved)
