"""Privacy: deleting a candidate removes everything personal; the audit trail keeps only the label."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from factories import build_world, criteria_of, make_candidate, make_consensus, make_scorecard, rubric_of
from sqlalchemy import func, text
from sqlmodel import select

from tracker.db import read_session, write_session
from tracker.models import (
    AuditEvent,
    AuditPersonalData,
    Candidate,
    Consensus,
    Decision,
    Declaration,
    Posting,
    Rubric,
    Score,
    Scorecard,
    ScorecardStatus,
)
from tracker.services import ValidationError, candidates, decisions, privacy, scoring

NAME, EMAIL = "Priya Confidential", "priya.confidential@mail.example"


def _seed_person(engine: Any, world: Any) -> int:
    manager = world.actor("manager")
    with write_session(engine) as s:
        cand = candidates.add_candidate(s, manager, posting_id=world.posting.id, name=NAME, email=EMAIL)
    with write_session(engine) as s:
        row = s.get(Candidate, cand.id)
        make_scorecard(s, candidate=row, interviewer=world.chair, ratings=[4, 4, 4], notes="PRIYA-NOTES", status=ScorecardStatus.submitted)
        make_scorecard(s, candidate=row, interviewer=world.member, ratings=[3, 3, 3], notes="PRIYA-NOTES", status=ScorecardStatus.submitted)
        make_consensus(s, candidate=row, criterion=criteria_of(s, rubric_of(s, world.posting))[0], rating=4, rationale="PRIYA-RATIONALE")
    with write_session(engine) as s:
        scoring.reopen_scorecard(s, manager, scorecard_id=s.exec(select(Scorecard.id).where(Scorecard.candidate_id == cand.id)).first(), reason="Check notes")
        decisions.record_decision(
            s, manager, candidate_id=cand.id, outcome="qualified", rationale="PRIYA-DECISION", override_reason="PRIYA-OVERRIDE"
        )
    return cand.id


def _personal_strings_left(engine: Any) -> list[str]:
    found = []
    with read_session(engine) as s:
        for table in ("audit_event", "audit_personal_data", "candidate", "score", "scorecard", "consensus", "decision", "declaration"):
            for row in s.execute(text(f"SELECT * FROM {table}")).all():
                blob = " ".join(str(v) for v in row)
                found += [f"{table}: {needle}" for needle in (NAME, EMAIL, "PRIYA-") if needle in blob]
    return found


def test_deleting_a_candidate_removes_personal_data_and_keeps_the_trail_with_the_label(engine: Any) -> None:
    world = build_world(engine)
    cid = _seed_person(engine, world)
    with read_session(engine) as s:
        label = s.get(Candidate, cid).label
        events_before = s.exec(select(func.count()).select_from(AuditEvent)).one()
    assert _personal_strings_left(engine), "the seed should have stored personal data"
    with write_session(engine) as s:
        privacy.delete_candidate(s, world.actor("manager"), candidate_id=cid)
    assert _personal_strings_left(engine) == []
    with read_session(engine) as s:
        for model in (Scorecard, Score, Consensus, Decision, Declaration, AuditPersonalData):
            assert s.exec(select(func.count()).select_from(model)).one() == 0, model.__name__
        events = s.exec(select(AuditEvent).where(AuditEvent.candidate_label == label)).all()
        assert s.exec(select(func.count()).select_from(AuditEvent)).one() == events_before + 1
        assert events[-1].action == "candidate.delete" or "candidate.delete" in {e.action for e in events}
        assert s.get(Posting, world.posting.id) is not None and s.exec(select(Rubric)).first() is not None


def test_a_deleted_candidates_label_is_never_reused(engine: Any) -> None:
    world = build_world(engine, candidates=0)
    manager = world.actor("manager")
    with write_session(engine) as s:
        first = candidates.add_candidate(s, manager, posting_id=world.posting.id, name="One", email="one@mail.example")
        second = candidates.add_candidate(s, manager, posting_id=world.posting.id, name="Two", email="two@mail.example")
    with write_session(engine) as s:
        privacy.delete_candidate(s, manager, candidate_id=second.id)
    with write_session(engine) as s:
        third = candidates.add_candidate(s, manager, posting_id=world.posting.id, name="Three", email="three@mail.example")
    assert (first.label, second.label, third.label) == ("Candidate 01", "Candidate 02", "Candidate 03")


def test_purge_dry_run_changes_nothing_and_real_run_only_closed_postings(engine: Any) -> None:
    world = build_world(engine, candidates=2)
    today = date.today()
    with write_session(engine) as s:
        old = s.get(Posting, world.posting.id)
        old.closed_on = today - timedelta(days=800)
        s.add(old)
        recent = s.get(Posting, world.other_posting.id)
        recent.closed_on = today - timedelta(days=10)
        s.add(recent)
    admin = world.actor("admin")
    cutoff = today - timedelta(days=730)
    with write_session(engine) as s:
        dry = privacy.purge_closed_postings(s, admin, closed_before=cutoff, dry_run=True)
    assert [(p.posting_id, p.candidates) for p in dry.postings] == [(world.posting.id, 2)] and dry.dry_run
    with read_session(engine) as s:
        assert s.exec(select(func.count()).select_from(Candidate)).one() == 4
    with write_session(engine) as s:
        done = privacy.purge_closed_postings(s, admin, closed_before=cutoff, dry_run=False)
    assert done.candidates == 2
    with read_session(engine) as s:
        left = {c.posting_id for c in s.exec(select(Candidate)).all()}
        purged = s.exec(select(AuditEvent).where(AuditEvent.action == "candidate.purge")).all()
        assert left == {world.other_posting.id}
        assert sorted(e.candidate_label for e in purged) == ["Candidate 01", "Candidate 02"]


def test_purge_refuses_a_date_in_the_future(engine: Any) -> None:
    world = build_world(engine)
    with pytest.raises(ValidationError, match="future"), write_session(engine) as s:
        privacy.purge_closed_postings(s, world.actor("admin"), closed_before=date.today() + timedelta(days=30), dry_run=True)


def test_new_candidate_after_purge_gets_a_fresh_label(engine: Any) -> None:
    world = build_world(engine, candidates=0)
    with write_session(engine) as s:
        make_candidate(s, posting=world.posting)
        p = s.get(Posting, world.posting.id)
        p.closed_on = date.today() - timedelta(days=3)
        s.add(p)
    with write_session(engine) as s:
        cand = s.exec(select(Candidate)).one()
        privacy.delete_candidate(s, world.actor("admin"), candidate_id=cand.id)
    with write_session(engine) as s:
        assert candidates.add_candidate(s, world.actor("manager"), posting_id=world.posting.id, name="N", email="n@mail.example").label == "Candidate 02"
