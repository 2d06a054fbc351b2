"""Paging and search of the lists that grow with applications (issue #19), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from factories import build_world, make_candidate, make_declaration, make_scorecard
from sqlalchemy import update

from tracker.db import read_session, write_session
from tracker.models import Candidate, CandidateStatus, PanelMember, ScorecardStatus, utcnow
from tracker.services import candidates, outstanding, scoring
from tracker.services.paging import MAX_PAGE_SIZE, PageRequest, SearchTerms, page_of, parse_search


@pytest.mark.parametrize(
    ("typed", "terms"),
    [
        ("Candidate 07", SearchTerms(label_number=7)),
        ("Candidature 07", SearchTerms(label_number=7)),
        ("candidature 7", SearchTerms(label_number=7)),
        ("  CANDIDATE   12 ", SearchTerms(label_number=12)),
        ("cand. 3", SearchTerms(label_number=3)),
        ("#42", SearchTerms(label_number=42)),
        ("N° 5", SearchTerms(label_number=5)),
        ("007", SearchTerms(label_number=7)),
        ("Élise", SearchTerms(text="Élise")),
        ("Room 7", SearchTerms(text="Room 7")),
        ("", SearchTerms()),
        ("   ", SearchTerms()),
    ],
)
def test_search_reads_labels_in_both_languages_and_names(typed: str, terms: SearchTerms) -> None:
    assert parse_search(typed) == terms


def test_page_request_is_clamped_and_a_page_past_the_end_is_the_last() -> None:
    assert PageRequest(0, 10_000).clamped() == PageRequest(1, MAX_PAGE_SIZE)
    page = page_of(list(range(105)), PageRequest(9, 50))
    assert (page.number, page.items, page.pages, page.first_row, page.last_row) == (3, [100, 101, 102, 103, 104], 3, 101, 105)
    empty = page_of([], PageRequest(4, 50))
    assert (empty.number, empty.total, empty.pages, empty.first_row) == (1, 0, 1, 0)


def _people(engine: Any, n: int) -> Any:
    world = build_world(engine, candidates=0)
    with write_session(engine) as s:
        for i in range(1, n + 1):
            status = CandidateStatus.withdrawn if i % 10 == 0 else CandidateStatus.active
            name = "Élise Gagnon" if i == 7 else ("Zoë 50% O_Brien" if i == 8 else f"Person {i:03d}")
            make_candidate(s, posting=world.posting, name=name, status=status)
    return world


def test_search_candidates_pages_in_label_order(engine: Any) -> None:
    world = _people(engine, 120)
    with read_session(engine) as s:
        first = candidates.search_candidates(s, world.actor("manager"), posting_id=world.posting.id)
        third = candidates.search_candidates(s, world.actor("manager"), posting_id=world.posting.id, page=PageRequest(3, 50))
    assert first.total == 120 and first.pages == 3
    assert [c.label_number for c in first.items] == list(range(1, 51))
    assert [c.label_number for c in third.items] == list(range(101, 121))
    assert all("@" in c.email for c in first.items)


@pytest.mark.parametrize(
    ("query", "status", "numbers"),
    [
        ("Candidate 07", None, [7]),
        ("Candidature 07", None, [7]),
        ("7", None, [7]),
        ("élise", None, [7]),
        ("GAGNON", None, [7]),
        ("50%", None, [8]),  # a % typed is a character, not a wildcard
        ("O_B", None, [8]),
        ("person 01", None, list(range(10, 20))),
        ("", CandidateStatus.withdrawn, [10, 20, 30]),
        ("Person 02", CandidateStatus.active, [21, 22, 23, 24, 25, 26, 27, 28, 29]),
        ("nobody", None, []),
    ],
)
def test_search_candidates_by_label_name_and_status(engine: Any, query: str, status: Any, numbers: list[int]) -> None:
    world = _people(engine, 30)
    with read_session(engine) as s:
        found = candidates.search_candidates(s, world.actor("manager"), posting_id=world.posting.id, query=query, status=status)
    assert [c.label_number for c in found.items] == numbers
    assert found.total == len(numbers)


def test_search_candidates_hides_conflicts_and_emails_from_panel_members(engine: Any) -> None:
    world = _people(engine, 5)
    with write_session(engine) as s:
        target = s.exec(Candidate.__table__.select().where(Candidate.label_number == 2)).first()  # type: ignore[attr-defined]
        make_declaration(s, candidate=s.get(Candidate, target.id), user=world.member, has_conflict=True)
    with read_session(engine) as s:
        seen = candidates.search_candidates(s, world.actor("member"), posting_id=world.posting.id)
        by_label = candidates.search_candidates(s, world.actor("member"), posting_id=world.posting.id, query="Candidate 02")
    assert [c.label_number for c in seen.items] == [1, 3, 4, 5]
    assert all(c.email == "" for c in seen.items)
    assert by_label.total == 0


def _age(engine: Any, candidate_id: int, days: int) -> None:
    with write_session(engine) as s:
        s.execute(update(Candidate).where(Candidate.id == candidate_id).values(created_at=utcnow() - timedelta(days=days)))


def test_outstanding_overview_counts_per_posting_and_lists_oldest_first(engine: Any) -> None:
    world = build_world(engine, candidates=4)
    c1, c2, c3, c4 = world.candidates
    with write_session(engine) as s:
        make_scorecard(s, candidate=c1, interviewer=world.chair, ratings=[3, 3, 3], status=ScorecardStatus.submitted)
        make_scorecard(s, candidate=c2, interviewer=world.chair, ratings=[3, None, None])  # draft, started now
        make_declaration(s, candidate=c3, user=world.member, has_conflict=True)
    with write_session(engine) as s:  # seated long before: "since" is the later of seat and application
        s.execute(update(PanelMember).values(added_at=utcnow() - timedelta(days=60)))
    for cand, days in ((c4, 30), (c3, 20), (c1, 10), (c2, 5)):
        _age(engine, cand.id, days)
    with read_session(engine) as s:
        mine = outstanding.owed_overview(s, world.actor("chair"), page=PageRequest(1, 2))
        board = outstanding.posting_overview(s, world.actor("manager"), posting_id=world.posting.id)
        everything = outstanding.outstanding_for_posting(s, world.actor("manager"), posting_id=world.posting.id)
    # The chair owes c2 (draft), c3 and c4 (missing); the member owes c1, c2, c4 (c3: conflict).
    assert [(c.posting_id, c.missing, c.drafts) for c in mine.counts] == [(world.posting.id, 2, 1)]
    assert mine.page.total == 3 and mine.page.pages == 2
    assert [i.candidate_id for i in mine.page.items] == [c4.id, c3.id]  # oldest first, then page 2 holds the draft
    assert (board.missing, board.drafts, board.total) == (5, 1, 6)
    assert [(r.candidate_id, r.interviewer_id) for r in board.page.items] == [
        (r.candidate_id, r.interviewer_id) for r in everything
    ]
    assert board.page.items[0].candidate_id == c4.id
    assert {r.status for r in board.page.items if r.candidate_id == c2.id and r.interviewer_id == world.chair.id} == {
        outstanding.DRAFT
    }


def test_queue_search_and_next_to_score(engine: Any) -> None:
    world = build_world(engine, candidates=5)
    c1, c2, c3, _c4, c5 = world.candidates
    with write_session(engine) as s:
        make_scorecard(s, candidate=c1, interviewer=world.chair, ratings=[3, 3, 3], status=ScorecardStatus.submitted)
        make_scorecard(s, candidate=c2, interviewer=world.chair, ratings=[3, None, None])
        make_declaration(s, candidate=c3, user=world.chair, has_conflict=True)
    with read_session(engine) as s:
        queue = scoring.my_queue(s, world.actor("chair"))
    assert [q.queue_status for q in queue] == ["submitted", "draft", "conflict", "declaration", "declaration"]
    assert [q.candidate_id for q in scoring.search_queue(queue, status=scoring.TO_SCORE).items] == [
        c2.id, world.candidates[3].id, c5.id
    ]  # fmt: skip
    assert [q.candidate_id for q in scoring.search_queue(queue, query="Candidature 05").items] == [c5.id]
    assert scoring.search_queue(queue, query=c1.name.upper()).items[0].candidate_id == c1.id
    assert scoring.next_in_queue(queue, None) == c2.id
    assert scoring.next_in_queue(queue, c2.id) == world.candidates[3].id
    assert scoring.next_in_queue(queue, c5.id) == c2.id  # wraps round, skipping submitted and conflict


def test_queue_view_is_the_queue_searched_and_paged_in_sql(engine: Any) -> None:
    """``queue_view`` (the scoring page, issue #19) gives what the whole queue filtered in memory gives."""
    world = build_world(engine, candidates=7)
    c1, c2, c3, c4, c5, c6, c7 = world.candidates
    with write_session(engine) as s:
        make_scorecard(s, candidate=c1, interviewer=world.chair, ratings=[3, 3, 3], status=ScorecardStatus.submitted)
        make_scorecard(s, candidate=c2, interviewer=world.chair, ratings=[3, None, None])
        make_declaration(s, candidate=c3, user=world.chair, has_conflict=True)
        make_declaration(s, candidate=c4, user=world.chair, has_conflict=False)
        make_scorecard(s, candidate=c6, interviewer=world.chair, ratings=[2, 2, 2], status=ScorecardStatus.submitted)
    chair = world.actor("chair")
    with read_session(engine) as s:
        queue = scoring.my_queue(s, chair)
        for query in ("", "Candidature 05", "#3", c1.name.upper()[:6], c3.name, "nobody at all"):
            for status in (None, scoring.TO_SCORE, *scoring.QUEUE_STATUSES):
                for number in (1, 2, 9):
                    request = PageRequest(number, 2)
                    view = scoring.queue_view(s, chair, query=query, status=status, page=request)
                    expected = scoring.search_queue(queue, query=query, status=status, page=request)
                    assert view.page == expected, (query, status, number)
        assert scoring.queue_view(s, chair, query=c3.name).page.total == 0  # a conflict hides the name
        for current in (None, c1.id, c2.id, c5.id, c7.id, -1):
            view = scoring.queue_view(s, chair, current_id=current)
            want = current if current in {q.candidate_id for q in queue} else scoring.next_in_queue(queue, None)
            assert view.current is not None and view.current.candidate_id == want
            assert view.current == next(q for q in queue if q.candidate_id == want)
            assert view.next_id == scoring.next_in_queue(queue, want)
        whole = scoring.queue_view(s, chair)
    assert (whole.total, whole.owed, whole.submitted) == (7, 6, 2)
    assert c6.id and c4.id


def test_queue_view_of_a_finished_or_empty_queue(engine: Any) -> None:
    world = build_world(engine, candidates=2)
    c1, c2 = world.candidates
    with write_session(engine) as s:
        for c in (c1, c2):
            make_scorecard(s, candidate=c, interviewer=world.chair, ratings=[3, 3, 3], status=ScorecardStatus.submitted)
    with read_session(engine) as s:
        done = scoring.queue_view(s, world.actor("chair"))
        nobody = scoring.queue_view(s, world.actor("manager"))
    assert done.current is not None and done.current.candidate_id == c1.id and done.next_id is None
    assert (done.owed, done.submitted) == (2, 2)
    assert nobody.current is None and nobody.page.total == 0 and nobody.total == 0
