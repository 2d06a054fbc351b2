"""Logging, configured once for the dashboard and the command line (issue #24).

One line per record: UTC time, level, logger, message (``2026-12-07T13:05:09.120Z WARNING
tracker.services.accounts: …``), on stderr. ``TRACKER_LOG_LEVEL`` (DEBUG, INFO, WARNING, ERROR;
default INFO) sets the level.

What is configured: the project's own loggers (``tracker``, ``app_pages``) get the handler, and
SQLAlchemy's loggers are held at WARNING whatever the level, because at INFO they write every SQL
statement. The root logger and Streamlit's own loggers are left as Streamlit sets them.

What never reaches a log line: passwords, tokens, evidence notes, rationales, candidates' names and
e-mail addresses. The project's log calls carry ids, counts and exception types only, and every
engine is built with ``hide_parameters=True`` (tracker.db), so a database error's text carries the
SQL but never the values bound to it (tests/test_logging.py).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import TextIO

LEVEL_ENV = "TRACKER_LOG_LEVEL"
DEFAULT_LEVEL = "INFO"
PROJECT_LOGGERS = ("tracker", "app_pages")
QUIET_LOGGERS = ("sqlalchemy", "alembic.runtime.migration")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_MARK = "_tracker_handler"


class UTCFormatter(logging.Formatter):
    """ISO 8601 UTC times with milliseconds: logs from several servers sort and compare as they are."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"


def level_from_env(environ: dict[str, str] | None = None) -> tuple[int, str | None]:
    """The configured level, and a complaint when ``TRACKER_LOG_LEVEL`` names no level."""
    name = (environ if environ is not None else os.environ).get(LEVEL_ENV, "").strip().upper() or DEFAULT_LEVEL
    level = logging.getLevelNamesMapping().get(name)
    if level is None:
        return logging.INFO, f"{LEVEL_ENV}={name!r} is not a level (DEBUG, INFO, WARNING, ERROR); using INFO."
    return level, None


def configure_logging(stream: TextIO | None = None, environ: dict[str, str] | None = None) -> logging.Handler:
    """Install the one handler (idempotent: Streamlit reruns the app script on every interaction)."""
    level, complaint = level_from_env(environ)
    handler: logging.Handler | None = None
    for name in PROJECT_LOGGERS:
        logger = logging.getLogger(name)
        existing = [h for h in logger.handlers if getattr(h, _MARK, False)]
        if existing and stream is None:
            handler = existing[0]
        else:
            for old in existing:
                logger.removeHandler(old)
            if handler is None:
                handler = logging.StreamHandler(stream or sys.stderr)
                handler.setFormatter(UTCFormatter(FORMAT))
                setattr(handler, _MARK, True)
            logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    if complaint:
        logging.getLogger("tracker").warning(complaint)
    assert handler is not None
    return handler
