"""Guessable passwords are refused, and failed sign-ins are throttled across accounts (issue #17, item 5).

Length alone let ``password12``, ``1234567890``, ``aaaaaaaaaa`` and the account's own e-mail through, and
the lockout limited guessing per account only: one common password tried on every account (spraying)
never tripped it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from factories import DEFAULT_PASSWORD, build_world, make_user
from sqlmodel import select

from tracker.db import read_session, write_session
from tracker.models import AuditEvent, Role, utcnow
from tracker.services import SYSTEM_ACTOR, AuthenticationError, ValidationError, accounts, passwords
from tracker.services.passwords import COMMON_PASSWORDS_FILE

GUESSABLE = ["password12", "1234567890", "aaaaaaaaaa", "qwertyuiop", "Password2024!", "abcabcabcabc", "motdepasse1"]


def test_the_common_password_list_is_shipped_whole_with_its_licence() -> None:
    listed = passwords.common_passwords()
    assert len(listed) >= 10_000
    assert {"password", "123456", "qwerty", "motdepasse", "soleil"} <= listed
    notice = COMMON_PASSWORDS_FILE.with_name("common-passwords.NOTICE.txt").read_text(encoding="utf-8")
    assert "MIT License" in notice and "zxcvbn" in notice


@pytest.mark.parametrize("password", GUESSABLE)
def test_guessable_passwords_are_refused_when_creating_an_account(engine: Any, password: str) -> None:
    with pytest.raises(ValidationError) as refused, write_session(engine) as s:
        accounts.create_user(
            s,
            SYSTEM_ACTOR,
            email="new.person@northwind.example",
            display_name="New Person",
            role=Role.interviewer,
            password=password,
        )
    assert "common" in str(refused.value) or "repeats" in str(refused.value)
    with read_session(engine) as s:
        assert accounts._user_by_email(s, "new.person@northwind.example") is None


@pytest.mark.parametrize(
    "password",
    [
        "jean.tremblay@northwind.example",
        "jean.tremblay-2026",
        "Tremblay rocks 99",
        "i am jean, hello",
        "ÉLODIE-B.-forever",
    ],
)
def test_a_password_containing_the_accounts_email_or_name_is_refused(engine: Any, password: str) -> None:
    with pytest.raises(ValidationError, match="name or e-mail"), write_session(engine) as s:
        accounts.create_user(
            s,
            SYSTEM_ACTOR,
            email="jean.tremblay@northwind.example",
            display_name="Élodie Tremblay",
            role=Role.interviewer,
            password=password,
        )


def test_the_rules_apply_to_a_reset_and_to_ones_own_change(engine: Any) -> None:
    world = build_world(engine)
    own = world.actor("member")
    local = world.member.email.split("@")[0]
    for actor, current in ((world.actor("admin"), None), (own, DEFAULT_PASSWORD)):
        for password in ("1234567890", f"{local}-is-secure", "Mika-Member-42"):
            with pytest.raises(ValidationError), write_session(engine) as s:
                accounts.set_password(s, actor, user_id=world.member.id, password=password, current_password=current)
    with write_session(engine) as s:  # a passphrase of unrelated words still goes through
        accounts.set_password(
            s, own, user_id=world.member.id, password="granite otter lantern", current_password=DEFAULT_PASSWORD
        )


def test_a_passphrase_is_accepted() -> None:
    for password in ("correct horse battery staple", "northwind-test-pass", "trois pommes vertes au four"):
        accounts.check_password(password, email="jean.tremblay@northwind.example", display_name="Jean Tremblay")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_user_is_told_why_in_their_language(lang: str) -> None:
    reasons = []
    for password, kwargs in (
        ("password12", {}),
        ("zzzzzzzzzzzz", {}),
        ("jean-tremblay-99", {"email": "jean@x.example"}),
    ):
        with pytest.raises(ValidationError) as refused:
            accounts.check_password(password, **kwargs)
        reasons.append(refused.value.problems[0].translate(lang))
    assert len(set(reasons)) == 3
    if lang == "fr":
        assert "courants" in reasons[0] and "répète" in reasons[1] and "courriel" in reasons[2]
    assert not any("password12" in r or "jean-tremblay-99" in r for r in reasons)  # never echoed


def _sign_in(engine: Any, email: str, password: str, now: Any = None) -> Any:
    with write_session(engine) as s:
        return accounts.authenticate(s, email=email, password=password, now=now)


def test_failed_sign_ins_across_accounts_pause_every_sign_in(engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Spraying: one wrong guess on each of many accounts (no account locks) trips the service-wide throttle."""
    monkeypatch.setattr(accounts, "THROTTLE_FAILED_LOGINS", 8)
    with write_session(engine) as s:
        victims = [make_user(s, role=Role.interviewer).email for _ in range(8)]
        bystander = make_user(s, role=Role.interviewer).email
    for email in victims:
        with pytest.raises(AuthenticationError, match="Sign-in failed"):
            _sign_in(engine, email, "Winter2026!")
    # Paused for everyone, right password or not, known e-mail or not: and the same sentence for all.
    refusals = []
    for email, password in (
        (bystander, DEFAULT_PASSWORD),
        (victims[0], "Winter2026!"),
        ("nobody@northwind.example", "x" * 12),
    ):
        with pytest.raises(AuthenticationError, match="paused") as paused:
            _sign_in(engine, email, password)
        refusals.append(str(paused.value))
    assert len(set(refusals)) == 1
    assert "suspendue" in paused.value.message.translate("fr")
    with read_session(engine) as s:  # the pause itself counts nothing
        failures = [e for e in s.exec(select(AuditEvent)).all() if e.action == "account.sign_in_failed"]
    assert len(failures) == 8
    later = utcnow() + accounts.THROTTLE_WINDOW + timedelta(seconds=1)
    assert _sign_in(engine, bystander, DEFAULT_PASSWORD, now=later).email == bystander


def test_a_few_failures_do_not_pause_anyone(engine: Any) -> None:
    world = build_world(engine)
    for _ in range(3):
        with pytest.raises(AuthenticationError, match="Sign-in failed"):
            _sign_in(engine, world.member.email, "not the password")
    assert _sign_in(engine, world.chair.email, DEFAULT_PASSWORD).id == world.chair.id
