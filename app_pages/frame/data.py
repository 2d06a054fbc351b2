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
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app_pages.frame.lang import current_lang, translator
from app_pages.frame.render import escape_markdown
from tracker.db import DatabaseUnavailableError, database_url, get_engine, read_session, write_session
from tracker.i18n.message import Message
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
    SQLite), otherwise ``read_session()``. A ``TrackerError`` is shown with ``st.error`` in the
    session's language (its catalog msgid translated: :func:`error_markdown`; a ``ValidationError``
    lists every problem); ``messages`` maps an error class to the page's own translated sentence when
    the service's one is not right for the page. A database that
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
        st.error(error_markdown(exc, _.lang, messages))
        return None
    except DATABASE_ERRORS as exc:
        text = database_error_text(exc)
        if text is None:
            raise
        log.exception("database error in %s", getattr(fn, "__qualname__", fn))
        # markdown-safe: database_error_text gives a catalog sentence
        st.error(text)
        return None
    for cached in clears:
        cached.clear()
    return result


# What a database that is down, busy, locked or not migrated raises: a pool timeout, a lock or statement
# timeout (OperationalError on PostgreSQL), a missing table (ProgrammingError on PostgreSQL).
DATABASE_ERRORS = (DatabaseUnavailableError, OperationalError, ProgrammingError, PoolTimeoutError)


def database_error_text(exc: BaseException) -> str | None:
    """The one sentence a page shows for a database problem (Markdown), or None when ``exc`` is a bug.

    Only after a failure does it ask the database for its schema revision (issue #22): a replica
    started on an unmigrated database says so instead of "cannot be reached" or the generic error page.
    A ``ProgrammingError`` on a migrated database is a bug and is raised, not dressed up.
    """
    _ = translator()
    if isinstance(exc, DatabaseUnavailableError):
        return escape_markdown(str(exc))
    if not isinstance(exc, PoolTimeoutError):  # every connection busy: asking for one more would wait again
        from tracker.migrations import readiness

        state = readiness(engine())
        if state.reason == "not_migrated":
            return _("The database is not migrated (run `python -m tracker db upgrade`).")
        if state.reason == "unknown_revision":
            return _("The database was upgraded by a newer release of the tracker than this server runs; ask the "
                     "operator to run the same release everywhere.")  # fmt: skip
    if isinstance(exc, ProgrammingError):
        return None
    return _("The database cannot be reached right now. Try again in a moment.")


def show_error(exc: TrackerError, messages: Mapping[type[TrackerError], str] | None = None) -> None:
    """Show a service's refusal the way :func:`service_call` does (for pages that call services otherwise)."""
    st.error(error_markdown(exc, current_lang(), messages))


def error_markdown(exc: TrackerError, lang: str, messages: Mapping[type[TrackerError], str] | None = None) -> str:
    """The Markdown ``st.error`` shows for ``exc`` in ``lang``.

    A page's own sentence for the error class (``messages``) wins; otherwise the service's message is
    translated from its catalog msgid, a ``ValidationError`` with several problems as a bullet list.
    The whole sentence is escaped, parameters included: names, e-mails and file names in it are
    untrusted, and no catalog error sentence relies on Markdown.
    """
    for error_type, text in (messages or {}).items():
        if isinstance(exc, error_type):
            return escape_markdown(text)
    if isinstance(exc, ValidationError) and len(exc.problems) > 1:
        return "\n".join(f"- {escape_markdown(message_text(problem, lang))}" for problem in exc.problems)
    return escape_markdown(message_text(exc.message, lang, fallback=str(exc)))


def message_text(message: str, lang: str | None = None, *, fallback: str | None = None) -> str:
    """A service's :class:`~tracker.i18n.message.Message` as plain text in ``lang`` (default: the session's).

    For tables that show service messages (an import report's errors, a CSV file's problems). A plain
    ``str`` is returned as it is; if translating fails (a catalog entry with broken placeholders), the
    English sentence (or ``fallback``) is shown rather than nothing.
    """
    if not isinstance(message, Message):
        return str(message)
    try:
        return message.translate(lang or current_lang())
    except Exception:
        log.exception("cannot translate %r", message.msgid)
        return fallback if fallback is not None else str(message)
