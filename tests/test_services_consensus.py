"""Consensus rules: only after every non-conflicted member submitted; individual ratings kept;
a rating outside their range needs a rationale; stale writes are conflicts. Decisions too."""

from __future__ import annotations

from typing import Any

import pytest
from factories import build_world, criteria_of, make_declaration, make_scorecard, rubric_of
from sqlmodel import select

from tracker.db import read_session, write_session
from tracker.models import Consensus, DecisionOutcome, Score, ScorecardStatus
from tracker.services import ConflictError, PermissionDeniedError, ValidationError, consensus, decisions, rubrics
from tracker.services.rubrics import CriterionEdit

SUBMITTED = ScorecardStatus.submitted


@pytest.fixture
def ready(engine: Any) -> dict[str, Any]:
    """Candidate 0 rated by chair [2, 3, 4] and member [4, 3, 4], both submitted."""
    world = build_world(engine)
    with write_session(engine) as s:
        make_scorecard(s, candidate=world.candidates[0], interviewer=world.chair, ratings=[2, 3, 4], status=SUBMITTED)
        make_scorecard(s, candidate=world.candidates[0], interviewer=world.member, ratings=[4, 3, 4], status=SUBMITTED)
        crits = [c.id for c in criteria_of(s, rubric_of(s, world.posting))]
    return {"engine": engine, "world": world, "cand": world.candidates[0].id, "crits": crits}


def test_board_waits_for_every_member_who_has_not_submitted(engine: Any) -> None:
    world = build_world(engine)
    with write_session(engine) as s:
        make_scorecard(s, candidate=world.candidates[0], interviewer=world.chair, ratings=[3, 3, 3], status=SUBMITTED)
        make_scorecard(s, candidate=world.candidates[0], interviewer=world.member, ratings=[3, 3, 3])
        crit = criteria_of(s, rubric_of(s, world.posting))[0].id
    chair = world.actor("chair")
    with read_session(engine) as s:
        board = consensus.consensus_board(s, chair, candidate_id=world.candidates[0].id)
    assert not board.ready and board.rows == [] and board.waiting_for == ["Mika Member"]
    with pytest.raises(ValidationError, match="Mika Member"), write_session(engine) as s:
        consensus.record_consensus(s, chair, candidate_id=world.candidates[0].id, criterion_id=crit, rating=3)


def test_board_shows_every_individual_rating_with_its_spread(ready: dict[str, Any]) -> None:
    engine, world = ready["engine"], ready["world"]
    with read_session(engine) as s:
        board = consensus.consensus_board(s, world.actor("chair"), candidate_id=ready["cand"])
    assert board.ready
    assert [(r.low, r.high, r.spread) for r in board.rows] == [(2, 4, 2), (3, 3, 0), (4, 4, 0)]
    assert sorted(i.rating for i in board.rows[0].ratings) == [2, 4]
    assert {i.interviewer_name for i in board.rows[0].ratings} == {"Charlie Chair", "Mika Member"}


@pytest.mark.parametrize(
    ("criterion", "rating", "not_assessed", "rationale", "justification", "ok"),
    [
        (0, 3, False, "", None, False),  # ratings 2 and 4: a 3 differs from both (issue #10: 4, 3, 4, 3 -> 3 too)
        (0, 3, False, "Between the two readings of the evidence", None, True),
        (0, 4, False, "", None, False),  # equals one rating, differs from the other
        (0, 5, False, "Both under-rated the project results", None, True),
        (1, 3, False, "", None, True),  # 3-3: every member rated 3, no rationale needed
        (1, 2, False, "", None, False),  # 3-3 range: 2 differs
        (1, 2, False, "The example was not the candidate's own", None, False),  # essential unmet: justification needed
        (1, 2, False, "The example was not the candidate's own", "insufficiently_demonstrated", True),
        (1, 2, False, "", "insufficiently_demonstrated", False),  # the board's words are needed too
        (1, 2, False, "Words", "not-a-justification", False),
        (1, 3, False, "", "other", False),  # met: takes no justification
        (0, None, True, "", None, False),  # members rated it: "not assessed" needs a reason
        (0, None, True, "Question was skipped in the interview", None, False),  # an unmet essential
        (0, None, True, "Question was skipped in the interview", "not_assessed", True),
        (0, 9, False, "off the scale", None, False),
    ],
)
def test_consensus_rationale_and_justification_rules(
    ready: dict[str, Any], criterion: int, rating: int | None, not_assessed: bool, rationale: str, justification: str | None, ok: bool
) -> None:
    engine, world = ready["engine"], ready["world"]
    kwargs = {"candidate_id": ready["cand"], "criterion_id": ready["crits"][criterion], "rating": rating,
              "not_assessed": not_assessed, "rationale": rationale, "justification": justification}  # fmt: skip
    if ok:
        with write_session(engine) as s:
            saved = consensus.record_consensus(s, world.actor("chair"), **kwargs)
        assert (saved.rating, saved.not_assessed, saved.rationale) == (rating, not_assessed, rationale)
        assert (saved.justification.value if saved.justification else None) == justification
    else:
        with pytest.raises(ValidationError), write_session(engine) as s:
            consensus.record_consensus(s, world.actor("chair"), **kwargs)
        with read_session(engine) as s:
            assert s.exec(select(Consensus)).all() == []


def test_individual_ratings_are_kept_beside_the_consensus(ready: dict[str, Any]) -> None:
    engine, world = ready["engine"], ready["world"]
    with read_session(engine) as s:
        before = sorted((sc.scorecard_id, sc.criterion_id, sc.rating, sc.notes) for sc in s.exec(select(Score)).all())
    with write_session(engine) as s:
        consensus.record_consensus(
            s, world.actor("chair"), candidate_id=ready["cand"], criterion_id=ready["crits"][0], rating=3, rationale="Between"
        )
    with read_session(engine) as s:
        after = sorted((sc.scorecard_id, sc.criterion_id, sc.rating, sc.notes) for sc in s.exec(select(Score)).all())
        board = consensus.consensus_board(s, world.actor("manager"), candidate_id=ready["cand"])
    assert before == after
    assert board.rows[0].consensus.rating == 3 and sorted(r.rating for r in board.rows[0].ratings) == [2, 4]


def test_stale_consensus_write_is_a_conflict(ready: dict[str, Any]) -> None:
    engine, world = ready["engine"], ready["world"]
    chair, manager = world.actor("chair"), world.actor("manager")
    kw = {"candidate_id": ready["cand"], "criterion_id": ready["crits"][0], "rationale": "Discussed"}
    with write_session(engine) as s:
        first = consensus.record_consensus(s, chair, rating=3, expected_version=0, **kw)
    with write_session(engine) as s:
        consensus.record_consensus(s, manager, rating=4, expected_version=first.version, **kw)
    with pytest.raises(ConflictError), write_session(engine) as s:
        consensus.record_consensus(s, chair, rating=5, expected_version=first.version, **kw)
    with pytest.raises(ConflictError), write_session(engine) as s:
        consensus.record_consensus(s, chair, rating=5, expected_version=0, **kw)
    with read_session(engine) as s:
        assert consensus.consensus_board(s, chair, candidate_id=ready["cand"]).rows[0].consensus.rating == 4


def test_conflicted_chair_cannot_run_the_consensus_but_the_manager_can(engine: Any) -> None:
    world = build_world(engine)
    cand = world.candidates[0]
    with write_session(engine) as s:
        make_declaration(s, candidate=cand, user=world.chair, has_conflict=True)
        make_scorecard(s, candidate=cand, interviewer=world.member, ratings=[3, 3, 3], status=SUBMITTED)
        crit = criteria_of(s, rubric_of(s, world.posting))[0].id
    with pytest.raises(PermissionDeniedError, match="conflict"), read_session(engine) as s:
        consensus.consensus_board(s, world.actor("chair"), candidate_id=cand.id)
    with write_session(engine) as s:
        saved = consensus.record_consensus(
            s, world.actor("manager"), candidate_id=cand.id, criterion_id=crit, rating=3,
            below_min_reason="The chair is conflicted; one assessor is all the board has",
        )  # fmt: skip
    assert saved.decided_by_id == world.manager.id


def test_scores_under_an_older_rubric_version_are_matched_by_lineage_and_marked(ready: dict[str, Any]) -> None:
    engine, world = ready["engine"], ready["world"]
    manager = world.actor("manager")
    with read_session(engine) as s:
        old = rubrics.current_rubric(s, manager, posting_id=world.posting.id)
    edits = [CriterionEdit(id=c.id, kind=c.kind, text_en=c.text_en + " (v2)", text_fr=c.text_fr) for c in old.criteria]
    edits.append(CriterionEdit(text_en="A new criterion", text_fr="Un nouveau critère"))
    with write_session(engine) as s:
        rubrics.save_criteria(s, manager, rubric_id=old.id, criteria=edits, expected_version=old.version)
    with read_session(engine) as s:
        board = consensus.consensus_board(s, world.actor("chair"), candidate_id=ready["cand"])
    assert len(board.rows) == 4
    assert all(r.older_version for r in board.rows[0].ratings) and len(board.rows[0].ratings) == 2
    assert board.rows[3].ratings == [] and board.rows[3].spread is None


# --- decisions -------------------------------------------------------------------------------------


def test_decision_needs_a_rationale_except_pending(ready: dict[str, Any]) -> None:
    engine, world = ready["engine"], ready["world"]
    manager = world.actor("manager")
    with pytest.raises(ValidationError, match="rationale"), write_session(engine) as s:
        decisions.record_decision(s, manager, candidate_id=ready["cand"], outcome="qualified", rationale=" ")
    with write_session(engine) as s:
        assert decisions.record_decision(s, manager, candidate_id=ready["cand"], outcome="pending", rationale="").outcome == DecisionOutcome.pending
    with write_session(engine) as s:
        d = decisions.record_decision(s, manager, candidate_id=ready["cand"], outcome="qualified", rationale="Met every essential criterion")
    assert d.version == 2 and d.outcome == DecisionOutcome.qualified
    with pytest.raises(ConflictError), write_session(engine) as s:
        decisions.record_decision(
            s, manager, candidate_id=ready["cand"], outcome="not_qualified", rationale="stale", expected_version=1,
            override_reason="Reference check",
        )
    with pytest.raises(ValidationError, match="Outcome"), write_session(engine) as s:
        decisions.record_decision(s, manager, candidate_id=ready["cand"], outcome="hired!!", rationale="x")
