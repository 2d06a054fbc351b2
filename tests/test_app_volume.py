"""The pages at volume (issue #19): searched, filtered and paged lists, pickers of one page, a
remembered posting choice; AppTest on a posting with more candidates than one page."""

from __future__ import annotations

import pytest
from app_helpers import assert_no_exception, signed_in, switch_to, texts
from factories import World, build_world, make_candidate, make_posting, make_scorecard
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from tracker.db import write_session
from tracker.models import CandidateStatus, PanelMember, ScorecardStatus
from tracker.services.paging import DEFAULT_PAGE_SIZE

pytest_plugins = ["app_helpers"]

MANY = DEFAULT_PAGE_SIZE + 12


@pytest.fixture
def crowd(app_engine: Engine) -> World:
    """A posting with ``MANY`` candidates (the first two from build_world), a few withdrawn."""
    world = build_world(app_engine, candidates=2)
    with write_session(app_engine) as s:
        for i in range(3, MANY + 1):
            status = CandidateStatus.withdrawn if i % 20 == 0 else CandidateStatus.active
            make_candidate(s, posting=world.posting, name="Élise Gagnon" if i == 7 else f"Person {i:03d}", status=status)
    return world


def shown_labels(at: AppTest, column: str = "Label") -> list[str]:
    frame = next(df.value for df in at.dataframe if column in df.value.columns)
    return list(frame[column])


def test_candidates_page_shows_one_page_and_pages_on(crowd: World) -> None:
    at = signed_in(crowd.manager.id, page="candidates")
    assert_no_exception(at)
    assert shown_labels(at) == [f"Candidate {i:02d}" for i in range(1, DEFAULT_PAGE_SIZE + 1)]
    assert f"Rows 1–50 of {MANY}" in texts(at)
    # Pickers offer the page, not the whole posting.
    assert len(at.selectbox(key="candidates_edit_choice").options) == DEFAULT_PAGE_SIZE
    at.number_input(key=f"candidates_list_{crowd.posting.id}_page").set_value(2).run()
    assert shown_labels(at) == [f"Candidate {i:02d}" for i in range(DEFAULT_PAGE_SIZE + 1, MANY + 1)]


@pytest.mark.parametrize(("typed", "labels"), [("Candidature 07", ["Candidate 07"]), ("elise", ["Candidate 07"]),
                                               ("7", ["Candidate 07"])])  # fmt: skip
def test_candidates_page_search_by_label_in_either_language_or_name(crowd: World, typed: str, labels: list[str]) -> None:
    at = signed_in(crowd.manager.id, page="candidates")
    at.number_input(key=f"candidates_list_{crowd.posting.id}_page").set_value(2).run()
    at.text_input(key=f"candidates_list_{crowd.posting.id}_search").input(typed).run()
    assert_no_exception(at)
    assert shown_labels(at) == labels  # back on the first page of the new search


def test_candidates_page_filters_by_status(crowd: World) -> None:
    at = signed_in(crowd.manager.id, page="candidates")
    at.selectbox(key="candidates_status_filter").set_value(CandidateStatus.withdrawn).run()
    assert shown_labels(at) == ["Candidate 20", "Candidate 40", "Candidate 60"]
    at.text_input(key=f"candidates_list_{crowd.posting.id}_search").input("nobody at all").run()
    assert "No candidate matches this search." in texts(at)


def test_scoring_picker_offers_one_page_and_search_opens_the_match(crowd: World, app_engine: Engine) -> None:
    with write_session(app_engine) as s:
        first = crowd.candidates[0]
        make_scorecard(s, candidate=first, interviewer=crowd.chair, ratings=[3, 3, 3], status=ScorecardStatus.submitted)
    at = signed_in(crowd.chair.id, page="scoring")
    assert_no_exception(at)
    picker = next(box for box in at.selectbox if box.label == "Candidate to score")
    active = MANY - 3  # three withdrawn
    assert len(picker.options) == DEFAULT_PAGE_SIZE
    assert picker.value == crowd.candidates[1].id  # the next one to score, not the submitted first
    at.text_input(key="scoring_find_search").input("Candidature 07").run()
    assert_no_exception(at)
    picker = next(box for box in at.selectbox if box.label == "Candidate to score")
    assert "Candidate 07 — Élise Gagnon" in picker.options[0] and picker.index == 0
    assert "Candidate 07" in [h.value.split(" — ")[0] for h in at.subheader]
    assert f"of {active}" not in texts(at)  # the queue table shows the match, not the queue
    at.text_input(key="scoring_find_search").input("").run()
    at.selectbox(key="scoring_show").set_value("submitted").run()
    assert shown_labels(at, "Candidate") == ["Candidate 01"]


def test_outstanding_work_summarises_and_pages(crowd: World) -> None:
    at = signed_in(crowd.chair.id, page="outstanding")
    assert_no_exception(at)
    active = MANY - 3
    assert f"You owe {active} scorecards ({active} not started, 0 drafts)." in texts(at)
    links = [link for link in at.get("page_link") if link.proto.label.startswith("Score ")]
    assert len(links) == 25
    assert f"Rows 1–25 of {active}" in texts(at)


def test_consensus_remembers_the_posting_across_visits(crowd: World, app_engine: Engine) -> None:
    with write_session(app_engine) as s:
        second = make_posting(s, owner=crowd.manager, criteria=3, title_en="Second posting")
        s.add(PanelMember(posting_id=second.id or 0, user_id=crowd.chair.id or 0, is_chair=True))
        second_id = second.id
    at = signed_in(crowd.chair.id, page="consensus")
    assert_no_exception(at)
    at.selectbox(key="consensus_posting").set_value(second_id).run()
    switch_to(at, "outstanding")
    switch_to(at, "consensus")
    assert_no_exception(at)
    assert at.selectbox(key="consensus_posting").value == second_id
    at.selectbox(key="consensus_posting").set_value(crowd.posting.id).run()
    assert len(at.selectbox(key=f"consensus_candidate_{crowd.posting.id}").options) == DEFAULT_PAGE_SIZE
    at.text_input(key=f"consensus_find_{crowd.posting.id}_search").input("Candidature 07").run()
    options = at.selectbox(key=f"consensus_candidate_{crowd.posting.id}").options
    assert any(o.startswith("Candidate 07") for o in options) and len(options) <= 2


def _pager_script() -> None:
    import streamlit as st

    from app_pages import _paging
    from tracker.services.paging import Page

    st.session_state["lang"] = st.session_state.get("lang", "en")
    _paging.pager("crowd", Page(items=list(range(50)), total=10_001, number=3, size=50))


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "Rows 101–150 of 10,001 · page 3 of 201"), ("fr", "Lignes 101 à 150 sur 10\u202f001 · page 3 sur 201")],
)
def test_pager_writes_counts_the_readers_way(lang: str, expected: str) -> None:
    """Thousands in French take a (narrow) no-break space, not a comma, which would read as a decimal (#19)."""
    at = AppTest.from_function(_pager_script, default_timeout=30)
    at.session_state["lang"] = lang
    at.session_state["crowd_page"] = 3
    at.run()
    assert_no_exception(at)
    assert [c.value for c in at.caption] == [expected]
