"""Rubrics: default bilingual scale, full-replacement criteria edits, versions of locked rubrics."""

from __future__ import annotations

from typing import Any

import pytest
from factories import build_world, make_scorecard
from sqlmodel import select

from tracker.db import read_session, write_session
from tracker.models import AuditEvent, CriterionKind, RubricStatus
from tracker.services import ConflictError, ValidationError, rubrics
from tracker.services.rubrics import CriterionEdit, LevelEdit


def _current(engine: Any, world: Any) -> rubrics.RubricView:
    with read_session(engine) as s:
        return rubrics.current_rubric(s, world.actor("manager"), posting_id=world.posting.id)


def test_default_scale_is_one_to_five_with_labels_and_descriptors_in_both_languages(engine: Any) -> None:
    world = build_world(engine)
    levels = _current(engine, world).levels
    assert [lv.value for lv in levels] == [1, 2, 3, 4, 5]
    assert all(lv.label_en and lv.label_fr and lv.descriptor_en and lv.descriptor_fr for lv in levels)
    assert levels[0].label_fr != levels[0].label_en


def test_draft_rubric_edits_replace_the_list_in_place_with_reorder_add_and_remove(engine: Any) -> None:
    world = build_world(engine, criteria=3)
    rubric = _current(engine, world)
    a, b, c = rubric.criteria
    edits = [
        CriterionEdit(id=c.id, kind="asset", text_en=c.text_en, text_fr=c.text_fr, weight=2.5, pass_mark=4),
        CriterionEdit(id=a.id, kind=a.kind, text_en="Reworded first", text_fr=a.text_fr),
        CriterionEdit(text_en="Brand new", text_fr="Tout nouveau", descriptors={"5": {"en": "Led a team", "fr": "A dirigé une équipe"}}),
    ]
    with write_session(engine) as s:
        saved = rubrics.save_criteria(s, world.actor("manager"), rubric_id=rubric.id, criteria=edits, expected_version=rubric.version)
    assert saved.id == rubric.id and saved.version == rubric.version + 1
    assert [x.text_en for x in saved.criteria] == [c.text_en, "Reworded first", "Brand new"]
    assert [x.number for x in saved.criteria] == [1, 2, 3]
    assert saved.criteria[0].kind == CriterionKind.asset and saved.criteria[0].weight == 2.5 and saved.criteria[0].pass_mark == 4
    assert saved.criteria[0].lineage == c.lineage and saved.criteria[1].lineage == a.lineage
    assert saved.criteria[2].lineage not in {a.lineage, b.lineage, c.lineage}
    assert saved.criteria[2].descriptors["5"]["fr"] == "A dirigé une équipe"
    assert b.lineage not in {x.lineage for x in saved.criteria}


def test_stale_rubric_edit_is_a_conflict(engine: Any) -> None:
    world = build_world(engine)
    rubric = _current(engine, world)
    edits = [CriterionEdit(id=c.id, kind=c.kind, text_en=c.text_en + "!", text_fr=c.text_fr) for c in rubric.criteria]
    with write_session(engine) as s:
        rubrics.save_criteria(s, world.actor("manager"), rubric_id=rubric.id, criteria=edits, expected_version=rubric.version)
    with pytest.raises(ConflictError), write_session(engine) as s:
        rubrics.save_criteria(s, world.actor("admin"), rubric_id=rubric.id, criteria=edits, expected_version=rubric.version)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (CriterionEdit(text_en="", text_fr=""), "no text"),
        (CriterionEdit(text_en="x", kind="optional"), "kind"),
        (CriterionEdit(text_en="x", weight=0), "weight"),
        (CriterionEdit(text_en="x", pass_mark=6), "pass mark"),
        (CriterionEdit(text_en="x", min_raters=0), "minimum raters"),
        (CriterionEdit(text_en="x", descriptors={"7": {"en": "?"}}), "not on the scale"),
        (CriterionEdit(id=999_999, text_en="x"), "not part of this rubric"),
    ],
)
def test_invalid_criteria_are_refused_with_a_message(engine: Any, edit: CriterionEdit, message: str) -> None:
    world = build_world(engine)
    rubric = _current(engine, world)
    with pytest.raises(ValidationError, match=message), write_session(engine) as s:
        rubrics.save_criteria(s, world.actor("manager"), rubric_id=rubric.id, criteria=[edit], expected_version=rubric.version)


def test_a_rubric_keeps_at_least_one_criterion(engine: Any) -> None:
    world = build_world(engine)
    rubric = _current(engine, world)
    with pytest.raises(ValidationError, match="at least one"), write_session(engine) as s:
        rubrics.save_criteria(s, world.actor("manager"), rubric_id=rubric.id, criteria=[], expected_version=rubric.version)


def test_locked_rubric_edit_creates_a_new_version_and_old_scores_stay_on_old_criteria(engine: Any) -> None:
    world = build_world(engine)
    with write_session(engine) as s:
        card = make_scorecard(s, candidate=world.candidates[0], interviewer=world.chair, ratings=[4, 4, 4])
    old = _current(engine, world)
    assert old.status == RubricStatus.locked
    edits = [CriterionEdit(id=c.id, kind=c.kind, text_en=c.text_en, text_fr=c.text_fr) for c in old.criteria[:2]]
    with write_session(engine) as s:
        new = rubrics.save_criteria(s, world.actor("manager"), rubric_id=old.id, criteria=edits, expected_version=old.version)
    assert new.version_number == 2 and len(new.criteria) == 2 and new.is_current
    with read_session(engine) as s:
        kept = rubrics.get_rubric(s, world.actor("manager"), rubric_id=old.id)
        versions = rubrics.list_rubric_versions(s, world.actor("manager"), posting_id=world.posting.id)
        from tracker.models import Scorecard

        assert s.get(Scorecard, card.id).rubric_id == old.id
    assert len(kept.criteria) == 3 and kept.status == RubricStatus.locked and not kept.is_current
    assert [v.version_number for v in versions] == [2, 1]
    with pytest.raises(ConflictError, match="newer"), write_session(engine) as s:
        rubrics.save_criteria(s, world.actor("manager"), rubric_id=old.id, criteria=edits, expected_version=kept.version)


def test_scale_edit_checks_pass_marks_and_versions_when_locked(engine: Any) -> None:
    world = build_world(engine)
    rubric = _current(engine, world)
    three = [LevelEdit(1, "Faible", "Faible"), LevelEdit(2, "Moyen", "Moyen"), LevelEdit(3, "Fort", "Fort")]
    with write_session(engine) as s:
        saved = rubrics.save_scale(s, world.actor("manager"), rubric_id=rubric.id, levels=three, expected_version=rubric.version)
    assert [lv.value for lv in saved.levels] == [1, 2, 3]
    two = [LevelEdit(1, "No", "Non"), LevelEdit(2, "Yes", "Oui")]
    with pytest.raises(ValidationError, match="pass mark"), write_session(engine) as s:
        rubrics.save_scale(s, world.actor("manager"), rubric_id=rubric.id, levels=two, expected_version=saved.version)
    with pytest.raises(ValidationError, match="label"), write_session(engine) as s:
        rubrics.save_scale(s, world.actor("manager"), rubric_id=rubric.id, levels=[LevelEdit(1, "", ""), LevelEdit(3, "a", "b")], expected_version=saved.version)


def test_locking_by_hand_records_one_event_and_is_idempotent(engine: Any) -> None:
    world = build_world(engine)
    rubric = _current(engine, world)
    for _ in range(2):
        with write_session(engine) as s:
            locked = rubrics.lock_rubric(s, world.actor("manager"), rubric_id=rubric.id)
    assert locked.status == RubricStatus.locked and locked.locked_at is not None
    with read_session(engine) as s:
        assert len(s.exec(select(AuditEvent).where(AuditEvent.action == "rubric.lock")).all()) == 1
