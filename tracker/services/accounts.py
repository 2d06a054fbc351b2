"""Accounts: argon2id password hashes, sign-in with lockout, user management, the first admin.

Hash parameters are OWASP's argon2id minimum (19 MiB, two passes, one lane): strong enough that a
stolen database does not hand out passwords, cheap enough (~30 ms) that sign-in stays instant.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func
from sqlmodel import Session, select

from tracker.db import first_run_lock
from tracker.email_address import canonical_email, email_spellings
from tracker.i18n import N_
from tracker.i18n.message import Message
from tracker.models import MAX_DISPLAY_NAME, AuditEvent, PanelMember, Posting, Role, User, UserIdentity, utcnow
from tracker.services.actor import Actor
from tracker.services.audit import record_event, touch_postings
from tracker.services.common import bump_version, clean_text, create_conflict
from tracker.services.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from tracker.services.passwords import check_password_strength
from tracker.services.permissions import require_role

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
# Across accounts (password spraying: one guess on each of many accounts never trips a per-account lockout):
# this many failed sign-ins on any accounts within the window pause every password sign-in until the
# oldest of them leaves the window. Counted from the audit trail, so every app process and replica agrees.
THROTTLE_FAILED_LOGINS = 30
THROTTLE_WINDOW = timedelta(minutes=5)
_FAILURE_ACTIONS = ("account.sign_in_failed", "account.lock")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
FIRST_ADMIN_EMAIL_ENV = "TRACKER_ADMIN_EMAIL"
DEFAULT_FIRST_ADMIN_EMAIL = "admin@example.org"

log = logging.getLogger(__name__)  # ids, issuers and reasons only: never an e-mail, a name or a secret (tracker/logs.py)
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID)
# Verified against when the e-mail is unknown so a wrong e-mail takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
_BAD_CREDENTIALS = N_(
    "Sign-in failed: the e-mail or the password is wrong, or the account is locked after too many "
    "attempts (wait 15 minutes) or deactivated (ask an administrator)."
)

_THROTTLED = N_(
    "Sign-in is paused: there were too many failed sign-ins on this tracker, across accounts, in the last "
    "few minutes. Wait {minutes} minutes and try again; an administrator can see the attempts in the audit log."
)

_WRONG_CURRENT_PASSWORD = N_(
    "The current password is wrong, or the account is locked after too many attempts (wait 15 minutes); "
    "type the password you signed in with."
)


# A user as pages show it: never the password hash.
@dataclass(frozen=True)
class UserPublic:
    id: int
    email: str
    display_name: str
    role: Role
    active: bool
    locked_until: datetime | None
    must_change_password: bool
    created_at: datetime
    last_login_at: datetime | None
    version: int

    @classmethod
    def of(cls, user: User) -> UserPublic:
        return cls(
            id=user.id or 0,
            email=user.email,
            display_name=user.display_name,
            role=Role(user.role),
            active=user.active,
            locked_until=user.locked_until,
            must_change_password=user.must_change_password,
            created_at=user.created_at,
            last_login_at=user.last_login_at,
            version=user.version,
        )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    """The form accounts are stored and looked up in: :func:`canonical_email`, else stripped and lower-cased."""
    return canonical_email(email) or email.strip().lower()


def check_email(email: str) -> str:
    """The stored form of an account's e-mail (one check with candidates': tracker.email_address)."""
    canonical = canonical_email(email)
    if canonical is None:
        email = email.strip().lower()
        raise ValidationError(N_("“{email}” is not an e-mail address; write it as name@department.gc.ca."), email=email)
    return canonical


def check_password(password: str, *, email: str | None = None, display_name: str | None = None) -> None:
    """Length, then the guessability rules of :mod:`tracker.services.passwords` (common, repetitive, own name)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(N_("Choose a password of at least {length} characters."), length=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError(N_("Choose a password of at most {length} characters."), length=MAX_PASSWORD_LENGTH)
    check_password_strength(password, email=email, display_name=display_name)


def _check_throttle(session: Session, now: datetime) -> None:
    """Refuse every password sign-in while failures across all accounts exceed the throttle.

    The refusal is the same whatever e-mail was typed (it says nothing about any account), checks no
    password and counts as no failure, so it neither leaks nor feeds the count it enforces.
    """
    since = now - THROTTLE_WINDOW
    failures = session.exec(
        select(AuditEvent.at).where(AuditEvent.action.in_(_FAILURE_ACTIONS), AuditEvent.at > since)  # type: ignore[attr-defined]
        .order_by(AuditEvent.at.desc())  # type: ignore[attr-defined]
        .limit(THROTTLE_FAILED_LOGINS)
    ).all()
    if len(failures) >= THROTTLE_FAILED_LOGINS:
        oldest = failures[-1]
        wait = max(1, int(((oldest + THROTTLE_WINDOW) - now).total_seconds() // 60) + 1)
        raise AuthenticationError(_THROTTLED, minutes=wait)


def _user_by_email(session: Session, email: str, *, for_update: bool = False) -> User | None:
    if "\x00" in email:  # no account has one, and PostgreSQL refuses it even in a WHERE clause
        return None
    # Both spellings: accounts stored before the one e-mail check (issue #24) may hold a punycode domain.
    query = select(User).where(func.lower(User.email).in_(email_spellings(email)))
    return session.exec(query.with_for_update() if for_update else query).first()


def _count_failure(session: Session, user: User, now: datetime) -> None:
    """Count a wrong password (five in a row lock the account) and commit before the caller raises.

    The caller's transaction rolls back on the exception; the counter must survive that or the
    lockout would never trigger.
    """
    user.failed_logins += 1
    locked = user.failed_logins >= MAX_FAILED_LOGINS
    if locked:
        user.locked_until = now + LOCKOUT
        user.failed_logins = 0
    session.add(user)
    log.info("%s: user %s", "account locked after failed sign-ins" if locked else "failed sign-in", user.id)
    record_event(
        session,
        Actor(id=user.id, email=user.email, display_name=user.display_name, role=Role(user.role)),
        action="account.lock" if locked else "account.sign_in_failed",
        entity_type="user",
        entity_id=user.id,
    )
    session.commit()


def authenticate(session: Session, *, email: str, password: str, now: datetime | None = None) -> Actor:
    """Check credentials, counting failures; five in a row lock the account for 15 minutes.

    A failure is committed before the error is raised (:func:`_count_failure`).
    """
    now = now or utcnow()
    _check_throttle(session, now)
    # Row lock (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises): parallel guesses must not
    # read the same failure count and each write count + 1, or twenty guesses would count as two.
    user = _user_by_email(session, email, for_update=True)
    if user is None or not user.password_hash:
        verify_password(_DUMMY_HASH, password)
        raise AuthenticationError(_BAD_CREDENTIALS)
    # UTCDateTime returns aware UTC on SQLite and PostgreSQL alike (tests/test_datetimes_aware.py).
    if user.locked_until is not None and user.locked_until > now:
        verify_password(_DUMMY_HASH, password)
        raise AuthenticationError(_BAD_CREDENTIALS)
    if not verify_password(user.password_hash, password) or not user.active:
        _count_failure(session, user, now)
        raise AuthenticationError(_BAD_CREDENTIALS)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    session.add(user)
    actor = Actor.from_user(user)
    record_event(session, actor, action="account.sign_in", entity_type="user", entity_id=user.id)
    return actor


@dataclass(frozen=True)
class SsoLinkPublic:
    """A single-sign-on identity linked to an account, as the users page and the CLI show it."""

    user_id: int
    issuer: str
    subject: str
    linked_at: datetime


_SSO_REFUSED = N_("Single sign-on refused: {reason} Ask an administrator if this is wrong.")


def _claim_true(value: object) -> bool:
    # Some providers send the JSON boolean, a few the string "true"; anything else is "not verified".
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def actor_for_sso(session: Session, *, claims: Mapping[str, Any], issuers: Collection[str]) -> Actor:
    """Map an OpenID Connect identity to an active tracker account by its issuer and subject.

    Why not by the ``email`` claim alone: at a provider that lets people set their own address, anyone
    could sign in as anyone ("nOAuth"). So the provider must say the e-mail is verified, the token's
    issuer must be one of the configured ``issuers``, and the account is found by (issuer, subject).
    The e-mail is used once, at the first verified sign-in, to find the account to link; after that a
    changed address at the provider neither moves the link nor reaches another account. An account has
    at most one link per provider: a second identity claiming its address is refused, not linked.
    """
    issuer = str(claims.get("iss") or "").strip()
    subject = str(claims.get("sub") or "").strip()
    email = str(claims.get("email") or "")
    if not issuer or issuer not in set(issuers):
        log.warning("single sign-on refused: issuer %r is not configured", issuer[:200])
        raise AuthenticationError(_SSO_REFUSED, reason=Message(N_("the sign-in did not come from the configured provider.")))
    if not subject or len(subject) > 255 or len(issuer) > 500 or "\x00" in subject + issuer:
        raise AuthenticationError(_SSO_REFUSED, reason=Message(N_("the provider sent no usable identity.")))
    if not _claim_true(claims.get("email_verified")):
        log.warning("single sign-on refused: %s did not say the e-mail is verified", issuer)
        raise AuthenticationError(_SSO_REFUSED, reason=Message(N_("the provider does not say that your e-mail is verified.")))
    link = session.exec(select(UserIdentity).where(UserIdentity.issuer == issuer, UserIdentity.subject == subject)).first()
    if link is not None:
        user = session.get(User, link.user_id)
        if user is None or not user.active:
            raise AuthenticationError(_SSO_REFUSED, reason=Message(N_("the tracker account linked to this identity is deactivated.")))
    else:
        user = _user_by_email(session, email)
        if user is None or not user.active:
            raise AuthenticationError(
                N_("No active tracker account uses the e-mail {email}; ask an administrator to add you."),
                email=repr(normalise_email(email)),
            )
        taken = session.exec(select(UserIdentity).where(UserIdentity.user_id == user.id, UserIdentity.issuer == issuer)).first()
        if taken is not None:
            log.warning("single sign-on refused: user %s is already linked to another identity at %s", user.id, issuer)
            raise AuthenticationError(
                _SSO_REFUSED,
                reason=Message(N_("this account is already linked to another identity at this provider.")),
            )
        session.add(UserIdentity(user_id=user.id or 0, issuer=issuer, subject=subject))
        log.info("single sign-on: user %s linked to an identity at %s", user.id, issuer)
        record_event(
            session, Actor.from_user(user), action="account.sso_link", entity_type="user", entity_id=user.id,
            after={"issuer": issuer, "subject": subject},
        )
    user.last_login_at = utcnow()
    session.add(user)
    actor = Actor.from_user(user)
    record_event(session, actor, action="account.sign_in_sso", entity_type="user", entity_id=user.id)
    return actor


def list_sso_links(session: Session, actor: Actor) -> list[SsoLinkPublic]:
    """Every account's single-sign-on links (administrators only)."""
    require_role(actor, Role.admin)
    rows = session.exec(select(UserIdentity).order_by(UserIdentity.user_id, UserIdentity.issuer)).all()  # type: ignore[arg-type]
    return [SsoLinkPublic(r.user_id, r.issuer, r.subject, r.linked_at) for r in rows]


def remove_sso_links(session: Session, actor: Actor, *, user_id: int) -> int:
    """Remove an account's single-sign-on links, audited; its next verified sign-in links afresh.

    For when a person's identity at the provider changed (a new tenant, a recreated account) or was
    linked by mistake. Returns how many links were removed.
    """
    require_role(actor, Role.admin)
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(N_("User {user_id} does not exist."), user_id=user_id)
    rows = session.exec(select(UserIdentity).where(UserIdentity.user_id == user_id)).all()
    for row in rows:
        session.delete(row)
    if rows:
        log.info("single sign-on: %d link(s) of user %s removed by user %s", len(rows), user_id, actor.id)
        record_event(
            session, actor, action="account.sso_unlink", entity_type="user", entity_id=user_id,
            before=[{"issuer": r.issuer, "subject": r.subject} for r in rows],
        )
    return len(rows)


def _snapshot(user: User) -> dict[str, object]:
    return {"email": user.email, "display_name": user.display_name, "role": user.role, "active": user.active}


def create_user(
    session: Session,
    actor: Actor,
    *,
    email: str,
    display_name: str,
    role: Role | str,
    password: str | None = None,
    must_change_password: bool = False,
) -> UserPublic:
    require_role(actor, Role.admin)
    email = check_email(email)
    problems: list[Message] = []
    try:
        display_name = clean_text(display_name, what=N_("user's name"), max_length=MAX_DISPLAY_NAME)
        if not display_name:
            problems.append(Message(N_("Give the user a name.")))
    except ValidationError as exc:
        problems.extend(exc.problems)
    try:
        role = Role(role)
    except ValueError:
        problems.append(
            Message(N_("Role must be one of {roles} (got {role})."), roles=[r.value for r in Role], role=repr(role))
        )
    if password is not None:
        try:
            check_password(password, email=email, display_name=display_name)
        except ValidationError as exc:
            problems.extend(exc.problems)
    if _user_by_email(session, email) is not None:
        problems.append(Message(N_("A user with the e-mail {email} already exists."), email=email))
    if problems:
        raise ValidationError.listing(problems)
    user = User(
        email=email,
        display_name=display_name,
        role=Role(role),
        password_hash=hash_password(password) if password is not None else None,
        must_change_password=must_change_password,
    )
    # Another admin may create the same e-mail between the check above and this insert (issue #22).
    with create_conflict(session, Message(N_("A user with the e-mail {email} already exists."), email=email)):
        session.add(user)
        session.flush()
    record_event(session, actor, action="user.create", entity_type="user", entity_id=user.id, after=_snapshot(user))
    return UserPublic.of(user)


def _get_user(session: Session, user_id: int, *, for_update: bool = False) -> User:
    user = session.get(User, user_id, with_for_update=for_update)
    if user is None:
        raise NotFoundError(N_("User {user_id} does not exist."), user_id=user_id)
    return user


def update_user(
    session: Session,
    actor: Actor,
    *,
    user_id: int,
    display_name: str | None = None,
    role: Role | str | None = None,
    active: bool | None = None,
    expected_version: int | None = None,
) -> UserPublic:
    require_role(actor, Role.admin)
    # Row lock (PostgreSQL): a second admin's edit waits for this one, then meets its new version.
    user = _get_user(session, user_id, for_update=True)
    stale = Message(N_("{email} was changed by someone else meanwhile; reload and try again."), email=user.email)
    if expected_version is not None and user.version != expected_version:
        raise ConflictError(stale)
    before = _snapshot(user)
    values: dict[str, object] = {}
    if display_name is not None:
        display_name = clean_text(display_name, what=N_("user's name"), max_length=MAX_DISPLAY_NAME)
        if not display_name:
            raise ValidationError(N_("Give the user a name."))
        values["display_name"] = display_name
    if role is not None:
        try:
            values["role"] = Role(role)
        except ValueError as exc:
            raise ValidationError(N_("Role must be one of {roles}."), roles=[r.value for r in Role]) from exc
    if active is not None:
        if not active and user.id == actor.id:
            raise ValidationError(N_("You cannot deactivate your own account; ask another administrator."))
        values["active"] = active
    if user.id == actor.id and values.get("role", user.role) != Role.admin:
        raise ValidationError(N_("You cannot remove your own administrator role; ask another administrator."))
    # One conditional UPDATE decides (issue #22): the version read above must still be the row's.
    bump_version(session, User, user_id, user.version, values, N_("this user"), conflict=stale)
    session.expire(user)
    after = _snapshot(user)
    if after["display_name"] != before["display_name"]:
        touch_postings(session, _postings_showing(session, user_id))
    record_event(session, actor, action="user.update", entity_type="user", entity_id=user.id, before=before, after=after)
    return UserPublic.of(user)


def _postings_showing(session: Session, user_id: int) -> list[int]:
    """Postings whose results name this user (panel member or owner): a rename must move their revision."""
    seats = select(PanelMember.posting_id).where(PanelMember.user_id == user_id)
    owned = select(Posting.id).where(Posting.owner_id == user_id)
    return [int(p) for p in session.execute(seats.union(owned)).scalars().all()]


def set_password(
    session: Session,
    actor: Actor,
    *,
    user_id: int,
    password: str,
    current_password: str | None = None,
    now: datetime | None = None,
) -> None:
    """Admins set anyone else's password, which must then be changed at next sign-in; users change
    their own, which clears that obligation.

    Changing one's own password takes the current one too, so a session left open on a shared
    computer cannot be turned into a lasting takeover; a wrong one counts as a failed sign-in (five
    in a row lock the account). An administrator resetting someone else's password needs none.
    """
    own = actor.id is not None and actor.id == user_id
    if not own and not actor.is_admin:
        raise PermissionDeniedError(N_("You can only change your own password."))
    check_password(password)
    # Row lock (PostgreSQL): parallel wrong guesses must each count, as in authenticate, and two resets
    # of one account take turns (issue #22).
    user = _get_user(session, user_id, for_update=True)
    check_password(password, email=user.email, display_name=user.display_name)
    if own:
        _check_current_password(session, user, current_password, now or utcnow())
        if password == current_password:
            raise ValidationError(N_("Choose a new password, different from the current one."))
    user.password_hash = hash_password(password)
    user.must_change_password = not own
    user.failed_logins = 0
    user.locked_until = None
    user.version = User.version + 1  # type: ignore[assignment]  # in SQL: no lost increment (issue #22)
    session.add(user)
    record_event(
        session, actor, action="user.set_password", entity_type="user", entity_id=user.id,
        after={"must_change_password": user.must_change_password},
    )


def _check_current_password(session: Session, user: User, current_password: str | None, now: datetime) -> None:
    if not user.password_hash:
        raise ValidationError(
            N_("Your account signs in through single sign-on and has no password to change; ask an administrator "
               "if you need one.")
        )
    if not current_password:
        raise ValidationError(N_("Type your current password as well, to show that it is you."))
    if user.locked_until is not None and user.locked_until > now:
        verify_password(_DUMMY_HASH, current_password)
        raise AuthenticationError(_WRONG_CURRENT_PASSWORD)
    if not verify_password(user.password_hash, current_password):
        _count_failure(session, user, now)
        raise AuthenticationError(_WRONG_CURRENT_PASSWORD)


def unlock_user(session: Session, actor: Actor, *, user_id: int) -> UserPublic:
    require_role(actor, Role.admin)
    user = _get_user(session, user_id)
    bump_version(session, User, user_id, user.version, {"failed_logins": 0, "locked_until": None}, N_("this user"))
    session.expire(user)
    record_event(session, actor, action="user.unlock", entity_type="user", entity_id=user.id)
    return UserPublic.of(user)


def list_users(session: Session, actor: Actor, *, role: Role | str | None = None) -> list[UserPublic]:
    """Admins manage everyone; managers need the list of people they can put on a panel."""
    require_role(actor, Role.admin, Role.manager)
    query = select(User).order_by(User.display_name, User.id)
    if role is not None:
        query = query.where(User.role == Role(role))
    if actor.role == Role.manager:
        query = query.where(User.active == True)  # noqa: E712
    return [UserPublic.of(u) for u in session.exec(query).all()]


def ensure_first_admin(session: Session) -> tuple[str, str] | None:
    """On an empty user table create an admin with a one-time password, returned once to print.

    The password must be changed at first sign-in; its e-mail comes from ``TRACKER_ADMIN_EMAIL``.
    """
    first_run_lock(session)  # replicas starting together create one admin, not two (issue #22)
    if session.exec(select(func.count()).select_from(User)).one() > 0:
        return None
    email = check_email(os.environ.get(FIRST_ADMIN_EMAIL_ENV) or DEFAULT_FIRST_ADMIN_EMAIL)
    password = secrets.token_urlsafe(15)
    user = User(
        email=email,
        display_name="Administrator",
        role=Role.admin,
        password_hash=hash_password(password),
        must_change_password=True,
    )
    session.add(user)
    session.flush()
    from tracker.services.actor import SYSTEM_ACTOR

    record_event(session, SYSTEM_ACTOR, action="user.create_first_admin", entity_type="user", entity_id=user.id)
    return email, password
