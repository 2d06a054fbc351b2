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

from email_validator import EmailNotValidError, ValidatedEmail, validate_email

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


def canonical_email(text: str | None) -> str | None:
    """The address as the tracker stores it (stripped, lower-cased, IDN in Unicode), or None if invalid."""
    valid = _validated(text)
    return None if valid is None else valid.normalized.lower()


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
