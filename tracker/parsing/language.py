"""A posting's language: always "en" or "fr", and a warning whenever it had to be guessed."""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

from tracker.i18n import N_
from tracker.i18n.message import Message

_LANG_KEYS = ("lang", "language", "languageCode", "locale")
_FRENCH_NAMES = {"fr", "fra", "fre", "french", "francais", "français"}
_ENGLISH_NAMES = {"en", "eng", "english", "anglais"}
_WORD = re.compile(r"[a-zàâçéèêëîïôûùüÿœæ']+")

# Frequent words typical of one language; words common to both (a, on, en, ...) are left out.
_EN_STOP = frozenset(
    [
        "the",
        "and",
        "of",
        "to",
        "you",
        "we",
        "with",
        "for",
        "is",
        "are",
        "our",
        "your",
        "will",
        "be",
        "that",
        "this",
        "as",
        "at",
        "or",
        "who",
        "from",
        "have",
        "has",
        "can",
        "an",
        "by",
        "it",
        "their",
        "they",
        "what",
        "when",
        "which",
    ]
)
_FR_STOP = frozenset(
    [
        "le",
        "la",
        "les",
        "des",
        "du",
        "de",
        "et",
        "à",
        "un",
        "une",
        "vous",
        "nous",
        "pour",
        "avec",
        "dans",
        "est",
        "sont",
        "sur",
        "qui",
        "que",
        "au",
        "aux",
        "votre",
        "vos",
        "notre",
        "nos",
        "ce",
        "cette",
        "ces",
        "leur",
        "leurs",
        "être",
        "avez",
        "êtes",
        "par",
        "pas",
        "plus",
    ]
)


def language_from_value(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    folded = value.strip().casefold().replace("_", "-")
    head = folded.split("-")[0]
    if folded in _FRENCH_NAMES or head in _FRENCH_NAMES:
        return "fr"
    if folded in _ENGLISH_NAMES or head in _ENGLISH_NAMES:
        return "en"
    return None


def language_from_path(path: str) -> str | None:
    """An ``en``/``fr`` folder (the nearest one wins) or a Hugo-style ``name.fr.md`` file name."""
    pure = PurePath(path)
    suffixes = [suffix.lstrip(".").casefold() for suffix in pure.suffixes[:-1]]
    if suffixes and suffixes[-1] in ("en", "fr"):
        return suffixes[-1]
    for part in reversed(pure.parts[:-1]):
        if part.casefold() in ("en", "fr"):
            return part.casefold()
    return None


def vote(text: str) -> str | None:
    """Stop-word vote over the text; None on a tie (including no words at all)."""
    english = french = 0
    for word in _WORD.findall(text.casefold().replace("’", "'")):
        for piece in word.split("'"):
            english += piece in _EN_STOP
            french += piece in _FR_STOP
    if english == french:
        return None
    return "en" if english > french else "fr"


def detect_language(metadata: dict[str, Any], path: str, body: str) -> tuple[str, list[Message]]:
    """Front matter ``lang``/``language``, else an en/fr path segment, else a stop-word vote."""
    warnings: list[Message] = []
    for key in _LANG_KEYS:
        if key in metadata:
            found = language_from_value(metadata[key])
            if found:
                return found, warnings
            warnings.append(
                Message(
                    N_("Front matter {key}: {value} is neither English nor French; guessing instead."),
                    key=key,
                    value=repr(metadata[key]),
                )
            )
            break
    found = language_from_path(path)
    if found:
        return found, warnings
    found = vote(body)
    if found:
        return found, warnings
    warnings.append(Message(N_("Could not tell the language from the front matter, the path or the text; assumed English.")))
    return "en", warnings
