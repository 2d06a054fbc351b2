"""Logging (issue #24): configured once for the app and the CLI, and no secret or personal data in it.

The secrets test runs the flows that log (password sign-in failures and lockout, password changes,
single sign-on links and refusals, candidates, evidence notes, a database error carrying a note) with
every logger at DEBUG (SQLAlchemy as configured), and looks for the password, the token,
the note and the candidate's name and e-mail in every line, tracebacks included.
"""

from __future__ import annotations

import io
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from factories import build_world, criteria_of, make_scorecard, rubric_of
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tracker.db import write_session
from tracker.logs import FORMAT, PROJECT_LOGGERS, UTCFormatter, configure_logging
from tracker.models import Candidate
from tracker.services import AuthenticationError, accounts, candidates, scoring

LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: .+$")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """configure_logging changes process-wide loggers; put them back for the other tests."""
    names = [*PROJECT_LOGGERS, "sqlalchemy", "sqlalchemy.engine", "alembic.runtime.migration"]
    saved = {
        n: (list(logging.getLogger(n).handlers), logging.getLogger(n).level, logging.getLogger(n).propagate)
        for n in names
    }
    yield
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate


def test_lines_carry_time_level_and_logger_and_the_level_comes_from_the_environment() -> None:
    stream = io.StringIO()
    configure_logging(stream, environ={"TRACKER_LOG_LEVEL": "warning"})
    logging.getLogger("tracker.services.demo").info("not shown at WARNING")
    logging.getLogger("app_pages.frame.data").warning("shown: %d", 3)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and LINE.match(lines[0]), lines
    assert lines[0].endswith(" WARNING app_pages.frame.data: shown: 3")
    configure_logging(stream, environ={"TRACKER_LOG_LEVEL": "DEBUG"})
    logging.getLogger("tracker.x").debug("now shown")
    assert stream.getvalue().splitlines()[-1].endswith("DEBUG tracker.x: now shown")


def test_an_unknown_level_is_said_and_info_is_used() -> None:
    stream = io.StringIO()
    configure_logging(stream, environ={"TRACKER_LOG_LEVEL": "chatty"})
    logging.getLogger("tracker.x").info("info still shown")
    out = stream.getvalue()
    assert "TRACKER_LOG_LEVEL='CHATTY' is not a level" in out and "info still shown" in out


def test_configuring_again_keeps_one_handler_and_sqlalchemy_stays_quiet() -> None:
    configure_logging(environ={})
    configure_logging(environ={})
    for name in PROJECT_LOGGERS:
        assert len([h for h in logging.getLogger(name).handlers if getattr(h, "_tracker_handler", False)]) == 1
    assert logging.getLogger("sqlalchemy").level == logging.WARNING  # at INFO it would log every statement


def test_the_cli_logs_in_the_same_format(tmp_path: Path) -> None:
    env = {"TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'x.sqlite3'}", "TRACKER_LOG_LEVEL": "INFO",
           "PATH": "/usr/bin:/bin"}  # fmt: skip
    result = subprocess.run([sys.executable, "-m", "tracker", "user", "list"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    assert result.returncode == 1
    logged = [line for line in result.stderr.splitlines() if LINE.match(line)]
    assert logged and "ERROR tracker.cli: command failed on the database: DatabaseUnavailableError" in logged[0]


PASSWORD = "Correct-Horse-Battery-9137"
WRONG_PASSWORD = "Wrong-Guess-Stapler-4471"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.tok3n-5ecret.s1gnature"
NOTE = "Candidate described the Halifax outage in detail QX7"
RATIONALE = "Board agreed after discussion RZ8"
CANDIDATE_NAME = "Zéphirine Oyelaran-Tremblay"
CANDIDATE_EMAIL = "zephirine.oyelaran@mail.example"
SECRETS = [PASSWORD, WRONG_PASSWORD, TOKEN, NOTE, RATIONALE, CANDIDATE_NAME, CANDIDATE_EMAIL, "zephirine"]


def test_no_log_line_carries_a_password_a_token_a_note_or_a_candidates_name_or_email(
    engine: Any, caplog: pytest.LogCaptureFixture
) -> None:
    stream = io.StringIO()
    configure_logging(stream, environ={"TRACKER_LOG_LEVEL": "DEBUG"})
    for name in PROJECT_LOGGERS:
        logging.getLogger(name).propagate = True  # caplog sees them too
    caplog.set_level(logging.DEBUG)  # every other logger too, as a library could log anything
    # At DEBUG SQLAlchemy would log result rows (names, e-mails): the configuration holds it at WARNING.
    assert logging.getLogger("sqlalchemy.engine").getEffectiveLevel() == logging.WARNING
    world = build_world(engine)
    issuer = "https://login.northwind.example"
    with write_session(engine) as s:
        user = accounts.create_user(s, world.actor("admin"), email="rui@northwind.example", display_name="Rui",
                                    role="interviewer", password=PASSWORD)  # fmt: skip
    for _ in range(accounts.MAX_FAILED_LOGINS):
        with pytest.raises(AuthenticationError), write_session(engine) as s:
            accounts.authenticate(s, email="rui@northwind.example", password=WRONG_PASSWORD)
    with write_session(engine) as s:
        accounts.unlock_user(s, world.actor("admin"), user_id=user.id)
    with write_session(engine) as s:
        accounts.authenticate(s, email="rui@northwind.example", password=PASSWORD)
    claims = {
        "iss": issuer,
        "sub": "rui-1",
        "email": "rui@northwind.example",
        "email_verified": True,
        "access_token": TOKEN,
    }
    with write_session(engine) as s:
        accounts.actor_for_sso(s, claims=claims, issuers=[issuer])
    for refused in ({**claims, "email_verified": False}, {**claims, "iss": "https://elsewhere.example"}):
        with pytest.raises(AuthenticationError), write_session(engine) as s:
            accounts.actor_for_sso(s, claims=refused, issuers=[issuer])
    with write_session(engine) as s:
        accounts.remove_sso_links(s, world.actor("admin"), user_id=user.id)
    with write_session(engine) as s:
        added = candidates.add_candidate(s, world.actor("manager"), posting_id=world.posting.id, name=CANDIDATE_NAME,
                                         email=CANDIDATE_EMAIL)  # fmt: skip
    with write_session(engine) as s:
        card = make_scorecard(
            s, candidate=s.get(Candidate, added.id), interviewer=world.chair, ratings=[None, None, None]
        )
        card_id, criterion_id = card.id, criteria_of(s, rubric_of(s, world.posting))[0].id
    with write_session(engine) as s:
        scoring.save_draft_score(
            s, world.actor("chair"), scorecard_id=card_id, criterion_id=criterion_id, rating=4, notes=NOTE
        )
    # A database error while saving a note: the way the dashboard logs it (app_pages/frame/data.py).
    with pytest.raises(DBAPIError) as failure, write_session(engine) as s:
        s.execute(text("INSERT INTO no_such_table (notes, rationale, name) VALUES (:n, :r, :c)"),
                  {"n": NOTE, "r": RATIONALE, "c": CANDIDATE_NAME})  # fmt: skip
    try:
        raise failure.value
    except DBAPIError:
        logging.getLogger("app_pages.frame.data").exception("database error in %s", "scoring.save_draft_score")

    formatter = UTCFormatter(FORMAT)
    lines = [formatter.format(record) for record in caplog.records] + stream.getvalue().splitlines()
    assert len(lines) > 10, "the flows above logged almost nothing: the test would prove nothing"
    assert any("failed sign-in: user" in line for line in lines) and any(
        "linked to an identity" in line for line in lines
    )
    assert any("no_such_table" in line for line in lines)  # the SQL is there, its values are not
    leaks = [(secret, line[:200]) for line in lines for secret in SECRETS if secret.lower() in line.lower()]
    assert not leaks, leaks
