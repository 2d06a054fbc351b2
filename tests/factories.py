"""Test data builders with overridable defaults (for every helper's tests).

They write rows directly (no services, no audit events) so a test sets up exactly the state it needs
quickly; the services under test then act on it. Everything is fictional: Northwind Digital Service.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from tracker.db import write_session
from tracker.models import (
    Candidate,
    CandidateStatus,
    Consensus,
    Criterion,
    CriterionKind,
    Declaration,
    Lang,
    PanelMember,
    Posting,
    Recommendation,
    Role,
    Rubric,
    RubricStatus,
    Score,
    Scorecard,
    ScorecardStatus,
    User,
    utcnow,
)
from tracker.services.accounts import hash_password
from tracker.services.actor import Actor
from tracker.services.rubric_rows import create_rubric, current_rubric_row

DEFAULT_PASSWORD = "northwind-test-pass"
_seq = itertools.count(1)

CRITERIA_EN = (
    "Experience designing accessible digital services",
    "Knowledge of plain-language writing",
    "Ability to analyse user research findings",
    "Experience with bilingual content workflows",
    "Leadership of small delivery teams",
    "Experience with open-source tools",
)
CRITERIA_FR = (
    "Expérience de la conception de services numériques accessibles",
    "Connaissance de la rédaction en langage clair",
    "Capacité d'analyser les résultats de recherche auprès des utilisateurs",
    "Expérience des processus de contenu bilingue",
    "Direction de petites équipes de livraison",
    "Expérience des outils libres",
)


@lru_cache(maxsize=1)
def default_password_hash() -> str:
    """Hashing costs ~19 MiB and tens of milliseconds: hash the shared test password once."""
    return hash_password(DEFAULT_PASSWORD)


def actor_of(user: User) -> Actor:
    return Actor.from_user(user)


def make_user(
    session: Session,
    *,
    role: Role | str = Role.interviewer,
    email: str | None = None,
    display_name: str | None = None,
    password: str | None = DEFAULT_PASSWORD,
    active: bool = True,
    **overrides: Any,
) -> User:
    n = next(_seq)
    role = Role(role)
    password_hash = None
    if password is not None:
        password_hash = default_password_hash() if password == DEFAULT_PASSWORD else hash_password(password)
    user = User(
        email=email or f"{role.value}{n}@northwind.example",
        display_name=display_name or f"{role.value.title()} {n}",
        role=role,
        password_hash=password_hash,
        active=active,
        **overrides,
    )
    session.add(user)
    session.flush()
    return user


def criterion_dict(i: int, *, kind: CriterionKind = CriterionKind.essential, **overrides: Any) -> dict[str, Any]:
    base = {
        "kind": kind,
        "text_en": CRITERIA_EN[i % len(CRITERIA_EN)],
        "text_fr": CRITERIA_FR[i % len(CRITERIA_FR)],
        "weight": 1.0,
        "pass_mark": 3,
        "min_raters": 2,
        "section_en": "Essential qualifications" if kind == CriterionKind.essential else "Asset qualifications",
        "section_fr": "Qualifications essentielles" if kind == CriterionKind.essential else "Qualifications constituant un atout",
    }
    base.update(overrides)
    return base


def make_posting(
    session: Session,
    *,
    owner: User | None = None,
    translation_key: str | None = None,
    title_en: str | None = None,
    title_fr: str | None = None,
    criteria: int | Sequence[dict[str, Any]] = 3,
    assets: int = 0,
    rubric_status: RubricStatus = RubricStatus.draft,
    closed_on: date | None = None,
    opened_on: date | None = None,
    **overrides: Any,
) -> Posting:
    """A posting with a rubric version 1 (default 1-5 scale), ``criteria`` essentials then ``assets``."""
    n = next(_seq)
    posting = Posting(
        translation_key=translation_key or f"northwind-posting-{n}",
        title_en=title_en or f"Service Designer {n}",
        title_fr=title_fr or f"Concepteur de services {n}",
        owner_id=owner.id if owner else None,
        opened_on=opened_on,
        closed_on=closed_on,
        **overrides,
    )
    session.add(posting)
    session.flush()
    if isinstance(criteria, int):
        rows = [criterion_dict(i) for i in range(criteria)]
        rows += [criterion_dict(criteria + i, kind=CriterionKind.asset) for i in range(assets)]
    else:
        rows = [dict(c) for c in criteria]
    rubric = create_rubric(session, posting_id=posting.id or 0, criteria=rows)
    if rubric_status == RubricStatus.locked:
        rubric.status = RubricStatus.locked
        rubric.locked_at = utcnow()
        session.add(rubric)
    session.flush()
    return posting


def rubric_of(session: Session, posting: Posting | int) -> Rubric:
    posting_id = posting if isinstance(posting, int) else posting.id or 0
    rubric = current_rubric_row(session, posting_id)
    assert rubric is not None
    return rubric


def criteria_of(session: Session, rubric: Rubric | int) -> list[Criterion]:
    rubric_id = rubric if isinstance(rubric, int) else rubric.id
    return list(session.exec(select(Criterion).where(Criterion.rubric_id == rubric_id).order_by(Criterion.number)).all())


def make_candidate(
    session: Session,
    *,
    posting: Posting,
    name: str | None = None,
    email: str | None = None,
    language: Lang = Lang.en,
    status: CandidateStatus = CandidateStatus.active,
    label_number: int | None = None,
) -> Candidate:
    if label_number is None:
        numbers = session.exec(select(Candidate.label_number).where(Candidate.posting_id == posting.id)).all()
        label_number = max(numbers, default=0) + 1
    n = next(_seq)
    candidate = Candidate(
        posting_id=posting.id or 0,
        label_number=label_number,
        label=f"Candidate {label_number:02d}",
        name=name or f"Applicant Person {n}",
        email=email or f"applicant{n}@mail.example",
        language=language,
        status=status,
    )
    session.add(candidate)
    session.flush()
    return candidate


def make_panel(session: Session, *, posting: Posting, members: Sequence[User], chair: User | None = None) -> list[PanelMember]:
    chair = chair or members[0]
    rows = [PanelMember(posting_id=posting.id or 0, user_id=m.id or 0, is_chair=m.id == chair.id) for m in members]
    session.add_all(rows)
    session.flush()
    return rows


def make_declaration(
    session: Session, *, candidate: Candidate, user: User, has_conflict: bool = False, language: Lang | None = None
) -> Declaration:
    declaration = Declaration(
        candidate_id=candidate.id or 0,
        user_id=user.id or 0,
        has_conflict=has_conflict,
        language=language or Lang(candidate.language),
    )
    session.add(declaration)
    session.flush()
    return declaration


def make_scorecard(
    session: Session,
    *,
    candidate: Candidate,
    interviewer: User,
    ratings: Sequence[int | None] | dict[int, int | None] | None = None,
    notes: str = "Evidence noted during the interview.",
    status: ScorecardStatus = ScorecardStatus.draft,
    recommendation: Recommendation | None = None,
    declare: bool = True,
    rubric: Rubric | None = None,
    lock_rubric: bool = True,
) -> Scorecard:
    """A scorecard with scores; ``ratings`` lists one rating per criterion in order (None = not assessed)."""
    rubric = rubric or rubric_of(session, candidate.posting_id)
    if lock_rubric and rubric.status != RubricStatus.locked:
        rubric.status = RubricStatus.locked
        rubric.locked_at = utcnow()
        session.add(rubric)
    if declare and session.exec(
        select(Declaration).where(Declaration.candidate_id == candidate.id, Declaration.user_id == interviewer.id)
    ).first() is None:
        make_declaration(session, candidate=candidate, user=interviewer)
    now = utcnow()
    scorecard = Scorecard(
        candidate_id=candidate.id or 0,
        interviewer_id=interviewer.id or 0,
        rubric_id=rubric.id or 0,
        status=status,
        recommendation=recommendation,
        submitted_at=now if status == ScorecardStatus.submitted else None,
    )
    session.add(scorecard)
    session.flush()
    criteria = criteria_of(session, rubric)
    if ratings is not None:
        pairs = ratings.items() if isinstance(ratings, dict) else enumerate(ratings)
        by_index = dict(pairs)
        scores = []
        for i, criterion in enumerate(criteria):
            key = criterion.id if isinstance(ratings, dict) else i
            if key not in by_index:
                continue
            rating = by_index[key]
            scores.append(
                Score(
                    scorecard_id=scorecard.id or 0,
                    criterion_id=criterion.id or 0,
                    rating=rating,
                    not_assessed=rating is None,
                    notes=notes,
                )
            )
        session.add_all(scores)
        session.flush()
    return scorecard


def make_consensus(session: Session, *, candidate: Candidate, criterion: Criterion, rating: int | None, rationale: str = "", by: User | None = None) -> Consensus:
    row = Consensus(
        candidate_id=candidate.id or 0,
        criterion_id=criterion.id or 0,
        lineage=criterion.lineage,
        rating=rating,
        not_assessed=rating is None,
        rationale=rationale,
        decided_by_id=by.id if by else None,
    )
    session.add(row)
    session.flush()
    return row


@dataclass
class World:
    """A small hiring process: admin; manager owning ``posting``; another manager owning ``other_posting``;
    a panel (chair + member) on ``posting``; an interviewer on no panel; candidates on both postings."""

    admin: User
    manager: User
    other_manager: User
    chair: User
    member: User
    outsider: User
    posting: Posting
    other_posting: Posting
    candidates: list[Candidate]
    other_candidates: list[Candidate]
    other_chair: User
    ids: dict[str, int] = field(default_factory=dict)

    def actor(self, name: str) -> Actor:
        return actor_of(getattr(self, name))


def build_world(engine: Engine, *, criteria: int = 3, candidates: int = 2) -> World:
    with write_session(engine) as session:
        admin = make_user(session, role=Role.admin, display_name="Ada Admin")
        manager = make_user(session, role=Role.manager, display_name="Morgan Manager")
        other_manager = make_user(session, role=Role.manager, display_name="Olive Othermanager")
        chair = make_user(session, role=Role.interviewer, display_name="Charlie Chair")
        member = make_user(session, role=Role.interviewer, display_name="Mika Member")
        outsider = make_user(session, role=Role.interviewer, display_name="Oscar Outsider")
        other_chair = make_user(session, role=Role.interviewer, display_name="Quinn Otherchair")
        posting = make_posting(session, owner=manager, criteria=criteria)
        other_posting = make_posting(session, owner=other_manager, criteria=criteria)
        make_panel(session, posting=posting, members=[chair, member], chair=chair)
        make_panel(session, posting=other_posting, members=[other_chair], chair=other_chair)
        cands = [make_candidate(session, posting=posting) for _ in range(candidates)]
        others = [make_candidate(session, posting=other_posting) for _ in range(candidates)]
        for obj in [admin, manager, other_manager, chair, member, outsider, other_chair, posting, other_posting, *cands, *others]:
            session.refresh(obj)
        return World(admin, manager, other_manager, chair, member, outsider, posting, other_posting, cands, others, other_chair)
