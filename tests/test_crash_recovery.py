"""The database goes away (issue #6 §2): a missing or read-only database folder, a PostgreSQL server
restarted while the app runs. Each gives one clear sentence — through the services, the
``python -m tracker`` command line and the dashboard — never a traceback, and the next request after
the cause is fixed simply works (no restart of the app: the engine is not cached when it fails, and
PostgreSQL connections are pre-pinged so the pool replaces the ones a restart dropped).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_helpers import assert_no_exception, new_app, sign_in_with_form, signed_in, texts
from factories import DEFAULT_PASSWORD, build_world, make_user
from pg_server import PostgresServer, _as_server_user, start_server
from sqlalchemy import func
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from tracker.db import DatabaseUnavailableError, dispose_engines, get_engine, make_engine, read_session, write_session
from tracker.migrations import upgrade
from tracker.models import Candidate, Role, User
from tracker.services import candidates

pytest_plugins = ["app_helpers"]

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def run_cli(*args: str, url: str, wrap: list[str] | None = None, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRACKER_DATABASE_URL": url}
    command = [*(wrap or []), sys.executable, "-m", "tracker", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, input=stdin)


def assert_plain_failure(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output, output
    for fragment in fragments:
        assert fragment in output, output


# --- a missing folder ----------------------------------------------------------------------------


def test_missing_folder_is_a_clear_message_in_the_services_and_recovers_once_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'not-yet' / 'tracker.sqlite3'}"
    for _attempt in range(2):  # a failure is not cached: the second attempt sees the same sentence
        with pytest.raises(DatabaseUnavailableError, match=r"folder .*not-yet does not exist\. Create it"), read_session(get_engine(url)):
            pass
    (tmp_path / "not-yet").mkdir()
    upgrade(url)
    try:
        world = build_world(get_engine(url))  # the same process, the same URL: now it works
        with write_session(get_engine(url)) as s:
            candidates.add_candidate(s, world.actor("manager"), posting_id=world.posting.id, name="Ana Lima", email="ana@mail.example")
    finally:
        dispose_engines()


@pytest.mark.parametrize(
    "args",
    [("db", "upgrade"), ("user", "list"), ("import", "examples/postings"), ("purge", "--closed-before", "2020-01-01", "--dry-run")],
    ids=lambda a: " ".join(a[:2]),
)
def test_missing_folder_on_the_command_line_is_one_sentence(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = run_cli(*args, url=f"sqlite:///{tmp_path / 'nowhere' / 'tracker.sqlite3'}")
    assert_plain_failure(result, "Error: The database folder", "does not exist")


def test_missing_folder_in_the_dashboard_is_one_sentence_then_sign_in_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "db-folder"
    url = f"sqlite:///{folder / 'tracker.sqlite3'}"
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    try:
        at = new_app(lang="en")
        at.run()
        sign_in_with_form(at, "chair@northwind.example", DEFAULT_PASSWORD)
        assert_no_exception(at)
        assert [e.value for e in at.error] and "does not exist" in at.error[0].value
        folder.mkdir()
        upgrade(url)
        with write_session(get_engine(url)) as s:
            make_user(s, role=Role.interviewer, email="chair@northwind.example", display_name="Chloé Chair")
        sign_in_with_form(at, "chair@northwind.example", DEFAULT_PASSWORD)
        assert_no_exception(at)
        assert not at.error
        assert "Chloé Chair" in texts(at) + "\n".join(str(m.value) for m in at.sidebar.markdown)
    finally:
        from app_pages.frame.data import _engine_for

        _engine_for.clear()
        dispose_engines()


# --- a read-only folder --------------------------------------------------------------------------


def read_only_wrapper(folder: Path) -> list[str]:
    """A command prefix that runs the child with ``folder`` read-only.

    As root, permissions do not stop writes, so the child gets a private mount namespace in which the
    folder is bind-mounted read-only (the rest of the machine is untouched). As anyone else, chmod works.
    """
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return []
    if shutil.which("unshare") is None:
        if IN_CI:
            pytest.fail("running as root without `unshare`: cannot make a folder read-only for the test")
        pytest.skip("running as root without `unshare`: cannot make a folder read-only for the test")
    script = f'mount --bind "{folder}" "{folder}" && mount -o remount,ro,bind "{folder}" && exec "$@"'
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"]


@pytest.fixture
def read_only_db(tmp_path: Path) -> Iterator[tuple[str, Path, list[str]]]:
    folder = tmp_path / "ro"
    folder.mkdir()
    url = f"sqlite:///{folder / 'tracker.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        build_world(engine)
    finally:
        engine.dispose()
    try:
        yield url, folder, read_only_wrapper(folder)
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize("args", [("user", "list"), ("db", "upgrade"), ("import", "examples/postings")], ids=lambda a: " ".join(a))
def test_read_only_folder_on_the_command_line_is_one_sentence(read_only_db: tuple[str, Path, list[str]], args: tuple[str, ...]) -> None:
    url, folder, wrap = read_only_db
    before = sorted(p.name for p in folder.iterdir())
    result = run_cli(*args, url=url, wrap=wrap)
    assert_plain_failure(result, "Error: The database folder", "is read-only")
    assert sorted(p.name for p in folder.iterdir()) == before
    # Once the folder is writable again (here: without the read-only mount), the same command works.
    folder.chmod(0o755)
    if args[0] != "import":
        assert run_cli(*args, url=url).returncode == 0


SERVICE_IN_CHILD = """
import json, sys
from tracker.db import DatabaseUnavailableError, get_engine, write_session
from tracker.services import candidates
from tracker.services.actor import SYSTEM_ACTOR
try:
    with write_session(get_engine()) as s:
        candidates.add_candidate(s, SYSTEM_ACTOR, posting_id=1, name="Ana Lima", email="ana@mail.example")
    print(json.dumps({"ok": True}))
except DatabaseUnavailableError as exc:
    print(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
"""


def test_read_only_folder_through_the_services_is_a_named_error(read_only_db: tuple[str, Path, list[str]]) -> None:
    import json

    url, folder, wrap = read_only_db
    env = {**os.environ, "TRACKER_DATABASE_URL": url}
    result = subprocess.run([*wrap, sys.executable, "-c", SERVICE_IN_CHILD], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["error"] == "DatabaseUnavailableError"
    assert "is read-only" in outcome["message"] and "Fix its permissions" in outcome["message"]
    engine = make_engine(url)
    try:
        with read_session(engine) as s:
            assert s.exec(select(func.count()).select_from(Candidate).where(Candidate.email == "ana@mail.example")).one() == 0
    finally:
        engine.dispose()


# --- PostgreSQL restarted while the app runs -----------------------------------------------------


def _pg_ctl(server: PostgresServer, *args: str) -> None:
    subprocess.run(
        [*_as_server_user(), str(server.bin_dir / "pg_ctl"), "-D", str(server.data_dir), *args],
        check=True, capture_output=True, text=True, timeout=120, cwd=server.base_dir,
    )  # fmt: skip


def stop_pg(server: PostgresServer, mode: str = "fast") -> None:
    _pg_ctl(server, "-m", mode, "-w", "stop")


def start_pg(server: PostgresServer) -> None:
    options = f"-h 127.0.0.1 -p {server.port} -k {server.base_dir} -F -c fsync=off -c max_connections=200"
    _pg_ctl(server, "-l", str(server.base_dir / "server.log"), "-o", options, "-w", "-t", "60", "start")


@pytest.fixture
def own_pg() -> Iterator[tuple[PostgresServer, str]]:
    """A server of this test's own: restarting the session's shared one would disturb other tests."""
    try:
        server = start_server()
    except Exception as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL cannot start: {exc}")
        pytest.skip(f"PostgreSQL cannot start here: {exc}")
    try:
        server.execute("CREATE DATABASE restart_test")
        url = server.url("restart_test")
        upgrade(url)
        yield server, url
    finally:
        dispose_engines()
        server.stop()


pg = pytest.mark.postgres


@pg
def test_postgres_restart_between_requests_is_invisible(own_pg: tuple[PostgresServer, str]) -> None:
    server, url = own_pg
    engine = make_engine(url)  # the app's engine: pool_pre_ping
    try:
        world = build_world(engine)
        manager = world.actor("manager")
        with read_session(engine) as s:  # the pool now holds live connections
            assert s.exec(select(func.count()).select_from(User)).one() == 7
        stop_pg(server)
        start_pg(server)
        with write_session(engine) as s:  # first request after the restart: no error at all
            candidates.add_candidate(s, manager, posting_id=world.posting.id, name="Ana Lima", email="ana@mail.example")
        with read_session(engine) as s:
            assert s.exec(select(func.count()).select_from(Candidate).where(Candidate.email == "ana@mail.example")).one() == 1
    finally:
        engine.dispose()


@pg
def test_postgres_down_mid_transaction_fails_cleanly_and_the_next_request_works(own_pg: tuple[PostgresServer, str]) -> None:
    server, url = own_pg
    engine = make_engine(url)
    try:
        world = build_world(engine)
        manager = world.actor("manager")
        # The test server runs with synchronous_commit off: flush what is committed before killing it.
        server.execute("CHECKPOINT")
        with pytest.raises(OperationalError), write_session(engine) as s:
            candidates.add_candidate(s, manager, posting_id=world.posting.id, name="Bo Tran", email="bo@mail.example")
            stop_pg(server, "immediate")  # the server dies with the transaction open
            s.flush()
            s.exec(select(func.count()).select_from(User)).one()
        # While it is down: an error the caller can name, not a hang.
        with pytest.raises(OperationalError), read_session(engine) as s:
            s.exec(select(func.count()).select_from(User)).one()
        start_pg(server)
        with write_session(engine) as s:
            candidates.add_candidate(s, manager, posting_id=world.posting.id, name="Bo Tran", email="bo@mail.example")
        with read_session(engine) as s:
            assert s.exec(select(func.count()).select_from(Candidate).where(Candidate.email == "bo@mail.example")).one() == 1
    finally:
        engine.dispose()


@pg
def test_postgres_down_on_the_command_line_is_one_sentence(own_pg: tuple[PostgresServer, str]) -> None:
    server, url = own_pg
    stop_pg(server)
    try:
        assert_plain_failure(run_cli("user", "list", url=url), "Error: The database cannot be reached", "server is running")
        assert_plain_failure(run_cli("db", "upgrade", url=url), "Error: The database cannot be reached")
    finally:
        start_pg(server)
    assert run_cli("user", "list", url=url).returncode == 0


@pg
def test_postgres_restart_in_the_dashboard_shows_a_sentence_then_carries_on(own_pg: tuple[PostgresServer, str], monkeypatch: pytest.MonkeyPatch) -> None:
    server, url = own_pg
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    from app_pages.frame.data import _engine_for

    try:
        with write_session(get_engine(url)) as s:
            user_id = make_user(s, role=Role.manager, display_name="Morgan Restart").id
        at = signed_in(user_id, page="postings")
        assert_no_exception(at)
        assert not at.error
        stop_pg(server)
        at.run()
        assert_no_exception(at)
        assert [e.value for e in at.error] == ["The database cannot be reached right now. Try again in a moment."]
        start_pg(server)
        time.sleep(0.2)
        at.run()
        assert_no_exception(at)
        assert not at.error
        assert at.title[0].value == "Postings"
    finally:
        _engine_for.clear()
        dispose_engines()
