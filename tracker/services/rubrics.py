"""Rubrics: the rating scale and criteria of a posting, versioned so scores never lose their meaning.

A draft rubric is edited in place. A locked rubric (locked at the first scorecard) is never changed:
editing it creates the next version, whose criteria keep the ``lineage`` of the ones they replace, so
old scores stay attached to the criteria they were given for and the merit view can still match them.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ConfigDict, create_model
from sqlalchemy import and_, delete, func, insert, update
from sqlmodel import Session, SQLModel, col, select

from tracker.i18n import N_
from tracker.i18n.message import Message, Number
from tracker.models import (
    CRITERION_CONTENT,
    CRITERION_SETTINGS,
    MAX_CRITERION_TEXT,
    MAX_MIN_RATERS,
    MAX_WEIGHT,
    Criterion,
    CriterionBase,
    CriterionFields,
    CriterionKind,
    Posting,
    RatingLevel,
    Rubric,
    RubricStatus,
    utcnow,
)
from tracker.services.actor import Actor
from tracker.services.audit import record_event
from tracker.services.common import bump_version, clean_text, create_conflict, dumps, loads
from tracker.services.errors import ConflictError, NotFoundError, ValidationError
from tracker.services.permissions import require_posting_manager, require_view_posting

MAX_CRITERIA = 200
# The limits of a criterion's fields live on the model (tracker.models.CriterionBase), imported above.
MAX_LEVEL_LABEL = 100
MAX_LEVEL_DESCRIPTOR = 2_000

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


# One level of the rating scale.
@dataclass(frozen=True)
class LevelPublic:
    value: int
    label_en: str
    label_fr: str
    descriptor_en: str
    descriptor_fr: str


# One criterion of a rubric version; ``descriptors`` is the rating guide {"1": {"en": …, "fr": …}}.
# Every stored field comes from the model family (CriterionFields), so a field added there is shown here.
class CriterionPublic(CriterionFields):
    model_config = ConfigDict(frozen=True)  # type: ignore[assignment]  # (SQLModel declares its own config type)

    id: int
    rubric_id: int
    lineage: str
    number: int
    descriptors: dict[str, dict[str, str]]
    version: int

    @classmethod
    def of(cls, c: Criterion) -> CriterionPublic:
        # Read from the database, so not validated again (an imported text may exceed the editor's limit).
        values = {name: getattr(c, name) for name in cls.model_fields if name not in {"id", "descriptors", "kind"}}
        return cls.model_construct(
            **values, id=c.id or 0, kind=CriterionKind(c.kind), descriptors=loads(c.descriptors_json, {})
        )


# A rubric version with its scale and criteria (ordered by number).
@dataclass(frozen=True)
class RubricView:
    id: int
    posting_id: int
    version_number: int
    status: RubricStatus
    version: int
    is_current: bool
    created_at: datetime
    locked_at: datetime | None
    levels: list[LevelPublic]
    criteria: list[CriterionPublic]
    source_sections: dict[str, list[int]]
    warnings: list[str]

    @property
    def locked(self) -> bool:
        return self.status == RubricStatus.locked


def _loose(model: type[SQLModel]) -> type[SQLModel]:
    """The fields of ``model``, each optional and unchecked: what a person typed, for the service to check."""
    fields: dict[str, Any] = dict.fromkeys(model.model_fields, (Any, None))
    return create_model(f"{model.__name__}Input", __base__=SQLModel, **fields)


# One row of the full list given to save_criteria (id None = a new criterion). Every field of
# CriterionBase, optional: the fields given change, the others keep their value (a new criterion takes
# the model's defaults). ``model_fields_set`` tells which were given.
class CriterionEdit(_loose(CriterionBase)):  # type: ignore[misc]  # a base built from the model family
    id: int | None = None
    descriptors: dict[Any, dict[str, Any]] | None = None

    def given(self) -> dict[str, Any]:
        """The settings this edit sets, by name (``descriptors`` apart)."""
        return {name: getattr(self, name) for name in self.model_fields_set if name in CRITERION_SETTINGS}


# One level given to save_scale.
@dataclass
class LevelEdit:
    value: int
    label_en: str
    label_fr: str
    descriptor_en: str = ""
    descriptor_fr: str = ""


# --- reading -------------------------------------------------------------------------------------


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
    return list(session.exec(select(Criterion).where(Criterion.rubric_id == rubric_id).order_by(Criterion.number)).all())


def rubric_levels(session: Session, rubric_id: int) -> list[RatingLevel]:
    return list(
        session.exec(select(RatingLevel).where(RatingLevel.rubric_id == rubric_id).order_by(RatingLevel.value)).all()
    )


def _is_current(session: Session, rubric: Rubric) -> bool:
    newest = session.exec(select(func.max(Rubric.version_number)).where(Rubric.posting_id == rubric.posting_id)).one()
    return newest == rubric.version_number


def rubric_view(session: Session, rubric: Rubric) -> RubricView:
    return RubricView(
        id=rubric.id or 0,
        posting_id=rubric.posting_id,
        version_number=rubric.version_number,
        status=RubricStatus(rubric.status),
        version=rubric.version,
        is_current=_is_current(session, rubric),
        created_at=rubric.created_at,
        locked_at=rubric.locked_at,
        levels=[
            LevelPublic(lv.value, lv.label_en, lv.label_fr, lv.descriptor_en, lv.descriptor_fr)
            for lv in rubric_levels(session, rubric.id or 0)
        ],
        criteria=[CriterionPublic.of(c) for c in rubric_criteria(session, rubric.id or 0)],
        source_sections=loads(rubric.source_sections_json, {}),
        warnings=loads(rubric.warnings_json, []),
    )


def _get_rubric(session: Session, rubric_id: int) -> Rubric:
    rubric = session.get(Rubric, rubric_id)
    if rubric is None:
        raise NotFoundError(N_("Rubric {rubric_id} does not exist."), rubric_id=rubric_id)
    return rubric


def current_rubric(session: Session, actor: Actor, *, posting_id: int) -> RubricView:
    """The newest version: the one new scorecards use. Panel members read it to score."""
    require_view_posting(session, actor, posting_id)
    rubric = current_rubric_row(session, posting_id)
    if rubric is None:
        raise NotFoundError(N_("This posting has no rubric yet; re-import its posting file."))
    return rubric_view(session, rubric)


def get_rubric(session: Session, actor: Actor, *, rubric_id: int) -> RubricView:
    rubric = _get_rubric(session, rubric_id)
    require_view_posting(session, actor, rubric.posting_id)
    return rubric_view(session, rubric)


def list_rubric_versions(session: Session, actor: Actor, *, posting_id: int) -> list[RubricView]:
    require_view_posting(session, actor, posting_id)
    rubrics = session.exec(
        select(Rubric).where(Rubric.posting_id == posting_id).order_by(col(Rubric.version_number).desc())
    ).all()
    return [rubric_view(session, r) for r in rubrics]


# --- building ------------------------------------------------------------------------------------


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
    with create_conflict(session, Message(_CHANGED_MEANWHILE)):
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


_DEFAULTS = {name: Criterion.model_fields[name].default for name in CRITERION_CONTENT if name != "lineage"}


def _content(values: dict[str, Any]) -> dict[str, Any]:
    """Every content column of a new criterion: the ones given, the model's defaults for the rest."""
    row = {**_DEFAULTS, **{k: v for k, v in values.items() if k in CRITERION_CONTENT}}
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
        session, actor, action="rubric.lock", entity_type="rubric", entity_id=rubric_id, posting_id=posting_id, reason=why
    )
    session.expire_all()
    return True


# --- editing -------------------------------------------------------------------------------------


def _check_edits(edits: Sequence[CriterionEdit], existing: dict[int, Criterion], scale: set[int]) -> list[dict[str, Any]]:
    """Check each edit as it will be saved (its old values where it gives none, the model's defaults for a
    new criterion); return one row per edit: its ``id`` and the columns it changes, checked and cleaned."""
    existing_ids = set(existing)
    problems: list[Message] = []
    rows: list[dict[str, Any]] = []
    if not edits:
        problems.append(Message(N_("Keep at least one criterion: a rubric without criteria cannot be scored.")))
    if len(edits) > MAX_CRITERIA:
        problems.append(
            Message(N_("A rubric holds at most {limit} criteria (you gave {count})."), limit=MAX_CRITERIA, count=len(edits))
        )
    seen: set[int] = set()
    low, high = (min(scale), max(scale)) if scale else (1, 5)
    for number, edit in enumerate(edits, start=1):
        if edit.id is not None:
            if edit.id not in existing_ids:
                problems.append(
                    Message(
                        N_("Criterion {number} refers to criterion id {criterion_id}, which is not part of this rubric; reload."),
                        number=number,
                        criterion_id=edit.id,
                    )
                )
            elif edit.id in seen:
                problems.append(
                    Message(
                        N_("Criterion {number} repeats criterion id {criterion_id}; each criterion can appear once."),
                        number=number,
                        criterion_id=edit.id,
                    )
                )
            seen.add(edit.id)
        old = existing.get(edit.id) if edit.id is not None else None
        given = edit.given()
        merged = {**{k: getattr(old, k) if old else _DEFAULTS[k] for k in CRITERION_SETTINGS}, **given}
        try:
            text_en = clean_text(
                merged["text_en"], what=Message(N_("English text of criterion {number}"), number=number), max_length=MAX_CRITERION_TEXT
            )
            text_fr = clean_text(
                merged["text_fr"], what=Message(N_("French text of criterion {number}"), number=number), max_length=MAX_CRITERION_TEXT
            )
        except ValidationError as exc:
            problems.extend(exc.problems)
            continue
        if not text_en and not text_fr:
            problems.append(
                Message(N_("Criterion {number} has no text; write it in English, French or both."), number=number)
            )
        try:
            kind = CriterionKind(merged["kind"])
        except ValueError:
            problems.append(
                Message(
                    N_("Criterion {number}: kind must be 'essential' or 'asset' (got {kind})."),
                    number=number,
                    kind=repr(merged["kind"]),
                )
            )
            continue
        try:
            weight = float(merged["weight"])
        except (TypeError, ValueError):
            weight = -1.0
        if not 0 < weight <= MAX_WEIGHT:
            problems.append(
                Message(
                    N_("Criterion {number}: weight must be above 0 and at most {max_weight} (got {weight})."),
                    number=number,
                    max_weight=Number(MAX_WEIGHT),
                    weight=repr(merged["weight"]),
                )
            )
        pass_mark, min_raters = merged["pass_mark"], merged["min_raters"]
        if not isinstance(pass_mark, int) or not low <= pass_mark <= high:
            problems.append(
                Message(
                    N_("Criterion {number}: pass mark must be a level of the scale, {low} to {high} (got {pass_mark})."),
                    number=number,
                    low=low,
                    high=high,
                    pass_mark=repr(pass_mark),
                )
            )
        if not isinstance(min_raters, int) or not 1 <= min_raters <= MAX_MIN_RATERS:
            problems.append(
                Message(
                    N_("Criterion {number}: minimum raters must be 1 to {max_raters} (got {min_raters})."),
                    number=number,
                    max_raters=MAX_MIN_RATERS,
                    min_raters=repr(min_raters),
                )
            )
        guide = edit.descriptors if edit.descriptors is not None else loads(old.descriptors_json, {}) if old else {}
        descriptors = {str(k): {lang: str(v.get(lang, "")) for lang in ("en", "fr")} for k, v in guide.items()}
        bad_levels = [k for k in descriptors if not k.lstrip("-").isdigit() or int(k) not in scale]
        if bad_levels:
            problems.append(
                Message(
                    N_("Criterion {number}: the rating guide names levels {levels} that are not on the scale."),
                    number=number,
                    levels=bad_levels,
                )
            )
        checked = {**merged, "kind": kind, "text_en": text_en, "text_fr": text_fr, "weight": weight}
        # An existing criterion changes only the fields given; a field with no check of its own is stored as given.
        row = {k: checked[k] for k in given} if old else checked
        if edit.descriptors is not None or old is None:
            row["descriptors_json"] = dumps(descriptors)
        rows.append({"id": edit.id, **row})
    if problems:
        raise ValidationError.listing(problems, limit=5)
    return rows


def _editable_rubric(session: Session, actor: Actor, rubric_id: int, expected_version: int) -> Rubric:
    rubric = _get_rubric(session, rubric_id)
    require_posting_manager(session, actor, rubric.posting_id)
    if not _is_current(session, rubric):
        raise ConflictError(
            N_("Version {version} of this rubric has been replaced by a newer one; reload and edit that."),
            version=rubric.version_number,
        )
    if rubric.version != expected_version:
        raise ConflictError(_CHANGED_MEANWHILE)
    return rubric


_CHANGED_MEANWHILE = N_("Someone else changed this rubric after you opened it; reload to see their change, then make yours again.")


def save_criteria(
    session: Session, actor: Actor, *, rubric_id: int, criteria: list[CriterionEdit], expected_version: int
) -> RubricView:
    """Replace the criteria with ``criteria`` (order = numbering; id None = new; missing = removed).

    A locked rubric is left as it is and the edit becomes the next version.
    """
    rubric = _editable_rubric(session, actor, rubric_id, expected_version)
    existing = {c.id: c for c in rubric_criteria(session, rubric_id) if c.id is not None}
    scale = {lv.value for lv in rubric_levels(session, rubric_id)}
    rows = _check_edits(criteria, existing, scale)
    before = [CriterionPublic.of(c).__dict__ for c in existing.values()]
    target, is_new = write_rubric(session, rubric, expected_version, criteria=rows)
    action = "rubric.new_version" if is_new else "rubric.save_criteria"
    session.flush()
    session.expire_all()
    view = rubric_view(session, _get_rubric(session, target.id or 0))
    record_event(
        session,
        actor,
        action=action,
        entity_type="rubric",
        entity_id=view.id,
        posting_id=view.posting_id,
        before={"rubric_id": rubric_id, "criteria": before},
        after={"rubric_id": view.id, "version_number": view.version_number, "criteria": [c.__dict__ for c in view.criteria]},
    )
    return view


def _check_levels(levels: Sequence[LevelEdit]) -> list[dict[str, Any]]:
    problems: list[Message] = []
    values = [lv.value for lv in levels]
    if len(levels) < 2:
        problems.append(Message(N_("A rating scale needs at least two levels.")))
    if len(set(values)) != len(values):
        problems.append(Message(N_("Two levels of the scale have the same value; give each level its own number.")))
    if any(not isinstance(v, int) or not 0 <= v <= 10 for v in values):
        problems.append(Message(N_("Scale values must be whole numbers from 0 to 10.")))
    rows = []
    for lv in levels:
        try:
            label_en = clean_text(
                lv.label_en, what=Message(N_("English label of level {level}"), level=lv.value), max_length=MAX_LEVEL_LABEL, required=True
            )
            label_fr = clean_text(
                lv.label_fr, what=Message(N_("French label of level {level}"), level=lv.value), max_length=MAX_LEVEL_LABEL, required=True
            )
            d_en = clean_text(
                lv.descriptor_en, what=Message(N_("English descriptor of level {level}"), level=lv.value), max_length=MAX_LEVEL_DESCRIPTOR
            )
            d_fr = clean_text(
                lv.descriptor_fr, what=Message(N_("French descriptor of level {level}"), level=lv.value), max_length=MAX_LEVEL_DESCRIPTOR
            )
        except ValidationError as exc:
            problems.extend(exc.problems)
            continue
        rows.append({"value": lv.value, "label_en": label_en, "label_fr": label_fr, "descriptor_en": d_en, "descriptor_fr": d_fr})
    if problems:
        raise ValidationError.listing(problems)
    return sorted(rows, key=lambda r: r["value"])


def save_scale(session: Session, actor: Actor, *, rubric_id: int, levels: list[LevelEdit], expected_version: int) -> RubricView:
    rubric = _editable_rubric(session, actor, rubric_id, expected_version)
    rows = _check_levels(levels)
    values = {r["value"] for r in rows}
    off_scale = [c.number for c in rubric_criteria(session, rubric_id) if c.pass_mark not in values]
    if off_scale:
        raise ValidationError(
            N_("Criteria {numbers} have a pass mark that is not on the new scale; change their pass marks first."),
            numbers=off_scale,
        )
    before = [level_values(lv) for lv in rubric_levels(session, rubric_id)]
    target, is_new = write_rubric(session, rubric, expected_version, levels=rows)
    action = "rubric.new_version" if is_new else "rubric.save_scale"
    session.flush()
    session.expire_all()
    view = rubric_view(session, _get_rubric(session, target.id or 0))
    record_event(
        session, actor, action=action, entity_type="rubric", entity_id=view.id, posting_id=view.posting_id,
        before={"rubric_id": rubric_id, "levels": before}, after={"rubric_id": view.id, "levels": rows},
    )
    return view


def lock_rubric(session: Session, actor: Actor, *, rubric_id: int) -> RubricView:
    rubric = _get_rubric(session, rubric_id)
    require_posting_manager(session, actor, rubric.posting_id)
    lock_if_draft(session, actor, rubric_id, why="locked by hand")
    return rubric_view(session, _get_rubric(session, rubric_id))


def posting_exists(session: Session, posting_id: int) -> bool:
    return session.get(Posting, posting_id) is not None
