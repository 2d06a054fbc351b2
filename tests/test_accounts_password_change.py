"""Forced password change: a password someone else chose must be replaced by its owner, who proves
who they are with the current one (issue #6 accounts; the dashboard side is test_app_password_change)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories import DEFAULT_PASSWORD, make_user
from sqlalchemy.engine import Engine
from sqlmodel import select

from tracker.db import read_session, write_session
from tracker.models import AuditEvent, Role, User, utcnow
from tracker.services import SYSTEM_ACTOR, AuthenticationError, ValidationError, accounts
from tracker.services.actor import Actor, load_actor

NEW = "a passphrase of my own"
RESET = "temporary-from-admin-1"


def _user(engine: Engine, role: Role = Role.interviewer, **overrides: object) -> Actor:
    """The new account as the actor it signs in as (its row expires when the session closes)."""
    with write_session(engine) as s:
        return Actor.from_user(make_user(s, role=role, **overrides))


def _row(engine: Engine, user_id: int) -> User:
    with read_session(engine) as s:
        user = s.get(User, user_id)
        assert user is not None
        s.expunge(user)  # keeps the loaded values readable after the session ends
        return user


def _actor(engine: Engine, user_id: int) -> Actor:
    with read_session(engine) as s:
        return load_actor(s, user_id)


def _events(engine: Engine, user_id: int) -> list[AuditEvent]:
    with read_session(engine) as s:
        query = select(AuditEvent).where(AuditEvent.entity_type == "user", AuditEvent.entity_id == user_id)
        events = list(s.exec(query.order_by(AuditEvent.id)).all())
        s.expunge_all()
        return events


@pytest.mark.parametrize(
    ("who", "current", "flag_after"),
    [
        ("an administrator", None, True),
        ("the command line", None, True),
        ("the user", DEFAULT_PASSWORD, False),
    ],
)
def test_a_password_set_by_someone_else_must_be_changed_and_ones_own_need_not(
    engine: Engine, who: str, current: str | None, flag_after: bool
) -> None:
    admin = _user(engine, Role.admin)
    user = _user(engine, must_change_password=not flag_after)
    actor = {"an administrator": admin, "the command line": SYSTEM_ACTOR, "the user": user}[who]
    with write_session(engine) as s:
        accounts.set_password(s, actor, user_id=user.id, password=NEW, current_password=current)
    assert _row(engine, user.id).must_change_password is flag_after
    assert _actor(engine, user.id).must_change_password is flag_after
    with write_session(engine) as s:
        assert accounts.authenticate(s, email=user.email, password=NEW).must_change_password is flag_after
    event = next(e for e in _events(engine, user.id) if e.action == "user.set_password")
    assert (event.actor_id, event.actor_email) == (actor.id, actor.email)
    assert NEW not in f"{event.before_json}{event.after_json}"


def test_the_first_administrator_signs_in_flagged_and_is_released_by_changing_their_password(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(accounts.FIRST_ADMIN_EMAIL_ENV, "first.admin@northwind.example")
    with write_session(engine) as s:
        created = accounts.ensure_first_admin(s)
    assert created is not None
    email, one_time = created
    with write_session(engine) as s:
        admin = accounts.authenticate(s, email=email, password=one_time)
    assert admin.must_change_password
    with write_session(engine) as s:
        accounts.set_password(s, admin, user_id=admin.id or 0, password=NEW, current_password=one_time)
    assert not _actor(engine, admin.id or 0).must_change_password
    with pytest.raises(AuthenticationError), write_session(engine) as s:
        accounts.authenticate(s, email=email, password=one_time)


@pytest.mark.parametrize(
    ("current", "new", "error", "says"),
    [
        ("not-my-password-at-all", NEW, AuthenticationError, "current password is wrong"),
        ("", NEW, ValidationError, "current password as well"),
        (None, NEW, ValidationError, "current password as well"),
        (DEFAULT_PASSWORD, DEFAULT_PASSWORD, ValidationError, "different from the current one"),
        (DEFAULT_PASSWORD, "short", ValidationError, "at least 10 characters"),
    ],
)
@pytest.mark.parametrize("role", [Role.interviewer, Role.admin])
def test_changing_ones_own_password_is_refused_without_the_right_current_one(
    engine: Engine, role: Role, current: str | None, new: str, error: type[Exception], says: str
) -> None:
    user = _user(engine, role, must_change_password=True)
    before = _row(engine, user.id).password_hash
    with pytest.raises(error, match=says), write_session(engine) as s:
        accounts.set_password(s, user, user_id=user.id, password=new, current_password=current)
    after = _row(engine, user.id)
    assert (after.password_hash, after.must_change_password) == (before, True)
    assert "user.set_password" not in [e.action for e in _events(engine, user.id)]


def test_a_wrong_current_password_counts_as_a_failed_sign_in_and_five_lock_the_account(engine: Engine) -> None:
    actor = _user(engine, must_change_password=True)
    user_id = actor.id or 0
    now = utcnow()
    for attempt in range(1, accounts.MAX_FAILED_LOGINS + 1):
        with pytest.raises(AuthenticationError), write_session(engine) as s:
            accounts.set_password(s, actor, user_id=user_id, password=NEW, current_password=f"guess {attempt}", now=now)
        row = _row(engine, user_id)
        locked = attempt == accounts.MAX_FAILED_LOGINS
        assert (row.failed_logins, row.locked_until is not None) == (0 if locked else attempt, locked)
    actions = [e.action for e in _events(engine, user_id)]
    assert actions == ["account.sign_in_failed"] * (accounts.MAX_FAILED_LOGINS - 1) + ["account.lock"]
    # Locked: even the right current password is refused until the lockout ends, then accepted.
    with pytest.raises(AuthenticationError), write_session(engine) as s:
        accounts.set_password(s, actor, user_id=user_id, password=NEW, current_password=DEFAULT_PASSWORD, now=now)
    later = now + accounts.LOCKOUT + timedelta(seconds=1)
    with write_session(engine) as s:
        accounts.set_password(s, actor, user_id=user_id, password=NEW, current_password=DEFAULT_PASSWORD, now=later)
    row = _row(engine, user_id)
    assert (row.must_change_password, row.locked_until, row.failed_logins) == (False, None, 0)


def test_an_administrator_resetting_someone_else_needs_no_current_password_and_ignores_one(engine: Engine) -> None:
    admin = _user(engine, Role.admin)
    user = _user(engine)
    with write_session(engine) as s:
        accounts.set_password(s, admin, user_id=user.id, password=RESET, current_password="whatever was typed")
    assert _row(engine, user.id).must_change_password
    with write_session(engine) as s:
        assert accounts.authenticate(s, email=user.email, password=RESET).must_change_password


def test_a_single_sign_on_account_without_a_password_is_never_held_and_cannot_invent_one(engine: Engine) -> None:
    user = _user(engine, password=None, must_change_password=True)
    actor = _actor(engine, user.id)
    assert not actor.must_change_password
    with pytest.raises(ValidationError, match="single sign-on"), write_session(engine) as s:
        accounts.set_password(s, actor, user_id=user.id, password=NEW, current_password="anything at all")
    assert _row(engine, user.id).password_hash is None
