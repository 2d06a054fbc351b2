"""Access control (issue #6 §5), beyond the services' own tests.

``tests/test_accounts.py`` checks ``hash_password`` and the lockout once; ``tests/test_services_permissions.py``
holds the permission matrix; ``tests/test_services_audit.py`` reads the services' source for audit edits.
This file attacks the same rules from other sides: every stored hash (whichever path created it),
the lockout under e-mail variants and parallel guessing, the results data the matrix does not list,
every statement the matrix's writes send (none may change an audit event), every module of the
project (not only the services), the committed files (no working secret), and the demo's published
passwords (useless on any database the demo did not create).
"""

from __future__ import annotations

import ast
import re
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher, Type, extract_parameters
from click.testing import CliRunner
from dbtools import engine_url
from factories import DEFAULT_PASSWORD, build_world, make_user
from sqlalchemy import event, func, text
from sqlmodel import Session, SQLModel, select
from test_services_permissions import ACTORS, CASES, build_ctx

from tracker.cli import cli
from tracker.db import dispose_engines, read_session, write_session
from tracker.models import AuditEvent, User, utcnow
from tracker.services import AuthenticationError, PermissionDeniedError, accounts

ROOT = Path(__file__).resolve().parent.parent
OWASP_MEMORY_KIB, OWASP_TIME, OWASP_LANES = 19 * 1024, 2, 1


def assert_owasp_argon2id(hashed: str | None) -> None:
    assert hashed and hashed.startswith("$argon2id$v=19$"), hashed
    params = extract_parameters(hashed)
    assert params.type == Type.ID
    assert params.memory_cost >= OWASP_MEMORY_KIB and params.time_cost >= OWASP_TIME and params.parallelism >= OWASP_LANES
    assert params.salt_len >= 16 and params.hash_len >= 32


# --- hashes --------------------------------------------------------------------------------------


def test_every_path_that_sets_a_password_stores_an_owasp_argon2id_hash(engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = {"created": "created-by-admin-1", "changed": "changed-by-self-22", "reset": "reset-by-admin-333", "cli": "made-on-cli-4444"}
    with write_session(engine) as s:
        first = accounts.ensure_first_admin(s)
    assert first is not None
    with write_session(engine) as s:
        admin = accounts.authenticate(s, email=first[0], password=first[1])
        user = accounts.create_user(s, admin, email="hash.check@northwind.example", display_name="Hash Check", role="interviewer", password=secrets["created"])
    with write_session(engine) as s:
        actor = accounts.authenticate(s, email=user.email, password=secrets["created"])
        accounts.set_password(s, actor, user_id=user.id, password=secrets["changed"], current_password=secrets["created"])
    with write_session(engine) as s:
        accounts.set_password(s, admin, user_id=user.id, password=secrets["reset"])
    monkeypatch.setenv("TRACKER_DATABASE_URL", engine_url(engine))
    try:
        result = CliRunner().invoke(
            cli, ["user", "add", "--email", "cli.user@northwind.example", "--role", "manager", "--name", "Cli User"],
            input=secrets["cli"] + "\n", catch_exceptions=False,
        )  # fmt: skip
    finally:
        dispose_engines()
    assert result.exit_code == 0, result.output
    with read_session(engine) as s:
        users = s.exec(select(User)).all()
        for u in users:
            assert_owasp_argon2id(u.password_hash)
        dump = " ".join(
            str(value) for table in SQLModel.metadata.tables for row in s.execute(text(f'SELECT * FROM "{table}"')).all() for value in row
        )
    for secret in [*secrets.values(), first[1]]:
        assert secret not in dump, "a password reached the database in clear"


def test_a_weaker_stored_hash_is_upgraded_at_the_next_sign_in(engine: Any) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1, type=Type.ID).hash("an-old-weak-hash")
    with write_session(engine) as s:
        user = make_user(s, email="weak@northwind.example", password=None)
        user.password_hash = weak
        s.add(user)
        user_id = user.id
    with write_session(engine) as s:
        accounts.authenticate(s, email="weak@northwind.example", password="an-old-weak-hash")
    with read_session(engine) as s:
        upgraded = s.get(User, user_id).password_hash
    assert upgraded != weak
    assert_owasp_argon2id(upgraded)


# --- lockout -------------------------------------------------------------------------------------


def _fail(engine: Any, email: str, now: Any) -> None:
    with pytest.raises(AuthenticationError), write_session(engine) as s:
        accounts.authenticate(s, email=email, password="definitely-not-it", now=now)


def test_lockout_counts_every_spelling_of_the_email_and_locks_only_that_account(engine: Any) -> None:
    world = build_world(engine)
    email = world.member.email
    now = utcnow()
    for variant in (email, email.upper(), f"  {email}  ", email.title(), f"\t{email.upper()}\n"):
        _fail(engine, variant, now)
    with pytest.raises(AuthenticationError), write_session(engine) as s:  # locked, even with the right password
        accounts.authenticate(s, email=email, password=DEFAULT_PASSWORD, now=now + timedelta(minutes=1))
    with write_session(engine) as s:  # a colleague is not locked out by someone guessing at this account
        assert accounts.authenticate(s, email=world.chair.email, password=DEFAULT_PASSWORD, now=now).id == world.chair.id
    with write_session(engine) as s:
        assert accounts.authenticate(s, email=email, password=DEFAULT_PASSWORD, now=now + accounts.LOCKOUT + timedelta(seconds=1)).id == world.member.id


def test_guessing_in_parallel_gets_no_more_tries_than_guessing_in_turn(engine: Any) -> None:
    """Twenty wrong passwords at once: the account must end up locked, i.e. no failure was lost to a race."""
    world = build_world(engine)
    email = world.member.email

    def attempt(i: int) -> str:
        try:
            with write_session(engine) as s:
                accounts.authenticate(s, email=email, password=f"parallel-guess-{i}")
            return "accepted"
        except AuthenticationError:
            return "refused"

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(attempt, range(20)))
    assert outcomes == ["refused"] * 20
    with read_session(engine) as s:
        user = s.get(User, world.member.id)
        failures = s.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity_id == world.member.id, AuditEvent.action.in_(("account.sign_in_failed", "account.lock")))).one()  # type: ignore[attr-defined]
        assert user.locked_until is not None, f"20 parallel failures did not lock the account (failed_logins={user.failed_logins})"
    assert failures <= 20
    with pytest.raises(AuthenticationError), write_session(engine) as s:
        accounts.authenticate(s, email=email, password=DEFAULT_PASSWORD)


# --- results: the data behind the Results page and the exports -----------------------------------


@pytest.mark.parametrize("loader", ["load_posting_frames", "load_merit_frames"])
def test_results_data_is_for_the_postings_managers_only(engine: Any, loader: str) -> None:
    from tracker.results import data

    ctx = build_ctx(engine)
    allowed = {"admin", "manager"}
    outcome = {}
    for name in ACTORS:
        with Session(engine) as s:
            try:
                getattr(data, loader)(s, ctx.world.actor(name), posting_id=ctx.world.posting.id)
                outcome[name] = "allowed"
            except PermissionDeniedError:
                outcome[name] = "denied"
    assert outcome == {name: "allowed" if name in allowed else "denied" for name in ACTORS}


# --- the audit trail: no path edits or deletes it --------------------------------------------------


@pytest.fixture
def statements(engine: Any) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()).upper())

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


AUDIT_CHANGE = re.compile(r"^(UPDATE\s+\"?AUDIT_(EVENT|PERSONAL_DATA)\"?\b|DELETE\s+FROM\s+\"?AUDIT_(EVENT|PERSONAL_DATA)\"?\b)")


@pytest.mark.parametrize("case", list(CASES))
def test_no_service_call_sends_a_statement_that_changes_the_audit_trail(engine: Any, statements: list[str], case: str) -> None:
    """Every call of the permission matrix, by every actor, recorded statement by statement.

    Deleting a candidate removes the personal payloads of their events through ON DELETE CASCADE in the
    database; no statement the application sends ever names an audit table in an UPDATE or DELETE.
    """
    op, _allowed = CASES[case]
    ctx = build_ctx(engine)
    statements.clear()
    for name in ACTORS:
        with Session(engine) as s:
            try:
                op(s, ctx.world.actor(name), ctx)
                s.flush()
            except Exception:  # refusals are the matrix's business; here only the statements count
                pass
            finally:
                s.rollback()
    offending = [sql for sql in statements if AUDIT_CHANGE.match(sql)]
    assert offending == []


AUDIT_NAMES = {"AuditEvent", "AuditPersonalData", "audit_event", "audit_personal_data"}
SQL_CHANGE = re.compile(r"\b(UPDATE\s+\"?audit_(event|personal_data)|DELETE\s+FROM\s+\"?audit_(event|personal_data)|TRUNCATE)", re.IGNORECASE)


def project_python_files() -> list[Path]:
    folders = [ROOT / "tracker", ROOT / "app_pages"]
    files = [p for folder in folders for p in folder.rglob("*.py")] + [ROOT / "streamlit_app.py"]
    return [p for p in files if "migrations" not in p.parts]


def test_no_module_of_the_project_updates_or_deletes_audit_rows() -> None:
    """Every module (services, commands, results, reports, pages), not only the services: no ORM/Core
    update or delete naming an audit table, no ``session.delete`` of an audit row, no raw SQL that
    changes one, and no function whose name offers to."""
    offenders = []
    for path in project_python_files():
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func_name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
                    n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)
                } | {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
                if func_name in {"update", "delete"} and names & AUDIT_NAMES:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {func_name}() on an audit table")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_CHANGE.search(node.value):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} SQL that changes audit rows")
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and re.search(
                r"(edit|update|delete|remove|purge|erase)_?(audit|event)", node.name
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert offenders == []


def test_no_command_offers_to_change_the_audit_trail() -> None:
    from tracker.cli import COMMANDS

    runner = CliRunner()
    helps = {name: runner.invoke(cli, [name, "--help"]).output.lower() for name in COMMANDS}
    assert "audit" not in " ".join(helps), "a command mentions the audit trail: check it only reads it"
    assert all(result for result in helps.values())


# --- committed secrets -----------------------------------------------------------------------------

SECRET_PATTERNS = [
    re.compile(r"(?i)\w*(password|passwd|pwd|secret|api[_-]?key|token)\w*['\"]?\s*[:=]\s*['\"]([^'\"\s{}<>]{8,})['\"]"),
    re.compile(r"-----BEGIN (RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----"),
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"),
    re.compile(r"postgres(ql)?(\+\w+)?://[^:/\s]+:[^@/\s]{3,}@"),
]
# Where a password literal is expected: the tests' fixtures, and the demo (published, refused elsewhere)
# with what uses it on a demo database only (the README's screenshots are taken from a throwaway demo).
ALLOWED = ("tests/", "tracker/demo.py", "docs/user-guide.md", "README.md")
PLACEHOLDER = re.compile(r"(?i)(change|example|xxx|your|placeholder|replace|dummy|<|\.\.\.)")
# A Streamlit widget key or a setting's name (``PASSWORD_KEY = "sign_in_password"``) is not a secret.
NOT_A_VALUE = re.compile(r"(?i)^\w*_KEY\b|[:=]\s*['\"][a-z]+(_[a-z]+)+['\"]$")


def tracked_files() -> list[str]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: nothing to scan")
    return [line for line in out.splitlines() if line]


def test_no_secret_or_working_credential_is_committed() -> None:
    findings = []
    for name in tracked_files():
        path = ROOT / name
        if name.startswith(ALLOWED) or not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        try:
            content = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for pattern in SECRET_PATTERNS:
            for match in pattern.finditer(content):
                if PLACEHOLDER.search(match.group(0)) or NOT_A_VALUE.search(match.group(0)):
                    continue
                line = content[: match.start()].count("\n") + 1
                findings.append(f"{name}:{line}: {match.group(0)[:60]}")
    assert findings == []
    assert ".streamlit/secrets.toml" not in tracked_files()


def test_the_demo_passwords_open_nothing_outside_the_demo(engine: Any) -> None:
    """On a database set up the normal way (``db upgrade``: a first administrator with a random one-time
    password) no demo credential signs in, and no file outside the demo and its documentation holds one."""
    from tracker.demo import DEMO_ACCOUNTS

    with write_session(engine) as s:
        first = accounts.ensure_first_admin(s)
    assert first is not None and first[1] not in {a.password for a in DEMO_ACCOUNTS}
    for account in DEMO_ACCOUNTS:
        for email in (account.email, first[0]):
            with pytest.raises(AuthenticationError), write_session(engine) as s:
                accounts.authenticate(s, email=email, password=account.password)
    leaks = []
    for name in tracked_files():
        path = ROOT / name
        if name.startswith(ALLOWED) or not path.is_file() or path.suffix not in {".py", ".toml", ".md", ".txt", ".cfg", ".sh", ".yml", ".yaml", ".ini", ""}:
            continue
        content = path.read_text(encoding="utf-8", errors="replace")
        leaks += [f"{name}: {a.password}" for a in DEMO_ACCOUNTS if a.password in content]
    assert leaks == []
