"""The results loader against real databases (a SQLite file and PostgreSQL, from the migrated templates).

Checks that access is enforced, that only submitted scorecards give ratings, that each frame has the
rows and plain values the pure functions expect, that the database's rating aggregates equal the
pandas twin, and that the number of SQL statements does not grow with the number of candidates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest
from factories import (
    World,
    build_world,
    criteria_of,
    make_candidate,
    make_consensus,
    make_declaration,
    make_scorecard,
    rubric_of,
)
from sqlalchemy import event, update

from tracker.db import read_session, write_session
from tracker.models import Decision, DecisionOutcome, Recommendation, Score, ScorecardStatus
from tracker.results.data import aggregate_scores, load_merit_frames, load_posting_frames
from tracker.results.merit import CONSENSUS, MEAN, merit_view
from tracker.services.actor import SYSTEM_ACTOR
from tracker.services.errors import NotFoundError, PermissionDeniedError
from tracker.services.rubric_rows import create_rubric

SUBMITTED = ScorecardStatus.submitted


@dataclass
class Scenario:
    world: World
    cand: list[int]
    criteria: list[int]


def build(engine: Any) -> Scenario:
    """Candidate 1: both submitted (the chair marks C3 "not assessed"), consensus on C1, a decision.
    Candidate 2: the chair's draft only, and a scorecard by someone not on the panel.
    Candidate 3: the member declared a conflict."""
    world = build_world(engine, criteria=3, candidates=3)
    with write_session(engine) as s:
        c1, c2, c3 = world.candidates
        crit = criteria_of(s, rubric_of(s, world.posting))
        make_scorecard(s, candidate=c1, interviewer=world.chair, ratings=[4, 3, None], status=SUBMITTED,
                       recommendation=Recommendation.yes, notes="Clear <b>evidence</b>")  # fmt: skip
        make_scorecard(s, candidate=c1, interviewer=world.member, ratings=[5, 3, 2], status=SUBMITTED)
        make_scorecard(s, candidate=c2, interviewer=world.chair, ratings=[2, 2, 2])
        make_scorecard(s, candidate=c2, interviewer=world.outsider, ratings=[1, 1, 1], status=SUBMITTED)
        make_declaration(s, candidate=c3, user=world.member, has_conflict=True)
        make_consensus(s, candidate=c1, criterion=crit[0], rating=4, rationale="Agreed at the debrief", by=world.chair)
        s.add(Decision(candidate_id=c1.id, outcome=DecisionOutcome.qualified, rationale="Meets all",
                       decided_by_id=world.manager.id))  # fmt: skip
        return Scenario(world, [c.id for c in (c1, c2, c3)], [c.id for c in crit])


def load(engine: Any, actor: Any, **kwargs: Any):
    with read_session(engine) as session:
        return load_posting_frames(session, actor, **kwargs)


@pytest.mark.parametrize("who", ["admin", "manager"])
def test_the_owning_manager_and_admins_may_load_results(engine, who) -> None:
    sc = build(engine)
    frames = load(engine, sc.world.actor(who), posting_id=sc.world.posting.id)
    assert len(frames.candidates) == 3


@pytest.mark.parametrize("who", ["other_manager", "chair", "member", "outsider"])
def test_everyone_else_is_refused(engine, who) -> None:
    sc = build(engine)
    with pytest.raises(PermissionDeniedError):
        load(engine, sc.world.actor(who), posting_id=sc.world.posting.id)
    with read_session(engine) as session, pytest.raises(PermissionDeniedError):
        load_merit_frames(session, sc.world.actor(who), posting_id=sc.world.posting.id)


def test_a_missing_posting_is_not_found(engine) -> None:
    build(engine)
    with pytest.raises(NotFoundError):
        load(engine, SYSTEM_ACTOR, posting_id=987654)


def test_only_submitted_scorecards_give_scores(engine) -> None:
    sc = build(engine)
    frames = load(engine, SYSTEM_ACTOR, posting_id=sc.world.posting.id, notes=True)
    scores = frames.scores
    c1, c2, _ = sc.cand
    assert len(scores) == 9  # candidate 1: 2 x 3; candidate 2: the outsider's 3; the chair's draft: none
    chair_c1 = scores[(scores["candidate_id"] == c1) & (scores["interviewer"] == "Charlie Chair")]
    assert chair_c1.sort_values("criterion_id")["rating"].tolist()[:2] == [4, 3]
    assert chair_c1["not_assessed"].tolist() == [False, False, True]
    assert set(chair_c1["notes"]) == {"Clear <b>evidence</b>"}
    assert set(scores["rubric_version"]) == {1}
    assert scores["lineage"].notna().all()


def test_notes_are_read_only_when_asked(engine) -> None:
    sc = build(engine)
    assert "notes" not in load(engine, SYSTEM_ACTOR, posting_id=sc.world.posting.id).scores.columns


def test_database_aggregates_equal_the_pandas_twin(engine) -> None:
    sc = build(engine)
    frames = load(engine, SYSTEM_ACTOR, posting_id=sc.world.posting.id)
    with read_session(engine) as session:
        lean = load_merit_frames(session, SYSTEM_ACTOR, posting_id=sc.world.posting.id)
    assert lean.scores is None  # so its ratings came from the database's GROUP BY
    from_db = lean.ratings.sort_values(["candidate_id", "criterion_id"]).reset_index(drop=True)
    from_pandas = aggregate_scores(frames.scores).reset_index(drop=True)
    pd.testing.assert_frame_equal(from_db, from_pandas, check_dtype=False)


def test_scorecard_rows_give_every_members_completion(engine) -> None:
    sc = build(engine)
    frames = load(engine, SYSTEM_ACTOR, posting_id=sc.world.posting.id)
    cards = frames.scorecards
    status = {(r.candidate_id, r.interviewer, r.on_panel): r.status for r in cards.itertuples()}
    c1, c2, c3 = sc.cand
    assert status == {
        (c1, "Charlie Chair", True): "submitted",
        (c1, "Mika Member", True): "submitted",
        (c2, "Charlie Chair", True): "draft",
        (c2, "Mika Member", True): "not_started",
        (c2, "Oscar Outsider", False): "submitted",
        (c3, "Charlie Chair", True): "not_started",
        (c3, "Mika Member", True): "conflict",
    }
    submitted = cards[cards["status"] == "submitted"]
    assert str(submitted["submitted_at"].dt.tz) == "UTC" and submitted["created_at"].notna().all()
    assert cards.loc[cards["recommendation"].notna(), "recommendation"].tolist() == ["yes"]


def test_candidates_consensus_and_declarations_are_plain_values(engine) -> None:
    sc = build(engine)
    frames = load(engine, SYSTEM_ACTOR, posting_id=sc.world.posting.id)
    c1 = sc.cand[0]
    decisions = dict(zip(frames.candidates["candidate_id"], frames.candidates["decision"], strict=True))
    assert decisions[c1] == "qualified" and pd.isna(decisions[sc.cand[1]])
    assert frames.candidates["status"].tolist() == ["active"] * 3
    assert frames.candidates["label"].tolist() == ["Candidate 01", "Candidate 02", "Candidate 03"]
    cons = frames.consensus.iloc[0]
    assert (cons["candidate_id"], cons["rating"], cons["decided_by"]) == (c1, 4, "Charlie Chair")
    assert cons["rationale"] == "Agreed at the debrief" and cons["rubric_version"] == 1
    conflicts = frames.declarations[frames.declarations["has_conflict"]]
    assert conflicts["user"].tolist() == ["Mika Member"]
    assert frames.panel["display_name"].tolist() == ["Charlie Chair", "Mika Member"]
    assert frames.scale == (1, 5)
    assert frames.posting.rubric_version == 1 and frames.posting.title("fr").startswith("Concepteur")


def test_merit_view_from_the_database(engine) -> None:
    sc = build(engine)
    with read_session(engine) as session:
        full = merit_view(load_posting_frames(session, SYSTEM_ACTOR, posting_id=sc.world.posting.id))
        lean = merit_view(load_merit_frames(session, SYSTEM_ACTOR, posting_id=sc.world.posting.id))
    pd.testing.assert_frame_equal(full.table, lean.table)
    cells = full.cells.set_index(["candidate_id", "number"])
    c1, c2, _ = sc.cand
    assert (cells.loc[(c1, 1), "source"], cells.loc[(c1, 1), "value"]) == (CONSENSUS, 4.0)
    assert (cells.loc[(c1, 2), "source"], cells.loc[(c1, 2), "value"], cells.loc[(c1, 2), "n_ratings"]) == (MEAN, 3.0, 2)
    assert (cells.loc[(c1, 3), "value"], cells.loc[(c1, 3), "n_ratings"], cells.loc[(c1, 3), "n_not_assessed"]) == (2.0, 1, 1)
    assert cells.loc[(c2, 1), "n_ratings"] == 1  # the outsider's submitted scorecard still counts as a rating


def test_candidate_filter_narrows_every_candidate_frame(engine) -> None:
    sc = build(engine)
    c1 = sc.cand[0]
    frames = load(engine, SYSTEM_ACTOR, posting_id=sc.world.posting.id, candidate_ids=[c1])
    for name in ("candidates", "scores", "consensus", "scorecards", "declarations", "ratings"):
        assert set(getattr(frames, name)["candidate_id"]) <= {c1}, name
    assert len(frames.criteria) == 3


def test_scores_under_an_older_rubric_version_keep_their_version(engine) -> None:
    sc = build(engine)
    with write_session(engine) as s:
        old = criteria_of(s, rubric_of(s, sc.world.posting))
        create_rubric(
            s, posting_id=sc.world.posting.id,
            criteria=[{"lineage": c.lineage, "kind": c.kind, "text_en": c.text_en, "text_fr": c.text_fr} for c in old],
        )  # fmt: skip
    frames = load(engine, SYSTEM_ACTOR, posting_id=sc.world.posting.id)
    assert frames.posting.rubric_version == 2
    assert len(frames.criteria) == 6 and frames.criteria["current"].sum() == 3
    view = merit_view(frames)
    c1 = sc.cand[0]
    cells = view.cells.set_index(["candidate_id", "number"])
    assert bool(cells.loc[(c1, 2), "older_version"]) and cells.loc[(c1, 2), "value"] == 3.0
    assert set(view.cells["criterion_id"]) == set(frames.current_criteria["criterion_id"])


def count_statements(engine: Any, fn) -> int:
    statements: list[str] = []

    def before(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "ROLLBACK", "COMMIT")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return len(statements)


def test_statement_count_does_not_grow_with_candidates(engine) -> None:
    sc = build(engine)
    posting_id = sc.world.posting.id

    def run() -> None:
        with read_session(engine) as session:
            load_posting_frames(session, SYSTEM_ACTOR, posting_id=posting_id)

    before = count_statements(engine, run)
    with write_session(engine) as s:
        for _ in range(12):
            cand = make_candidate(s, posting=sc.world.posting)
            make_scorecard(s, candidate=cand, interviewer=sc.world.chair, ratings=[3, 3, 3], status=SUBMITTED)
    after = count_statements(engine, run)
    assert before == after <= 12


def test_a_not_assessed_score_that_kept_a_rating_is_not_counted(engine) -> None:
    # Services clear the rating when "not assessed" is ticked; rows written otherwise must not count either.
    sc = build(engine)
    with write_session(engine) as s:
        s.execute(update(Score).where(Score.not_assessed.is_(True)).values(rating=5))
    with read_session(engine) as session:
        lean = load_merit_frames(session, SYSTEM_ACTOR, posting_id=sc.world.posting.id)
        full = load_posting_frames(session, SYSTEM_ACTOR, posting_id=sc.world.posting.id)
    for frames in (lean, full):
        cell = merit_view(frames).cells.set_index(["candidate_id", "number"]).loc[(sc.cand[0], 3)]
        assert (cell["value"], cell["n_ratings"], cell["n_not_assessed"]) == (2.0, 1, 1)
