"""A criterion's fields are declared once (tracker.models.CriterionBase) and every copy derives from there.

The tests run over the model's own field list, so a field added to the model is covered without touching
this file: it must flow through the editor table, a save, the public view, a new rubric version, a
re-import and the results frames, and a save that does not give it must keep it. (Walk-through of what
adding a field touches: docs/architecture.md, "Adding a criterion attribute".)
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Any

import pydantic
import pytest
from factories import build_world, make_candidate, make_panel, make_scorecard, make_user
from sqlmodel import select
from test_services_postings import write_pair

from app_pages import _rubric_tables as tables
from tracker.db import read_session, write_session
from tracker.models import (
    CRITERION_CONTENT,
    CRITERION_SETTINGS,
    Criterion,
    CriterionBase,
    CriterionFields,
    Posting,
    Role,
)
from tracker.results.data import CRITERIA_COLUMNS as RESULT_COLUMNS
from tracker.results.data import load_posting_frames
from tracker.services import postings, rubrics
from tracker.services.actor import SYSTEM_ACTOR
from tracker.services.rubrics import CriterionEdit, CriterionPublic

GUIDE = {"4": {"en": "Led the redesign", "fr": "A mené la refonte"}}


def _other(name: str, value: Any) -> Any:
    """Another valid value of the field ``name``, from its type (the default scale is 1-5)."""
    if isinstance(value, enum.Enum):
        return next(member for member in type(value) if member != value)
    annotation = CriterionBase.model_fields[name].annotation
    if annotation is bool:
        return not value
    if annotation is int:
        return value + 1
    if annotation is float:
        return value + 1.5
    if annotation is str:
        return f"{value} (changed)"
    raise AssertionError(f"give the test a way to change a {annotation} field ({name})")


def _rows(engine: Any, rubric_id: int) -> list[dict[str, Any]]:
    """Every column of the rubric's criteria, in order."""
    with read_session(engine) as s:
        rows = s.exec(select(Criterion).where(Criterion.rubric_id == rubric_id).order_by(Criterion.number)).all()
        return [c.model_dump() for c in rows]


def _content(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{name: row[name] for name in CRITERION_CONTENT} for row in rows]


def _current(engine: Any, posting_id: int) -> rubrics.RubricView:
    with read_session(engine) as s:
        return rubrics.current_rubric(s, SYSTEM_ACTOR, posting_id=posting_id)


def _save(engine: Any, view: rubrics.RubricView, edits: list[CriterionEdit]) -> rubrics.RubricView:
    with write_session(engine) as s:
        return rubrics.save_criteria(s, SYSTEM_ACTOR, rubric_id=view.id, criteria=edits, expected_version=view.version)


def test_every_copy_of_the_fields_is_derived_from_the_model() -> None:
    settings = set(CriterionBase.model_fields)
    assert set(CRITERION_SETTINGS) == settings
    assert set(CRITERION_CONTENT) == set(CriterionFields.model_fields) | {"lineage", "descriptors_json"}
    assert set(CRITERION_CONTENT) <= set(Criterion.model_fields)
    assert settings <= set(CriterionEdit.model_fields)
    assert set(CriterionFields.model_fields) <= set(CriterionPublic.model_fields)
    assert settings <= set(RESULT_COLUMNS)
    # The one list written by hand: the editor's columns. A new setting needs its column there.
    assert settings <= set(tables.CRITERIA_COLUMNS)


def test_the_model_holds_the_limits_the_services_check() -> None:
    fields = CriterionBase.model_fields
    assert {m.max_length for m in fields["text_en"].metadata if hasattr(m, "max_length")} == {
        rubrics.MAX_CRITERION_TEXT
    }
    assert {m.le for m in fields["weight"].metadata if hasattr(m, "le")} == {rubrics.MAX_WEIGHT}
    assert {m.le for m in fields["min_raters"].metadata if hasattr(m, "le")} == {rubrics.MAX_MIN_RATERS}


@pytest.mark.parametrize("name", CRITERION_SETTINGS)
def test_a_field_edited_in_the_table_is_saved_shown_and_nothing_else_resets(engine: Any, name: str) -> None:
    world = build_world(engine, criteria=3)
    view = _current(engine, world.posting.id)
    # A rating guide first: the table does not show it, so a save from the table must keep it.
    view = _save(engine, view, [CriterionEdit(id=c.id, descriptors=GUIDE) for c in view.criteria])
    before = _rows(engine, view.id)
    first = view.criteria[0]
    value = _other(name, getattr(first, name))
    frame = tables.criteria_frame(view)
    frame.loc[0, name] = value.value if isinstance(value, enum.Enum) else value
    saved = _save(engine, view, tables.criteria_edits(frame, view))

    after = _rows(engine, view.id)
    assert saved.id == view.id and [c["id"] for c in after] == [c["id"] for c in before]  # updated in place
    expected = _content(before)
    expected[0][name] = value
    assert _content(after) == expected
    assert [c["version"] for c in after] == [before[0]["version"] + 1] + [c["version"] for c in before[1:]]
    assert getattr(saved.criteria[0], name) == value and saved.criteria[0].descriptors == GUIDE
    with read_session(engine) as s:
        frames = load_posting_frames(s, world.actor("manager"), posting_id=world.posting.id)
    assert frames.current_criteria[name].tolist()[0] == value


@pytest.mark.parametrize("name", CRITERION_SETTINGS)
def test_an_edit_giving_one_field_changes_that_field_only(engine: Any, name: str) -> None:
    world = build_world(engine, criteria=2)
    view = _current(engine, world.posting.id)
    before = _rows(engine, view.id)
    value = _other(name, before[1][name])
    _save(engine, view, [CriterionEdit(id=view.criteria[0].id), CriterionEdit(id=view.criteria[1].id, **{name: value})])
    expected = _content(before)
    expected[1][name] = value
    assert _content(_rows(engine, view.id)) == expected


@pytest.mark.parametrize("name", CRITERION_SETTINGS)
def test_a_locked_rubric_edit_carries_every_field_into_the_new_version(engine: Any, name: str) -> None:
    world = build_world(engine, criteria=3)
    view = _current(engine, world.posting.id)
    view = _save(engine, view, [CriterionEdit(id=c.id, descriptors=GUIDE) for c in view.criteria])
    with write_session(engine) as s:
        make_scorecard(s, candidate=world.candidates[0], interviewer=world.chair, ratings=[3, 3, 3])
    locked = _current(engine, world.posting.id)
    assert locked.locked
    before = _rows(engine, locked.id)
    value = _other(name, before[2][name])
    new = _save(
        engine,
        locked,
        [CriterionEdit(id=c.id) for c in locked.criteria[:2]]
        + [CriterionEdit(id=locked.criteria[2].id, **{name: value})],
    )
    assert new.id != locked.id and new.version_number == locked.version_number + 1
    assert _content(_rows(engine, locked.id)) == _content(before)  # the locked version never changes
    expected = _content(before)
    expected[2][name] = value
    assert _content(_rows(engine, new.id)) == expected  # lineage, sections, lines, guide: all carried


# What the posting file gives a criterion; a re-import keeps every other column of the criterion it continues.
_FROM_FILE = {"kind", "text_en", "text_fr", "section_en", "section_fr", "line_en", "line_fr"}


@pytest.mark.parametrize("locked", [False, True], ids=["draft", "locked"])
def test_a_reimport_keeps_every_field_the_file_does_not_give(engine: Any, tmp_path: Path, locked: bool) -> None:
    root = write_pair(tmp_path)
    postings.import_postings(engine, SYSTEM_ACTOR, paths=[root])
    with read_session(engine) as s:
        posting_id = s.exec(select(Posting.id)).one()
    view = _current(engine, posting_id)
    tuned = [name for name in CRITERION_SETTINGS if name not in _FROM_FILE]
    assert tuned  # weight, pass mark, minimum raters, …
    edits = [
        CriterionEdit(id=c.id, descriptors=GUIDE, **{name: _other(name, getattr(c, name)) for name in tuned})
        for c in view.criteria
    ]
    _save(engine, view, edits)
    if locked:
        with write_session(engine) as s:
            interviewer = make_user(s, role=Role.interviewer)
            posting_row = s.get(Posting, posting_id)
            assert posting_row is not None
            make_panel(s, posting=posting_row, members=[interviewer])
            make_scorecard(
                s, candidate=make_candidate(s, posting=posting_row), interviewer=interviewer, ratings=[3, 3, 3, 3]
            )
    before = _content(_rows(engine, view.id))
    write_pair(tmp_path, third="Ability to turn research into design decisions")
    [item] = postings.import_postings(engine, SYSTEM_ACTOR, paths=[root]).items
    assert item.action == ("new_version" if locked else "updated")
    now = _current(engine, posting_id)
    after = _content(_rows(engine, now.id))
    assert after[2]["text_en"] == "Ability to turn research into design decisions"
    kept = [name for name in CRITERION_CONTENT if name not in _FROM_FILE]
    assert [{k: row[k] for k in kept} for row in after] == [{k: row[k] for k in kept} for row in before]
    if not locked:
        assert [c.id for c in now.criteria] == [c.id for c in view.criteria]  # the draft was updated in place


def test_an_edit_names_fields_of_the_model_only() -> None:
    """A misspelt field would otherwise be dropped without a word and the value silently kept."""
    with pytest.raises(pydantic.ValidationError):
        CriterionEdit(id=1, pass_marks=4)
    assert CriterionEdit(id=1, pass_mark=4).given() == {"pass_mark": 4}
