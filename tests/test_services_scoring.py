"""Scoring rules: declarations, drafts, lost updates, submit/reopen, and blind-scoring attacks."""

from __future__ import annotations

from typing import Any

import pytest
from factories import build_world, criteria_of, make_candidate, make_declaration, make_scorecard, rubric_of
from sqlalchemy import event, func
from sqlmodel import Session, select

from tracker.db import read_session, write_session
from tracker.models import AuditEvent, Lang, RubricStatus, Score, Scorecard, ScorecardStatus
from tracker.services import (
    ConflictError,
    PermissionDeniedError,
    ValidationError,
    candidates,
    consensus,
    outstanding,
    rubrics,
    scoring,
)
from tracker.services.rubrics import CriterionEdit


def _declare_and_open(engine: Any, actor: Any, candidate_id: int, language: str = "en") -> scoring.ScorecardView:
    with write_session(engine) as s:
        scoring.declare(s, actor, candidate_id=candidate_id, has_conflict=False, language=language)
        return scoring.open_scorecard(s, actor, candidate_id=candidate_id)


def _rate_all(engine: Any, actor: Any, card: scoring.ScorecardView, rating: int = 3, notes: str = "Clear example given.") -> None:
    with write_session(engine) as s:
        for score in card.scores:
            scoring.save_draft_score(s, actor, scorecard_id=card.id, criterion_id=score.criterion_id, rating=rating, notes=notes)


# --- declarations --------------------------------------------------------------------------------


def test_scorecard_cannot_be_opened_before_the_declaration(engine: Any) -> None:
    world = build_world(engine)
    with pytest.raises(ValidationError, match="declare"), write_session(engine) as s:
        scoring.open_scorecard(s, world.actor("chair"), candidate_id=world.candidates[0].id)


@pytest.mark.parametrize(("candidate_lang", "declared", "ok"), [("en", "en", True), ("fr", "fr", True), ("fr", "en", False), ("en", "fr", False)])
def test_declared_language_must_be_the_candidates_choice(engine: Any, candidate_lang: str, declared: str, ok: bool) -> None:
    world = build_world(engine)
    with write_session(engine) as s:
        cand = make_candidate(s, posting=world.posting, language=Lang(candidate_lang))
    with write_session(engine) as s:
        if ok:
            result = scoring.declare(s, world.actor("chair"), candidate_id=cand.id, has_conflict=False, language=declared)
            assert result.language == Lang(candidate_lang)
        else:
            with pytest.raises(ValidationError, match="chose"):
                scoring.declare(s, world.actor("chair"), candidate_id=cand.id, has_conflict=False, language=declared)


def test_declared_conflict_removes_the_member_from_that_candidates_panel(engine: Any) -> None:
    world = build_world(engine)
    target, other = world.candidates
    member = world.actor("member")
    with write_session(engine) as s:
        scoring.declare(s, member, candidate_id=target.id, has_conflict=True, language="en", note="Former colleague")
    with pytest.raises(PermissionDeniedError, match="conflict"), write_session(engine) as s:
        scoring.open_scorecard(s, member, candidate_id=target.id)
    with read_session(engine) as s:
        visible = {c.id for c in candidates.list_candidates(s, member, posting_id=world.posting.id)}
        owed = {o.candidate_id for o in outstanding.owed_by_me(s, member)}
        with pytest.raises(PermissionDeniedError):
            candidates.get_candidate(s, member, candidate_id=target.id)
    assert target.id not in visible and other.id in visible
    assert target.id not in owed and other.id in owed
    # The consensus no longer waits for the conflicted member.
    chair_card = _declare_and_open(engine, world.actor("chair"), target.id)
    _rate_all(engine, world.actor("chair"), chair_card)
    with write_session(engine) as s:
        scoring.submit_scorecard(s, world.actor("chair"), scorecard_id=chair_card.id)
    with read_session(engine) as s:
        board = consensus.consensus_board(s, world.actor("chair"), candidate_id=target.id)
    assert board.ready and board.waiting_for == []


def test_declaration_is_final_once_scoring_started(engine: Any) -> None:
    world = build_world(engine)
    chair = world.actor("chair")
    _declare_and_open(engine, chair, world.candidates[0].id)
    with pytest.raises(ValidationError, match="already started"), write_session(engine) as s:
        scoring.declare(s, chair, candidate_id=world.candidates[0].id, has_conflict=True, language="en")


def test_declaration_can_be_corrected_before_scoring(engine: Any) -> None:
    world = build_world(engine)
    chair = world.actor("chair")
    cid = world.candidates[0].id
    with write_session(engine) as s:
        scoring.declare(s, chair, candidate_id=cid, has_conflict=True, language="en", note="thought so")
    with write_session(engine) as s:
        scoring.declare(s, chair, candidate_id=cid, has_conflict=False, language="en")
    with read_session(engine) as s:
        assert scoring.get_declaration(s, chair, candidate_id=cid).has_conflict is False


# --- opening, locking, versions ------------------------------------------------------------------


def test_first_scorecard_locks_the_rubric_and_later_edits_make_a_new_version(engine: Any) -> None:
    world = build_world(engine)
    chair, manager = world.actor("chair"), world.actor("manager")
    card = _declare_and_open(engine, chair, world.candidates[0].id)
    with write_session(engine) as s:
        scoring.save_draft_score(s, chair, scorecard_id=card.id, criterion_id=card.scores[0].criterion_id, rating=4, notes="n")
    with read_session(engine) as s:
        rubric = rubrics.current_rubric(s, manager, posting_id=world.posting.id)
    assert rubric.status == RubricStatus.locked and rubric.id == card.rubric_id
    edits = [CriterionEdit(id=c.id, kind=c.kind, text_en=c.text_en + " (revised)", text_fr=c.text_fr) for c in rubric.criteria]
    with write_session(engine) as s:
        new = rubrics.save_criteria(s, manager, rubric_id=rubric.id, criteria=edits, expected_version=rubric.version)
    assert new.id != rubric.id and new.version_number == rubric.version_number + 1 and new.status == RubricStatus.draft
    assert [c.lineage for c in new.criteria] == [c.lineage for c in rubric.criteria]
    with read_session(engine) as s:
        again = scoring.get_scorecard(s, chair, scorecard_id=card.id)
    assert again.rubric_id == rubric.id and again.scores[0].rating == 4


def test_opening_twice_returns_the_same_scorecard(engine: Any) -> None:
    world = build_world(engine)
    first = _declare_and_open(engine, world.actor("chair"), world.candidates[0].id)
    with write_session(engine) as s:
        second = scoring.open_scorecard(s, world.actor("chair"), candidate_id=world.candidates[0].id)
    assert first.id == second.id


# --- draft saves -----------------------------------------------------------------------------------


def test_draft_save_bumps_version_and_returns_it(engine: Any) -> None:
    world = build_world(engine)
    chair = world.actor("chair")
    card = _declare_and_open(engine, chair, world.candidates[0].id)
    crit = card.scores[0].criterion_id
    assert card.scores[0].version == 0
    versions = []
    for rating in (2, 3, 4):
        with write_session(engine) as s:
            versions.append(scoring.save_draft_score(s, chair, scorecard_id=card.id, criterion_id=crit, rating=rating, notes=f"v{rating}").version)
    assert versions == [1, 2, 3]
    with read_session(engine) as s:
        view = scoring.get_scorecard(s, chair, scorecard_id=card.id)
    assert (view.scores[0].rating, view.scores[0].notes, view.scores[0].version) == (4, "v4", 3)


def test_stale_draft_save_is_refused_and_the_newer_value_kept(engine: Any) -> None:
    """Lost update: two windows loaded version 1; the second save must not overwrite the first."""
    world = build_world(engine)
    chair = world.actor("chair")
    card = _declare_and_open(engine, chair, world.candidates[0].id)
    crit = card.scores[0].criterion_id
    with write_session(engine) as s:
        v1 = scoring.save_draft_score(s, chair, scorecard_id=card.id, criterion_id=crit, rating=3, notes="first", expected_version=0).version
    with write_session(engine) as s:
        scoring.save_draft_score(s, chair, scorecard_id=card.id, criterion_id=crit, rating=5, notes="laptop", expected_version=v1)
    with pytest.raises(ConflictError, match="reload"), write_session(engine) as s:
        scoring.save_draft_score(s, chair, scorecard_id=card.id, criterion_id=crit, rating=1, notes="phone", expected_version=v1)
    with pytest.raises(ConflictError), write_session(engine) as s:
        scoring.save_draft_score(s, chair, scorecard_id=card.id, criterion_id=crit, rating=1, notes="new tab", expected_version=0)
    with read_session(engine) as s:
        score = s.exec(select(Score).where(Score.scorecard_id == card.id, Score.criterion_id == crit)).one()
        assert (score.rating, score.notes, score.version) == (5, "laptop", 2)


@pytest.mark.parametrize(
    ("rating", "not_assessed", "notes", "message"),
    [
        (6, False, "", "not a level"),
        (0, False, "", "not a level"),
        (True, False, "", "whole number"),
        (3, False, "bad\x00byte", "NUL"),
        (3, False, "x" * 10_001, "10,000"),
    ],
)
def test_draft_save_rejects_bad_input(engine: Any, rating: Any, not_assessed: bool, notes: str, message: str) -> None:
    world = build_world(engine)
    chair = world.actor("chair")
    card = _declare_and_open(engine, chair, world.candidates[0].id)
    with pytest.raises(ValidationError, match=message), write_session(engine) as s:
        scoring.save_draft_score(s, chair, scorecard_id=card.id, criterion_id=card.scores[0].criterion_id, rating=rating, notes=notes)


@pytest.mark.parametrize(
    "notes",
    ["Très bon exemple 👍🏽 — « clair »", "مثال واضح على القيادة", "x" * 10_000, "line one\nline two\ttabbed"],
    ids=["emoji-french", "right-to-left", "10000-chars", "newlines"],
)
def test_draft_save_keeps_unusual_notes_exactly(engine: Any, notes: str) -> None:
    world = build_world(engine)
    chair = world.actor("chair")
    card = _declare_and_open(engine, chair, world.candidates[0].id)
    with write_session(engine) as s:
        scoring.save_draft_score(s, chair, scorecard_id=card.id, criterion_id=card.scores[0].criterion_id, rating=3, notes=notes)
    with read_session(engine) as s:
        assert scoring.get_scorecard(s, chair, scorecard_id=card.id).scores[0].notes == notes.strip()


def test_draft_save_refuses_a_criterion_from_another_rubric(engine: Any) -> None:
    world = build_world(engine)
    chair = world.actor("chair")
    card = _declare_and_open(engine, chair, world.candidates[0].id)
    with read_session(engine) as s:
        foreign = criteria_of(s, rubric_of(s, world.other_posting))[0].id
    with pytest.raises(ValidationError, match="not part of the rubric"), write_session(engine) as s:
        scoring.save_draft_score(s, chair, scorecard_id=card.id, criterion_id=foreign, rating=3)


def test_draft_save_is_one_select_one_upsert_and_the_audit_inserts(engine: Any) -> None:
    """The hot path never reloads the scorecard: count the statements it sends."""
    world = build_world(engine)
    chair = world.actor("chair")
    card = _declare_and_open(engine, chair, world.candidates[0].id)
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE", "SELECT PG_")):
            statements.append(statement.split()[0].upper())

    with write_session(engine) as s:
        scoring.save_draft_score(s, chair, scorecard_id=card.id, criterion_id=card.scores[0].criterion_id, rating=2, notes="warm")
    event.listen(engine, "before_cursor_execute", count)
    try:
        with write_session(engine) as s:
            scoring.save_draft_score(s, chair, scorecard_id=card.id, criterion_id=card.scores[0].criterion_id, rating=3, notes="n")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # check, score upsert, event, personal payload, then the posting revision's upsert (issue #22)
    assert statements == ["SELECT", "INSERT", "INSERT", "INSERT", "INSERT"], statements


def test_overall_recommendation_save_detects_stale_versions(engine: Any) -> None:
    world = build_world(engine)
    chair = world.actor("chair")
    card = _declare_and_open(engine, chair, world.candidates[0].id)
    with write_session(engine) as s:
        saved = scoring.save_overall(s, chair, scorecard_id=card.id, recommendation="yes", overall_notes="Solid", expected_version=card.version)
    with pytest.raises(ConflictError), write_session(engine) as s:
        scoring.save_overall(s, chair, scorecard_id=card.id, recommendation="no", overall_notes="Stale", expected_version=card.version)
    with read_session(engine) as s:
        assert scoring.get_scorecard(s, chair, scorecard_id=card.id).overall_notes == "Solid" == saved.overall_notes


# --- submit and reopen -----------------------------------------------------------------------------


def test_submit_lists_every_unrated_criterion(engine: Any) -> None:
    world = build_world(engine, criteria=4)
    chair = world.actor("chair")
    card = _declare_and_open(engine, chair, world.candidates[0].id)
    with write_session(engine) as s:
        scoring.save_draft_score(s, chair, scorecard_id=card.id, criterion_id=card.scores[0].criterion_id, rating=3)
        scoring.save_draft_score(s, chair, scorecard_id=card.id, criterion_id=card.scores[2].criterion_id, rating=None, not_assessed=True)
    with pytest.raises(ValidationError) as info, write_session(engine) as s:
        scoring.submit_scorecard(s, chair, scorecard_id=card.id)
    assert "2, 4" in str(info.value)
    assert info.value.problems == ["Criterion 2 is not rated yet.", "Criterion 4 is not rated yet."]


def test_submitted_scorecard_is_read_only_until_the_chair_reopens_it_with_a_reason(engine: Any) -> None:
    world = build_world(engine)
    member, chair = world.actor("member"), world.actor("chair")
    card = _declare_and_open(engine, member, world.candidates[0].id)
    _rate_all(engine, member, card)
    with write_session(engine) as s:
        submitted = scoring.submit_scorecard(s, member, scorecard_id=card.id)
    assert submitted.status == ScorecardStatus.submitted and not submitted.editable
    crit = card.scores[0].criterion_id
    with pytest.raises(ValidationError, match="read-only"), write_session(engine) as s:
        scoring.save_draft_score(s, member, scorecard_id=card.id, criterion_id=crit, rating=5)
    with pytest.raises(PermissionDeniedError), write_session(engine) as s:
        scoring.reopen_scorecard(s, member, scorecard_id=card.id, reason="I want to change it")
    with pytest.raises(ValidationError, match="empty"), write_session(engine) as s:
        scoring.reopen_scorecard(s, chair, scorecard_id=card.id, reason="   ")
    with write_session(engine) as s:
        reopened = scoring.reopen_scorecard(s, chair, scorecard_id=card.id, reason="Criterion 1 notes describe another candidate")
    assert reopened.status == ScorecardStatus.draft and reopened.reopen_reason.startswith("Criterion 1")
    with write_session(engine) as s:
        scoring.save_draft_score(s, member, scorecard_id=card.id, criterion_id=crit, rating=4, notes="Corrected notes")
    with pytest.raises(ValidationError, match="say why"), write_session(engine) as s:
        scoring.submit_scorecard(s, member, scorecard_id=card.id)
    with write_session(engine) as s:
        scoring.submit_scorecard(s, member, scorecard_id=card.id, reason="Replaced notes copied from the wrong file")
    with read_session(engine) as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.entity_type == "scorecard", AuditEvent.entity_id == card.id).order_by(AuditEvent.id)).all()
        kept = s.get(Scorecard, card.id)
        kept_reason = kept.reopen_reason
        events = [(e.action, e.reason) for e in events]
    assert [e[0] for e in events] == ["scorecard.create", "scorecard.submit", "scorecard.reopen", "scorecard.resubmit"]
    assert events[2][1] == "Criterion 1 notes describe another candidate"
    assert events[3][1] == "Replaced notes copied from the wrong file"
    assert kept_reason == "Criterion 1 notes describe another candidate"


def test_double_submit_from_two_windows_is_a_conflict_not_a_second_submission(engine: Any) -> None:
    world = build_world(engine)
    chair = world.actor("chair")
    card = _declare_and_open(engine, chair, world.candidates[0].id)
    _rate_all(engine, chair, card)
    with write_session(engine) as s:
        scoring.submit_scorecard(s, chair, scorecard_id=card.id)
    with pytest.raises(ValidationError, match="read-only"), write_session(engine) as s:
        scoring.submit_scorecard(s, chair, scorecard_id=card.id)
    with read_session(engine) as s:
        n = s.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "scorecard.submit")).one()
    assert n == 1


# --- blind scoring attacks -------------------------------------------------------------------------


@pytest.fixture
def blind(engine: Any) -> dict[str, Any]:
    """Chair has submitted for candidate 0; member has a draft with notes; both want to peek."""
    world = build_world(engine)
    with write_session(engine) as s:
        chair_card = make_scorecard(s, candidate=world.candidates[0], interviewer=world.chair, ratings=[5, 5, 5],
                                    notes="CHAIR-SECRET", status=ScorecardStatus.submitted)
        member_card = make_scorecard(s, candidate=world.candidates[0], interviewer=world.member, ratings=[2, None, 3], notes="MEMBER-DRAFT")
    return {"engine": engine, "world": world, "chair_card": chair_card.id, "member_card": member_card.id}


def test_interviewer_cannot_read_a_colleagues_submitted_scores_before_submitting(blind: dict[str, Any]) -> None:
    engine, world = blind["engine"], blind["world"]
    member = world.actor("member")
    with read_session(engine) as s:
        with pytest.raises(PermissionDeniedError, match="Blind scoring"):
            scoring.get_scorecard(s, member, scorecard_id=blind["chair_card"])
        visible = scoring.candidate_scorecards(s, member, candidate_id=world.candidates[0].id)
        with pytest.raises(PermissionDeniedError):
            consensus.consensus_board(s, member, candidate_id=world.candidates[0].id)
        queue = scoring.my_queue(s, member)
    assert [v.id for v in visible] == [blind["member_card"]]
    assert "CHAIR-SECRET" not in repr(visible) + repr(queue)


def test_submitted_interviewer_still_cannot_read_a_colleagues_draft(blind: dict[str, Any]) -> None:
    engine, world = blind["engine"], blind["world"]
    chair = world.actor("chair")
    with read_session(engine) as s:
        with pytest.raises(PermissionDeniedError, match="draft"):
            scoring.get_scorecard(s, chair, scorecard_id=blind["member_card"])
        visible = scoring.candidate_scorecards(s, chair, candidate_id=world.candidates[0].id)
    assert [v.id for v in visible] == [blind["chair_card"]]
    assert "MEMBER-DRAFT" not in repr(visible)


def test_after_submitting_an_interviewer_reads_colleagues_submitted_scorecards(blind: dict[str, Any]) -> None:
    engine, world = blind["engine"], blind["world"]
    member = world.actor("member")
    with write_session(engine) as s:
        s.exec(select(Score)).all()
        card = scoring.get_scorecard(s, member, scorecard_id=blind["member_card"])
        for score in card.scores:
            if not score.done:
                scoring.save_draft_score(s, member, scorecard_id=card.id, criterion_id=score.criterion_id, rating=3)
        scoring.submit_scorecard(s, member, scorecard_id=card.id)
    with read_session(engine) as s:
        other = scoring.get_scorecard(s, member, scorecard_id=blind["chair_card"])
    assert other.scores[0].notes == "CHAIR-SECRET"


def test_reopened_scorecard_hides_colleagues_again(blind: dict[str, Any]) -> None:
    """Reopening puts the interviewer back before submission, so the blind rule applies again."""
    engine, world = blind["engine"], blind["world"]
    member = world.actor("member")
    with write_session(engine) as s:
        card = scoring.get_scorecard(s, member, scorecard_id=blind["member_card"])
        for score in card.scores:
            scoring.save_draft_score(s, member, scorecard_id=card.id, criterion_id=score.criterion_id, rating=3)
        scoring.submit_scorecard(s, member, scorecard_id=card.id)
    with write_session(engine) as s:
        scoring.reopen_scorecard(s, world.actor("chair"), scorecard_id=blind["member_card"], reason="Missing evidence for criterion 2")
    with pytest.raises(PermissionDeniedError), read_session(engine) as s:
        scoring.get_scorecard(s, member, scorecard_id=blind["chair_card"])


def test_conflicted_member_never_reads_scorecards_of_that_candidate(engine: Any) -> None:
    world = build_world(engine)
    with write_session(engine) as s:
        card = make_scorecard(s, candidate=world.candidates[0], interviewer=world.chair, ratings=[4, 4, 4], status=ScorecardStatus.submitted)
        make_declaration(s, candidate=world.candidates[0], user=world.member, has_conflict=True)
    with pytest.raises(PermissionDeniedError, match="conflict"), read_session(engine) as s:
        scoring.get_scorecard(s, world.actor("member"), scorecard_id=card.id)


def test_interviewer_cannot_write_to_a_colleagues_scorecard(blind: dict[str, Any]) -> None:
    engine, world = blind["engine"], blind["world"]
    with read_session(engine) as s:
        crit = criteria_of(s, rubric_of(s, world.posting))[0].id
    for actor_name, card in (("chair", blind["member_card"]), ("manager", blind["member_card"]), ("admin", blind["member_card"])):
        with pytest.raises(PermissionDeniedError), write_session(engine) as s:
            scoring.save_draft_score(s, world.actor(actor_name), scorecard_id=card, criterion_id=crit, rating=1, notes="tampered")
        with pytest.raises(PermissionDeniedError), write_session(engine) as s:
            scoring.submit_scorecard(s, world.actor(actor_name), scorecard_id=card)
    with Session(engine) as s:
        assert "tampered" not in {sc.notes for sc in s.exec(select(Score)).all()}


# --- queue and outstanding -------------------------------------------------------------------------


def test_queue_and_outstanding_follow_progress(engine: Any) -> None:
    world = build_world(engine)
    chair = world.actor("chair")
    card = _declare_and_open(engine, chair, world.candidates[0].id)
    with write_session(engine) as s:
        scoring.save_draft_score(s, chair, scorecard_id=card.id, criterion_id=card.scores[0].criterion_id, rating=3)
    with read_session(engine) as s:
        queue = {q.candidate_id: q for q in scoring.my_queue(s, chair)}
        rows = outstanding.outstanding_for_posting(s, world.actor("manager"), posting_id=world.posting.id)
    first = queue[world.candidates[0].id]
    assert (first.declared, first.scorecard_status, first.rated, first.total) == (True, ScorecardStatus.draft, 1, 3)
    assert queue[world.candidates[1].id].scorecard_id is None
    statuses = {(r.interviewer_id, r.candidate_id): r.status for r in rows}
    assert statuses[(world.chair.id, world.candidates[0].id)] == "draft"
    assert statuses[(world.member.id, world.candidates[0].id)] == "missing"
    assert len(rows) == 4
