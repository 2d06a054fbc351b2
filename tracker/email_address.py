"""One e-mail check for accounts and candidates, on email-validator (syntax only, never DNS).

Why a library: two hand-written regular expressions disagreed (one refused ``o'brien@example.ca``) and
both accepted ``a..b@example.ca``, ``a@example..ca``, ``a.@example.ca`` and a trailing dot. The
project keeps its own rules around the library's: addresses are stored lower-cased (one account or
candidate per address whatever the capitals), and an address that starts like a spreadsheet formula is
refused, because it would be neutralised (and so changed) in every export.

``strict=True`` adds the RFC length limits (64 characters before the @). ``check_deliverability=False``: a hiring panel works offline as often as not, and an address that has no
mail server today is still the address the candidate gave. Internationalised domains are kept in their
Unicode form, so ``x@xn--mnchen-3ya.de`` and ``x@münchen.de`` are one address.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import email_validator
from email_validator import EmailNotValidError, ValidatedEmail, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES
from email_validator.syntax import (
    split_email,
    validate_email_domain_name,
    validate_email_length,
    validate_email_local_part,
)

from tracker.formula import looks_like_formula

MAX_EMAIL_LENGTH = 320


def _validated(text: str | None) -> ValidatedEmail | None:
    candidate = (text or "").strip()
    if not candidate or len(candidate) > MAX_EMAIL_LENGTH or "\x00" in candidate:
        return None
    if looks_like_formula(candidate):
        return None
    try:
        return validate_email(candidate, check_deliverability=False, allow_quoted_local=False, strict=True)
    except EmailNotValidError:
        return None


@lru_cache(maxsize=1024)
def _domain(domain_part: str, test_environment: bool, globally_deliverable: bool) -> tuple[str, str] | None:
    """``validate_email_domain_name`` once per distinct domain: it is most of the cost of a check
    (IDNA and UTS #46 on every character), and a file of 10,000 candidates has a few dozen domains."""
    try:
        info = validate_email_domain_name(
            domain_part, test_environment=test_environment, globally_deliverable=globally_deliverable
        )
    except EmailNotValidError:
        return None
    return info["domain"], info["ascii_domain"]


def _fast_normalized(text: str | None) -> str | None:
    """Exactly ``_validated(text).normalized`` (None where it is None), with the domain checked once per
    distinct domain (issue #19: a CSV import of 10,000 rows).

    The steps and their order are email-validator's ``validate_email`` (2.x) for the options ``_validated``
    passes: no display name, no quoted local part, no domain literal, no deliverability check. A test
    compares both on generated and hostile addresses (``tests/test_email_address.py``).
    """
    candidate = (text or "").strip()
    if not candidate or len(candidate) > MAX_EMAIL_LENGTH or "\x00" in candidate or looks_like_formula(candidate):
        return None
    try:
        display_name, original_local, local, quoted, domain_part = split_email(candidate)
        if display_name is not None or quoted:
            return None  # refused by allow_display_name / allow_quoted_local=False
        options = {"allow_smtputf8": email_validator.ALLOW_SMTPUTF8, "allow_empty_local": email_validator.ALLOW_EMPTY_LOCAL,
                   "quoted_local_part": False, "strict": True}  # fmt: skip
        info = validate_email_local_part(local, **options)
        normalized_local = unicodedata.normalize("NFC", local)
        if normalized_local != local:
            info = validate_email_local_part(normalized_local, **options)
        if not domain_part or (domain_part.startswith("[") and domain_part.endswith("]")):
            return None  # nothing after the @, or a domain literal (allow_domain_literal=False)
        domain = _domain(
            domain_part, bool(email_validator.TEST_ENVIRONMENT), bool(email_validator.GLOBALLY_DELIVERABLE)
        )
        if domain is None:
            return None
        ret = ValidatedEmail()
        ret.original = original_local + "@" + domain_part
        ret.local_part, ret.ascii_local_part = info["local_part"], info["ascii_local_part"]
        if ret.ascii_local_part is not None and ret.ascii_local_part.lower() in CASE_INSENSITIVE_MAILBOX_NAMES:
            ret.ascii_local_part, ret.local_part = ret.ascii_local_part.lower(), ret.local_part.lower()
        ret.domain, ret.ascii_domain = domain
        ret.normalized = ret.local_part + "@" + ret.domain
        validate_email_length(ret)
    except EmailNotValidError:
        return None
    return ret.normalized


def canonical_email(text: str | None) -> str | None:
    """The address as the tracker stores it (stripped, lower-cased, IDN in Unicode), or None if invalid."""
    normalized = _fast_normalized(text)
    return None if normalized is None else normalized.lower()


def email_spellings(text: str) -> set[str]:
    """Every stored form an address may have: canonical, ASCII (punycode) domain, and as typed.

    Accounts created before this check could hold a punycode domain; a lookup tries all of them.
    """
    spellings = {text.strip().lower()}
    valid = _validated(text)
    if valid is not None:
        spellings.add(valid.normalized.lower())
        if valid.ascii_email:
            spellings.add(valid.ascii_email.lower())
    return spellings
