"""Crashes (issue #6 §2): a process killed with SIGKILL in the middle of a write loses nothing committed
and leaves nothing half-done.

A child process (spawned, so it shares nothing with the test) runs one real operation through the
services or the CLI. A test-only SQLAlchemy event listener in the child writes a marker file and
sleeps when the operation reaches a chosen statement, i.e. while its transaction is open; the test
waits for the marker and kills the child with SIGKILL. The database must then open, pass
``PRAGMA integrity_check`` (SQLite), hold either the whole operation or none of it, and accept the same
operation again. SQLite runs in the journal mode the engine picks here (a rollback journal) and in
WAL; the transactional cases also run on PostgreSQL, where the server aborts the dead client's work.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import sqlite3
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from dbtools import new_pg_db, new_sqlite_db
from factories import build_world, criteria_of, make_declaration, make_scorecard, rubric_of
from sqlalchemy import event, func
from sqlmodel import select

from tracker.db import make_engine, read_session, write_session
from tracker.models import (
    AuditEvent,
    Candidate,
    Criterion,
    Posting,
    PostingSource,
    Rubric,
    Score,
    Scorecard,
    ScorecardStatus,
)
from tracker.services import SYSTEM_ACTOR, scoring
from tracker.services.actor import Actor
from tracker.services.postings import import_postings

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.load import importable_main  # noqa: E402

JOURNAL_ENV = "TRACKER_SQLITE_JOURNAL"
MARKER_TIMEOUT_S = 90

POSTING_EN = """---
title: {title}
translationKey: {key}
---

Northwind Digital Service builds simple, accessible services.

## How we will assess you

- Experience designing accessible digital services ({key})
- Knowledge of plain-language writing
- Ability to analyse user research findings

## Assets

- Experience with bilingual content workflows
"""
POSTING_FR = """---
title: {title} (FR)
translationKey: {key}
---

Le Service numérique Northwind conçoit des services simples et accessibles.

## Comment nous vous évaluerons

- Expérience de la conception de services numériques accessibles ({key})
- Connaissance de la rédaction en langage clair
- Capacité d'analyser les résultats de recherche auprès des utilisateurs

## Atouts

- Expérience des processus de contenu bilingue
"""
KEYS = ("northwind-crash-a", "northwind-crash-b", "northwind-crash-c")


def write_postings(root: Path) -> Path:
    for lang, template in (("en", POSTING_EN), ("fr", POSTING_FR)):
        (root / lang).mkdir(parents=True, exist_ok=True)
        for key in KEYS:
            (root / lang / f"{key}.md").write_text(template.format(key=key, title=f"Designer {key[-1].upper()}"), "utf-8")
    return root


# --- the child -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class KillPoint:
    """Stop the child after the ``nth`` executed statement starting with ``prefix`` (upper case)."""

    prefix: str
    nth: int = 1


def install_stop(engine: Any, point: KillPoint, marker: Path) -> None:
    """The test-only hook: mark and sleep at the kill point, inside the open transaction."""
    seen = {"n": 0}

    @event.listens_for(engine, "after_cursor_execute")
    def _stop(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith(point.prefix):
            seen["n"] += 1
            if seen["n"] == point.nth:
                marker.write_text(statement[:200], encoding="utf-8")
                time.sleep(600)


def child(url: str, journal: str | None, operation: str, point: KillPoint, marker: str, payload: dict[str, Any]) -> None:
    """Runs in a spawned process until killed; exits 0 only if the kill point was never reached."""
    if journal:
        os.environ[JOURNAL_ENV] = journal
    else:
        os.environ.pop(JOURNAL_ENV, None)
    engine = make_engine(url)
    install_stop(engine, point, Path(marker))
    actor: Actor = payload.get("actor", SYSTEM_ACTOR)
    if operation == "import":
        import_postings(engine, SYSTEM_ACTOR, paths=[payload["root"]])
    elif operation == "save_draft":
        with write_session(engine) as s:
            scoring.save_draft_score(
                s, actor, scorecard_id=payload["card"], criterion_id=payload["criterion"], rating=5,
                notes="typed just before the crash", expected_version=payload["version"],
            )
    elif operation == "submit":
        with write_session(engine) as s:
            scoring.submit_scorecard(s, actor, scorecard_id=payload["card"])
    else:
        raise ValueError(operation)


def kill_midway(url: str, journal: str | None, operation: str, point: KillPoint, tmp_path: Path, **payload: Any) -> str:
    """Start the child, wait until it sits inside its transaction, SIGKILL it; returns the statement it stopped at."""
    marker = tmp_path / f"marker-{operation}-{time.monotonic_ns()}"
    context = multiprocessing.get_context("spawn")
    process = context.Process(target=child, args=(url, journal, operation, point, str(marker), payload))
    with importable_main():
        process.start()
    try:
        deadline = time.monotonic() + MARKER_TIMEOUT_S
        while not marker.exists():
            assert process.is_alive(), f"the child ended (exit {process.exitcode}) before reaching {point}"
            assert time.monotonic() < deadline, f"the child never reached {point}"
            time.sleep(0.02)
        time.sleep(0.05)  # the marker is written before the sleep starts
        os.kill(process.pid or 0, signal.SIGKILL)
        process.join(30)
        assert process.exitcode == -signal.SIGKILL
    finally:
        if process.is_alive():
            process.kill()
            process.join(10)
    return marker.read_text(encoding="utf-8")


# --- databases -----------------------------------------------------------------------------------


def _database(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str | None]]:
    backend = request.param
    if backend == "postgres":
        server = request.getfixturevalue("pg_server")
        name, url = new_pg_db(server, request.getfixturevalue("pg_template"))
        try:
            yield url, None
        finally:
            server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        return
    journal = "wal" if backend == "sqlite-wal" else None
    if journal:
        monkeypatch.setenv(JOURNAL_ENV, journal)
    else:
        monkeypatch.delenv(JOURNAL_ENV, raising=False)
    yield new_sqlite_db(request.getfixturevalue("sqlite_template"), tmp_path), journal


@pytest.fixture(params=["sqlite-default", "sqlite-wal", pytest.param("postgres", marks=pytest.mark.postgres)])
def crash_db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str | None]]:
    """(url, journal override): SQLite in the engine's choice of journal, in WAL, and PostgreSQL."""
    yield from _database(request, tmp_path, monkeypatch)


@pytest.fixture(params=["sqlite-default", "sqlite-wal"])
def sqlite_crash_db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str | None]]:
    """SQLite only: ``db backup``/``restore`` are SQLite commands (PostgreSQL: pg_dump, docs/operations.md)."""
    yield from _database(request, tmp_path, monkeypatch)


def assert_sound(url: str) -> None:
    """The database opens and (SQLite) passes its integrity and foreign-key checks."""
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        finally:
            connection.close()
    engine = make_engine(url)
    try:
        with read_session(engine) as s:
            s.exec(select(func.count()).select_from(AuditEvent)).one()
    finally:
        engine.dispose()


def count(engine: Any, model: Any, *where: Any) -> int:
    with read_session(engine) as s:
        return int(s.exec(select(func.count()).select_from(model).where(*where)).one())


# --- import --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("point", "committed"),
    [
        # The second posting's first INSERT: posting A is committed, B has just begun.
        (KillPoint("INSERT INTO POSTING ", nth=2), {"northwind-crash-a"}),
        # The second posting's audit event, its last statement before COMMIT: B is complete but not committed.
        (KillPoint("INSERT INTO AUDIT_EVENT", nth=2), {"northwind-crash-a"}),
    ],
    ids=["second-posting-begun", "second-posting-about-to-commit"],
)
def test_import_killed_midway_keeps_whole_postings_only(
    crash_db: tuple[str, str | None], tmp_path: Path, point: KillPoint, committed: set[str]
) -> None:
    url, journal = crash_db
    root = write_postings(tmp_path / "postings")
    stopped_at = kill_midway(url, journal, "import", point, tmp_path, root=str(root))
    assert stopped_at.upper().startswith(point.prefix)
    assert_sound(url)
    engine = make_engine(url)
    try:
        with read_session(engine) as s:
            keys = set(s.exec(select(Posting.translation_key)).all())
            assert keys == committed
            for posting in s.exec(select(Posting)).all():  # whatever is there is whole
                assert len(s.exec(select(PostingSource).where(PostingSource.posting_id == posting.id)).all()) == 2
                rubric = s.exec(select(Rubric).where(Rubric.posting_id == posting.id)).one()
                assert len(s.exec(select(Criterion).where(Criterion.rubric_id == rubric.id)).all()) == 4
                assert s.exec(select(AuditEvent).where(AuditEvent.posting_id == posting.id)).one().action == "posting.import.created"
            # Nothing of the interrupted posting anywhere: no orphan source, rubric, criterion or event.
            assert count(engine, PostingSource) == 2 * len(committed)
            assert count(engine, Rubric) == len(committed)
            assert count(engine, AuditEvent) == len(committed)
        report = import_postings(engine, SYSTEM_ACTOR, paths=[root])  # and the import simply runs again
        assert report.counts()["created"] == 3 - len(committed)
        assert report.counts()["unchanged"] == len(committed)
        assert count(engine, Posting) == 3
    finally:
        engine.dispose()
    assert_sound(url)


# --- draft save and submit -----------------------------------------------------------------------


@dataclass
class Scoring:
    engine: Any
    actor: Actor
    card: int
    criterion: int
    criteria: list[int]


@pytest.fixture
def scoring_state(crash_db: tuple[str, str | None]) -> Iterator[Scoring]:
    url, _journal = crash_db
    engine = make_engine(url)
    world = build_world(engine, criteria=3, candidates=1)
    with write_session(engine) as s:
        candidate = s.get(Candidate, world.candidates[0].id)
        make_declaration(s, candidate=candidate, user=world.chair)
        card = make_scorecard(s, candidate=candidate, interviewer=world.chair, ratings=[3, 4, 2], declare=False)
        criteria = [c.id for c in criteria_of(s, rubric_of(s, world.posting))]
        card_id = card.id
    try:
        yield Scoring(engine, world.actor("chair"), card_id or 0, criteria[0], criteria)
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "point",
    [KillPoint("INSERT INTO SCORE"), KillPoint("UPDATE SCORE"), KillPoint("INSERT INTO AUDIT_PERSONAL_DATA")],
    ids=["after-upsert", "after-update", "after-audit-before-commit"],
)
def test_draft_save_killed_midway_leaves_the_last_committed_save(
    crash_db: tuple[str, str | None], scoring_state: Scoring, tmp_path: Path, point: KillPoint
) -> None:
    url, journal = crash_db
    st = scoring_state
    # "INSERT INTO SCORE" is the last-write-wins upsert; "UPDATE SCORE" the optimistic one.
    version = 1 if point.prefix == "UPDATE SCORE" else None
    kill_midway(url, journal, "save_draft", point, tmp_path, actor=st.actor, card=st.card, criterion=st.criterion, version=version)
    assert_sound(url)
    with read_session(st.engine) as s:
        score = s.exec(select(Score).where(Score.scorecard_id == st.card, Score.criterion_id == st.criterion)).one()
        assert (score.rating, score.version, score.notes) == (3, 1, "Evidence noted during the interview.")
    assert count(st.engine, AuditEvent) == 0  # nothing of the interrupted save, not even its audit event
    with write_session(st.engine) as s:  # the interviewer's next save goes through
        saved = scoring.save_draft_score(s, st.actor, scorecard_id=st.card, criterion_id=st.criterion, rating=5, notes="again", expected_version=1)
    assert saved.version == 2
    assert count(st.engine, AuditEvent, AuditEvent.action == "score.save_draft") == 1


@pytest.mark.parametrize(
    "point",
    [KillPoint("UPDATE SCORECARD"), KillPoint("INSERT INTO AUDIT_PERSONAL_DATA")],
    ids=["after-status-update", "after-audit-before-commit"],
)
def test_submit_killed_midway_leaves_a_draft(crash_db: tuple[str, str | None], scoring_state: Scoring, tmp_path: Path, point: KillPoint) -> None:
    url, journal = crash_db
    st = scoring_state
    kill_midway(url, journal, "submit", point, tmp_path, actor=st.actor, card=st.card)
    assert_sound(url)
    with read_session(st.engine) as s:
        card = s.get(Scorecard, st.card)
        assert (card.status, card.submitted_at, card.version) == (ScorecardStatus.draft, None, 1)
    assert count(st.engine, AuditEvent) == 0
    with write_session(st.engine) as s:
        view = scoring.submit_scorecard(s, st.actor, scorecard_id=st.card)
    assert view.status == ScorecardStatus.submitted
    assert count(st.engine, AuditEvent, AuditEvent.action == "scorecard.submit") == 1


# --- backup and restore (SQLite) -----------------------------------------------------------------


def slow_backup_child(url: str, journal: str | None, command: list[str], marker: str) -> None:
    """``python -m tracker db backup|restore`` with the copy slowed to one page per step.

    The hook wraps the connections the command opens so that SQLite's online backup calls a progress
    callback after each page; the first call writes the marker and sleeps until the kill.
    """
    import sqlite3 as real_sqlite3
    import types

    from click.testing import CliRunner

    import tracker.commands.db as db_command
    from tracker.cli import cli

    os.environ["TRACKER_DATABASE_URL"] = url
    if journal:
        os.environ[JOURNAL_ENV] = journal

    class SlowConnection(real_sqlite3.Connection):
        def backup(self, target: Any, *, pages: int = -1, progress: Any = None, **kwargs: Any) -> None:
            def step(status: int, remaining: int, total: int) -> None:
                if total - remaining >= 2:  # some pages are already in the target
                    Path(marker).write_text(f"{total - remaining}/{total}", encoding="utf-8")
                    time.sleep(600)

            super().backup(target, pages=1, progress=step, **kwargs)

    shim = types.ModuleType("sqlite3")
    shim.__dict__.update(real_sqlite3.__dict__)
    shim.connect = lambda *a, **k: real_sqlite3.connect(*a, factory=SlowConnection, **k)  # type: ignore[attr-defined]
    db_command.sqlite3 = shim  # type: ignore[attr-defined]
    CliRunner().invoke(cli, command, catch_exceptions=False)


def kill_cli_midway(url: str, journal: str | None, command: list[str], tmp_path: Path) -> None:
    marker = tmp_path / f"marker-{command[1]}-{time.monotonic_ns()}"
    process = multiprocessing.get_context("spawn").Process(target=slow_backup_child, args=(url, journal, command, str(marker)))
    with importable_main():
        process.start()
    try:
        deadline = time.monotonic() + MARKER_TIMEOUT_S
        while not marker.exists():
            assert process.is_alive(), f"`db {command[1]}` finished (exit {process.exitcode}) before the kill point"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(0.05)
        os.kill(process.pid or 0, signal.SIGKILL)
        process.join(30)
    finally:
        if process.is_alive():
            process.kill()
            process.join(10)


def table_rows(path: Path) -> dict[str, list[tuple]]:
    connection = sqlite3.connect(path)
    try:
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {t: sorted(connection.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    finally:
        connection.close()


@pytest.fixture
def filled_sqlite(sqlite_crash_db: tuple[str, str | None]) -> tuple[str, str | None, Path]:
    url, journal = sqlite_crash_db
    engine = make_engine(url)
    try:
        world = build_world(engine, criteria=3, candidates=3)
        with write_session(engine) as s:
            for candidate in world.candidates:
                make_scorecard(s, candidate=s.get(Candidate, candidate.id), interviewer=world.chair, ratings=[3, 4, 5])
    finally:
        engine.dispose()
    return url, journal, Path(url.removeprefix("sqlite:///"))


def run_cli(url: str, *args: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    from click.testing import CliRunner

    from tracker.cli import cli
    from tracker.db import dispose_engines

    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    try:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        dispose_engines()


def test_backup_killed_midway_leaves_no_backup_file_and_the_database_untouched(
    filled_sqlite: tuple[str, str | None, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, journal, path = filled_sqlite
    before = table_rows(path)
    target = tmp_path / "backups" / "tracker-backup.sqlite3"
    kill_cli_midway(url, journal, ["db", "backup", str(target)], tmp_path)
    assert not target.exists()  # the copy goes to a temporary name first: never a half backup under FILE
    assert_sound(url)
    assert table_rows(path) == before
    result = run_cli(url, "db", "backup", str(target), monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert table_rows(target) == before


def test_restore_killed_midway_leaves_the_old_database_whole(
    filled_sqlite: tuple[str, str | None, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Restore writes into the live file through SQLite's backup API, under its journal: a kill rolls back."""
    url, journal, path = filled_sqlite
    # The backup to restore: the current database plus many more rows, so old and new differ.
    backup = tmp_path / "other.sqlite3"
    shutil.copyfile(path, backup)
    connection = sqlite3.connect(backup)
    connection.execute("PRAGMA journal_mode=DELETE")
    connection.executemany(
        "INSERT INTO audit_event (at, action, entity_type) VALUES (CURRENT_TIMESTAMP, ?, 'test')",
        [(f"filler-{i}",) for i in range(3000)],
    )
    connection.commit()
    connection.close()
    before = table_rows(path)
    kill_cli_midway(url, journal, ["db", "restore", "--yes", str(backup)], tmp_path)
    assert_sound(url)
    assert table_rows(path) == before
    result = run_cli(url, "db", "restore", "--yes", str(backup), monkeypatch=monkeypatch)  # then it simply works
    assert result.exit_code == 0, result.output
    assert table_rows(path) == table_rows(backup)
