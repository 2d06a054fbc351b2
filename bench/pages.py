"""Page reruns in Streamlit's AppTest: the scoring page and the merit (results) page, small vs large.

Streamlit reruns a page's script on every click, so a page's rerun time is what a user waits for
after each interaction. Each page is driven the way ``tests/app_helpers.py`` drives it (a signed-in
session: user id and last-seen time in ``st.session_state``, then a switch to the page) against a
generated database chosen with ``TRACKER_DATABASE_URL``; the small and the large database are rerun
in turns, so the ratio is the cost of the database's size alone:

* **scoring page**: the bench interviewer's "My scorecards" with their half-done draft open (same
  posting, same 20 candidates, same panel in both databases). Goal: large/small <= 1.3x. A rating
  change (the save callback, then the rerun) is measured too. AppTest always reruns the whole page; in
  the browser a rating change reruns only the form's ``st.fragment``, which is cheaper still;
* **merit page**: the results page of a posting as its manager. Goal: <= 1 s median on the
  2,000-candidate posting (first render and later reruns are reported apart: reruns may hit
  ``st.cache_data``).

Also counted: the SQL statements one rerun issues (``before_cursor_execute`` on the app's engine).
A page that is not built yet gives "not available: <reason>" and ``met: null`` instead of a figure.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from common import ROOT, env, figure, interleaved, median, peak_memory_mib, unavailable
from datagen import Dataset
from sqlalchemy import event

from tracker.db import get_engine

APP_PATH = ROOT / "streamlit_app.py"
TIMEOUT = 120.0  # a 2,000-candidate results page on a loaded 2-core machine: generous on purpose
SCORING_GOAL = 1.3
MERIT_GOAL_SECONDS = 1.0
PLACEHOLDER = "This page is being built."


class PageUnavailable(RuntimeError):
    """The page cannot be measured in this run; the message says why."""


def _errors_only(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.ERROR


def _quiet_streamlit() -> None:
    """Outside a server Streamlit warns about the missing runtime on every rerun; keep errors only.

    A filter rather than a level: AppTest resets Streamlit's logger levels from its config on each run.
    """
    import streamlit.runtime.caching.cache_data_api  # noqa: F401  (creates the logger that warns on clear)

    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logger = logging.getLogger(name)
            if _errors_only not in logger.filters:
                logger.addFilter(_errors_only)


@contextmanager
def database(dataset: Dataset) -> Iterator[None]:
    with env(TRACKER_DATABASE_URL=dataset.url):
        yield


def new_session(dataset: Dataset, user_id: int, page: str, *, query: dict[str, str] | None = None) -> Any:
    """A browser session signed in as ``user_id`` and opened on ``page`` (a registry key)."""
    from streamlit.testing.v1 import AppTest

    from app_pages.frame.auth import LAST_SEEN_KEY, USER_ID_KEY
    from app_pages.frame.lang import LANG_KEY
    from app_pages.frame.registry import page_spec

    _quiet_streamlit()
    at = AppTest.from_file(str(APP_PATH), default_timeout=TIMEOUT)
    at.secrets.update({"tracker_test": True})
    at.user = {}
    at.session_state[LANG_KEY] = "en"
    at.session_state[USER_ID_KEY] = user_id
    at.session_state[LAST_SEEN_KEY] = time.time()
    for key, value in (query or {}).items():
        at.query_params[key] = value
    with database(dataset):
        at.run()
        at.switch_page(page_spec(page).relative_path).run()
    check(at, page)
    return at


def check(at: Any, page: str) -> None:
    """Refuse to time a page that raised, showed an error or is still a placeholder."""
    if at.exception:
        raise PageUnavailable(f"the {page} page raised: {at.exception[0].value}")
    texts = [str(e.value) for kind in ("info", "error", "title") for e in getattr(at, kind)]
    if any(PLACEHOLDER in t for t in texts):
        raise PageUnavailable(f"app_pages/{page}.py is still a placeholder ({PLACEHOLDER!r})")
    errors = [str(e.value) for e in at.error]
    if errors:
        raise PageUnavailable(f"the {page} page showed an error: {errors[0][:200]}")


def rerun(at: Any, dataset: Dataset) -> None:
    """One full rerun, as after a click anywhere on the page."""
    at.session_state["auth_last_seen"] = time.time()
    with database(dataset):
        at.run()


@contextmanager
def counting_statements(url: str) -> Iterator[list[str]]:
    """Every SQL statement the app's engine (the process-wide one for ``url``) sends in the block."""
    statements: list[str] = []
    engine = get_engine(url)

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_per_rerun(at: Any, dataset: Dataset) -> int:
    with counting_statements(dataset.url) as statements:
        rerun(at, dataset)
    return len(statements)


# --- scoring page --------------------------------------------------------------------------------


def scoring_session(dataset: Dataset) -> Any:
    """The bench interviewer on "My scorecards" with their half-done draft open (pinned by the URL's
    ``?candidate=``, as a reload keeps it), whatever else their queue holds."""
    at = new_session(dataset, dataset.interviewer_id, "scoring", query={"candidate": str(dataset.scoring_candidate_id)})
    keys = [r.key for r in at.radio if r.key and r.key.startswith("score_rating_")]
    if not keys:
        raise PageUnavailable("the scoring page shows no rating widgets for the bench interviewer's draft")
    return at


def rating_change(at: Any, dataset: Dataset) -> Callable[[], None]:
    """A callable that changes one rating (alternating values) and reruns: save callback + rerun."""
    keys = [r.key for r in at.radio if r.key and r.key.startswith("score_rating_")]
    key = keys[-1]  # an unrated criterion of the draft: the save is an insert first, then updates
    state = {"i": 0}

    def change() -> None:
        state["i"] += 1
        at.radio(key=key).set_value(1 + state["i"] % 5)
        at.session_state["auth_last_seen"] = time.time()
        with database(dataset):
            at.run()

    return change


def scoring_figures(small: Dataset, large: Dataset, *, repeats: int, label: str = "") -> list[dict[str, Any]]:
    name = "scoring page rerun"
    try:
        at_small, at_large = scoring_session(small), scoring_session(large)
    except PageUnavailable as exc:
        return [unavailable(f"{name} (large/small){label}", "s", str(exc), goal=f"<= {SCORING_GOAL:g}x small")]
    samples = interleaved({"small": lambda: rerun(at_small, small), "large": lambda: rerun(at_large, large)},
                          repeats, warmup=2)  # fmt: skip
    clicks = interleaved({"small": rating_change(at_small, small), "large": rating_change(at_large, large)},
                         max(5, repeats // 2), warmup=1)  # fmt: skip
    for at in (at_small, at_large):
        check(at, "scoring")
    count_small, count_large = statements_per_rerun(at_small, small), statements_per_rerun(at_large, large)
    memory = peak_memory_mib(lambda: rerun(at_large, large))
    return [
        figure(f"{name}, large vs small DB{label}", median(samples["large"]), "s", baseline=median(samples["small"]),
               goal=f"<= {SCORING_GOAL:g}x small", limit=SCORING_GOAL,
               note=f"median of {repeats} AppTest reruns each; baseline = the small DB"),
        figure(f"scoring page rating change (save + rerun), large vs small DB{label}", median(clicks["large"]), "s",
               baseline=median(clicks["small"])),
        figure(f"scoring page SQL statements per rerun (large vs small){label}", count_large, "statements",
               baseline=count_small),
        figure(f"scoring page rerun peak memory (large DB){label}", memory, "MiB"),
    ]  # fmt: skip


# --- merit (results) page ------------------------------------------------------------------------


def merit_session(dataset: Dataset, posting_id: int) -> Any:
    """The bench manager on the results page, merit view, with ``posting_id`` chosen (``?posting=``)."""
    return new_session(dataset, dataset.manager_id, "results", query={"posting": str(posting_id)})


def _first_render(dataset: Dataset, posting_id: int) -> tuple[Any, float]:
    """Sign in (home page), then time the switch to the results page: its first, uncached render."""
    from app_pages.frame.registry import page_spec

    at = new_session(dataset, dataset.manager_id, "home", query={"posting": str(posting_id)})
    start = time.perf_counter()
    with database(dataset):
        at.switch_page(page_spec("results").relative_path).run()
    seconds = time.perf_counter() - start
    check(at, "results")
    return at, seconds


def uncached_rerun(at: Any, dataset: Dataset) -> None:
    """A rerun after the page's ``st.cache_data`` entries are gone (first visit, time to live expired,
    or a write elsewhere cleared them): the full cost of loading and computing the merit view."""
    import streamlit as st

    st.cache_data.clear()
    rerun(at, dataset)


def merit_figures(datasets: list[tuple[str, Dataset, int]], *, repeats: int, label: str = "") -> list[dict[str, Any]]:
    """Results page (merit view) for each (name, dataset, posting id): first render, reruns with and
    without the page's cache, statements per rerun. The 1 s goal applies to 2,000-candidate postings."""
    goal = f"<= {MERIT_GOAL_SECONDS:g} s median"
    out: list[dict[str, Any]] = []
    sessions: dict[str, tuple[Any, Dataset]] = {}
    first: dict[str, float] = {}
    big: dict[str, bool] = {}
    for name, dataset, posting_id in datasets:
        big[name] = posting_id == dataset.merit_posting_id and dataset.merit_candidates >= 2_000
        try:
            at, first[name] = _first_render(dataset, posting_id)
            sessions[name] = (at, dataset)
        except PageUnavailable as exc:
            out.append(unavailable(f"merit page rerun ({name}){label}", "s", str(exc), goal=goal))
    if not sessions:
        return out
    cached = interleaved({n: (lambda at=at, ds=ds: rerun(at, ds)) for n, (at, ds) in sessions.items()},
                         repeats, warmup=1)  # fmt: skip
    uncached = interleaved({n: (lambda at=at, ds=ds: uncached_rerun(at, ds)) for n, (at, ds) in sessions.items()},
                           repeats, warmup=0)  # fmt: skip
    smallest = datasets[0][0] if datasets[0][0] in sessions else None
    for name, (at, dataset) in sessions.items():
        check(at, "results")
        versus = smallest if smallest and name != smallest else None
        note = f"median of {repeats} AppTest reruns" + ("; baseline = the small DB" if versus else "")
        for kind, samples in (("uncached", uncached), ("cached", cached)):
            base = median(samples[versus]) if versus else None
            out.append(figure(f"merit page rerun, {kind} ({name}){label}", median(samples[name]), "s", baseline=base,
                              goal=goal if big[name] else None, limit=MERIT_GOAL_SECONDS if big[name] else None,
                              absolute=True,
                              note=note))  # fmt: skip
        out.append(figure(f"merit page first render ({name}){label}", first[name], "s",
                          note="switching to the page after signing in: uncached"))  # fmt: skip
        with counting_statements(dataset.url) as statements:
            uncached_rerun(at, dataset)
        with counting_statements(dataset.url) as cached_statements:
            rerun(at, dataset)
        out.append(figure(f"merit page SQL statements per rerun, uncached/cached ({name}){label}", len(statements),
                          "statements", baseline=len(cached_statements)))  # fmt: skip
    last_name = datasets[-1][0]
    if last_name in sessions:
        at, dataset = sessions[last_name]
        out.append(figure(f"merit page uncached rerun peak memory ({last_name}){label}",
                          peak_memory_mib(lambda: uncached_rerun(at, dataset)), "MiB"))  # fmt: skip
    return out


# --- the merit computation without the page ------------------------------------------------------

# The least a merit view could cost: the database's own per candidate x criterion means and counts of
# submitted ratings, criteria matched by lineage as the merit view matches them across rubric versions
# (the baseline of bench/results.py, written so that it also runs on PostgreSQL).
MERIT_BASELINE_SQL = """
    SELECT sc.candidate_id, cr.lineage, AVG(s.rating) AS mean_rating, COUNT(s.rating) AS n_ratings
    FROM score s
    JOIN scorecard sc ON sc.id = s.scorecard_id
    JOIN candidate c ON c.id = sc.candidate_id
    JOIN criterion cr ON cr.id = s.criterion_id
    WHERE c.posting_id = :posting_id AND sc.status = 'submitted' AND NOT s.not_assessed
    GROUP BY sc.candidate_id, cr.lineage
"""
MERIT_COMPUTE_GOAL = 2.0


def merit_compute_figures(dataset: Dataset, *, repeats: int, label: str) -> list[dict[str, Any]]:
    """``load_merit_frames`` + ``merit_view`` for the merit posting, as its manager, vs the raw GROUP BY."""
    from sqlalchemy import text

    from tracker.db import make_engine, read_session
    from tracker.results.data import load_merit_frames
    from tracker.results.merit import merit_view
    from tracker.services.actor import load_actor

    engine = make_engine(dataset.url)
    query = text(MERIT_BASELINE_SQL)
    posting_id = dataset.merit_posting_id
    try:
        with read_session(engine) as session:
            manager = load_actor(session, dataset.manager_id)

        def baseline() -> Any:
            with engine.connect() as conn:
                return conn.execute(query, {"posting_id": posting_id}).all()

        def merit() -> Any:
            with read_session(engine) as session:
                frames = load_merit_frames(session, manager, posting_id=posting_id)
            return merit_view(frames)

        samples = interleaved({"baseline": baseline, "merit": merit}, repeats, warmup=1)
        memory = peak_memory_mib(merit)
    finally:
        engine.dispose()
    what = f"{label}, {dataset.merit_candidates:,} candidates"
    return [
        figure(f"merit view computation ({what})", median(samples["merit"]), "s",
               baseline=median(samples["baseline"]), goal=f"<= {MERIT_COMPUTE_GOAL:g}x baseline",
               limit=MERIT_COMPUTE_GOAL, note="load_merit_frames + merit_view; baseline = raw SQL GROUP BY"),
        figure(f"merit view computation peak memory ({what})", memory, "MiB"),
    ]  # fmt: skip
