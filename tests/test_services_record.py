"""The record holds (issue #10) and no re-scoring after peeking (issue #17 §3, §4), through the services,
on SQLite and PostgreSQL: consensus keyed by lineage, consensus rules, decisions that follow the
verdict, calibration's tolerance, reads of personal information audited, reopen rules, conflicts."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from blind_scenario import build_scenario
from click.testing import CliRunner
from factories import build_world, criteria_of, make_declaration, make_scorecard, rubric_of
from sqlmodel import Session, func, select

from tracker.cli import cli
from tracker.db import dispose_engines, read_session, write_session
from tracker.models import AuditEvent, Consensus, DecisionOutcome, ScorecardStatus
from tracker.reports import render_feedback, render_record
from tracker.results.calibration import IN_LINE, LENIENT, SEVERE, direction
from tracker.results.completeness import completeness
from tracker.results.data import load_merit_frames, load_posting_frames
from tracker.results.merit import merit_view
from tracker.services import PermissionDeniedError, ValidationError, consensus, decisions, rubrics, scoring
from tracker.services.rubrics import CriterionEdit

SUBMITTED = ScorecardStatus.submitted


def _ready(engine: Any, chair: list[int | None], member: list[int | None], candidate: int = 0) -> Any:
    world = build_world(engine)
    with write_session(engine) as s:
        cand = world.candidates[candidate]
        make_scorecard(
            s, candidate=cand, interviewer=world.chair, ratings=chair, notes="Chair's evidence", status=SUBMITTED
        )
        make_scorecard(
            s, candidate=cand, interviewer=world.member, ratings=member, notes="Member's evidence", status=SUBMITTED
        )
        world.ids["crits"] = [c.id for c in criteria_of(s, rubric_of(s, world.posting))]
    world.ids["cand"] = world.candidates[candidate].id
    return world


# --- 2. one consensus per criterion lineage ------------------------------------------------------


def _new_version(engine: Any, world: Any) -> list[int]:
    manager = world.actor("manager")
    with read_session(engine) as s:
        old = rubrics.current_rubric(s, manager, posting_id=world.posting.id)
    edits = [CriterionEdit(id=c.id, kind=c.kind, text_en=c.text_en + " (v2)", text_fr=c.text_fr) for c in old.criteria]
    with write_session(engine) as s:
        rubrics.save_criteria(s, manager, rubric_id=old.id, criteria=edits, expected_version=old.version)
    with read_session(engine) as s:
        return [c.id for c in rubrics.current_rubric(s, manager, posting_id=world.posting.id).criteria]


def test_consensus_is_read_by_lineage_after_a_new_rubric_version_and_never_duplicated(engine: Any) -> None:
    world = _ready(engine, [3, 4, 4], [3, 4, 4])
    chair, manager, cand = world.actor("chair"), world.actor("manager"), world.ids["cand"]
    with write_session(engine) as s:
        consensus.record_consensus(s, chair, candidate_id=cand, criterion_id=world.ids["crits"][0], rating=3)
    new_ids = _new_version(engine, world)
    assert new_ids[0] != world.ids["crits"][0]
    with read_session(engine) as s:
        board = consensus.consensus_board(s, chair, candidate_id=cand)
        frames = load_posting_frames(s, manager, posting_id=world.posting.id)
    assert board.rows[0].consensus is not None and board.rows[0].consensus.rating == 3  # the board sees it
    assert completeness(frames).set_index("candidate_id").loc[cand, "criteria_without_consensus"] == [2, 3]
    with write_session(engine) as s:  # recording it again under v2 replaces it
        again = consensus.record_consensus(
            s, chair, candidate_id=cand, criterion_id=new_ids[0], rating=4, rationale="Re-read"
        )
    with read_session(engine) as s:
        rows = [
            (r.id, r.criterion_id, r.rating)
            for r in s.exec(select(Consensus).where(Consensus.candidate_id == cand)).all()
        ]
        board = consensus.consensus_board(s, chair, candidate_id=cand)
        view = merit_view(load_merit_frames(s, manager, posting_id=world.posting.id))
        record = render_record(load_posting_frames(s, manager, posting_id=world.posting.id, notes=True), cand)
    assert rows == [(again.id, new_ids[0], 4)]
    assert board.rows[0].consensus.rating == 4
    cell = view.cells[(view.cells["candidate_id"] == cand) & (view.cells["number"] == 1)].iloc[0]
    assert (cell["source"], cell["value"]) == ("consensus", 4.0)
    assert "Re-read" in record


# --- 3. consensus rules ----------------------------------------------------------------------------


def test_a_consensus_for_4_3_4_3_needs_a_rationale(engine: Any) -> None:
    world = _ready(engine, [4, 3, 4], [3, 3, 4])
    with pytest.raises(ValidationError, match="differs"), write_session(engine) as s:
        consensus.record_consensus(
            s, world.actor("chair"), candidate_id=world.ids["cand"], criterion_id=world.ids["crits"][0], rating=3
        )


def test_a_consensus_nobody_rated_needs_a_rationale_and_a_reason_for_too_few_ratings(engine: Any) -> None:
    world = _ready(engine, [3, 3, None], [3, 3, None])
    kw = {"candidate_id": world.ids["cand"], "criterion_id": world.ids["crits"][2], "rating": 5}
    chair = world.actor("chair")
    with pytest.raises(ValidationError, match="No panel member rated criterion 3"), write_session(engine) as s:
        consensus.record_consensus(s, chair, **kw)
    with (
        pytest.raises(ValidationError, match="needs ratings from 2 panel members and has 0"),
        write_session(engine) as s,
    ):
        consensus.record_consensus(s, chair, rationale="The reference check covered it", **kw)
    with write_session(engine) as s:
        saved = consensus.record_consensus(
            s, chair, rationale="The reference check covered it", below_min_reason="Both forgot to rate it", **kw
        )
    assert saved.below_min_reason == "Both forgot to rate it"
    with read_session(engine) as s:
        record = render_record(
            load_posting_frames(s, world.actor("manager"), posting_id=world.posting.id, notes=True), world.ids["cand"]
        )
    assert "fewer ratings than the minimum of 2" in record and "Both forgot to rate it" in record


# --- 4. decisions follow the verdict ----------------------------------------------------------------


def test_qualified_for_a_candidate_failing_an_essential_is_refused_without_an_override_reason(engine: Any) -> None:
    world = _ready(engine, [1, 4, 4], [2, 4, 4])
    manager, cand = world.actor("manager"), world.ids["cand"]
    for outcome in ("qualified", "offered"):
        with pytest.raises(ValidationError, match="does not meet essential criteria 1"), write_session(engine) as s:
            decisions.record_decision(s, manager, candidate_id=cand, outcome=outcome, rationale="Strong elsewhere")
    with write_session(engine) as s:
        saved = decisions.record_decision(
            s, manager, candidate_id=cand, outcome="qualified", rationale="Strong elsewhere",
            override_reason="Criterion 1 was assessed with the wrong question",
        )  # fmt: skip
    assert saved.overridden and saved.outcome == DecisionOutcome.qualified
    with read_session(engine) as s:
        frames = load_posting_frames(s, manager, posting_id=world.posting.id, candidate_ids=[cand], notes=True)
        table = merit_view(load_merit_frames(s, manager, posting_id=world.posting.id)).table.set_index("candidate_id")
    assert bool(table.loc[cand, "decision_override"]) and not bool(
        table.loc[world.candidates[1].id, "decision_override"]
    )
    for page in (render_record(frames, cand), render_feedback(frames, cand)):
        assert "Override: this decision departs from the essential criteria verdict" in page
        assert "Criterion 1 was assessed with the wrong question" in page


def test_offered_for_a_candidate_with_no_scorecard_needs_an_override(engine: Any) -> None:
    world = build_world(engine)
    with pytest.raises(ValidationError, match="no verdict on every essential"), write_session(engine) as s:
        decisions.record_decision(
            s, world.actor("manager"), candidate_id=world.candidates[0].id, outcome="offered", rationale="Fast track"
        )


def test_not_qualified_needs_an_unmet_essential_with_its_justification_or_a_reason(engine: Any) -> None:
    world = _ready(engine, [2, 4, 4], [2, 4, 4])
    manager, chair, cand = world.actor("manager"), world.actor("chair"), world.ids["cand"]
    with pytest.raises(ValidationError, match="justification for essential criteria 1"), write_session(engine) as s:
        decisions.record_decision(s, manager, candidate_id=cand, outcome="not_qualified", rationale="Criterion 1")
    with write_session(engine) as s:
        consensus.record_consensus(
            s, chair, candidate_id=cand, criterion_id=world.ids["crits"][0], rating=2, justification="did_not_attend",
            rationale="Missed the second interview",
        )  # fmt: skip
        decided = decisions.record_decision(
            s, manager, candidate_id=cand, outcome="not_qualified", rationale="Criterion 1"
        )
    assert not decided.overridden
    with read_session(engine) as s:
        frames = load_posting_frames(s, manager, posting_id=world.posting.id, candidate_ids=[cand], notes=True)
    feedback = render_feedback(frames, cand)
    assert "Did not attend" in feedback and "Missed the second interview" in feedback
    fr = html.unescape(render_feedback(frames, cand, lang="fr"))
    assert "Absence à l'évaluation" in fr and "Critères essentiels non satisfaits" in fr
    # A candidate who meets every essential: "not qualified" is an override.
    other = world.candidates[1]
    with write_session(engine) as s:
        for user in (world.chair, world.member):
            make_scorecard(s, candidate=other, interviewer=user, ratings=[4, 4, 4], status=SUBMITTED)
    with pytest.raises(ValidationError, match="fails no essential criterion"), write_session(engine) as s:
        decisions.record_decision(s, manager, candidate_id=other.id, outcome="not_qualified", rationale="Fit")
    with write_session(engine) as s:
        assert decisions.record_decision(s, manager, candidate_id=other.id, outcome="not_qualified", rationale="Fit",
                                         override_reason="Security clearance refused").overridden  # fmt: skip


def test_the_feedback_summary_states_an_unmet_essential_even_before_its_justification(engine: Any) -> None:
    world = _ready(engine, [1, 4, 4], [2, 4, 4])
    with read_session(engine) as s:
        frames = load_posting_frames(s, world.actor("manager"), posting_id=world.posting.id, notes=True)
    assert "No justification recorded yet" in render_feedback(frames, world.ids["cand"])


def test_a_manager_on_the_panel_with_a_draft_cannot_decide(engine: Any) -> None:
    sc = build_scenario(engine, "manager_on_panel", "draft")
    with pytest.raises(PermissionDeniedError, match="Blind scoring"), write_session(engine) as s:
        decisions.record_decision(
            s, sc.actor, candidate_id=sc.candidate_id, outcome="qualified", rationale="x", override_reason="y"
        )


# --- 5. calibration and audited reads ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("deviation", "tolerance", "expected"),
    [(-7e-17, 0.0, IN_LINE), (1e-12, 0.0, IN_LINE), (-1e-12, 0.0, IN_LINE), (0.5 + 1e-12, 0.5, IN_LINE),
     (-0.5 - 1e-12, 0.5, IN_LINE), (0.25, 0.0, LENIENT), (-0.25, 0.0, SEVERE), (0.5 + 1e-3, 0.5, LENIENT)],
)  # fmt: skip
def test_calibration_labels_ignore_floating_point_noise(deviation: float, tolerance: float, expected: str) -> None:
    assert direction(deviation, tolerance) == expected


def test_the_same_mean_computed_two_ways_gets_the_same_label() -> None:
    a = (0.1 + 0.2) - 0.3  # 5.5e-17, not 0
    b = 0.0
    assert a != b and abs(a - b) < 1e-12
    assert direction(a) == direction(b) == IN_LINE


def _events(engine: Any, prefix: str) -> list[AuditEvent]:
    with read_session(engine) as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.action.startswith(prefix)).order_by(AuditEvent.id)).all()  # type: ignore[attr-defined]
        s.expunge_all()
        return list(rows)


def test_exports_and_reports_on_the_command_line_are_audit_events(
    engine: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dbtools import engine_url

    world = _ready(engine, [3, 3, 3], [3, 3, 3])
    monkeypatch.setenv("TRACKER_DATABASE_URL", engine_url(engine))
    common = ["--posting", str(world.posting.id), "--as-user", world.manager.email]
    try:
        runner = CliRunner()
        r1 = runner.invoke(cli, ["report", *common, "--candidate", "Candidate 01", "--out", str(tmp_path / "r.html")])
        r2 = runner.invoke(
            cli, ["export", *common, "--format", "csv", "--what", "scores", "--out", str(tmp_path / "s.csv")]
        )
    finally:
        dispose_engines()
    assert r1.exit_code == 0 and r2.exit_code == 0, r1.output + r2.output
    (report,) = _events(engine, "report.")
    (export,) = _events(engine, "export.")
    assert (report.action, report.actor_email, report.candidate_label, report.posting_id) == (
        "report.record",
        world.manager.email,
        "Candidate 01",
        world.posting.id,
    )
    assert report.at is not None and export.action == "export.scores" and export.actor_id == world.manager.id
    assert "Candidate 01" in (export.after_json or "") and "Candidate 02" in (export.after_json or "")


def test_the_dashboards_scores_export_is_an_audit_event(engine: Any) -> None:
    from tracker.exports import posting_scores_file

    world = _ready(engine, [3, 3, 3], [3, 3, 3])
    data = posting_scores_file(engine, world.actor("manager"), posting_id=world.posting.id, fmt="csv")
    assert b"Chair's evidence" in data
    (event,) = _events(engine, "export.")
    assert (event.action, event.actor_id) == ("export.scores", world.manager.id)


# --- #17 §3: no re-scoring after peeking ----------------------------------------------------------


def test_nobody_reopens_their_own_scorecard(engine: Any) -> None:
    sc = build_scenario(engine, "chair", "submitted")
    own = scoring.candidate_scorecards(Session(engine), sc.actor, candidate_id=sc.candidate_id)
    mine = next(c for c in own if c.interviewer_id == sc.reader.id)
    with pytest.raises(PermissionDeniedError, match="Nobody reopens their own scorecard"), write_session(engine) as s:
        scoring.reopen_scorecard(s, sc.actor, scorecard_id=mine.id, reason="typo")


def test_a_card_that_rates_nothing_does_not_unlock_colleagues_cards(engine: Any) -> None:
    sc = build_scenario(engine, "chair", "empty_submitted")
    with Session(engine) as s:
        cards = scoring.candidate_scorecards(s, sc.actor, candidate_id=sc.candidate_id)
        assert [c.interviewer_id for c in cards] == [sc.reader.id]
        with pytest.raises(PermissionDeniedError, match="rates no criterion"):
            scoring.get_scorecard(s, sc.actor, scorecard_id=sc.witness_card)
        with pytest.raises(PermissionDeniedError, match="rates no criterion"):
            consensus.consensus_board(s, sc.actor, candidate_id=sc.candidate_id)


def test_a_reopen_after_the_member_could_read_colleagues_cards_is_marked_on_the_board_and_the_record(
    engine: Any,
) -> None:
    sc = build_scenario(engine, "member", "submitted")
    manager = sc.users["manager"]
    from tracker.services.actor import Actor

    boss = Actor.from_user(manager)
    with Session(engine) as s:
        mine = next(
            c
            for c in scoring.candidate_scorecards(s, sc.actor, candidate_id=sc.candidate_id)
            if c.interviewer_id == sc.reader.id
        )
    with write_session(engine) as s:
        reopened = scoring.reopen_scorecard(s, boss, scorecard_id=mine.id, reason="Criterion 2 on the wrong answer")
    assert reopened.reopened_after_peek
    with write_session(engine) as s:
        scoring.submit_scorecard(s, sc.actor, scorecard_id=mine.id, reason="Fixed criterion 2")
    with read_session(engine) as s:
        record = render_record(load_posting_frames(s, boss, posting_id=sc.posting_id, notes=True), sc.candidate_id)
    assert record.count("reopened after this member could read colleagues") == 1


def test_a_reopen_before_any_colleague_submitted_is_not_marked(engine: Any) -> None:
    sc = build_scenario(engine, "member", "draft")  # only the witness has submitted
    from tracker.services.actor import Actor

    with write_session(engine) as s:
        witness = scoring.reopen_scorecard(
            s, Actor.from_user(sc.users["chair"]), scorecard_id=sc.witness_card, reason="Check"
        )
    assert not witness.reopened_after_peek


def test_the_reopen_mark_is_shown_beside_the_members_ratings_on_the_board(engine: Any) -> None:
    world = _ready(engine, [3, 3, 3], [3, 3, 3])
    manager, member, cand = world.actor("manager"), world.actor("member"), world.ids["cand"]
    with Session(engine) as s:
        card = next(
            c for c in scoring.candidate_scorecards(s, member, candidate_id=cand) if c.interviewer_id == world.member.id
        )
    with write_session(engine) as s:
        scoring.reopen_scorecard(s, manager, scorecard_id=card.id, reason="Look again")
        scoring.submit_scorecard(s, member, scorecard_id=card.id, reason="Unchanged")
    with read_session(engine) as s:
        board = consensus.consensus_board(s, world.actor("chair"), candidate_id=cand)
    marks = {r.interviewer_name: r.reopened_after_peek for r in board.rows[0].ratings}
    assert marks == {"Mika Member": True, "Charlie Chair": False}


# --- #17 §4: a declared conflict hides the name -----------------------------------------------------


def test_a_conflict_hides_the_candidates_name_in_the_members_queue(engine: Any) -> None:
    world = build_world(engine)
    with write_session(engine) as s:
        make_declaration(s, candidate=world.candidates[0], user=world.member, has_conflict=True)
    with Session(engine) as s:
        queue = {q.candidate_id: q for q in scoring.my_queue(s, world.actor("member"))}
        chair_queue = {q.candidate_id: q for q in scoring.my_queue(s, world.actor("chair"))}
    first, second = world.candidates
    assert queue[first.id].candidate_name == first.label and first.name not in repr(queue[first.id])
    assert queue[second.id].candidate_name == second.name
    assert chair_queue[first.id].candidate_name == first.name


def test_blind_scenarios_leave_no_stray_audit_rows(engine: Any) -> None:
    """A refused blind read writes nothing (the reads above run in read sessions)."""
    sc = build_scenario(engine, "member", "draft")
    with Session(engine) as s:
        before = s.exec(select(func.count()).select_from(AuditEvent)).one()
        with pytest.raises(PermissionDeniedError):
            scoring.get_scorecard(s, sc.actor, scorecard_id=sc.witness_card)
        assert s.exec(select(func.count()).select_from(AuditEvent)).one() == before
