"""A posting's rubric rows, without permission checks: reading the current version, creating a version,
and the one rule of rubric versioning (``write_rubric``). Only services call these, after their own
checks (``tracker.services.rubrics`` for edits, ``postings`` for imports, ``scoring`` to lock); pages call
the checked functions of ``tracker.services.rubrics``.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import and_, delete, func, insert, update
from sqlmodel import Session, col, select

from tracker.i18n import N_
from tracker.i18n.message import Message
from tracker.models import (
    CRITERION_CONTENT,
    Criterion,
    CriterionBase,
    RatingLevel,
    Rubric,
    RubricStatus,
    utcnow,
)
from tracker.services.actor import Actor
from tracker.services.audit import record_event
from tracker.services.common import bump_version, create_conflict, dumps, loads

# The default scale: 1 = no evidence … 5 = exceptional, in both official languages.
DEFAULT_LEVELS: tuple[dict[str, Any], ...] = (
    {
        "value": 1,
        "label_en": "No evidence",
        "label_fr": "Aucune preuve",
        "descriptor_en": "The answer shows no evidence of the criterion.",
        "descriptor_fr": "La réponse ne démontre aucunement le critère.",
    },
    {
        "value": 2,
        "label_en": "Limited",
        "label_fr": "Limité",
        "descriptor_en": "Some evidence, but key elements are missing or unclear.",
        "descriptor_fr": "Quelques éléments probants, mais des éléments clés manquent ou sont flous.",
    },
    {
        "value": 3,
        "label_en": "Acceptable",
        "label_fr": "Acceptable",
        "descriptor_en": "Meets the criterion: clear evidence of the expected elements.",
        "descriptor_fr": "Satisfait au critère : preuve claire des éléments attendus.",
    },
    {
        "value": 4,
        "label_en": "Strong",
        "label_fr": "Solide",
        "descriptor_en": "Exceeds the criterion: detailed, relevant examples with results.",
        "descriptor_fr": "Dépasse le critère : exemples détaillés et pertinents, avec résultats.",
    },
    {
        "value": 5,
        "label_en": "Exceptional",
        "label_fr": "Exceptionnel",
        "descriptor_en": "Outstanding evidence across every element, beyond what the role requires.",
        "descriptor_fr": "Preuve remarquable de chaque élément, au-delà de ce que le poste exige.",
    },
)
DEFAULT_PASS_MARK: int = CriterionBase.model_fields["pass_mark"].default


def current_rubric_row(session: Session, posting_id: int) -> Rubric | None:
    return session.exec(
        select(Rubric).where(Rubric.posting_id == posting_id).order_by(col(Rubric.version_number).desc()).limit(1)
    ).first()


def current_rubric_rows(session: Session, posting_ids: Collection[int]) -> dict[int, Rubric]:
    """The newest rubric of each posting in ``posting_ids``, in one query (a queue lists many postings)."""
    if not posting_ids:
        return {}
    newest = (
        select(col(Rubric.posting_id).label("posting_id"), func.max(Rubric.version_number).label("version_number"))
        .where(col(Rubric.posting_id).in_(sorted(posting_ids)))
        .group_by(col(Rubric.posting_id))
        .subquery()
    )
    rows = session.exec(
        select(Rubric).join(
            newest,
            and_(col(Rubric.posting_id) == newest.c.posting_id, col(Rubric.version_number) == newest.c.version_number),
        )
    ).all()
    return {r.posting_id: r for r in rows}


def rubric_criteria(session: Session, rubric_id: int) -> list[Criterion]:
    return list(
        session.exec(select(Criterion).where(Criterion.rubric_id == rubric_id).order_by(Criterion.number)).all()
    )


def rubric_levels(session: Session, rubric_id: int) -> list[RatingLevel]:
    return list(
        session.exec(select(RatingLevel).where(RatingLevel.rubric_id == rubric_id).order_by(RatingLevel.value)).all()
    )


def new_lineage() -> str:
    return str(uuid.uuid4())


def create_rubric(
    session: Session,
    *,
    posting_id: int,
    criteria: Sequence[dict[str, Any]],
    levels: Sequence[dict[str, Any]] = DEFAULT_LEVELS,
    source_sections: dict[str, list[int]] | None = None,
    warnings: Sequence[str] = (),
) -> Rubric:
    """Insert the next rubric version (draft) with its scale and criteria, using bulk inserts.

    ``criteria`` are column dicts without ``rubric_id``/``number`` (numbered in order); a missing
    ``lineage`` gets a fresh one.
    """
    newest = session.exec(select(func.max(Rubric.version_number)).where(Rubric.posting_id == posting_id)).one()
    rubric = Rubric(
        posting_id=posting_id,
        version_number=(newest or 0) + 1,
        status=RubricStatus.draft,
        source_sections_json=dumps(source_sections or {}),
        warnings_json=dumps(list(warnings)),
    )
    # Two new versions at once both read the same max (issue #22): the unique (posting, number) decides.
    with create_conflict(session, Message(CHANGED_MEANWHILE)):
        session.add(rubric)
        session.flush()
    session.execute(insert(RatingLevel), [{**dict(level), "rubric_id": rubric.id} for level in levels])
    _insert_criteria(session, rubric.id or 0, criteria)
    return rubric


def _insert_criteria(session: Session, rubric_id: int, criteria: Sequence[dict[str, Any]]) -> None:
    rows = [{**_content(values), "rubric_id": rubric_id, "number": n} for n, values in enumerate(criteria, start=1)]
    if rows:
        session.execute(insert(Criterion), rows)


def _update_criteria(session: Session, rubric_id: int, criteria: Sequence[dict[str, Any]]) -> None:
    """Make a draft's criteria ``criteria``, in place: a row with an ``id`` updates that criterion (only the
    columns it gives, and only when something changes: it keeps its id and its version counts the edits),
    a row without one is inserted, and a criterion no row names is deleted. Nothing is scored on a draft.
    """
    existing = {c.id: c for c in rubric_criteria(session, rubric_id)}
    kept = {row["id"] for row in criteria if row.get("id") is not None}
    gone = [cid for cid in existing if cid not in kept]
    if gone:
        session.execute(delete(Criterion).where(col(Criterion.id).in_(gone)))
    # Numbers move out of the way first: the unique (rubric, number) holds after every statement.
    session.execute(
        update(Criterion).where(col(Criterion.rubric_id) == rubric_id).values(number=-col(Criterion.number))
    )
    new_rows = []
    for number, row in enumerate(criteria, start=1):
        old = existing.get(row.get("id")) if row.get("id") is not None else None
        if old is None:
            new_rows.append({**_content(row), "rubric_id": rubric_id, "number": number})
            continue
        changes = {k: v for k, v in row.items() if k in CRITERION_CONTENT and v != getattr(old, k)}
        values: dict[str, Any] = {"number": number}
        if changes:
            values |= {**changes, "version": Criterion.version + 1}
        session.execute(update(Criterion).where(col(Criterion.id) == old.id).values(**values))
    if new_rows:
        session.execute(insert(Criterion), new_rows)
    session.expire_all()


def carry_lineage(rows: list[dict[str, Any]], previous: list[Criterion]) -> list[dict[str, Any]]:
    """Name on each rebuilt row (an import, sections chosen again) the criterion of ``previous`` it continues,
    so ``write_rubric`` keeps that criterion's id and lineage and every column the row does not give (the
    weight, pass mark, rating guide… a manager tuned, and any column added later).

    Same text in either language first; then, for what is left, the same position and kind (a
    reworded criterion is the same criterion).
    """
    unmatched = {c.id: c for c in previous}
    matched: list[Criterion | None] = [None] * len(rows)
    for i, row in enumerate(rows):
        for cid, old in list(unmatched.items()):
            if (row["text_en"] and row["text_en"] == old.text_en) or (row["text_fr"] and row["text_fr"] == old.text_fr):
                matched[i] = old
                del unmatched[cid]
                break
    by_number = {c.number: c for c in unmatched.values()}
    for i, row in enumerate(rows):
        if matched[i] is None:
            old = by_number.get(i + 1)
            if old is not None and old.kind == row["kind"] and old.id in unmatched:
                matched[i] = old
                del unmatched[old.id]
    return [
        {**row, "lineage": new_lineage()} if old is None else {**row, "id": old.id, "lineage": old.lineage}
        for row, old in zip(rows, matched, strict=True)
    ]


def write_rubric(
    session: Session,
    rubric: Rubric,
    expected_version: int,
    *,
    criteria: Sequence[dict[str, Any]] | None = None,
    levels: Sequence[dict[str, Any]] | None = None,
    values: dict[str, Any] | None = None,
) -> tuple[Rubric, bool]:
    """The one rule of rubric versioning: a locked version never changes, so the change becomes the next
    version; a draft changes in place. Returns the rubric holding the change and whether it is new.

    ``criteria`` (in order; a row's ``id`` names the criterion of ``rubric`` it continues, whose columns it
    does not give are kept), ``levels`` and the rubric's own ``values`` (``warnings_json``,
    ``source_sections_json``) are the parts that change; None keeps a part as it is. One conditional UPDATE
    of the rubric's version decides between two writers holding the same version (issue #22); on a locked
    version it only records that it was edited from.
    """
    values = values or {}
    locked = rubric.status == RubricStatus.locked
    bump_version(session, Rubric, rubric.id or 0, expected_version, {} if locked else values, N_("this rubric"))
    if not locked:
        if criteria is not None:
            _update_criteria(session, rubric.id or 0, criteria)
        if levels is not None:
            session.execute(delete(RatingLevel).where(col(RatingLevel.rubric_id) == rubric.id))
            session.execute(insert(RatingLevel), [{**dict(r), "rubric_id": rubric.id} for r in levels])
        return rubric, False
    old = {c.id: c for c in rubric_criteria(session, rubric.id or 0)}
    if criteria is None:
        rows = [criterion_values(c) for c in old.values()]
    else:
        rows = []
        for row in criteria:
            continued = old.get(row.get("id")) if row.get("id") is not None else None
            rows.append({**(criterion_values(continued) if continued else {}), **row})
    return (
        create_rubric(
            session,
            posting_id=rubric.posting_id,
            criteria=rows,
            levels=[level_values(lv) for lv in rubric_levels(session, rubric.id or 0)] if levels is None else levels,
            source_sections=loads(values.get("source_sections_json", rubric.source_sections_json), {}),
            warnings=loads(values.get("warnings_json", rubric.warnings_json), []),
        ),
        True,
    )


def criterion_values(c: Criterion) -> dict[str, Any]:
    """A criterion's content (every column but its place and version), to carry it into another version."""
    return {name: getattr(c, name) for name in CRITERION_CONTENT}


CRITERION_DEFAULTS = {name: Criterion.model_fields[name].default for name in CRITERION_CONTENT if name != "lineage"}


def _content(values: dict[str, Any]) -> dict[str, Any]:
    """Every content column of a new criterion: the ones given, the model's defaults for the rest."""
    row = {**CRITERION_DEFAULTS, **{k: v for k, v in values.items() if k in CRITERION_CONTENT}}
    row.setdefault("lineage", new_lineage())
    return row


def level_values(level: RatingLevel) -> dict[str, Any]:
    return {
        "value": level.value,
        "label_en": level.label_en,
        "label_fr": level.label_fr,
        "descriptor_en": level.descriptor_en,
        "descriptor_fr": level.descriptor_fr,
    }


def lock_if_draft(session: Session, actor: Actor, rubric_id: int, *, why: str) -> bool:
    """Lock in one conditional UPDATE so two interviewers opening scorecards at once lock it once."""
    result = session.execute(
        update(Rubric)
        .where(col(Rubric.id) == rubric_id, col(Rubric.status) == RubricStatus.draft)
        .values(status=RubricStatus.locked, locked_at=utcnow(), version=Rubric.version + 1)
        .returning(Rubric.posting_id)
    )
    posting_id = result.scalar_one_or_none()
    if posting_id is None:
        return False
    record_event(
        session,
        actor,
        action="rubric.lock",
        entity_type="rubric",
        entity_id=rubric_id,
        posting_id=posting_id,
        reason=why,
    )
    session.expire_all()
    return True


CHANGED_MEANWHILE = N_(
    "Someone else changed this rubric after you opened it; reload to see their change, then make yours again."
)
