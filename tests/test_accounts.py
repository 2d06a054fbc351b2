"""Accounts: argon2id hashes with OWASP parameters, lockout, first admin, SSO mapping, management."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from argon2 import extract_parameters
from factories import DEFAULT_PASSWORD, build_world, make_user
from sqlalchemy import func
from sqlmodel import select

from tracker.db import read_session, write_session
from tracker.models import AuditEvent, Role, User, utcnow
from tracker.services import AuthenticationError, PermissionDeniedError, ValidationError, accounts


def test_hashes_are_argon2id_with_at_least_owasp_minimum_parameters() -> None:
    hashed = accounts.hash_password("correct horse battery")
    params = extract_parameters(hashed)
    assert hashed.startswith("$argon2id$")
    assert params.memory_cost >= 19 * 1024 and params.time_cost >= 2 and params.parallelism == 1
    assert accounts.verify_password(hashed, "correct horse battery")
    assert not accounts.verify_password(hashed, "correct horse battery!")
    assert not accounts.verify_password("not a hash", "x")


def _sign_in(engine: Any, email: str, password: str, now: Any = None) -> Any:
    with write_session(engine) as s:
        return accounts.authenticate(s, email=email, password=password, now=now)


def test_sign_in_is_case_insensitive_on_email_and_records_the_time(engine: Any) -> None:
    world = build_world(engine)
    actor = _sign_in(engine, world.chair.email.upper(), DEFAULT_PASSWORD)
    assert actor.id == world.chair.id
    with read_session(engine) as s:
        assert s.get(User, world.chair.id).last_login_at is not None


def test_errors_never_say_whether_email_or_password_was_wrong(engine: Any) -> None:
    world = build_world(engine)
    with pytest.raises(AuthenticationError) as unknown:
        _sign_in(engine, "nobody@northwind.example", DEFAULT_PASSWORD)
    with pytest.raises(AuthenticationError) as wrong:
        _sign_in(engine, world.chair.email, "wrong password!")
    assert str(unknown.value) == str(wrong.value)


def test_five_failures_lock_the_account_for_fifteen_minutes(engine: Any) -> None:
    world = build_world(engine)
    email = world.member.email
    now = utcnow()
    for _ in range(accounts.MAX_FAILED_LOGINS):
        with pytest.raises(AuthenticationError):
            _sign_in(engine, email, "not the password", now=now)
    with pytest.raises(AuthenticationError):  # locked: even the right password fails
        _sign_in(engine, email, DEFAULT_PASSWORD, now=now + timedelta(minutes=14))
    assert _sign_in(engine, email, DEFAULT_PASSWORD, now=now + timedelta(minutes=16)).id == world.member.id
    with read_session(engine) as s:
        user = s.get(User, world.member.id)
        assert (user.failed_logins, user.locked_until) == (0, None)
        assert s.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "account.lock")).one() == 1


def test_inactive_and_password_less_accounts_cannot_sign_in(engine: Any) -> None:
    with write_session(engine) as s:
        inactive = make_user(s, active=False)
        sso_only = make_user(s, password=None)
        emails = (inactive.email, sso_only.email)
    for email in emails:
        with pytest.raises(AuthenticationError):
            _sign_in(engine, email, DEFAULT_PASSWORD)


def test_first_admin_is_created_once_with_a_one_time_password(engine: Any) -> None:
    with write_session(engine) as s:
        created = accounts.ensure_first_admin(s)
    assert created is not None
    email, password = created
    assert len(password) >= 16
    with write_session(engine) as s:
        assert accounts.ensure_first_admin(s) is None
    actor = _sign_in(engine, email, password)
    assert actor.role == Role.admin
    with read_session(engine) as s:
        assert s.get(User, actor.id).must_change_password is True


def test_users_change_their_own_password_and_admins_anyones(engine: Any) -> None:
    world = build_world(engine)
    member = world.actor("member")
    with write_session(engine) as s:
        accounts.set_password(
            s, member, user_id=world.member.id, password="a brand new passphrase", current_password=DEFAULT_PASSWORD
        )
    assert _sign_in(engine, world.member.email, "a brand new passphrase").id == world.member.id
    with pytest.raises(PermissionDeniedError), write_session(engine) as s:
        accounts.set_password(s, member, user_id=world.chair.id, password="hijack-the-chair")
    with pytest.raises(ValidationError, match="at least"), write_session(engine) as s:
        accounts.set_password(s, member, user_id=world.member.id, password="short")
    with write_session(engine) as s:
        accounts.set_password(s, world.actor("admin"), user_id=world.chair.id, password="temporary-password-1")
    with read_session(engine) as s:
        assert s.get(User, world.chair.id).must_change_password is True
        events = [e.action for e in s.exec(select(AuditEvent)).all()]
        hashes = [u.password_hash for u in s.exec(select(User)).all()]
    assert "user.set_password" in events
    with read_session(engine) as s:
        trail = " ".join(str(e.after_json) + str(e.before_json) for e in s.exec(select(AuditEvent)).all())
    assert "a brand new passphrase" not in trail and all(h and h not in trail for h in hashes)


def test_create_and_update_users(engine: Any) -> None:
    world = build_world(engine)
    admin = world.actor("admin")
    with write_session(engine) as s:
        user = accounts.create_user(s, admin, email=" New.Person@Northwind.Example ", display_name="New Person", role="manager", password="long enough pass")
    assert user.email == "new.person@northwind.example" and user.role == Role.manager
    with pytest.raises(ValidationError, match="already exists"), write_session(engine) as s:
        accounts.create_user(s, admin, email="new.person@northwind.example", display_name="Dup", role="manager")
    with pytest.raises(ValidationError, match="Role"), write_session(engine) as s:
        accounts.create_user(s, admin, email="x@northwind.example", display_name="X", role="superuser")
    with write_session(engine) as s:
        updated = accounts.update_user(s, admin, user_id=user.id, active=False, expected_version=user.version)
    assert not updated.active
    with pytest.raises(ValidationError, match="your own"), write_session(engine) as s:
        accounts.update_user(s, admin, user_id=world.admin.id, active=False)
    with read_session(engine) as s:
        managers_view = accounts.list_users(s, world.actor("manager"))
    assert user.id not in {u.id for u in managers_view}


