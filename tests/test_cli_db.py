"""The operator's commands: db upgrade/backup/restore/check, import, user, purge."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from factories import build_world, make_scorecard
from sqlmodel import select
from test_services_postings import write_pair

from tracker.cli import cli
from tracker.db import dispose_engines, get_engine, make_engine, read_session, write_session
from tracker.models import Candidate, Posting, ScorecardStatus, User
from tracker.services import accounts, scoring


@pytest.fixture
def db_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    url = f"sqlite:///{tmp_path / 'tracker.sqlite3'}"
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    monkeypatch.setenv("TRACKER_ADMIN_EMAIL", "first.admin@northwind.example")
    dispose_engines()
    yield {"url": url, "path": str(tmp_path / "tracker.sqlite3")}
    dispose_engines()


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def _rows(path: str) -> dict[str, list[tuple]]:
    connection = sqlite3.connect(path)
    try:
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {t: sorted(connection.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    finally:
        connection.close()


def test_upgrade_creates_the_first_admin_and_prints_its_password_once(db_env: dict[str, str]) -> None:
    first = run("db", "upgrade")
    assert first.exit_code == 0 and "one-time password" in first.output
    password = next(line.split(":", 1)[1].strip() for line in first.output.splitlines() if "password:" in line)
    second = run("db", "upgrade")
    assert second.exit_code == 0 and "password" not in second.output
    with write_session(get_engine()) as s:
        actor = accounts.authenticate(s, email="first.admin@northwind.example", password=password)
    assert actor.role.value == "admin"


def test_user_add_reads_the_password_from_stdin_and_never_prints_it(db_env: dict[str, str]) -> None:
    run("db", "upgrade")
    secret = "panel-secret-passphrase"
    result = run("user", "add", "--email", "Rui@Northwind.example", "--role", "interviewer", "--name", "Rui Silva", input=secret + "\n")
    assert result.exit_code == 0, result.output
    assert secret not in result.output
    listing = run("user", "list")
    assert "rui@northwind.example" in listing.output and secret not in listing.output
    with write_session(get_engine()) as s:
        signed_in = accounts.authenticate(s, email="rui@northwind.example", password=secret)
    assert signed_in.display_name == "Rui Silva"
    # The operator typed it, so it is temporary unless --permanent says otherwise.
    assert signed_in.must_change_password
    run("user", "add", "--email", "ana@northwind.example", "--role", "interviewer", "--name", "Ana", "--permanent",
        input=secret + "\n")
    with write_session(get_engine()) as s:
        assert not accounts.authenticate(s, email="ana@northwind.example", password=secret).must_change_password
    weak = run("user", "add", "--email", "x@northwind.example", "--role", "manager", "--name", "X", input="short\n")
    assert weak.exit_code == 1 and "at least" in weak.output and "short" not in weak.output.replace("at least", "")


def test_import_reports_per_posting_and_is_idempotent(db_env: dict[str, str], tmp_path: Path) -> None:
    run("db", "upgrade")
    root = write_pair(tmp_path / "postings")
    first = run("import", str(root))
    assert first.exit_code == 0 and "created" in first.output and "4 criteria" in first.output
    second = run("import", str(root))
    assert second.exit_code == 0 and "1 unchanged" in second.output
    write_pair(tmp_path / "postings", third="A changed criterion")
    assert "1 updated" in run("import", str(root)).output
    (root / "broken.md").write_bytes(b"")
    broken = run("import", str(root))
    assert broken.exit_code == 1 and "ERROR" in broken.output


def test_backup_then_restore_gives_identical_rows(db_env: dict[str, str], tmp_path: Path) -> None:
    run("db", "upgrade")
    engine = get_engine()
    world = build_world(engine)
    with write_session(engine) as s:
        make_scorecard(s, candidate=s.get(Candidate, world.candidates[0].id), interviewer=world.chair, ratings=[3, 4, 5], status=ScorecardStatus.submitted)
    before = _rows(db_env["path"])
    backup = tmp_path / "backups" / "tracker-backup.sqlite3"
    result = run("db", "backup", str(backup))
    assert result.exit_code == 0 and "integrity ok" in result.output
    assert run("db", "backup", str(backup)).exit_code == 1  # never overwrites silently
    with write_session(get_engine()) as s:  # damage after the backup
        s.delete(s.get(Posting, world.other_posting.id))
    refused = run("db", "restore", str(backup))
    assert refused.exit_code == 1 and "--yes" in refused.output
    assert run("db", "restore", "--yes", str(backup)).exit_code == 0
    assert _rows(db_env["path"]) == before
    with read_session(get_engine()) as s:
        assert s.get(Posting, world.other_posting.id) is not None


def test_backup_is_consistent_while_the_app_writes(db_env: dict[str, str], tmp_path: Path) -> None:
    run("db", "upgrade")
    engine = make_engine(db_env["url"])
    world = build_world(engine)
    chair = world.actor("chair")
    with write_session(engine) as s:
        scoring.declare(s, chair, candidate_id=world.candidates[0].id, has_conflict=False, language="en")
        card = scoring.open_scorecard(s, chair, candidate_id=world.candidates[0].id)
    stop = threading.Event()
    saved: list[int] = []

    def keep_saving() -> None:
        while not stop.is_set():
            with write_session(engine) as s:
                saved.append(scoring.save_draft_score(s, chair, scorecard_id=card.id, criterion_id=card.scores[0].criterion_id, rating=3, notes=f"n{len(saved)}").version)

    writer = threading.Thread(target=keep_saving)
    writer.start()
    try:
        outputs = [run("db", "backup", str(tmp_path / f"live-{i}.sqlite3")) for i in range(3)]
    finally:
        stop.set()
        writer.join()
        engine.dispose()
    assert all(o.exit_code == 0 for o in outputs) and saved
    for i in range(3):
        connection = sqlite3.connect(tmp_path / f"live-{i}.sqlite3")
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        version = connection.execute("SELECT version FROM score").fetchone()
        events = connection.execute("SELECT count(*) FROM audit_event WHERE action='score.save_draft'").fetchone()[0]
        connection.close()
        assert version is None or version[0] == events  # the score and its audit trail from the same instant


def test_check_prints_the_journal_mode_and_why(db_env: dict[str, str]) -> None:
    run("db", "upgrade")
    result = run("db", "check")
    assert result.exit_code == 0
    assert "journal mode in force:" in result.output and "Why:" in result.output and "Integrity check: ok" in result.output
    assert sqlite3.sqlite_version in result.output


def test_restore_refuses_a_file_that_is_not_a_database(db_env: dict[str, str], tmp_path: Path) -> None:
    run("db", "upgrade")
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not sqlite" * 100)
    result = run("db", "restore", "--yes", str(junk))
    assert result.exit_code == 1 and "not a sound SQLite database" in result.output


def test_purge_dry_run_then_for_real(db_env: dict[str, str]) -> None:
    run("db", "upgrade")
    engine = get_engine()
    world = build_world(engine)
    with write_session(engine) as s:
        posting = s.get(Posting, world.posting.id)
        posting.closed_on = date.today() - timedelta(days=900)
        s.add(posting)
    cutoff = (date.today() - timedelta(days=730)).isoformat()
    dry = run("purge", "--closed-before", cutoff, "--dry-run")
    assert dry.exit_code == 0 and "would be deleted" in dry.output
    with read_session(engine) as s:
        assert len(s.exec(select(Candidate)).all()) == 4
    aborted = run("purge", "--closed-before", cutoff, input="n\n")
    assert aborted.exit_code == 1
    done = run("purge", "--closed-before", cutoff, "--yes")
    assert done.exit_code == 0 and "Deleted 2 candidate(s)" in done.output
    with read_session(engine) as s:
        assert {c.posting_id for c in s.exec(select(Candidate)).all()} == {world.other_posting.id}
        assert s.exec(select(User)).first() is not None
    future = run("purge", "--closed-before", (date.today() + timedelta(days=30)).isoformat(), "--dry-run")
    assert future.exit_code == 1 and "future" in future.output


def test_backup_and_restore_explain_postgresql(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    result = run("db", "backup", str(tmp_path / "x.sqlite3"))
    assert result.exit_code == 1 and "pg_dump" in result.output
