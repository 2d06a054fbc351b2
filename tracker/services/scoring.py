"""Scoring: declarations, scorecards, draft saves, submit and reopen, with blind scoring enforced.

Blind scoring (issue #3): an interviewer reads another interviewer's scores or notes for a candidate
only after submitting their own scorecard for that candidate, and then only submitted ones. Every read
path below goes through :func:`_check_read`.

``save_draft_score`` runs on every keystroke-pause of the scoring form, so it is one SELECT (scorecard,
candidate, criterion, panel seat and scale checked together), one INSERT … ON CONFLICT upsert, and
the audit insert — it never reloads the scorecard.

Optimistic versions: ``expected_version=None`` means "last write wins" (the form's own autosave);
``0`` means "I believe this score does not exist yet"; ``n`` means "I last saw version n". A stale
version raises ``ConflictError`` and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, literal, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tracker.i18n import N_
from tracker.i18n.message import Message
from tracker.models import (
    Candidate,
    CandidateStatus,
    Criterion,
    Declaration,
    Lang,
    PanelMember,
    Posting,
    RatingLevel,
    Recommendation,
    Rubric,
    Score,
    Scorecard,
    ScorecardStatus,
    User,
    utcnow,
)
from tracker.services.actor import Actor
from tracker.services.audit import record_event
from tracker.services.blind import Sight, sees_submitted, sight, why_blind
from tracker.services.candidates import check_language
from tracker.services.common import MAX_NOTES, bump_version, clean_text, dialect_insert
from tracker.services.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from tracker.services.permissions import (
    get_candidate_or_404,
    is_chair,
    is_posting_manager,
    panel_membership,
    require_panel_member,
)
from tracker.services.rubric_rows import current_rubric_row, current_rubric_rows, lock_if_draft

MAX_REASON = 2_000
# One sentence per language: "declare English" / "déclarer le français" differ in more than a word.
_WRONG_LANGUAGE = {
    Lang.en: N_(
        "{candidate} chose English for the assessment; declare English, or tell the hiring manager "
        "that you cannot assess in English so they can change the panel."
    ),
    Lang.fr: N_(
        "{candidate} chose French for the assessment; declare French, or tell the hiring manager "
        "that you cannot assess in French so they can change the panel."
    ),
}
_READ_ONLY = N_("Your scorecard for {candidate} is submitted and read-only; ask the chair to reopen it to change it.")
_STATUS_WORDS = {
    CandidateStatus.active: N_("active"),
    CandidateStatus.screened_out: N_("screened out"),
    CandidateStatus.withdrawn: N_("withdrawn"),
}


@dataclass(frozen=True)
class DeclarationPublic:
    candidate_id: int
    user_id: int
    has_conflict: bool
    conflict_note: str
    language: Lang
    declared_at: datetime


# One line of an interviewer's queue.
@dataclass(frozen=True)
class QueueItem:
    posting_id: int
    posting_title_en: str | None
    posting_title_fr: str | None
    candidate_id: int
    candidate_label: str
    candidate_name: str
    candidate_language: Lang
    declared: bool
    has_conflict: bool
    scorecard_id: int | None
    scorecard_status: ScorecardStatus | None
    rated: int
    total: int


# One criterion's score on a scorecard (rating None and not_assessed False = not rated yet; version 0 = no row).
@dataclass(frozen=True)
class ScoreView:
    criterion_id: int
    criterion_number: int
    lineage: str
    rating: int | None
    not_assessed: bool
    notes: str
    version: int
    updated_at: datetime | None

    @property
    def done(self) -> bool:
        return self.rating is not None or self.not_assessed


@dataclass(frozen=True)
class ScorecardView:
    id: int
    candidate_id: int
    candidate_label: str
    posting_id: int
    interviewer_id: int
    interviewer_name: str
    rubric_id: int
    rubric_version_number: int
    status: ScorecardStatus
    recommendation: Recommendation | None
    overall_notes: str
    version: int
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    reopened_at: datetime | None
    reopen_reason: str | None
    scores: list[ScoreView]
    rated: int
    total: int
    editable: bool
    # Reopened (at some point) after its author could read colleagues' submitted cards (issue #17).
    reopened_after_peek: bool = False


# What a draft save returns: the score's new version (send it back as expected_version next time).
@dataclass(frozen=True)
class ScoreSaved:
    criterion_id: int
    version: int
    saved_at: datetime


@dataclass(frozen=True)
class _CandidateRef:
    id: int
    label: str


# --- declarations --------------------------------------------------------------------------------


def _declaration(session: Session, candidate_id: int, user_id: int | None) -> Declaration | None:
    return session.exec(
        select(Declaration).where(Declaration.candidate_id == candidate_id, Declaration.user_id == user_id)
    ).first()


def _declaration_public(d: Declaration) -> DeclarationPublic:
    return DeclarationPublic(
        candidate_id=d.candidate_id, user_id=d.user_id, has_conflict=d.has_conflict, conflict_note=d.conflict_note,
        language=Lang(d.language), declared_at=d.declared_at,
    )


def _own_scorecard(session: Session, candidate_id: int, user_id: int | None) -> Scorecard | None:
    return session.exec(
        select(Scorecard).where(Scorecard.candidate_id == candidate_id, Scorecard.interviewer_id == user_id)
    ).first()


def declare(
    session: Session, actor: Actor, *, candidate_id: int, has_conflict: bool, language: Lang | str, note: str = ""
) -> DeclarationPublic:
    """Before scoring: no conflict of interest, and the assessment language is the candidate's choice.

    A declared conflict takes the member off that candidate's panel. A declaration can be corrected
    until scoring starts; after that it is part of the record.
    """
    candidate = get_candidate_or_404(session, candidate_id)
    require_panel_member(session, actor, candidate.posting_id)
    lang = check_language(language)
    note = clean_text(note, what=N_("conflict note"), max_length=MAX_REASON)
    if not has_conflict and lang != candidate.language:
        raise ValidationError(_WRONG_LANGUAGE[Lang(candidate.language)], candidate=candidate.label)
    if _own_scorecard(session, candidate_id, actor.id) is not None:
        raise ValidationError(
            N_(
                "You already started scoring {candidate}, so your declaration is part of the record; "
                "if a conflict of interest has come up, tell the hiring manager."
            ),
            candidate=candidate.label,
        )
    existing = _declaration(session, candidate_id, actor.id)
    before = _declaration_public(existing).__dict__ if existing else None
    declaration = existing or Declaration(candidate_id=candidate_id, user_id=actor.id or 0)
    declaration.has_conflict = bool(has_conflict)
    declaration.conflict_note = note
    declaration.language = lang
    declaration.declared_at = utcnow()
    try:
        with session.begin_nested():
            session.add(declaration)
            session.flush()
    except IntegrityError as exc:
        raise ConflictError(
            N_("You declared for {candidate} in another window a moment ago; reload the page."), candidate=candidate.label
        ) from exc
    record_event(
        session, actor, action="declaration.conflict" if has_conflict else "declaration.no_conflict",
        entity_type="declaration", entity_id=declaration.id, posting_id=candidate.posting_id,
        candidate=candidate, before=before, after=_declaration_public(declaration).__dict__,
    )
    return _declaration_public(declaration)


def get_declaration(session: Session, actor: Actor, *, candidate_id: int) -> DeclarationPublic | None:
    """The actor's own declaration for the candidate (None when not declared yet)."""
    candidate = get_candidate_or_404(session, candidate_id)
    require_panel_member(session, actor, candidate.posting_id)
    declaration = _declaration(session, candidate_id, actor.id)
    return _declaration_public(declaration) if declaration else None


# --- reading -------------------------------------------------------------------------------------


def _view(session: Session, actor: Actor, card: Scorecard) -> ScorecardView:
    candidate = session.get(Candidate, card.candidate_id)
    interviewer = session.get(User, card.interviewer_id)
    rubric = session.get(Rubric, card.rubric_id)
    assert candidate is not None and interviewer is not None and rubric is not None
    rows = session.exec(
        select(Criterion, Score)
        .join(Score, and_(col(Score.criterion_id) == col(Criterion.id), col(Score.scorecard_id) == card.id), isouter=True)
        .where(Criterion.rubric_id == card.rubric_id)
        .order_by(Criterion.number)
    ).all()
    scores = [
        ScoreView(
            criterion_id=criterion.id or 0, criterion_number=criterion.number, lineage=criterion.lineage,
            rating=score.rating if score else None, not_assessed=score.not_assessed if score else False,
            notes=score.notes if score else "", version=score.version if score else 0,
            updated_at=score.updated_at if score else None,
        )
        for criterion, score in rows
    ]
    return ScorecardView(
        id=card.id or 0, candidate_id=card.candidate_id, candidate_label=candidate.label,
        posting_id=candidate.posting_id, interviewer_id=card.interviewer_id, interviewer_name=interviewer.display_name,
        rubric_id=card.rubric_id, rubric_version_number=rubric.version_number, status=ScorecardStatus(card.status),
        recommendation=Recommendation(card.recommendation) if card.recommendation else None,
        overall_notes=card.overall_notes, version=card.version, created_at=card.created_at, updated_at=card.updated_at,
        submitted_at=card.submitted_at, reopened_at=card.reopened_at, reopen_reason=card.reopen_reason,
        scores=scores, rated=sum(1 for s in scores if s.done), total=len(scores),
        editable=card.interviewer_id == actor.id and card.status == ScorecardStatus.draft,
        reopened_after_peek=bool(card.reopened_after_peek),
    )


def _check_read(session: Session, actor: Actor, card: Scorecard) -> Candidate:
    """Its author reads a card; anyone else only a *submitted* one, and only with sight of it (``blind``)."""
    candidate = get_candidate_or_404(session, card.candidate_id)
    if card.interviewer_id == actor.id:
        return candidate
    seen = sight(session, actor, candidate)
    if seen in (Sight.panel, Sight.oversight):
        if card.status == ScorecardStatus.submitted:
            return candidate
        raise PermissionDeniedError(N_("This scorecard is still a draft; only its author can read it."))
    if seen == Sight.blind:
        raise PermissionDeniedError(why_blind(session, actor, candidate))
    if panel_membership(session, actor, candidate.posting_id) is not None:
        raise PermissionDeniedError(N_("You declared a conflict of interest with {candidate}."), candidate=candidate.label)
    raise PermissionDeniedError(N_("You are not on this posting's panel."))


def get_scorecard(session: Session, actor: Actor, *, scorecard_id: int) -> ScorecardView:
    card = session.get(Scorecard, scorecard_id)
    if card is None:
        raise NotFoundError(N_("Scorecard {scorecard_id} does not exist."), scorecard_id=scorecard_id)
    _check_read(session, actor, card)
    return _view(session, actor, card)


def candidate_scorecards(session: Session, actor: Actor, *, candidate_id: int) -> list[ScorecardView]:
    """The actor's own card, plus colleagues' *submitted* ones when the blind rule gives sight of them.

    Nobody reads another person's draft, managers included; a panel member (whatever their role) sees
    colleagues' cards only once their own is submitted with a criterion rated (:mod:`.blind`).
    """
    candidate = get_candidate_or_404(session, candidate_id)
    posting = session.get(Posting, candidate.posting_id)
    assert posting is not None
    if not is_posting_manager(actor, posting):
        require_panel_member(session, actor, candidate.posting_id)
    cards = session.exec(select(Scorecard).where(Scorecard.candidate_id == candidate_id).order_by(Scorecard.id)).all()
    may_see_others = sees_submitted(session, actor, candidate)
    visible = [
        c for c in cards
        if c.interviewer_id == actor.id or (may_see_others and c.status == ScorecardStatus.submitted)
    ]
    return [_view(session, actor, c) for c in visible]


def my_queue(session: Session, actor: Actor) -> list[QueueItem]:
    """Every active candidate on the postings whose panel the actor sits on, with their progress.

    Five statements whatever the queue's length, reading columns rather than ORM rows: an interviewer
    on a 2,000-candidate posting reruns this on every click of the scoring page.
    """
    seat = and_(col(PanelMember.posting_id) == col(Candidate.posting_id), col(PanelMember.user_id) == actor.id)
    queued = col(Candidate.status) == CandidateStatus.active
    rows = session.execute(
        select(
            Candidate.id, Candidate.label, Candidate.name, Candidate.language, Posting.id, Posting.title_en,
            Posting.title_fr,
        )  # fmt: skip
        .join(Posting, col(Posting.id) == col(Candidate.posting_id))
        .join(PanelMember, seat)
        .where(queued)
        .order_by(Posting.translation_key, Candidate.label_number)
    ).all()
    if not rows:
        return []
    # The actor's own declarations and scorecards for the queued candidates (joins, not id lists).
    declarations = dict(
        session.execute(
            select(Declaration.candidate_id, Declaration.has_conflict)
            .join(Candidate, col(Candidate.id) == col(Declaration.candidate_id))
            .join(PanelMember, seat)
            .where(col(Declaration.user_id) == actor.id, queued)
        ).all()
    )
    cards = {
        candidate_id: (card_id, status, rubric_id)
        for candidate_id, card_id, status, rubric_id in session.execute(
            select(Scorecard.candidate_id, Scorecard.id, Scorecard.status, Scorecard.rubric_id)
            .join(Candidate, col(Candidate.id) == col(Scorecard.candidate_id))
            .join(PanelMember, seat)
            .where(col(Scorecard.interviewer_id) == actor.id, queued)
        ).all()
    }
    done = dict(
        session.execute(
            select(Score.scorecard_id, func.count())
            .join(Scorecard, col(Scorecard.id) == col(Score.scorecard_id))
            .join(Candidate, col(Candidate.id) == col(Scorecard.candidate_id))
            .join(PanelMember, seat)
            .where(col(Scorecard.interviewer_id) == actor.id, queued)
            .where((col(Score.rating).is_not(None)) | (col(Score.not_assessed).is_(True)))
            .group_by(col(Score.scorecard_id))
        ).all()
    )
    current = {pid: r.id for pid, r in current_rubric_rows(session, {row[4] for row in rows}).items()}
    rubric_ids = {rubric_id for _, _, rubric_id in cards.values()} | set(current.values())
    totals = dict(
        session.execute(
            select(Criterion.rubric_id, func.count())
            .where(col(Criterion.rubric_id).in_(sorted(rid for rid in rubric_ids if rid is not None)))
            .group_by(col(Criterion.rubric_id))
        ).all()
    )
    items = []
    for candidate_id, label, name, language, posting_id, title_en, title_fr in rows:
        card = cards.get(candidate_id)
        rubric_id = card[2] if card else current.get(posting_id)
        items.append(
            QueueItem(
                posting_id=posting_id, posting_title_en=title_en, posting_title_fr=title_fr,
                # A declared conflict hides the name from that member everywhere (issue #17): label only.
                candidate_id=candidate_id, candidate_label=label,
                candidate_name=label if declarations.get(candidate_id) else name,
                candidate_language=Lang(language), declared=candidate_id in declarations,
                has_conflict=bool(declarations.get(candidate_id)), scorecard_id=card[0] if card else None,
                scorecard_status=ScorecardStatus(card[1]) if card else None,
                rated=int(done.get(card[0], 0)) if card else 0, total=int(totals.get(rubric_id, 0)),
            )
        )  # fmt: skip
    return items


# --- writing -------------------------------------------------------------------------------------


def open_scorecard(session: Session, actor: Actor, *, candidate_id: int) -> ScorecardView:
    """The actor's scorecard for the candidate, created (and the rubric locked) on first open."""
    candidate = get_candidate_or_404(session, candidate_id)
    require_panel_member(session, actor, candidate.posting_id)
    card = _own_scorecard(session, candidate_id, actor.id)
    if card is not None:
        return _view(session, actor, card)
    declaration = _declaration(session, candidate_id, actor.id)
    if declaration is None:
        raise ValidationError(
            N_("Before scoring {candidate}, declare that you have no conflict of interest and the language of the assessment."),
            candidate=candidate.label,
        )
    if declaration.has_conflict:
        raise PermissionDeniedError(
            N_("You declared a conflict of interest with {candidate}, so you are off their panel."), candidate=candidate.label
        )
    if candidate.status != CandidateStatus.active:
        raise ValidationError(
            N_("{candidate} is {status}; only active candidates are scored."),
            candidate=candidate.label,
            status=Message(_STATUS_WORDS[CandidateStatus(candidate.status)]),
        )
    rubric = current_rubric_row(session, candidate.posting_id)
    if rubric is None:
        raise NotFoundError(N_("This posting has no rubric yet."))
    # Lock first: the conditional UPDATE takes the rubric's row lock, so a manager's concurrent edit
    # either commits before (and we score its result) or fails with a version conflict.
    lock_if_draft(session, actor, rubric.id or 0, why=f"first scorecard opened ({candidate.label})")
    if session.exec(select(func.count()).where(Criterion.rubric_id == rubric.id)).one() == 0:
        raise ValidationError(N_("This posting's rubric has no criteria yet; ask the hiring manager to add them."))
    card = Scorecard(candidate_id=candidate_id, interviewer_id=actor.id or 0, rubric_id=rubric.id or 0)
    try:
        with session.begin_nested():
            session.add(card)
            session.flush()
    except IntegrityError:
        # The same interviewer opened it in another tab a moment ago: use theirs.
        existing = _own_scorecard(session, candidate_id, actor.id)
        if existing is None:
            raise
        return _view(session, actor, existing)
    record_event(
        session, actor, action="scorecard.create", entity_type="scorecard", entity_id=card.id,
        posting_id=candidate.posting_id, candidate=_CandidateRef(candidate.id or 0, candidate.label),
        after={"rubric_id": rubric.id, "interviewer_id": actor.id},
    )
    return _view(session, actor, card)


# The draft save's statements, built once: constructing them per call cost about two thirds of the
# save's CPU time (SQLAlchemy caches the compiled SQL, not the construction). Values are bound per call.
def _save_check(rated: bool) -> Any:
    """Scorecard, candidate, criterion, panel seat and rating scale, checked in one SELECT."""
    on_scale = (
        exists().where(col(RatingLevel.rubric_id) == col(Scorecard.rubric_id), col(RatingLevel.value) == bindparam("p_rating"))
        if rated
        else literal(True)
    )
    return (
        select(
            Scorecard.interviewer_id, Scorecard.status, Candidate.id, Candidate.label, Candidate.posting_id,
            Criterion.id, PanelMember.id, on_scale,
        )
        .join(Candidate, col(Candidate.id) == col(Scorecard.candidate_id))
        .join(
            Criterion,
            and_(col(Criterion.id) == bindparam("p_criterion_id"), col(Criterion.rubric_id) == col(Scorecard.rubric_id)),
            isouter=True,
        )
        .join(
            PanelMember,
            and_(col(PanelMember.posting_id) == col(Candidate.posting_id), col(PanelMember.user_id) == bindparam("p_actor_id")),
            isouter=True,
        )
        .where(col(Scorecard.id) == bindparam("p_scorecard_id"))
        # FOR SHARE OF scorecard (PostgreSQL): a submit or reopen of this card (FOR UPDATE) waits for
        # this save to commit, and this save waits for theirs and then reads the new status, so a draft
        # save can never land on a submitted card behind its audit snapshot (issue #22). Saves of one
        # card share the lock. SQLite's BEGIN IMMEDIATE already serialises every write transaction.
        .with_for_update(read=True, of=Scorecard)
    )


_SAVE_CHECK_RATED = _save_check(rated=True)
_SAVE_CHECK_UNRATED = _save_check(rated=False)
_SCORE = Score.__table__  # type: ignore[attr-defined]
_SCORE_VALUES = ("rating", "not_assessed", "notes", "updated_at")
# expected_version n: the row must still be at version n (column-named parameters fill the SET clause).
_SCORE_UPDATE = (
    update(_SCORE)
    .where(
        _SCORE.c.scorecard_id == bindparam("p_scorecard_id"),
        _SCORE.c.criterion_id == bindparam("p_criterion_id"),
        _SCORE.c.version == bindparam("p_version"),
    )
    .values(version=_SCORE.c.version + 1)
    .returning(_SCORE.c.id, _SCORE.c.version)
)


@cache
def _score_upserts(dialect: str) -> tuple[Any, Any]:
    """(last write wins, insert only if absent) for ``dialect``; parameters name the columns."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert_ = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect](_SCORE)
    overwrite = insert_.on_conflict_do_update(
        index_elements=["scorecard_id", "criterion_id"],
        set_={**{name: insert_.excluded[name] for name in _SCORE_VALUES}, "version": _SCORE.c.version + 1},
    ).returning(_SCORE.c.id, _SCORE.c.version)
    only_new = insert_.on_conflict_do_nothing().returning(_SCORE.c.id, _SCORE.c.version)
    return overwrite, only_new


def _score_upsert(session: Session, *, last_write_wins: bool) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        dialect_insert(session, Score)  # raises the "SQLite and PostgreSQL only" error
    overwrite, only_new = _score_upserts(dialect)
    return overwrite if last_write_wins else only_new


def save_draft_score(
    session: Session,
    actor: Actor,
    *,
    scorecard_id: int,
    criterion_id: int,
    rating: int | None,
    not_assessed: bool = False,
    notes: str = "",
    expected_version: int | None = None,
) -> ScoreSaved:
    """Save one criterion's rating and notes on the actor's draft scorecard (the autosave hot path)."""
    notes = clean_text(notes, what=N_("evidence notes"), max_length=MAX_NOTES)
    if not_assessed:
        rating = None
    if rating is not None and (isinstance(rating, bool) or not isinstance(rating, int)):
        raise ValidationError(N_("A rating is a whole number of the scale (got {rating})."), rating=repr(rating))
    check = _SAVE_CHECK_RATED if rating is not None else _SAVE_CHECK_UNRATED
    row = session.execute(
        check, {"p_scorecard_id": scorecard_id, "p_criterion_id": criterion_id, "p_actor_id": actor.id, "p_rating": rating}
    ).first()
    if row is None:
        raise NotFoundError(N_("Scorecard {scorecard_id} does not exist."), scorecard_id=scorecard_id)
    interviewer_id, status, candidate_id, label, posting_id, found_criterion, seat, on_scale = row
    if interviewer_id != actor.id:
        raise PermissionDeniedError(N_("You can only change your own scorecard."))
    if seat is None:
        raise PermissionDeniedError(N_("You are no longer on this posting's panel, so you cannot change this scorecard."))
    if status != ScorecardStatus.draft:
        raise ValidationError(_READ_ONLY, candidate=label)
    if found_criterion is None:
        raise ValidationError(
            N_("Criterion {criterion_id} is not part of the rubric this scorecard uses; reload the page."),
            criterion_id=criterion_id,
        )
    if not on_scale:
        raise ValidationError(N_("{rating} is not a level of this rubric's rating scale."), rating=rating)
    now = utcnow()
    values = {"rating": rating, "not_assessed": bool(not_assessed), "notes": notes, "updated_at": now}
    if expected_version is None:
        params = {"scorecard_id": scorecard_id, "criterion_id": criterion_id, "version": 1, **values}
        result = session.execute(_score_upsert(session, last_write_wins=True), params).first()
    elif expected_version == 0:
        params = {"scorecard_id": scorecard_id, "criterion_id": criterion_id, "version": 1, **values}
        result = session.execute(_score_upsert(session, last_write_wins=False), params).first()
    else:
        params = {"p_scorecard_id": scorecard_id, "p_criterion_id": criterion_id, "p_version": expected_version, **values}
        result = session.execute(_SCORE_UPDATE, params).first()
    if result is None:
        raise ConflictError(
            N_(
                "This criterion of your scorecard for {candidate} was saved from another window or device after you "
                "loaded it; reload to see that version, then make your change again."
            ),
            candidate=label,
        )
    score_id, version = result
    record_event(
        session, actor, action="score.save_draft", entity_type="score", entity_id=score_id, posting_id=posting_id,
        candidate=_CandidateRef(candidate_id, label),
        after={"scorecard_id": scorecard_id, "criterion_id": criterion_id, **values, "version": version},
    )
    return ScoreSaved(criterion_id=criterion_id, version=int(version), saved_at=now)


def _own_draft(session: Session, actor: Actor, scorecard_id: int) -> tuple[Scorecard, Candidate]:
    # Row lock first (issue #22): what the submit checks and snapshots cannot change under it.
    card = session.get(Scorecard, scorecard_id, with_for_update=True)
    if card is None:
        raise NotFoundError(N_("Scorecard {scorecard_id} does not exist."), scorecard_id=scorecard_id)
    if card.interviewer_id != actor.id:
        raise PermissionDeniedError(N_("You can only change your own scorecard."))
    candidate = get_candidate_or_404(session, card.candidate_id)
    require_panel_member(session, actor, candidate.posting_id)
    if card.status != ScorecardStatus.draft:
        raise ValidationError(_READ_ONLY, candidate=candidate.label)
    return card, candidate


def save_overall(
    session: Session,
    actor: Actor,
    *,
    scorecard_id: int,
    recommendation: Recommendation | str | None,
    overall_notes: str,
    expected_version: int | None = None,
) -> ScorecardView:
    card, candidate = _own_draft(session, actor, scorecard_id)
    try:
        rec = Recommendation(recommendation) if recommendation else None
    except ValueError as exc:
        raise ValidationError(
            N_("Recommendation must be one of {recommendations}."), recommendations=[r.value for r in Recommendation]
        ) from exc
    notes = clean_text(overall_notes, what=N_("overall notes"), max_length=MAX_NOTES)
    values = {"recommendation": rec, "overall_notes": notes, "updated_at": utcnow()}
    bump_version(session, Scorecard, scorecard_id, card.version if expected_version is None else expected_version, values, N_("this scorecard"))
    record_event(
        session, actor, action="scorecard.save_overall", entity_type="scorecard", entity_id=scorecard_id,
        posting_id=candidate.posting_id, candidate=candidate, after={"recommendation": rec, "overall_notes": notes},
    )
    session.expire_all()
    fresh = session.get(Scorecard, scorecard_id)
    assert fresh is not None
    return _view(session, actor, fresh)


def submit_scorecard(session: Session, actor: Actor, *, scorecard_id: int, reason: str | None = None) -> ScorecardView:
    """Submit: every criterion rated or "not assessed"; after a reopen, a reason for the change is required."""
    card, candidate = _own_draft(session, actor, scorecard_id)
    view = _view(session, actor, card)
    missing = [s.criterion_number for s in view.scores if not s.done]
    if missing:
        raise ValidationError(
            N_("Rate criteria {numbers} or mark them “not assessed” before submitting."),
            [Message(N_("Criterion {number} is not rated yet."), number=n) for n in missing],
            numbers=missing,
        )
    resubmission = card.reopened_at is not None
    reason_text = clean_text(reason, what=N_("reason for the change"), max_length=MAX_REASON)
    if resubmission and not reason_text:
        raise ValidationError(
            N_(
                "Your scorecard for {candidate} was reopened after you submitted it; say why you changed it before "
                "submitting again."
            ),
            candidate=candidate.label,
        )
    now = utcnow()
    result = session.execute(
        update(Scorecard)
        .where(col(Scorecard.id) == scorecard_id, col(Scorecard.status) == ScorecardStatus.draft, col(Scorecard.version) == card.version)
        .values(status=ScorecardStatus.submitted, submitted_at=now, updated_at=now, version=Scorecard.version + 1)
        .returning(Scorecard.version)
    ).first()
    if result is None:
        raise ConflictError(
            N_("Your scorecard for {candidate} changed in another window meanwhile; reload it and submit again."),
            candidate=candidate.label,
        )
    record_event(
        session, actor, action="scorecard.resubmit" if resubmission else "scorecard.submit", entity_type="scorecard",
        entity_id=scorecard_id, posting_id=candidate.posting_id, candidate=candidate, reason=reason_text or None,
        after={
            "recommendation": view.recommendation, "overall_notes": view.overall_notes,
            "scores": [
                {"criterion_id": s.criterion_id, "rating": s.rating, "not_assessed": s.not_assessed, "notes": s.notes}
                for s in view.scores
            ],
        },
    )
    session.expire_all()
    fresh = session.get(Scorecard, scorecard_id)
    assert fresh is not None
    return _view(session, actor, fresh)


def _could_have_peeked(session: Session, card: Scorecard, candidate: Candidate) -> bool:
    """True when the card's author had sight of a colleague's submitted card for this candidate."""
    author = session.get(User, card.interviewer_id)
    if author is None:
        return False
    if sight(session, Actor.from_user(author), candidate) != Sight.panel:
        return False
    colleague = session.exec(
        select(Scorecard.id).where(
            Scorecard.candidate_id == candidate.id, Scorecard.interviewer_id != card.interviewer_id,
            Scorecard.status == ScorecardStatus.submitted,
        )
    ).first()
    return colleague is not None


def reopen_scorecard(session: Session, actor: Actor, *, scorecard_id: int, reason: str) -> ScorecardView:
    """The chair (or the posting's manager) reopens someone else's submitted scorecard; the reason is kept.

    Nobody reopens their own card (issue #17: submit, read the colleagues', reopen, re-score). A reopen
    after the author could read colleagues' cards is marked for good (``reopened_after_peek``); the
    consensus board and the record of decision show the mark.
    """
    card = session.get(Scorecard, scorecard_id, with_for_update=True)  # serialised with submit and saves
    if card is None:
        raise NotFoundError(N_("Scorecard {scorecard_id} does not exist."), scorecard_id=scorecard_id)
    candidate = get_candidate_or_404(session, card.candidate_id)
    posting = session.get(Posting, candidate.posting_id)
    assert posting is not None
    if not (is_chair(session, actor, candidate.posting_id) or is_posting_manager(actor, posting)):
        raise PermissionDeniedError(N_("Only the panel's chair or the posting's hiring manager can reopen a submitted scorecard."))
    if card.interviewer_id == actor.id:
        raise PermissionDeniedError(
            N_("Nobody reopens their own scorecard; ask the chair or the hiring manager, who will record why.")
        )
    if card.status != ScorecardStatus.submitted:
        raise ValidationError(N_("This scorecard is not submitted, so there is nothing to reopen."))
    reason_text = clean_text(reason, what=N_("reason for reopening"), max_length=MAX_REASON, required=True)
    peeked = bool(card.reopened_after_peek) or _could_have_peeked(session, card, candidate)
    now = utcnow()
    bump_version(
        session, Scorecard, scorecard_id, card.version,
        {"status": ScorecardStatus.draft, "reopened_at": now, "reopen_reason": reason_text, "updated_at": now,
         "reopened_after_peek": peeked},
        N_("this scorecard"),
    )  # fmt: skip
    record_event(
        session, actor, action="scorecard.reopen", entity_type="scorecard", entity_id=scorecard_id,
        posting_id=candidate.posting_id, candidate=_CandidateRef(candidate.id or 0, candidate.label), reason=reason_text,
        after={"reopened_after_peek": peeked},
    )
    session.expire_all()
    fresh = session.get(Scorecard, scorecard_id)
    assert fresh is not None
    return _view(session, actor, fresh)
