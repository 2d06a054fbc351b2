"""Stay signed in (issue #18): session tokens on SQLite and PostgreSQL (``engine`` runs each test on both).

The token is random, stored only hashed, handed over once, and stops working on sign-out, expiry,
idleness, deactivation, a role change or a password change; sign-ins and sign-outs are audited.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from factories import make_user
from sqlmodel import select

from tracker.db import read_session, write_session
from tracker.models import AuditEvent, Role, SignInSession, utcnow
from tracker.services import accounts, sessions
from tracker.services.actor import SYSTEM_ACTOR, Actor
from tracker.services.errors import AuthenticationError

IDLE = timedelta(minutes=30)


def _user(engine: Any, role: Role = Role.interviewer) -> Actor:
    with write_session(engine) as session:
        return Actor.from_user(make_user(session, role=role))


def _signed_in(engine: Any, actor: Actor, now: Any = None) -> tuple[int, str]:
    with write_session(engine) as session:
        started = sessions.start_session(session, actor, now=now)
    with write_session(engine) as session:
        token = sessions.redeem_handoff(session, code=started.handoff_code, now=now)
    return started.session_id, token


def _resume(engine: Any, token: str, now: Any = None) -> sessions.ResumedSession:
    with write_session(engine) as session:
        return sessions.resume_session(session, token=token, idle=IDLE, now=now)


def test_the_token_is_random_stored_only_hashed_and_resumes_the_sign_in(engine: Any) -> None:
    actor = _user(engine)
    session_id, token = _signed_in(engine, actor)
    _other_id, other_token = _signed_in(engine, actor)
    assert token != other_token and len(token) >= 43
    with read_session(engine) as session:
        row = session.get(SignInSession, session_id)
        assert row is not None
        assert row.token_hash == sessions.token_hash(token) and token not in (row.token_hash or "")
        assert row.handoff_hash is None, "the hand-off code is forgotten once redeemed"
        assert row.expires_at is not None
    resumed = _resume(engine, token)
    assert resumed.session_id == session_id and resumed.actor.id == actor.id
    with read_session(engine) as session:
        actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.entity_id == actor.id)).all()]
    assert "session.start" in actions and "account.sign_in_resumed" in actions


def test_a_hand_off_code_works_once_and_only_briefly(engine: Any) -> None:
    actor = _user(engine)
    with write_session(engine) as session:
        started = sessions.start_session(session, actor)
    with write_session(engine) as session:
        sessions.redeem_handoff(session, code=started.handoff_code)
    with pytest.raises(AuthenticationError), write_session(engine) as session:
        sessions.redeem_handoff(session, code=started.handoff_code)
    now = utcnow()
    with write_session(engine) as session:
        late = sessions.start_session(session, actor, now=now)
    with pytest.raises(AuthenticationError), write_session(engine) as session:
        sessions.redeem_handoff(
            session, code=late.handoff_code, now=now + sessions.HANDOFF_LIFETIME + timedelta(seconds=1)
        )


@pytest.mark.parametrize("token", ["", "forged-token", "x" * 500, "\x00abc", "ünïcode"])
def test_a_forged_or_malformed_token_is_refused_and_writes_nothing(engine: Any, token: str) -> None:
    actor = _user(engine)
    _signed_in(engine, actor)
    with read_session(engine) as session:
        before = len(session.exec(select(AuditEvent)).all())
    with pytest.raises(AuthenticationError):
        _resume(engine, token)
    with read_session(engine) as session:
        assert len(session.exec(select(AuditEvent)).all()) == before


def _ended_reason(engine: Any, session_id: int) -> str | None:
    with read_session(engine) as session:
        row = session.get(SignInSession, session_id)
        assert row is not None
        return row.revoked_reason


def test_expiry_and_idleness_end_the_session(engine: Any) -> None:
    actor = _user(engine)
    now = utcnow()
    expired_id, expired = _signed_in(engine, actor, now=now)
    with pytest.raises(sessions.SessionEnded) as ended:
        _resume(engine, expired, now=now + sessions.SESSION_LIFETIME + timedelta(seconds=1))
    assert ended.value.reason == "expired" and _ended_reason(engine, expired_id) == "expired"
    idle_id, idle = _signed_in(engine, actor, now=now)
    with pytest.raises(sessions.SessionEnded) as ended:
        _resume(engine, idle, now=now + IDLE + timedelta(seconds=1))
    assert ended.value.reason == "idle" and _ended_reason(engine, idle_id) == "idle"
    # Use keeps it open: touched 20 minutes in, still valid 20 minutes later.
    used_id, used = _signed_in(engine, actor, now=now)
    with write_session(engine) as session:
        sessions.touch_session(session, session_id=used_id, now=now + timedelta(minutes=20))
    assert _resume(engine, used, now=now + timedelta(minutes=40)).session_id == used_id


def test_sign_out_ends_it_everywhere_and_is_audited(engine: Any) -> None:
    actor = _user(engine)
    session_id, token = _signed_in(engine, actor)
    with write_session(engine) as session:
        sessions.end_session(session, session_id=session_id, actor=actor)
    with pytest.raises(sessions.SessionEnded) as ended, read_session(engine) as session:
        sessions.check_session(session, session_id=session_id, idle=IDLE)
    assert ended.value.reason == "sign_out"
    with pytest.raises(AuthenticationError):
        _resume(engine, token)
    with read_session(engine) as session:
        signed_out = [
            e.entity_id for e in session.exec(select(AuditEvent).where(AuditEvent.action == "account.sign_out"))
        ]
    assert signed_out == [actor.id]


@pytest.mark.parametrize("change", ["deactivated", "role_changed", "password_changed"])
def test_an_account_change_ends_every_session_of_that_account(engine: Any, change: str) -> None:
    actor = _user(engine)
    with write_session(engine) as session:
        admin = Actor.from_user(make_user(session, role=Role.admin))
    first_id, first = _signed_in(engine, actor)
    second_id, second = _signed_in(engine, actor)
    with write_session(engine) as session:
        if change == "deactivated":
            accounts.update_user(session, admin, user_id=actor.id or 0, active=False)
        elif change == "role_changed":
            accounts.update_user(session, admin, user_id=actor.id or 0, role=Role.manager)
        else:
            accounts.set_password(session, admin, user_id=actor.id or 0, password="a-brand-new-password")
    for session_id, token in ((first_id, first), (second_id, second)):
        with pytest.raises(sessions.SessionEnded) as ended, read_session(engine) as session:
            sessions.check_session(session, session_id=session_id, idle=IDLE)
        assert ended.value.reason == change
        with pytest.raises(AuthenticationError):
            _resume(engine, token)
        assert _ended_reason(engine, session_id) == change


def test_a_display_name_change_keeps_the_session(engine: Any) -> None:
    actor = _user(engine)
    session_id, token = _signed_in(engine, actor)
    with write_session(engine) as session:
        accounts.update_user(session, SYSTEM_ACTOR, user_id=actor.id or 0, display_name="A new name")
    assert _resume(engine, token).session_id == session_id


def test_end_user_sessions_ends_only_that_accounts_open_sessions(engine: Any) -> None:
    actor, other = _user(engine), _user(engine)
    _signed_in(engine, actor)
    _signed_in(engine, actor)
    other_id, other_token = _signed_in(engine, other)
    with write_session(engine) as session:
        assert sessions.end_user_sessions(session, user_id=actor.id or 0, reason="admin") == 2
    assert _resume(engine, other_token).session_id == other_id
