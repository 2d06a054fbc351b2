"""Single sign-on by identity (issues #10 and #24), with a fake provider's ID-token claims.

A sign-in is refused unless the provider says the e-mail is verified and the token comes from a
configured issuer; the first verified sign-in links the account to (issuer, subject), and later ones
find the account by that link, whatever e-mail the provider sends then. Every test runs on SQLite and
PostgreSQL (the ``engine`` fixture).
"""

from __future__ import annotations

from typing import Any

import pytest
from factories import build_world, make_user
from sqlalchemy import func
from sqlmodel import select

from tracker.db import read_session, write_session
from tracker.models import AuditEvent, Role, User, UserIdentity
from tracker.services import AuthenticationError, PermissionDeniedError, accounts
from tracker.sso import configured_issuers, issuer_of

ISSUER = "https://login.northwind.example"
OTHER_ISSUER = "https://login.elsewhere.example"


class FakeProvider:
    """The claims an OpenID Connect provider puts in an ID token (what ``st.user`` shows the app)."""

    def __init__(self, issuer: str = ISSUER) -> None:
        self.issuer = issuer

    def claims(self, sub: str, email: str, *, verified: Any = True, **extra: Any) -> dict[str, Any]:
        return {"iss": self.issuer, "sub": sub, "email": email, "email_verified": verified, "aud": "tracker", **extra}


def sign_in(engine: Any, claims: dict[str, Any], issuers: tuple[str, ...] = (ISSUER,)) -> int:
    with write_session(engine) as s:
        return accounts.actor_for_sso(s, claims=claims, issuers=issuers).id or 0


def links(engine: Any) -> list[tuple[int, str, str]]:
    with read_session(engine) as s:
        return [(r.user_id, r.issuer, r.subject) for r in s.exec(select(UserIdentity)).all()]


def actions(engine: Any, user_id: int) -> list[str]:
    with read_session(engine) as s:
        rows = s.exec(
            select(AuditEvent)
            .where(AuditEvent.entity_id == user_id, AuditEvent.entity_type == "user")
            .order_by(AuditEvent.id)
        ).all()  # type: ignore[arg-type]
        return [r.action for r in rows if r.action.startswith("account.s")]


def test_first_verified_sign_in_links_the_account_and_is_audited(engine: Any) -> None:
    world = build_world(engine)
    provider = FakeProvider()
    assert sign_in(engine, provider.claims("sub-chair-1", world.chair.email.upper())) == world.chair.id
    assert links(engine) == [(world.chair.id, ISSUER, "sub-chair-1")]
    assert actions(engine, world.chair.id) == ["account.sso_link", "account.sign_in_sso"]
    with read_session(engine) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "account.sso_link")).one()
        assert ISSUER in (event.after_json or "") and "sub-chair-1" in (event.after_json or "")
        assert s.get(User, world.chair.id).last_login_at is not None


def test_a_changed_address_at_the_provider_neither_moves_nor_opens_another_account(engine: Any) -> None:
    world = build_world(engine)
    provider = FakeProvider()
    sign_in(engine, provider.claims("sub-chair-1", world.chair.email))
    # The person changes their address at the provider, even to a colleague's: still their own account.
    assert sign_in(engine, provider.claims("sub-chair-1", world.member.email)) == world.chair.id
    assert sign_in(engine, provider.claims("sub-chair-1", "renamed@northwind.example")) == world.chair.id
    with read_session(engine) as s:
        assert s.exec(select(func.count()).select_from(User)).one() == 7  # no account opened
    assert links(engine) == [(world.chair.id, ISSUER, "sub-chair-1")]
    assert actions(engine, world.member.id) == []


def test_another_identity_claiming_a_linked_address_is_refused(engine: Any) -> None:
    world = build_world(engine)
    provider = FakeProvider()
    sign_in(engine, provider.claims("sub-chair-1", world.chair.email))
    with pytest.raises(AuthenticationError, match="already linked to another identity"):
        sign_in(engine, provider.claims("sub-attacker", world.chair.email))
    assert links(engine) == [(world.chair.id, ISSUER, "sub-chair-1")]


@pytest.mark.parametrize("verified", [False, None, "false", "yes", 1, "missing"])
def test_an_address_the_provider_has_not_verified_is_refused(engine: Any, verified: Any) -> None:
    world = build_world(engine)
    claims = FakeProvider().claims("sub-chair-1", world.chair.email, verified=verified)
    if verified == "missing":
        del claims["email_verified"]
    with pytest.raises(AuthenticationError, match="does not say that your e-mail is verified"):
        sign_in(engine, claims)
    assert links(engine) == []
    assert actions(engine, world.chair.id) == []


def test_the_string_true_counts_as_verified(engine: Any) -> None:
    world = build_world(engine)
    assert sign_in(engine, FakeProvider().claims("s1", world.chair.email, verified="true")) == world.chair.id


@pytest.mark.parametrize("issuer", [OTHER_ISSUER, ISSUER + "/", "", "https://login.northwind.example.evil"])
def test_a_token_from_another_issuer_is_refused(engine: Any, issuer: str) -> None:
    world = build_world(engine)
    with pytest.raises(AuthenticationError, match="did not come from the configured provider"):
        sign_in(engine, FakeProvider(issuer).claims("sub-chair-1", world.chair.email))
    assert links(engine) == []


def test_same_subject_at_two_issuers_is_two_identities(engine: Any) -> None:
    world = build_world(engine)
    both = (ISSUER, OTHER_ISSUER)
    sign_in(engine, FakeProvider().claims("42", world.chair.email), both)
    # Subject "42" at the other provider is someone else: it links the account its e-mail names.
    assert sign_in(engine, FakeProvider(OTHER_ISSUER).claims("42", world.member.email), both) == world.member.id
    assert sorted(links(engine)) == sorted([(world.chair.id, ISSUER, "42"), (world.member.id, OTHER_ISSUER, "42")])


def test_missing_subject_unknown_address_and_deactivated_accounts_are_refused(engine: Any) -> None:
    world = build_world(engine)
    provider = FakeProvider()
    with pytest.raises(AuthenticationError, match="no usable identity"):
        sign_in(engine, provider.claims("", world.chair.email))
    with pytest.raises(AuthenticationError, match="No active tracker account"):
        sign_in(engine, provider.claims("sub-x", "stranger@elsewhere.example"))
    sign_in(engine, provider.claims("sub-member", world.member.email))
    with write_session(engine) as s:
        s.get(User, world.member.id).active = False
    with pytest.raises(AuthenticationError, match="deactivated"):
        sign_in(engine, provider.claims("sub-member", world.member.email))


def test_an_admin_removes_the_link_and_the_next_sign_in_links_afresh(engine: Any) -> None:
    world = build_world(engine)
    provider = FakeProvider()
    sign_in(engine, provider.claims("old-sub", world.chair.email))
    with read_session(engine) as s:
        assert [(x.user_id, x.subject) for x in accounts.list_sso_links(s, world.actor("admin"))] == [
            (world.chair.id, "old-sub")
        ]
    with pytest.raises(PermissionDeniedError), write_session(engine) as s:
        accounts.remove_sso_links(s, world.actor("manager"), user_id=world.chair.id)
    with write_session(engine) as s:
        assert accounts.remove_sso_links(s, world.actor("admin"), user_id=world.chair.id) == 1
    assert links(engine) == []
    with read_session(engine) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "account.sso_unlink")).one()
        assert event.actor_id == world.admin.id and "old-sub" in (event.before_json or "")
    # The person's new identity at the provider (e.g. a recreated account) now links.
    assert sign_in(engine, provider.claims("new-sub", world.chair.email)) == world.chair.id
    assert links(engine) == [(world.chair.id, ISSUER, "new-sub")]


def test_deleting_an_account_removes_its_links(engine: Any) -> None:
    with write_session(engine) as s:
        user = make_user(s, role=Role.interviewer)
        user_id, email = user.id, user.email
    sign_in(engine, FakeProvider().claims("gone", email))
    with write_session(engine) as s:
        s.delete(s.get(User, user_id))
    assert links(engine) == []


def test_issuers_come_from_the_configured_discovery_urls() -> None:
    auth = {
        "client_id": "x", "server_metadata_url": f"{ISSUER}/.well-known/openid-configuration",
        "partner": {"client_id": "y", "server_metadata_url": f"{OTHER_ISSUER}/tenant/.well-known/openid-configuration"},
        "broken": {"client_id": "z", "server_metadata_url": "https://nowhere.example/metadata.json"},
    }  # fmt: skip
    assert configured_issuers(auth, environ={}) == [ISSUER, f"{OTHER_ISSUER}/tenant"]
    assert configured_issuers(auth, environ={"TRACKER_SSO_ISSUERS": " https://a.example , https://b.example"}) == [
        "https://a.example", "https://b.example",
    ]  # fmt: skip
    assert configured_issuers(None, environ={}) == []
    assert issuer_of("/.well-known/openid-configuration") is None
