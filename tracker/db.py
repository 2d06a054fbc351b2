"""The one place that builds engines and sessions (issue #3).

SQLite is the default; any SQLAlchemy URL works through ``TRACKER_DATABASE_URL`` (PostgreSQL with
``postgresql+psycopg://`` is tested for real). Three SQLite details matter for a tool that several
interviewers use at once:

* foreign keys are enforced on every connection (SQLite leaves them off by default);
* write transactions start with ``BEGIN IMMEDIATE``: a deferred transaction that reads then writes
  fails with "database is locked" under concurrency whatever the busy timeout, because SQLite cannot
  upgrade its read lock while another writer waits;
* the journal mode is chosen from the linked SQLite version (see :func:`choose_journal_mode`);
* writers of one file take turns through :class:`WriterQueue` rather than SQLite's busy handler.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "db" / "tracker.sqlite3"
BUSY_TIMEOUT_MS = 30_000
# PostgreSQL limits on the app's connections (issue #22): a lock held by a migration or a stuck
# statement must end in "cannot be reached, try again" within seconds, not freeze every page.
STATEMENT_TIMEOUT_ENV = "TRACKER_PG_STATEMENT_TIMEOUT_MS"
LOCK_TIMEOUT_ENV = "TRACKER_PG_LOCK_TIMEOUT_MS"
POOL_TIMEOUT_ENV = "TRACKER_POOL_TIMEOUT_SECONDS"
DEFAULT_STATEMENT_TIMEOUT_MS = 30_000
DEFAULT_LOCK_TIMEOUT_MS = 5_000
DEFAULT_POOL_TIMEOUT_S = 10.0
# pg_advisory_xact_lock keys (any two 64-bit numbers the tracker alone uses on its database).
MIGRATION_LOCK_KEY = 0x7472_6163_6B01  # "track" + 1: `db upgrade`'s DDL
FIRST_RUN_LOCK_KEY = 0x7472_6163_6B02  # the first admin and the demo
# How long a start-up step waits for another replica's one (PostgreSQL), before saying so.
STARTUP_WAIT_MS = 120_000

_WRITE_OPTION = "tracker_write"


def database_url() -> str:
    """The configured database URL: ``TRACKER_DATABASE_URL`` or the SQLite file under ``db/``."""
    return os.environ.get("TRACKER_DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"


@dataclass(frozen=True)
class JournalChoice:
    mode: str
    reason: str


def _parse_version(text: str) -> tuple[int, int, int]:
    parts = [int(p) for p in text.split(".")[:3]]
    while len(parts) < 3:
        parts.append(0)
    return parts[0], parts[1], parts[2]


def wal_reset_bug_affects(version: str) -> bool:
    """True for SQLite versions with the documented WAL-reset corruption race.

    Affected: 3.7.0 through 3.51.2. Fixed in 3.51.3 and later, and in the 3.44.6 and 3.50.7 backports
    (later patch releases of those branches included).
    """
    v = _parse_version(version)
    if v < (3, 7, 0) or v >= (3, 51, 3):
        return False
    if (3, 44, 6) <= v < (3, 45, 0):
        return False
    return not (3, 50, 7) <= v < (3, 51, 0)


def choose_journal_mode(version: str | None = None, override: str | None = None) -> JournalChoice:
    """Pick the SQLite journal mode deliberately.

    WAL lets readers proceed while one writer commits, but on versions with the WAL-reset bug two
    connections checkpointing and writing at the same moment can silently lose committed pages. On
    those versions the tracker uses a rollback journal (``DELETE``): writers still serialise through
    ``BEGIN IMMEDIATE`` and readers wait briefly, which costs throughput but never data.
    ``TRACKER_SQLITE_JOURNAL`` (``wal`` or ``delete``) overrides the choice for operators who know
    their deployment (one process, say) and accept the trade-off.
    """
    version = version or sqlite3.sqlite_version
    override = (override if override is not None else os.environ.get("TRACKER_SQLITE_JOURNAL", "")).strip().lower()
    if override in {"wal", "delete"}:
        return JournalChoice(override.upper(), f"set by TRACKER_SQLITE_JOURNAL={override} (SQLite {version})")
    if wal_reset_bug_affects(version):
        return JournalChoice(
            "DELETE",
            f"SQLite {version} has the WAL-reset corruption bug (3.7.0-3.51.2, fixed in 3.51.3, "
            "3.50.7 and 3.44.6): using a rollback journal",
        )
    return JournalChoice("WAL", f"SQLite {version} is not affected by the WAL-reset bug: using WAL")


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def search_fold(text: str | None) -> str | None:
    """Lower case without accents, for searching names (``tracker.services.paging``): SQLite's own
    ``lower()`` folds ASCII only, so "élise" would not find "Élise"; registered on every connection."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _configure_sqlite(engine: Engine, journal: JournalChoice) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.create_function("tracker_fold", 1, search_fold, deterministic=True)
        # Take transaction control away from the sqlite3 module so BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA journal_mode={journal.mode}")
        # FULL keeps a committed transaction durable across power loss in both journal modes.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: writers still take turns within one process
    fcntl = None  # type: ignore[assignment]


class WriterQueue:
    """Writers of one SQLite file take turns here, so that none of them sleeps while the file is free.

    SQLite's busy handler retries a locked database after sleeps that grow to 100 ms, so with twenty
    interviewers saving at once most waiters were asleep while the lock sat free (bench/load.py:
    0.3-0.6x of one writer's throughput). Threads of one engine queue on a lock, which hands over at
    once; processes queue on ``flock`` of a file beside the database, which also wakes the next one at
    once. Both waits are bounded by the busy timeout, after which the writer goes on and SQLite's own
    locking decides, as before. This is only a queue: SQLite's locks still guarantee correctness, and
    anything that writes without it (migrations, ``db backup``, the sqlite3 shell) is merely slower.
    """

    def __init__(self, database: Path) -> None:
        self.lock_path = database.with_name(database.name + "-writer.lock")
        self._lock = threading.RLock()
        self._depth = 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        queued = self._lock.acquire(timeout=BUSY_TIMEOUT_MS / 1000)
        fd = None
        try:
            if queued:
                self._depth += 1
                if self._depth == 1:
                    fd = self._take_file_lock(deadline)
            yield
        finally:
            if fd is not None:
                os.close(fd)  # closing the file releases the flock
            if queued:
                self._depth -= 1
                self._lock.release()

    def _take_file_lock(self, deadline: float) -> int | None:
        """An open file holding ``flock``, or None (no fcntl, unwritable folder, or waited too long).

        A blocking ``flock`` wakes the moment the holder lets go, but has no timeout; so when the lock
        is taken, a helper thread blocks on it and this thread waits for that, up to the deadline. A
        helper that gets the lock after its writer gave up releases it at once.
        """
        if fcntl is None:
            return None
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            pass
        got = threading.Event()
        guard = threading.Lock()
        abandoned = False

        def wait_for_it() -> None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError:
                return
            with guard:
                if abandoned:
                    os.close(fd)
                else:
                    got.set()

        threading.Thread(target=wait_for_it, name="tracker-writer-queue", daemon=True).start()
        if got.wait(max(0.0, deadline - time.monotonic())):
            return fd
        with guard:
            if got.is_set():
                return fd
            abandoned = True
        return None


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Build a new engine for ``url`` (default: :func:`database_url`). Prefer :func:`get_engine`."""
    url = url or database_url()
    # Values bound to a statement (notes, names, e-mails, password hashes) never appear in an error's
    # text or a log line; the SQL itself still does (tracker/logs.py).
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            _check_sqlite_directory(Path(database))
        journal = choose_journal_mode()
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
            **kwargs,
        )
        _configure_sqlite(engine, journal)
        engine.info_journal = journal  # type: ignore[attr-defined]
        if database and database != ":memory:":
            engine.writer_queue = WriterQueue(Path(database))  # type: ignore[attr-defined]
        return engine
    # pre_ping replaces connections a restarted server has dropped instead of failing the request.
    if make_url(url).get_backend_name() == "postgresql":
        # A pool exhausted for this long shows "cannot be reached, try again" instead of a frozen page.
        kwargs.setdefault("pool_timeout", _env_number(POOL_TIMEOUT_ENV, DEFAULT_POOL_TIMEOUT_S))
        connect_args = dict(kwargs.pop("connect_args", {}))
        options = connect_args.get("options", "")
        connect_args["options"] = f"{options} {postgres_timeout_options()}".strip()
        kwargs["connect_args"] = connect_args
    kwargs = {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20, **kwargs}
    return create_engine(url, **kwargs)


def _env_number(name: str, default: float) -> float:
    """A non-negative number from the environment; a typo falls back to the default rather than to no limit."""
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return value if value >= 0 else default


def postgres_timeout_options() -> str:
    """``-c statement_timeout=… -c lock_timeout=…`` for libpq's ``options`` (0 means no limit)."""
    statement = int(_env_number(STATEMENT_TIMEOUT_ENV, DEFAULT_STATEMENT_TIMEOUT_MS))
    lock = int(_env_number(LOCK_TIMEOUT_ENV, DEFAULT_LOCK_TIMEOUT_MS))
    return f"-c statement_timeout={statement} -c lock_timeout={lock}"


def first_run_lock(session: Session) -> None:
    """Hold the first-run lock until ``session``'s transaction ends: one first admin, one demo, whoever starts.

    Replicas may start together (issue #22). On PostgreSQL this is a transaction-scoped advisory lock,
    released by COMMIT or ROLLBACK even when the connection goes back to the pool (a session-level
    lock would stay held there); the wait is allowed up to :data:`STARTUP_WAIT_MS` whatever the app's
    lock timeout. On SQLite the write transaction (``BEGIN IMMEDIATE``) already holds the only write
    lock. Call it first, then check "is the database empty": the check then sees the other's commit.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(text(f"SET LOCAL lock_timeout = {STARTUP_WAIT_MS}"))
    session.execute(text(f"SET LOCAL statement_timeout = {STARTUP_WAIT_MS}"))
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FIRST_RUN_LOCK_KEY})


class DatabaseUnavailableError(RuntimeError):
    """The database cannot be opened; the message says what to change."""


def _check_sqlite_directory(path: Path) -> None:
    directory = path.parent
    if not directory.exists():
        raise DatabaseUnavailableError(
            f"The database folder {directory} does not exist. Create it, or set TRACKER_DATABASE_URL."
        )
    if not os.access(directory, os.W_OK):
        raise DatabaseUnavailableError(
            f"The database folder {directory} is read-only; the tracker needs to write there "
            "(SQLite keeps its journal beside the file). Fix its permissions or set TRACKER_DATABASE_URL."
        )


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url``: engines own connection pools and must be shared."""
    url = url or database_url()
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = make_engine(url)
            _engines[url] = engine
        return engine


def dispose_engines() -> None:
    """Close every cached engine (tests, and after a restore replaces the file)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


@contextmanager
def read_session(engine: Engine | None = None) -> Iterator[Session]:
    """A session for reads; anything it changes is rolled back."""
    engine = engine or get_engine()
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
        finally:
            session.rollback()


@contextmanager
def write_session(engine: Engine | None = None) -> Iterator[Session]:
    """One write transaction: committed when the block ends, rolled back if it raises.

    On SQLite the transaction begins ``IMMEDIATE`` so it takes the write lock before its first read.
    """
    engine = engine or get_engine()
    bind = engine.execution_options(**{_WRITE_OPTION: True}) if engine.dialect.name == "sqlite" else engine
    queue: WriterQueue | None = getattr(engine, "writer_queue", None)
    with queue.turn() if queue is not None else nullcontext(), Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
