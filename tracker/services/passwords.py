"""Password policy beyond length: not a common password, not the account's own name or e-mail (issue #17).

Length alone let ``password12``, ``1234567890``, ``aaaaaaaaaa`` and the account's own e-mail through; each
is among the first guesses of anyone trying accounts. The list of common passwords is the 30,000 that
zxcvbn 4.5.0 ships (MIT; ``tracker/data/common-passwords.NOTICE.txt``), kept as package data rather than a
dependency because only the list is needed. A password is refused when, ignoring case:

* it is on the list, or is a listed password with digits and punctuation around it (``password12``,
  ``!qwerty2024``) — the padding people add to pass a length rule adds almost nothing to a guesser's work;
* it is one character repeated, or a short pattern repeated (``aaaaaaaaaa``, ``abcabcabca``);
* it contains the e-mail's local part or its pieces (``jean.tremblay`` → ``jean``, ``tremblay``), or a word
  of the display name, of at least four letters (accents ignored).

The messages say which rule refused it, so the user knows what to change; they never echo the password.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from tracker.i18n import N_
from tracker.services.errors import ValidationError

COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"
MIN_NAME_PART = 4  # shorter pieces ("jo", "lee", "cli") occur in too many good passphrases to refuse them
_PADDING = re.compile(r"^[\d\W_]*(.*?)[\d\W_]*$", re.UNICODE)
_NAME_SPLIT = re.compile(r"[\W_\d]+", re.UNICODE)


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list, lower-cased (read once per process, ~30 ms)."""
    words = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").split("\n")
    return frozenset(word.lower() for word in words if word)


def _fold(text: str) -> str:
    """Lower case without accents, so "Élodie" and "elodie" are the same name."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def is_common(password: str) -> bool:
    folded = password.lower()
    listed = common_passwords()
    if folded in listed:
        return True
    core = _PADDING.match(folded)
    return bool(core and core.group(1) and core.group(1) != folded and core.group(1) in listed)


def is_repetitive(password: str) -> bool:
    """One character or a pattern of up to three characters, repeated to fill the length."""
    folded = password.lower()
    for period in (1, 2, 3):
        unit = folded[:period]
        if len(folded) > period and (unit * (len(folded) // period + 1))[: len(folded)] == folded:
            return True
    return False


def personal_parts(*, email: str | None, display_name: str | None) -> list[str]:
    """The pieces of the e-mail's local part and of the display name a password must not contain."""
    parts: list[str] = []
    if email:
        local = _fold(email.split("@", 1)[0])
        parts.append(local)
        parts.extend(_NAME_SPLIT.split(local))
    if display_name:
        parts.extend(_NAME_SPLIT.split(_fold(display_name)))
    return sorted({p for p in parts if len(p) >= MIN_NAME_PART}, key=len, reverse=True)


def check_password_strength(password: str, *, email: str | None = None, display_name: str | None = None) -> None:
    """Raise a ValidationError naming the rule a guessable password breaks (length is checked before)."""
    if is_common(password):
        raise ValidationError(
            N_(
                "This password is one of the most common passwords (or one with a few digits or symbols added), "
                "so it is among the first an attacker tries. Choose a passphrase of several unrelated words."
            )
        )
    if is_repetitive(password):
        raise ValidationError(
            N_(
                "This password repeats one character or a short pattern; choose a passphrase of several unrelated words."
            )
        )
    folded = _fold(password)
    if any(part in folded for part in personal_parts(email=email, display_name=display_name)):
        raise ValidationError(
            N_(
                "This password contains the account's name or e-mail address, which anyone who knows the person "
                "would try; choose one without them."
            )
        )
