"""Calling services from a page, and the cache policy.

Cache policy (issue #4 §11, issue #7):

* The engine is a **cached resource** (:func:`engine`), one per database URL, shared by every session
  of the process: it owns the connection pool. Keying it by URL lets each test point the app at its
  own database through ``TRACKER_DATABASE_URL``.
* Sessions are **never cached**: :func:`service_call` opens one per user action and closes it before
  the call returns, so no transaction outlives a rerun and no ORM object reaches ``st.session_state``.
* ``st.cache_data`` may hold only (a) data that is the same for every user (the rating-scale
  vocabulary, a posting's public text) or (b) data computed for one user, in which case the function
  **takes the user's id as an argument** so that it is part of the cache key. Never cache a function
  that reads the actor from ``st.session_state`` inside: two interviewers would share one entry and
  one would see the other's scorecards. Cached functions return plain data (DataFrames, ``…Public``
  dataclasses), never live ORM objects.
* After a write, invalidate what it changed: pass the cached functions to ``service_call(...,
  clears=(fn, ...))``, which calls ``fn.clear()`` once the transaction has committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from app_pages.frame.lang import translator
from app_pages.frame.render import escape_markdown
from tracker.db import DatabaseUnavailableError, database_url, get_engine, read_session, write_session
from tracker.services.errors import TrackerError, ValidationError

T = TypeVar("T")
log = logging.getLogger(__name__)


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    return get_engine(url)


def engine() -> Engine:
    """The process-wide engine for the configured database (``TRACKER_DATABASE_URL``)."""
    return _engine_for(database_url())


def service_call(
    fn: Callable[..., T],
    /,
    *args: Any,
    write: bool = False,
    clears: Iterable[Any] = (),
    messages: Mapping[type[TrackerError], str] | None = None,
    **kwargs: Any,
) -> T | None:
    """Run ``fn(session, *args, **kwargs)`` in one transaction; on a refusal show it and return None.

    ``write=True`` uses ``write_session()`` (committed when ``fn`` returns, ``BEGIN IMMEDIATE`` on
    SQLite), otherwise ``read_session()``. A ``TrackerError`` is shown with ``st.error`` (a
    ``ValidationError`` lists every problem); ``messages`` maps an error class to the page's own
    translated sentence when the service's English one is not right for the user. A database that
    cannot be reached shows a plain sentence too; the details go to the server log, never a traceback
    to the browser. Returns ``None`` after an error, so ``if result is None: st.stop()`` is the idiom
    (a service that returns ``None`` on success needs ``write=True`` and a check of the page state).
    """
    _ = translator()
    session_scope = write_session if write else read_session
    try:
        with session_scope(engine()) as session:
            result = fn(session, *args, **kwargs)
    except TrackerError as exc:
        _show_error(exc, messages)
        return None
    except (DatabaseUnavailableError, OperationalError) as exc:
        log.exception("database error in %s", getattr(fn, "__qualname__", fn))
        if isinstance(exc, DatabaseUnavailableError):
            st.error(escape_markdown(str(exc)))
        else:
            st.error(_("The database cannot be reached right now. Try again in a moment."))
        return None
    for cached in clears:
        cached.clear()
    return result


def _show_error(exc: TrackerError, messages: Mapping[type[TrackerError], str] | None) -> None:
    for error_type, text in (messages or {}).items():
        if isinstance(exc, error_type):
            st.error(escape_markdown(text))
            return
    if isinstance(exc, ValidationError) and len(exc.problems) > 1:
        st.error("\n".join(f"- {escape_markdown(problem)}" for problem in exc.problems))
    else:
        st.error(escape_markdown(str(exc)))
