"""One e-mail check for accounts and candidates (issue #24), on email-validator, syntax only.

The project's own rules around the library's: stored lower-cased, a formula-like start refused,
internationalised domains kept in one (Unicode) form. Examples include the ones the review found
(``o'brien@`` refused by the old candidate check; ``a..b@``, ``a@example..ca``, ``a.@`` and a
trailing dot accepted by both old checks) and a selection of email-validator's own documented
valid and invalid addresses.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from factories import build_world
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.db import write_session
from tracker.email_address import canonical_email
from tracker.services import ValidationError, accounts, candidates
from tracker.services.candidates import check_candidate_email, parse_candidates_csv

VALID = {
    "o'brien@example.ca": "o'brien@example.ca",
    "O'Brien@Example.CA": "o'brien@example.ca",
    "  marie-ève.côté@example.ca ": "marie-ève.côté@example.ca",
    "user+mailbox/department=shipping@example.tld": "user+mailbox/department=shipping@example.tld",
    "!#$%&'*+-/=?^_`.{|}~@example.tld": "!#$%&'*+-/=?^_`.{|}~@example.tld",
    "Abc@example.tld": "abc@example.tld",
    "jeff@臺網中心.tw": "jeff@臺網中心.tw",
    "x@münchen.de": "x@münchen.de",
    "x@xn--mnchen-3ya.de": "x@münchen.de",  # punycode and Unicode are one address
    "x@MÜNCHEN.de": "x@münchen.de",
    "用户@例子.广告": "用户@例子.广告",
    "morgan@northwind.example": "morgan@northwind.example",
}
INVALID = [
    "a..b@example.ca", "a@example..ca", "a.@example.ca", "a@example.ca.", ".a@example.ca",
    "my@localhost", "my@.leadingdot.com", "my@．．leadingfwdot.com", "my@twodots..com", "my@trailingdot.com.",
    "me@-leadingdash", "my@baddash.-.com", "my@baddash.-a.com", "my@baddash.b-.com", "my@example\n.com",
    "m\ny@example.com", "me@x!", "me@x y.ca", "@example.com", "me@", "no-at-sign.example.ca", "a@b@example.ca",
    "me@[1.2.3.4]", '"quoted local"@example.ca', "me@example.test", "me@example.invalid", "me@example",
    "a\x00b@example.ca", "x" * 65 + "@example.ca", "a@" + "b" * 64 + ".ca", "",
    # the project's own rule: what a spreadsheet would run stays out, even when the library accepts it
    "=cmd@example.ca", "+1@example.ca", "-x@example.ca", "@x@example.ca",
]  # fmt: skip


@pytest.mark.parametrize(("typed", "stored"), list(VALID.items()))
def test_valid_addresses_are_kept_in_one_lower_case_form(typed: str, stored: str) -> None:
    assert canonical_email(typed) == stored
    assert check_candidate_email(typed) == stored
    assert accounts.check_email(typed) == stored


@pytest.mark.parametrize("typed", INVALID)
def test_invalid_addresses_are_refused_by_both_checks(typed: str) -> None:
    assert canonical_email(typed) is None
    with pytest.raises(ValidationError, match="is not an e-mail address"):
        accounts.check_email(typed)
    with pytest.raises(ValidationError):
        check_candidate_email(typed)


def test_the_check_never_asks_the_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the e-mail check tried the network")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    assert canonical_email("nobody@no-such-domain-for-sure.example") == "nobody@no-such-domain-for-sure.example"


def test_an_applicant_with_an_apostrophe_can_be_imported() -> None:
    data = "name,email\nSiobhán O'Brien,o'brien@example.ca\nBad Dots,a..b@example.ca\n".encode()
    preview = parse_candidates_csv(data, {})
    assert [(r.name, r.email) for r in preview.rows] == [("Siobhán O'Brien", "o'brien@example.ca")]
    assert len(preview.errors) == 1 and preview.errors[0].line == 3


def test_services_store_the_canonical_form_and_find_it_again(engine: Any) -> None:
    world = build_world(engine)
    with write_session(engine) as s:
        added = candidates.add_candidate(
            s, world.actor("manager"), posting_id=world.posting.id, name="Jeff", email="Jeff@XN--MNCHEN-3YA.de"
        )
        assert added.email == "jeff@münchen.de"
    with pytest.raises(ValidationError, match="already uses the e-mail"), write_session(engine) as s:
        candidates.add_candidate(
            s, world.actor("manager"), posting_id=world.posting.id, name="Jeff 2", email="jeff@münchen.de"
        )
    with write_session(engine) as s:
        user = accounts.create_user(s, world.actor("admin"), email="Ana@München.DE", display_name="Ana", role="interviewer",
                                    password="a-long-enough-passphrase")  # fmt: skip
        assert user.email == "ana@münchen.de"
    with write_session(engine) as s:  # signing in with the other spelling of the domain finds the account
        assert (
            accounts.authenticate(s, email="ana@xn--mnchen-3ya.de", password="a-long-enough-passphrase").id == user.id
        )


def test_an_account_stored_before_the_check_with_a_punycode_domain_still_signs_in(engine: Any) -> None:
    from factories import DEFAULT_PASSWORD, make_user

    with write_session(engine) as s:
        legacy = make_user(s, role="interviewer", email="old@xn--mnchen-3ya.de")
    for spelling in ("old@xn--mnchen-3ya.de", "OLD@münchen.de"):
        with write_session(engine) as s:
            assert accounts.authenticate(s, email=spelling, password=DEFAULT_PASSWORD).id == legacy.id


def _library(text: str) -> str | None:
    """The address as email-validator's own ``validate_email`` stores it, with the tracker's rules."""
    from email_validator import EmailNotValidError, validate_email

    from tracker.formula import looks_like_formula

    stripped = text.strip()
    if not stripped or len(stripped) > 320 or "\x00" in stripped or looks_like_formula(stripped):
        return None
    try:
        return validate_email(stripped, check_deliverability=False, allow_quoted_local=False, strict=True).normalized.lower()
    except EmailNotValidError:
        return None


_HOSTILE = [
    '"quoted"@example.ca', '"a@b"@example.ca', "Name <a@example.ca>", "<a@example.ca>", "a@[127.0.0.1]",
    "a@[IPv6:::1]", "a@", "postmaster@Example.CA", "POSTMASTER@example.ca", "Abuse@xn--mnchen-3ya.de",
    "e\u0301cole@example.ca", "\u0301a@example.ca", "a@exa\u200bmple.ca", "a\u202e@example.ca", "a b@example.ca",
    "=cmd@example.ca", "+a@example.ca", "x" * 64 + "@example.ca", "x" * 65 + "@example.ca",
    "a@" + "b" * 63 + ".ca", "a@" + "b" * 64 + ".ca", "a@" + ".".join(["c" * 60] * 4) + ".ca",
    "x" * 64 + "@" + ".".join(["d" * 61] * 3) + ".ca", "a@localhost", "a@example.invalid", "a@test", "a@onion.onion",
    "ü@example.ca", "a@ü.ca", "a@xn--.ca", "a@xn--zz.ca", "a@-a.ca", "a@a-.ca", "a.@example.ca", "a@1.2.3.4",
]  # fmt: skip


@pytest.mark.parametrize("typed", [*VALID, *INVALID, *_HOSTILE])
def test_the_once_per_domain_check_is_the_library_check(typed: str) -> None:
    """``canonical_email`` checks each distinct domain once (a 10,000-line import, issue #19) by running
    email-validator's steps itself: it must agree with ``validate_email`` on every address."""
    assert canonical_email(typed) == _library(typed)
    assert canonical_email(typed) == _library(typed)  # the second time, the domain comes from the cache


@settings(max_examples=int(os.environ.get("TRACKER_FUZZ_EXAMPLES", "300")), deadline=None)
@given(
    local=st.text(st.characters(codec="utf-8"), max_size=70),
    domain=st.one_of(
        st.text(st.characters(codec="utf-8"), max_size=30),
        st.sampled_from(["example.ca", "Example.CA", "münchen.de", "xn--mnchen-3ya.de", "[1.2.3.4]", "localhost"]),
    ),
)
def test_the_once_per_domain_check_agrees_on_generated_addresses(local: str, domain: str) -> None:
    typed = f"{local}@{domain}"
    assert canonical_email(typed) == _library(typed)
