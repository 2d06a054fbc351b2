"""What a spreadsheet would run as a formula: the one trigger list for exports and input checks.

OWASP's "CSV Injection" list: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return may be evaluated. Spreadsheets also skip what comes before the trigger when it is only
whitespace or invisible characters, so ``" =1+1"``, ``"\\n=1+1"``, ``"\\u00a0@SUM(…)"`` or a value
opening with a zero-width space or a byte-order mark run just the same (issue #17). A value counts as
formula-like when its first character that is neither whitespace nor a control/format character
(Unicode categories Cc and Cf) is a trigger, or when it starts with a tab or carriage return.
"""

from __future__ import annotations

import unicodedata

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_STARTS = frozenset("=+-@")


def _skippable(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf")


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as a formula (see the module docstring)."""
    if not text:
        return False
    first = text[0]
    if first in _FORMULA_STARTS or first in "\t\r":
        return True
    if not _skippable(first):  # the common case: one character looked at
        return False
    for char in text:
        if not _skippable(char):
            return char in _FORMULA_STARTS
    return False


def neutralise_text(text: str) -> str:
    """A formula-like string with a leading apostrophe (what OWASP recommends for CSV); else unchanged."""
    return "'" + text if looks_like_formula(text) else text
