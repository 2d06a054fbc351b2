"""Rubrics: the rating scale and criteria of a posting, versioned so scores never lose their meaning.

A draft rubric is edited in place. A locked rubric (locked at the first scorecard) is never changed:
editing it creates the next version, whose criteria keep the ``lineage`` of the ones they replace, so
old scores stay attached to the criteria they were given for and the merit view can still match them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ConfigDict, create_model
from sqlalchemy import func
from sqlmodel import Session, SQLModel, col, select

from tracker.i18n import N_
from tracker.i18n.message import Message, Number
from tracker.models import (
    CRITERION_SETTINGS,
    MAX_CRITERION_TEXT,
    MAX_MIN_RATERS,
    MAX_WEIGHT,
    Criterion,
    CriterionBase,
    CriterionFields,
    CriterionKind,
    Rubric,
    RubricStatus,
)
from tracker.services.actor import Actor
from tracker.services.audit import record_event
from tracker.services.common import clean_text, dumps, loads
from tracker.services.errors import ConflictError, NotFoundError, ValidationError
from tracker.services.permissions import require_posting_manager, require_view_posting
from tracker.services.rubric_rows import (
    CHANGED_MEANWHILE,
    CRITERION_DEFAULTS,
    current_rubric_row,
    level_values,
    lock_if_draft,
    rubric_criteria,
    rubric_levels,
    write_rubric,
)
from tracker.services.rubric_rows import (
    DEFAULT_PASS_MARK as DEFAULT_PASS_MARK,  # the editor's default, named here for the pages
)

MAX_CRITERIA = 200
# The limits of a criterion's fields live on the model (tracker.models.CriterionBase), imported above.
MAX_LEVEL_LABEL = 100
MAX_LEVEL_DESCRIPTOR = 2_000


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
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]  # a misspelt field is an error, not ignored

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


# --- editing -------------------------------------------------------------------------------------


def _check_edits(
    edits: Sequence[CriterionEdit], existing: dict[int, Criterion], scale: set[int]
) -> list[dict[str, Any]]:
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
        merged = {**{k: getattr(old, k) if old else CRITERION_DEFAULTS[k] for k in CRITERION_SETTINGS}, **given}
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
        raise ConflictError(CHANGED_MEANWHILE)
    return rubric


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
