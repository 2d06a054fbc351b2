"""The rubric page's tables: a rubric as DataFrames for ``st.data_editor``, and the edited tables back
as the lists ``rubrics.save_criteria`` / ``save_scale`` expect (each criterion edit gives the table's columns only).

Kept apart from the page (no Streamlit here) so the conversions, where a silent mistake would drop or
renumber a criterion, are tested directly.
"""

from __future__ import annotations

import enum
import math
from typing import Any

import pandas as pd

from tracker.models import CRITERION_SETTINGS, CriterionBase
from tracker.services.rubrics import DEFAULT_PASS_MARK, CriterionEdit, CriterionPublic, LevelEdit, RubricView

CRITERIA_COLUMNS = ("id", "order", "kind", "text_en", "text_fr", "weight", "pass_mark", "min_raters", "section")
LEVEL_COLUMNS = ("value", "label_en", "label_fr", "descriptor_en", "descriptor_fr")
GUIDE_COLUMNS = ("level", "label", "guide_en", "guide_fr")


def missing(value: Any) -> bool:
    """An empty cell: None, NaN or pandas' NA (new rows of a data editor hold these)."""
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text(value: Any) -> str:
    return "" if missing(value) else str(value)


def _int(value: Any, default: int) -> int:
    if missing(value):
        return default
    number = float(value)
    return int(number) if math.isfinite(number) and number == int(number) else default


# The editable columns of the criteria table: the editor's column list above, read through the model.
_SETTINGS = [name for name in CRITERIA_COLUMNS if name in CRITERION_SETTINGS]
_DTYPES = {int: "Int64", float: "float64"}


def _dtype(name: str) -> str | None:
    return _DTYPES.get(CriterionBase.model_fields[name].annotation)  # type: ignore[arg-type]


def _cell(name: str, value: Any) -> Any:
    """A cell of the edited table as the model's field: a number, a text or the default of an empty cell."""
    info = CriterionBase.model_fields[name]
    default = info.default.value if isinstance(info.default, enum.Enum) else info.default
    if info.annotation is int:
        return _int(value, default)
    if info.annotation is float:
        return default if missing(value) else float(value)
    return _text(value) or default


def criteria_frame(view: RubricView) -> pd.DataFrame:
    rows = [
        {
            "id": c.id,
            "order": c.number,
            **{name: getattr(c, name) for name in _SETTINGS},
            "section": " / ".join(s for s in (c.section_en, c.section_fr) if s),
        }
        for c in view.criteria
    ]
    frame = pd.DataFrame(rows, columns=list(CRITERIA_COLUMNS))
    if "kind" in frame:
        frame["kind"] = frame["kind"].map(lambda kind: kind.value if isinstance(kind, enum.Enum) else kind)
    types = {name: _dtype(name) for name in _SETTINGS}
    return frame.astype({"id": "Int64", "order": "Int64", **{k: v for k, v in types.items() if v}})


def criteria_edits(
    edited: pd.DataFrame, view: RubricView, *, default_pass_mark: int = DEFAULT_PASS_MARK
) -> list[CriterionEdit]:
    """The edited table as the new criteria list, ordered by the Order column.

    Rows without an order keep their place after the numbered ones; a new row left entirely blank is
    dropped (an empty line the user added, not a criterion). Each edit gives the table's columns only, so
    what the table does not show (the rating guide, any other field) is kept by the service.
    """
    records = edited.to_dict("records")
    keyed = []
    for position, row in enumerate(records):
        order = row.get("order")
        keyed.append(((missing(order), 0.0 if missing(order) else float(order), position), row))
    edits: list[CriterionEdit] = []
    for _key, row in sorted(keyed, key=lambda pair: pair[0]):
        raw_id = row.get("id")
        criterion_id = None if missing(raw_id) else int(raw_id)
        if criterion_id is None and not any(_text(row.get(name)).strip() for name in ("text_en", "text_fr")):
            continue
        values = {name: _cell(name, row.get(name)) for name in _SETTINGS}
        if "pass_mark" in values and missing(row.get("pass_mark")):
            values["pass_mark"] = default_pass_mark
        edits.append(CriterionEdit(id=criterion_id, **values))
    return edits


def unchanged_edits(view: RubricView) -> list[CriterionEdit]:
    """The rubric's criteria as they are, to change one detail (a rating guide) and keep the rest."""
    return [CriterionEdit(id=c.id) for c in view.criteria]


def levels_frame(view: RubricView) -> pd.DataFrame:
    rows = [
        {"value": lv.value, "label_en": lv.label_en, "label_fr": lv.label_fr,
         "descriptor_en": lv.descriptor_en, "descriptor_fr": lv.descriptor_fr}
        for lv in view.levels
    ]
    return pd.DataFrame(rows, columns=list(LEVEL_COLUMNS)).astype({"value": "Int64"})


def level_edits(edited: pd.DataFrame) -> list[LevelEdit]:
    """Rows without a value are dropped when they are blank; otherwise the service reports them."""
    edits = []
    for row in edited.to_dict("records"):
        texts = [_text(row.get(c)) for c in LEVEL_COLUMNS[1:]]
        if missing(row.get("value")):
            if not any(t.strip() for t in texts):
                continue
            value = -1  # refused by the service with a message naming the scale's rule
        else:
            value = _int(row.get("value"), -1)
        edits.append(LevelEdit(value, *texts))
    return edits


def guide_frame(view: RubricView, criterion: CriterionPublic, lang: str) -> pd.DataFrame:
    """One row per level of the scale: the level's label, and what this criterion's answer looks like there."""
    rows = []
    for lv in view.levels:
        guide = criterion.descriptors.get(str(lv.value), {})
        rows.append(
            {
                "level": lv.value,
                "label": (lv.label_fr or lv.label_en) if lang == "fr" else (lv.label_en or lv.label_fr),
                "guide_en": guide.get("en", ""),
                "guide_fr": guide.get("fr", ""),
            }
        )
    return pd.DataFrame(rows, columns=list(GUIDE_COLUMNS)).astype({"level": "Int64"})


def guide_descriptors(edited: pd.DataFrame) -> dict[str, dict[str, str]]:
    """The rating guide as stored: levels with no text in either language are left out."""
    guide: dict[str, dict[str, str]] = {}
    for row in edited.to_dict("records"):
        en, fr = _text(row.get("guide_en")).strip(), _text(row.get("guide_fr")).strip()
        if (en or fr) and not missing(row.get("level")):
            guide[str(int(row["level"]))] = {"en": en, "fr": fr}
    return guide


def with_guide(view: RubricView, criterion_id: int, descriptors: dict[str, dict[str, str]]) -> list[CriterionEdit]:
    edits = unchanged_edits(view)
    for edit in edits:
        if edit.id == criterion_id:
            edit.descriptors = descriptors
    return edits
