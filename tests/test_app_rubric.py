"""The Rubric page (issue #4 §5): criteria EN/FR in a data editor, the scale, the rating guide, locking,
rebuilding from other sections, and the source posting shown safely."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from app_helpers import assert_no_exception, click, page_html, signed_in, texts
from factories import World, build_world
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from streamlit.testing.v1 import AppTest

from app_pages import _rubric_tables as tables
from tracker.db import read_session, write_session
from tracker.models import Criterion, Role, Rubric, RubricStatus
from tracker.services import SYSTEM_ACTOR
from tracker.services.actor import Actor
from tracker.services.postings import import_postings
from tracker.services.rubrics import CriterionEdit, current_rubric, lock_rubric, save_criteria

pytest_plugins = ["app_helpers"]

# A posting whose assessment list the parser finds, plus a duties list a manager may want instead.
SECTIONED_EN = b"""---
title: 'Content Designer'
translationKey: northwind-content-designer
---

## What you will do

- Rewrite benefit guidance in plain language
- Test content with people who use the service

## We will assess you on:

- Experience writing for the web
- Knowledge of plain-language principles

<script>alert('posting script')</script>
"""


@pytest.fixture
def world(app_engine: Engine) -> World:
    return build_world(app_engine)


def rubric_row(engine: Engine, posting_id: int) -> Rubric:
    with read_session(engine) as session:
        row = session.exec(
            select(Rubric).where(Rubric.posting_id == posting_id).order_by(col(Rubric.version_number).desc())
        ).first()
        assert row is not None
        session.expunge(row)
        return row


def criteria_texts(engine: Engine, rubric_id: int) -> list[str]:
    with read_session(engine) as session:
        return list(
            session.exec(select(Criterion.text_en).where(Criterion.rubric_id == rubric_id).order_by(Criterion.number)).all()
        )


def editor_key(engine: Engine, posting_id: int, kind: str = "criteria") -> str:
    rubric = rubric_row(engine, posting_id)
    return f"rubric_{kind}_{rubric.id}_{rubric.version}"


def edit(at: AppTest, key: str, *, edited: dict | None = None, added: list | None = None, deleted: list | None = None) -> None:
    """What typing in a data editor does: AppTest applies cell edits given as the editor's state."""
    at.session_state[key] = {"edited_rows": edited or {}, "added_rows": added or [], "deleted_rows": deleted or []}


def lock(engine: Engine, posting_id: int) -> None:
    with write_session(engine) as session:
        rubric = current_rubric(session, SYSTEM_ACTOR, posting_id=posting_id)
        lock_rubric(session, SYSTEM_ACTOR, rubric_id=rubric.id)


def import_sectioned(engine: Engine, world: World) -> int:
    report = import_postings(engine, Actor.from_user(world.manager), files=[("content-designer.md", SECTIONED_EN)])
    [item] = report.items
    assert item.action == "created", item
    return item.posting_id


@pytest.mark.parametrize("role", [Role.admin, Role.manager])
def test_rubric_page_shows_the_criteria_in_both_languages(world: World, role: Role) -> None:
    user = world.admin if role == Role.admin else world.manager
    at = signed_in(user.id, page="rubric")
    assert_no_exception(at)
    assert [t.value for t in at.title] == ["Rubric"]
    at.selectbox(key="rubric_posting").set_value(world.posting.id).run()
    criteria = at.data_editor[0].value
    assert len(criteria) == 3
    assert criteria.loc[0, "text_en"] == "Experience designing accessible digital services"
    assert criteria.loc[0, "text_fr"] == "Expérience de la conception de services numériques accessibles"
    assert "**Version 1** · Draft · 3 criteria" in texts(at)


def test_interviewers_are_refused_the_rubric_page(world: World) -> None:
    at = signed_in(world.member.id, page="rubric")
    assert [t.value for t in at.title] == ["Access refused"]
    assert not at.data_editor


def test_a_manager_only_chooses_among_their_own_postings(world: World) -> None:
    at = signed_in(world.manager.id, page="rubric")
    assert at.selectbox(key="rubric_posting").options == [
        at.selectbox(key="rubric_posting").format_func(world.posting.id)
    ]


def test_editing_a_criterion_saves_it_in_the_draft(app_engine: Engine, world: World) -> None:
    at = signed_in(world.manager.id, page="rubric")
    edit(at, editor_key(app_engine, world.posting.id), edited={1: {"text_en": "Knowledge of plain language", "weight": 2.5}})
    at = click(at, "Save the criteria")
    assert_no_exception(at)
    assert "The criteria are saved." in texts(at)
    rubric = rubric_row(app_engine, world.posting.id)
    assert (rubric.version_number, rubric.status) == (1, RubricStatus.draft)
    with read_session(app_engine) as session:
        second = session.exec(select(Criterion).where(Criterion.rubric_id == rubric.id, Criterion.number == 2)).one()
        assert (second.text_en, second.weight) == ("Knowledge of plain language", 2.5)
        assert second.text_fr == "Connaissance de la rédaction en langage clair"


def test_a_locked_rubric_says_a_save_makes_a_new_version_and_does(app_engine: Engine, world: World) -> None:
    lock(app_engine, world.posting.id)
    before = rubric_row(app_engine, world.posting.id)
    at = signed_in(world.manager.id, page="rubric")
    assert "Saving any change below creates version 2" in texts(at)
    edit(at, editor_key(app_engine, world.posting.id), edited={0: {"text_en": "Experience designing services"}})
    at = click(at, "Save as version 2")
    assert_no_exception(at)
    assert "It is version 2." in texts(at)
    after = rubric_row(app_engine, world.posting.id)
    assert (after.version_number, after.status) == (2, RubricStatus.draft)
    assert criteria_texts(app_engine, after.id)[0] == "Experience designing services"
    assert criteria_texts(app_engine, before.id)[0] == "Experience designing accessible digital services"


def test_adding_removing_and_reordering_criteria_in_one_save(app_engine: Engine, world: World) -> None:
    at = signed_in(world.manager.id, page="rubric")
    edit(
        at,
        editor_key(app_engine, world.posting.id),
        edited={2: {"order": 1}, 0: {"order": 2}},
        added=[{"order": 3, "kind": "asset", "text_en": "Experience with Kubernetes", "text_fr": "Expérience de Kubernetes"}],
        deleted=[1],
    )
    at = click(at, "Save the criteria")
    assert_no_exception(at)
    rubric = rubric_row(app_engine, world.posting.id)
    with read_session(app_engine) as session:
        rows = session.exec(select(Criterion).where(Criterion.rubric_id == rubric.id).order_by(Criterion.number)).all()
        assert [(c.number, c.kind, c.text_en) for c in rows] == [
            (1, "essential", "Ability to analyse user research findings"),
            (2, "essential", "Experience designing accessible digital services"),
            (3, "asset", "Experience with Kubernetes"),
        ]


def test_a_criterion_without_text_is_refused_and_nothing_changes(app_engine: Engine, world: World) -> None:
    at = signed_in(world.manager.id, page="rubric")
    edit(at, editor_key(app_engine, world.posting.id), edited={0: {"text_en": "", "text_fr": ""}})
    at = click(at, "Save the criteria")
    assert "Criterion 1 has no text" in at.error[0].value
    assert rubric_row(app_engine, world.posting.id).version == 1


def test_a_rubric_changed_meanwhile_asks_to_reload(app_engine: Engine, world: World) -> None:
    at = signed_in(world.manager.id, page="rubric")
    key = editor_key(app_engine, world.posting.id)
    with write_session(app_engine) as session:
        view = current_rubric(session, SYSTEM_ACTOR, posting_id=world.posting.id)
        edits = [CriterionEdit(id=c.id, kind=c.kind, text_en=c.text_en + " (edited)", text_fr=c.text_fr) for c in view.criteria]
        save_criteria(session, SYSTEM_ACTOR, rubric_id=view.id, criteria=edits, expected_version=view.version)
    edit(at, key, edited={0: {"text_en": "My change"}})
    at = click(at, "Save the criteria")
    assert "Someone else changed this rubric after you opened it" in at.error[0].value
    assert "Your edits are still in the table below" in texts(at)
    assert "My change" not in criteria_texts(app_engine, rubric_row(app_engine, world.posting.id).id)


def test_editing_the_rating_scale(app_engine: Engine, world: World) -> None:
    at = signed_in(world.manager.id, page="rubric")
    edit(at, editor_key(app_engine, world.posting.id, "levels"), edited={2: {"label_fr": "Satisfaisant"}})
    at = click(at, "Save the rating scale")
    assert_no_exception(at)
    with read_session(app_engine) as session:
        view = current_rubric(session, SYSTEM_ACTOR, posting_id=world.posting.id)
    assert [lv.label_fr for lv in view.levels][2] == "Satisfaisant"


def test_writing_a_rating_guide_for_one_criterion(app_engine: Engine, world: World) -> None:
    at = signed_in(world.manager.id, page="rubric")
    rubric = rubric_row(app_engine, world.posting.id)
    with read_session(app_engine) as session:
        lineage = session.exec(select(Criterion.lineage).where(Criterion.rubric_id == rubric.id, Criterion.number == 1)).one()
    edit(at, f"rubric_guide_{lineage}_{rubric.id}_{rubric.version}",
         edited={4: {"guide_en": "Led an accessibility audit end to end", "guide_fr": "A mené un audit de bout en bout"}})
    at = click(at, "Save the rating guide")
    assert_no_exception(at)
    with read_session(app_engine) as session:
        view = current_rubric(session, SYSTEM_ACTOR, posting_id=world.posting.id)
    assert view.criteria[0].descriptors == {"5": {"en": "Led an accessibility audit end to end", "fr": "A mené un audit de bout en bout"}}
    assert view.criteria[1].descriptors == {}


def test_locking_the_rubric_by_hand(app_engine: Engine, world: World) -> None:
    at = signed_in(world.manager.id, page="rubric")
    at = click(at, "Lock the rubric")
    assert_no_exception(at)
    assert "Version 1 of the rubric is locked." in texts(at)
    assert rubric_row(app_engine, world.posting.id).status == RubricStatus.locked
    assert "Lock the rubric" not in [b.label for b in at.button]


def test_rebuilding_the_criteria_from_another_section(app_engine: Engine, world: World) -> None:
    posting_id = import_sectioned(app_engine, world)
    at = signed_in(world.manager.id, page="rubric")
    at.selectbox(key="rubric_posting").set_value(posting_id).run()
    sections = next(df.value for df in at.dataframe if "Recognised as" in df.value.columns)
    assert list(sections["Heading"]) == ["What you will do", "We will assess you on:"]
    assert list(sections["Used now"]) == [False, True]
    rubric = rubric_row(app_engine, posting_id)
    at.multiselect(key=f"rubric_sections_en_{rubric.id}_{rubric.version}").set_value([0]).run()
    at = click(at, "Rebuild the criteria from these sections")
    assert_no_exception(at)
    assert criteria_texts(app_engine, rubric_row(app_engine, posting_id).id) == [
        "Rewrite benefit guidance in plain language",
        "Test content with people who use the service",
    ]


def test_the_source_posting_is_shown_without_running_its_html(app_engine: Engine, world: World) -> None:
    posting_id = import_sectioned(app_engine, world)
    at = signed_in(world.manager.id, page="rubric")
    at.selectbox(key="rubric_posting").set_value(posting_id).run()
    [rendered] = [h.proto.body for h in page_html(at)]
    assert "&lt;script&gt;alert(" in rendered
    assert "<script" not in rendered
    assert "translationKey" not in rendered  # the front matter is not part of the rendered posting
    assert "We will assess you on:" in rendered
    at.toggle(key="rubric_source_raw").set_value(True).run()
    assert not page_html(at)
    assert at.code[0].value == SECTIONED_EN.decode().rstrip("\n")


def test_rubric_page_speaks_french(world: World) -> None:
    at = signed_in(world.manager.id, lang="fr", page="rubric")
    assert_no_exception(at)
    assert [t.value for t in at.title] == ["Grille de critères"]
    assert "Enregistrer les critères" in [b.label for b in at.button]


# --- the table conversions ------------------------------------------------------------------------


@pytest.fixture
def view(app_engine: Engine, world: World) -> Any:
    with read_session(app_engine) as session:
        return current_rubric(session, SYSTEM_ACTOR, posting_id=world.posting.id)


def test_an_untouched_table_gives_back_the_same_criteria(view: Any) -> None:
    edits = tables.criteria_edits(tables.criteria_frame(view), view)
    assert [e.id for e in edits] == [e.id for e in tables.unchanged_edits(view)] == [c.id for c in view.criteria]
    # Each edit gives the table's columns, with the values they have: saving it changes nothing.
    for edit, criterion in zip(edits, view.criteria, strict=True):
        assert edit.given() and edit.given() == {k: getattr(criterion, k) for k in edit.given()}
        assert edit.descriptors is None  # not shown in the table, so kept by the service


@pytest.mark.parametrize(
    ("orders", "expected"),
    [
        ([1, 2, 3], [0, 1, 2]),
        ([3, 1, 2], [1, 2, 0]),
        ([None, 1, None], [1, 0, 2]),  # unnumbered rows keep their place after the numbered ones
        ([2, 2, 1], [2, 0, 1]),  # ties keep the table's order
    ],
)
def test_the_order_column_sets_the_numbering(view: Any, orders: list, expected: list[int]) -> None:
    frame = tables.criteria_frame(view)
    frame["order"] = pd.array(orders, dtype="Int64")
    ids = [e.id for e in tables.criteria_edits(frame, view)]
    assert ids == [view.criteria[i].id for i in expected]


def test_a_blank_new_row_is_dropped_and_a_new_one_with_text_kept(view: Any) -> None:
    frame = tables.criteria_frame(view)
    blank = dict.fromkeys(tables.CRITERIA_COLUMNS)
    new = {**blank, "text_fr": "Connaissance de Python", "kind": "asset"}
    frame = pd.concat([frame, pd.DataFrame([blank, new])], ignore_index=True)
    edits = tables.criteria_edits(frame, view, default_pass_mark=4)
    assert len(edits) == 4
    assert (edits[-1].id, edits[-1].kind, edits[-1].text_fr, edits[-1].pass_mark, edits[-1].weight) == (
        None, "asset", "Connaissance de Python", 4, 1.0,
    )


def test_the_rating_guide_table_round_trips(view: Any) -> None:
    criterion = view.criteria[0]
    frame = tables.guide_frame(view, criterion, "fr")
    assert list(frame["label"]) == ["Aucune preuve", "Limité", "Acceptable", "Solide", "Exceptionnel"]
    frame.loc[0, "guide_fr"] = "  Aucun exemple  "
    assert tables.guide_descriptors(frame) == {"1": {"en": "", "fr": "Aucun exemple"}}


def test_scale_rows_without_a_value_are_dropped_only_when_blank(view: Any) -> None:
    frame = tables.levels_frame(view)
    frame = pd.concat(
        [frame, pd.DataFrame([dict.fromkeys(tables.LEVEL_COLUMNS), {"value": None, "label_en": "Six"}])],
        ignore_index=True,
    )
    values = [lv.value for lv in tables.level_edits(frame)]
    assert values == [1, 2, 3, 4, 5, -1]
