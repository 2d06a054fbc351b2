"""Stay signed in (issue #18): random session tokens, stored hashed, that outlive a Streamlit session.

A Streamlit session ends with every reload, new tab or server restart; the person should not have to
sign in again mid-interview. On sign-in the app calls :func:`start_session`, which stores a row and
returns a one-use **hand-off code** (valid :data:`HANDOFF_LIFETIME`). The browser swaps that code,
in a POST body, for the real token at the cookie route (:func:`redeem_handoff`), which sets it as an
HttpOnly cookie: so the token is never on the page, in a URL or in a log, and a script on the page
cannot read it. The database keeps only the token's SHA-256 (a 256-bit random token needs no slow
hash: nothing to guess), so a copy of the database lets nobody sign in.

A session ends — everywhere, at the next action of every tab using it — on sign-out, after
``idle`` without use, at its absolute expiry (:data:`SESSION_LIFETIME`), when the account is
deactivated, or when its role or password changes (the row keeps the role and a stamp of the
password hash from sign-in; any difference ends it). Sign-ins, resumes and sign-outs are audited.

Single sign-on keeps its own flow (``st.login``'s own cookie); these tokens serve password sign-in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from tracker.i18n import N_
from tracker.models import Role, SignInSession, User, utcnow
from tracker.services.actor import Actor
from tracker.services.audit import record_event
from tracker.services.errors import AuthenticationError

SESSION_LIFETIME = timedelta(hours=12)  # a working day: sign in again the next morning
HANDOFF_LIFETIME = timedelta(seconds=60)
TOUCH_EVERY = timedelta(seconds=30)  # last use is written at most this often (a write per click costs)
TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 100  # a real token is 43 characters; anything longer is not one

_ENDED = N_("Your session has ended. Sign in again to continue.")


@dataclass(frozen=True)
class StartedSession:
    session_id: int
    handoff_code: str  # give it to the browser once; it is worth nothing after redeem_handoff


@dataclass(frozen=True)
class ResumedSession:
    session_id: int
    actor: Actor
    touch_due: bool  # last use is older than TOUCH_EVERY: call touch_session in a write transaction


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def password_stamp(user: User) -> str:
    """A fingerprint of the password hash: changes with every new password, reveals nothing of it."""
    return hashlib.sha256((user.password_hash or "").encode("utf-8")).hexdigest()


def start_session(
    session: Session, actor: Actor, *, now: datetime | None = None, lifetime: timedelta = SESSION_LIFETIME
) -> StartedSession:
    """A new session for ``actor`` (just authenticated by the accounts service)."""
    now = now or utcnow()
    user = session.get(User, actor.id) if actor.id is not None else None
    if user is None or not user.active:
        raise AuthenticationError(_ENDED)
    code = secrets.token_urlsafe(TOKEN_BYTES)
    row = SignInSession(
        user_id=user.id or 0,
        handoff_hash=token_hash(code),
        handoff_expires_at=now + HANDOFF_LIFETIME,
        role=Role(user.role).value,
        password_stamp=password_stamp(user),
        created_at=now,
        last_used_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    session.flush()
    record_event(session, actor, action="session.start", entity_type="user", entity_id=user.id,
                 after={"session_id": row.id, "expires_at": row.expires_at})  # fmt: skip
    return StartedSession(session_id=row.id or 0, handoff_code=code)


def redeem_handoff(session: Session, *, code: str, now: datetime | None = None) -> str:
    """Swap a hand-off code for the session's token (once; the code is forgotten)."""
    now = now or utcnow()
    if not isinstance(code, str) or not code or len(code) > MAX_TOKEN_LENGTH:
        raise AuthenticationError(_ENDED)
    row = session.exec(
        select(SignInSession).where(SignInSession.handoff_hash == token_hash(code)).with_for_update()
    ).first()
    if row is None or row.revoked_at is not None or row.token_hash is not None:
        raise AuthenticationError(_ENDED)
    expires = row.handoff_expires_at
    if expires is None or expires < now:
        raise AuthenticationError(_ENDED)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row.token_hash = token_hash(token)
    row.handoff_hash = None
    row.handoff_expires_at = None
    session.add(row)
    return token


def _end(session: Session, row: SignInSession, reason: str, now: datetime) -> None:
    if row.revoked_at is None:
        row.revoked_at = now
        row.revoked_reason = reason
        session.add(row)


def _why_ended(row: SignInSession, user: User | None, idle: timedelta, now: datetime) -> str | None:
    if row.revoked_at is not None:
        return row.revoked_reason or "revoked"
    expires = row.expires_at
    if expires is None or expires <= now:
        return "expired"
    last = row.last_used_at
    if last is None or now - last > idle:
        return "idle"
    if user is None or not user.active:
        return "deactivated"
    if Role(user.role).value != row.role:
        return "role_changed"
    if password_stamp(user) != row.password_stamp:
        return "password_changed"
    return None


def _check(session: Session, row: SignInSession | None, idle: timedelta, now: datetime) -> ResumedSession:
    if row is None:
        raise AuthenticationError(_ENDED)
    user = session.get(User, row.user_id)
    reason = _why_ended(row, user, idle, now)
    if reason is not None:
        raise SessionEnded(row.id or 0, reason)
    assert user is not None
    last = row.last_used_at or now
    return ResumedSession(session_id=row.id or 0, actor=Actor.from_user(user), touch_due=now - last >= TOUCH_EVERY)


class SessionEnded(AuthenticationError):
    """The session exists but has ended; ``reason`` says why (``idle``, ``role_changed``, …)."""

    def __init__(self, session_id: int, reason: str) -> None:
        super().__init__(_ENDED)
        self.session_id = session_id
        self.reason = reason


def resume_session(session: Session, *, token: str, idle: timedelta, now: datetime | None = None) -> ResumedSession:
    """The session a browser's cookie names, if it is still valid (a reload, a new tab, a restarted server).

    Writes: marks an ended session revoked (with why) and audits the resumed sign-in; run it in a write
    transaction. An unknown, forged or malformed token raises ``AuthenticationError`` and writes nothing.
    """
    now = now or utcnow()
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise AuthenticationError(_ENDED)
    row = session.exec(select(SignInSession).where(SignInSession.token_hash == token_hash(token))).first()
    try:
        resumed = _check(session, row, idle, now)
    except SessionEnded as ended:
        assert row is not None
        _end(session, row, ended.reason, now)
        session.commit()  # the caller's transaction rolls back on the exception; the end must stay
        raise
    assert row is not None
    row.last_used_at = now
    session.add(row)
    record_event(session, resumed.actor, action="account.sign_in_resumed", entity_type="user",
                 entity_id=resumed.actor.id, after={"session_id": row.id})  # fmt: skip
    return ResumedSession(resumed.session_id, resumed.actor, touch_due=False)


def check_session(session: Session, *, session_id: int, idle: timedelta, now: datetime | None = None) -> ResumedSession:
    """Each click of a tab signed in through a session: still valid? (read only; ``SessionEnded`` if not)."""
    now = now or utcnow()
    return _check(session, session.get(SignInSession, session_id), idle, now)


def touch_session(session: Session, *, session_id: int, now: datetime | None = None) -> None:
    """Record use (the idle timeout counts from here); a no-op on an ended session."""
    row = session.get(SignInSession, session_id)
    if row is not None and row.revoked_at is None:
        row.last_used_at = now or utcnow()
        session.add(row)


def end_session(
    session: Session,
    *,
    session_id: int,
    reason: str = "sign_out",
    actor: Actor | None = None,
    now: datetime | None = None,
) -> None:
    """End one session (sign-out, idle timeout seen by the page, …) and audit the sign-out."""
    now = now or utcnow()
    row = session.get(SignInSession, session_id)
    if row is None:
        return
    was_open = row.revoked_at is None
    _end(session, row, reason, now)
    if was_open and actor is not None:
        record_event(session, actor, action="account.sign_out", entity_type="user", entity_id=row.user_id,
                     after={"session_id": row.id, "reason": reason})  # fmt: skip


def end_user_sessions(session: Session, *, user_id: int, reason: str, now: datetime | None = None) -> int:
    """End every open session of one account (how many); the checks above already refuse them, this tidies."""
    now = now or utcnow()
    rows = session.exec(
        select(SignInSession).where(SignInSession.user_id == user_id, SignInSession.revoked_at == None)  # noqa: E711
    ).all()
    for row in rows:
        _end(session, row, reason, now)
    return len(rows)
