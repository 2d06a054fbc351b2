"""Start-up once (issue #22): replicas started together on an empty database, on SQLite and PostgreSQL.

Two ``python -m tracker db upgrade`` at the same instant, then two ``python -m tracker demo --if-empty``,
over :data:`TRIALS` fresh empty databases. Each process imports everything first, reports ``ready``
and waits; both are released by one line on their stdin, so they meet inside the migration and the
first-run steps. Both must exit 0, or one may say one sentence — never a traceback — and the database
ends as after a single start: the latest schema, one first administrator, the demo loaded once.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from tracker.db import PROJECT_ROOT, make_engine, read_session
from tracker.migrations import current_revision, head_revision
from tracker.models import AuditEvent, Posting, User

TRIALS = 5
# Import what the commands need, say so, then wait for the go.
_TOGETHER = (
    "import sys\n"
    "import tracker.cli, tracker.migrations, tracker.demo, tracker.commands.db, tracker.commands.demo\n"
    "print('ready', flush=True)\n"
    "sys.stdin.readline()\n"
    "sys.argv = ['python -m tracker', *sys.argv[1:]]\n"
    "tracker.cli.main()\n"
)
_n = itertools.count()


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """A maker of empty databases (no tables at all), dropped afterwards."""
    made: list[str] = []

    def make() -> str:
        n = next(_n)
        if request.param == "sqlite":
            return f"sqlite:///{tmp_path / f'start{n}.sqlite3'}"
        server = request.getfixturevalue("pg_server")
        name = f"start_{os.getpid()}_{n}"
        server.execute(f"CREATE DATABASE {name}")
        made.append(name)
        return server.url(name)

    yield make
    if made:
        server = request.getfixturevalue("pg_server")
        for name in made:
            server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _together(url: str, *args: str) -> list[subprocess.CompletedProcess[str]]:
    env = {**os.environ, "TRACKER_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    env.pop("TRACKER_ADMIN_EMAIL", None)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _TOGETHER, *args], cwd=PROJECT_ROOT, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        for _ in range(2)
    ]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return done


def _judge(results: list[subprocess.CompletedProcess[str]]) -> str:
    """"both ok" or "one said …"; fails on a traceback or on more than one sentence."""
    for r in results:
        assert "Traceback" not in r.stdout + r.stderr, r.stderr[-2000:]
    failed = [r for r in results if r.returncode != 0]
    assert len(failed) <= 1, [r.stderr for r in failed]
    if not failed:
        return "both exit 0"
    lines = [line for line in failed[0].stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), failed[0].stderr
    return f"one said: {lines[0]}"


def test_two_replicas_starting_together_migrate_and_load_the_demo_once(fresh_database: Callable[[], str]) -> None:
    outcomes: list[tuple[str, str]] = []
    for _ in range(TRIALS):
        url = fresh_database()
        upgrade = _together(url, "db", "upgrade")
        demo = _together(url, "demo", "--if-empty")
        outcomes.append((_judge(upgrade), _judge(demo)))
        assert sum("First administrator created" in r.stdout for r in upgrade) == 1
        assert sum(r.stdout.startswith("Demo loaded") for r in demo) == 1
        engine = make_engine(url)
        try:
            assert current_revision(engine) == head_revision()
            with read_session(engine) as s:
                first_admins = s.exec(select(func.count()).where(AuditEvent.action == "user.create_first_admin")).one()
                demos = s.exec(select(func.count()).where(AuditEvent.action == "demo.load")).one()
                postings = s.exec(select(func.count()).select_from(Posting)).one()
                users = s.exec(select(func.count()).select_from(User)).one()
            assert (first_admins, demos, postings) == (1, 1, 2)
            assert users == 6  # the first admin and the demo's five accounts, once each
        finally:
            engine.dispose()
    print(f"\nstart-up races: {outcomes}")
