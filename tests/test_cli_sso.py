"""``python -m tracker user unlink-sso``: the operator removes an account's single-sign-on link."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select
from test_cli_db import db_env, run  # noqa: F401  (db_env is a fixture)

from tracker.db import get_engine, read_session, write_session
from tracker.models import AuditEvent, UserIdentity
from tracker.services import accounts

ISSUER = "https://login.northwind.example"


def test_unlink_sso_removes_the_link_and_is_audited(db_env: dict[str, str]) -> None:  # noqa: F811
    run("db", "upgrade")
    assert (
        run(
            "user", "add", "--email", "rui@northwind.example", "--role", "interviewer", "--name", "Rui", "--no-password"
        ).exit_code
        == 0
    )
    with write_session(get_engine()) as s:
        accounts.actor_for_sso(s, claims={"iss": ISSUER, "sub": "r-1", "email": "rui@northwind.example", "email_verified": True},
                               issuers=[ISSUER])  # fmt: skip
    result = run("user", "unlink-sso", "--email", "Rui@Northwind.example")
    assert result.exit_code == 0 and "Removed 1 single-sign-on link(s)" in result.output
    with read_session(get_engine()) as s:
        assert s.exec(select(func.count()).select_from(UserIdentity)).one() == 0
        assert (
            s.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "account.sso_unlink")).one()
            == 1
        )
    assert "Removed 0" in run("user", "unlink-sso", "--email", "rui@northwind.example").output
    missing = run("user", "unlink-sso", "--email", "nobody@northwind.example")
    assert missing.exit_code == 1 and "No user has the e-mail" in missing.output
