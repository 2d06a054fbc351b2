"""The SQL a page rerun issues is bounded and does not grow with the database (issue #7 §2).

Streamlit reruns the page's script on every click, so a query per candidate (an N+1) turns a
2,000-candidate posting into 2,000 round trips per click. These tests count the statements sent by the
app's engine (SQLAlchemy's ``before_cursor_execute``) during one AppTest rerun, on a small database and
on a larger one (more postings, more candidates in the same queue or posting, more panels for the
same interviewer), and require the same count on both, under a fixed bound.

Data comes from the benchmark's generator (``bench/datagen.py``), so the shapes measured here are the
ones ``bench/run.py`` times.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from app_helpers import assert_no_exception, new_app, switch_to
from sqlalchemy import event
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

BENCH = Path(__file__).resolve().parents[1] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from datagen import Dataset, Size, populate  # noqa: E402

from app_pages.frame.auth import LAST_SEEN_KEY, USER_ID_KEY  # noqa: E402
from tracker.db import dispose_engines, get_engine, read_session, write_session  # noqa: E402
from tracker.services import scoring  # noqa: E402
from tracker.services.actor import load_actor  # noqa: E402

pytest_plugins = ["app_helpers"]

# Fixed bounds: what one rerun may cost whatever the size. Today's counts are well below (see the
# assertion messages); a new per-row query makes the larger database's count differ and fails first.
SCORING_PAGE_BOUND = 30
RESULTS_PAGE_BOUND = 40
FRAGMENT_BOUND = 16
DRAFT_SAVE_BOUND = 5

SMALL = Size("query-count small", postings=1, candidates=4, scoring_candidates=4, criteria=(4, 4), audit=False)
LARGER = Size(
    "query-count larger", postings=6, candidates=220, scoring_candidates=40, merit_candidates=60,
    criteria=(4, 4), panel=4, interviewer_panels=3, audit=False,
)  # fmt: skip


@contextmanager
def counted(engine: Engine, with_parameters: list[tuple[str, Any]] | None = None) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        statements.append(" ".join(statement.split()))
        if with_parameters is not None:
            with_parameters.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def full_scans(dataset: Dataset, executed: list[tuple[str, Any]]) -> list[str]:
    """SELECTs whose SQLite plan reads a whole table (or a whole index) instead of searching it.

    Without ANALYZE statistics SQLite plans as if every table were large, so a plan found on a small
    database is the plan of a large one. Scans of subqueries and temporary B-trees are fine.
    """
    from sqlmodel import SQLModel

    tables = set(SQLModel.metadata.tables)
    problems = []
    with sqlite3.connect(dataset.url.removeprefix("sqlite:///")) as conn:
        for statement, parameters in executed:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            for *_ids, detail in conn.execute("EXPLAIN QUERY PLAN " + statement, parameters or ()):
                match = re.match(r"SCAN (\w+)", detail)
                if match and match.group(1) in tables:
                    problems.append(f"{detail}  <-  {' '.join(statement.split())[:200]}")
    return problems


@pytest.fixture
def make_db(sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Size], Dataset]]:
    """Generated databases (migrated copies of the session template), each a URL the app can use."""

    def make(size: Size) -> Dataset:
        path = tmp_path / f"{size.name.replace(' ', '-')}.sqlite3"
        shutil.copyfile(sqlite_template, path)
        return populate(get_engine(f"sqlite:///{path}"), size)

    yield make
    from app_pages.frame.data import _engine_for

    _engine_for.clear()
    dispose_engines()


def opened(monkeypatch: pytest.MonkeyPatch, dataset: Dataset, user_id: int, page: str, query: dict[str, str]) -> AppTest:
    monkeypatch.setenv("TRACKER_DATABASE_URL", dataset.url)
    at = new_app(lang="en")
    at.session_state[USER_ID_KEY] = user_id
    at.session_state[LAST_SEEN_KEY] = time.time()
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    switch_to(at, page)
    assert_no_exception(at)
    return at


def statements_of_one_rerun(
    monkeypatch: pytest.MonkeyPatch, at: AppTest, dataset: Dataset, *, uncached: bool = False
) -> list[str]:
    """One rerun's statements; ``uncached`` first empties ``st.cache_data`` (a first visit, an expired
    entry, or a write that cleared it), so the page's loaders run too."""
    monkeypatch.setenv("TRACKER_DATABASE_URL", dataset.url)
    if uncached:
        st.cache_data.clear()
    with counted(get_engine(dataset.url)) as statements:
        at.run()
    assert_no_exception(at)
    return statements


def describe(statements: list[str]) -> str:
    return "\n".join(s[:160] for s in statements)


def test_scoring_page_rerun_issues_the_same_bounded_statements_on_a_larger_database(
    make_db: Callable[[Size], Dataset], monkeypatch: pytest.MonkeyPatch
) -> None:
    counts = {}
    for size in (SMALL, LARGER):
        dataset = make_db(size)
        at = opened(monkeypatch, dataset, dataset.interviewer_id, "scoring", {"candidate": str(dataset.scoring_candidate_id)})
        assert [r for r in at.radio if r.key and r.key.startswith("score_rating_")], "the draft's form is shown"
        statements = statements_of_one_rerun(monkeypatch, at, dataset)
        counts[size.name] = statements
        assert len(statements) <= SCORING_PAGE_BOUND, describe(statements)
    small, larger = counts[SMALL.name], counts[LARGER.name]
    assert len(larger) == len(small), (
        f"{len(small)} statements on the small database, {len(larger)} on the larger one:\n{describe(larger)}"
    )


def test_results_page_rerun_issues_the_same_bounded_statements_on_a_larger_database(
    make_db: Callable[[Size], Dataset], monkeypatch: pytest.MonkeyPatch
) -> None:
    import pages  # bench/pages.py: how the benchmark opens a posting on the results page

    counts: dict[tuple[str, bool], list[str]] = {}
    for size in (SMALL, LARGER):
        dataset = make_db(size)
        monkeypatch.setenv("TRACKER_DATABASE_URL", dataset.url)
        at = pages.merit_session(dataset, dataset.merit_posting_id)
        for uncached in (True, False):
            statements = statements_of_one_rerun(monkeypatch, at, dataset, uncached=uncached)
            counts[size.name, uncached] = statements
            assert len(statements) <= RESULTS_PAGE_BOUND, describe(statements)
    for uncached in (True, False):
        small, larger = counts[SMALL.name, uncached], counts[LARGER.name, uncached]
        assert len(larger) == len(small), (
            f"{len(small)} statements on the small database, {len(larger)} on the larger one "
            f"({'un' if uncached else ''}cached):\n{describe(larger)}"
        )


def test_scoring_form_fragment_reads_the_scorecard_in_statements_that_do_not_grow_with_criteria(
    make_db: Callable[[Size], Dataset],
) -> None:
    """A rating change reruns only the form's fragment (AppTest cannot run a fragment alone, so its one
    service call is counted directly): 3 or 12 criteria, the same statements."""
    from app_pages._scoring_form import load_bundle

    counts = {}
    for criteria in (3, 12):
        dataset = make_db(SMALL.scaled(name=f"fragment {criteria}", criteria=(criteria, criteria)))
        engine = get_engine(dataset.url)
        with read_session(engine) as session, counted(engine) as statements:
            bundle = load_bundle(session, dataset.interviewer_id, scorecard_id=dataset.scoring_card_id)
        assert len(bundle.card.scores) == criteria
        assert len(statements) <= FRAGMENT_BOUND, describe(statements)
        counts[criteria] = len(statements)
    assert counts[3] == counts[12], counts


@pytest.mark.parametrize("page", ["scoring", "results"])
def test_every_query_of_a_page_rerun_searches_an_index(
    make_db: Callable[[Size], Dataset], monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    import pages

    dataset = make_db(LARGER)
    if page == "scoring":
        at = opened(monkeypatch, dataset, dataset.interviewer_id, "scoring", {"candidate": str(dataset.scoring_candidate_id)})
    else:
        monkeypatch.setenv("TRACKER_DATABASE_URL", dataset.url)
        at = pages.merit_session(dataset, dataset.merit_posting_id)
    executed: list[tuple[str, Any]] = []
    st.cache_data.clear()  # so the results page's loaders run
    with counted(get_engine(dataset.url), executed):
        at.run()
    assert_no_exception(at)
    assert full_scans(dataset, executed) == []


def test_draft_save_is_a_fixed_handful_of_statements(make_db: Callable[[Size], Dataset]) -> None:
    dataset = make_db(LARGER)
    engine = get_engine(dataset.url)
    with read_session(engine) as session:
        actor = load_actor(session, dataset.interviewer_id)
    with counted(engine) as statements, write_session(engine) as session:
        scoring.save_draft_score(
            session, actor, scorecard_id=dataset.scoring_card_id, criterion_id=dataset.scoring_criterion_ids[-1],
            rating=4, notes="Clear example with results.",
        )  # fmt: skip
    work = [s for s in statements if s not in ("BEGIN", "BEGIN IMMEDIATE")]
    assert len(work) <= DRAFT_SAVE_BOUND, describe(statements)


def test_candidates_page_reads_decisions_in_statements_that_do_not_grow_with_candidates(
    make_db: Callable[[Size], Dataset], monkeypatch: pytest.MonkeyPatch
) -> None:
    """It lists every candidate with their decision: one query for the posting, not three per row."""
    counts = {}
    for size in (SMALL, LARGER):
        dataset = make_db(size)
        monkeypatch.setenv("TRACKER_DATABASE_URL", dataset.url)
        at = opened(monkeypatch, dataset, dataset.manager_id, "candidates", {})
        counts[size.name] = statements_of_one_rerun(monkeypatch, at, dataset)
    small, larger = counts[SMALL.name], counts[LARGER.name]
    assert len(larger) == len(small), f"{len(small)} vs {len(larger)}:\n{describe(larger)}"


def test_results_page_is_served_from_its_cache_until_a_write_commits(
    make_db: Callable[[Size], Dataset], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reruns reuse the cached figures; a decision recorded in another session (or replica) is shown on
    the next rerun without a refresh, because the posting's latest audit event is part of the key."""
    import pages
    from sqlmodel import select

    from app_pages import _common as common
    from tracker.i18n import t
    from tracker.models import Candidate, DecisionOutcome
    from tracker.services import decisions

    dataset = make_db(SMALL)
    monkeypatch.setenv("TRACKER_DATABASE_URL", dataset.url)
    at = pages.merit_session(dataset, dataset.merit_posting_id)
    cached = statements_of_one_rerun(monkeypatch, at, dataset)
    assert len(statements_of_one_rerun(monkeypatch, at, dataset)) == len(cached)

    engine = get_engine(dataset.url)
    with write_session(engine) as session:
        manager = load_actor(session, dataset.manager_id)
        first = session.exec(select(Candidate.id).where(Candidate.posting_id == dataset.merit_posting_id)).first()
        assert first is not None
        decisions.record_decision(
            session, manager, candidate_id=first, outcome=DecisionOutcome.qualified, rationale="Met every essential."
        )
    fresh = statements_of_one_rerun(monkeypatch, at, dataset)
    assert len(fresh) > len(cached), "the committed write must make the page recompute"
    qualified = t(common.OUTCOME_LABELS[DecisionOutcome.qualified], "en")
    assert qualified in at.dataframe[0].value[t("Decision", "en")].tolist()
    assert len(statements_of_one_rerun(monkeypatch, at, dataset)) == len(cached), "and then serve it from the cache"
