"""Typography of the French catalog, checked the way Canadian usage writes it (issue #21 §3).

Why a lint and not a review: 113 colons with a breaking space and 12 pairs of « » with ordinary spaces
were found by reading, and the next msgid would bring them back. The rules are the glossary's
(``../shared/guide/GLOSSARY.md``, "Formats and typography"):

* a non-breaking space (U+00A0, or the narrow U+202F) before « : » and inside « »;
* no space at all before « ; », « ? », « ! » (Canadian usage, unlike France);
* one apostrophe throughout the catalog, and no English quotation marks “ ” in French;
* no abbreviated doublets in running text: « (e) », « (s) », « · » and « / » between letters
  (the Language Portal of Canada keeps them for tight spaces; the UI writes épicène or full doublets);
* the same ``{placeholders}`` as the msgid (:func:`tracker.i18n.catalog.check_catalogs` checks that).

``lint_text`` takes one translated string; ``lint_catalog`` every French msgstr, plural forms included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.i18n.catalog import check_catalogs, load_catalog

NBSP = "\u00a0"
NNBSP = "\u202f"
_HARD = NBSP + NNBSP

# (rule, pattern): a match is a finding. Placeholders ("{x}") and Markdown ("**") are left as they are.
RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("breaking space before « : »", re.compile(r"[ \t\n]:")),
    ("space before « ; », « ? » or « ! »", re.compile(r"[\s" + _HARD + r"][;?!]")),
    ("breaking space or none after « « »", re.compile(r"«(?![" + _HARD + r"])")),
    ("breaking space or none before « » »", re.compile(r"(?<![" + _HARD + r"])»")),
    ("two spaces in a row", re.compile(r"[ " + _HARD + r"]{2}")),
    ("English quotation marks in French", re.compile(r"[“”]")),
    ("abbreviated doublet « (e) »", re.compile(r"[A-Za-zÀ-ÿ]\((?:e|s|es|x|ne|le|se|euse|rice|trice)\)", re.IGNORECASE)),
    ("abbreviated doublet « · »", re.compile(r"[a-zà-ÿ]·[a-zà-ÿ]")),
    ("abbreviated doublet « / »", re.compile(r"(?<![/:.\w])[a-zà-ÿ]+/[a-zà-ÿ]+(?![/\w])")),
)


@dataclass(frozen=True)
class Finding:
    msgid: str
    rule: str
    text: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.text!r} (msgid {self.msgid!r})"


def lint_text(text: str) -> list[str]:
    """The rules ``text`` breaks (one French string)."""
    return [rule for rule, pattern in RULES if pattern.search(text)]


def _strings(message_string: object) -> tuple[str, ...]:
    if isinstance(message_string, tuple | list):
        return tuple(str(s) for s in message_string if s)
    return (str(message_string),) if message_string else ()


def lint_catalog(lang: str = "fr") -> list[Finding]:
    """Every typographic finding in ``lang``'s catalog, plus placeholder mismatches and mixed apostrophes."""
    findings: list[Finding] = []
    apostrophes: dict[str, int] = {"'": 0, "’": 0}
    for message in load_catalog(lang):
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        for text in _strings(message.string):
            findings.extend(Finding(msgid, rule, text) for rule in lint_text(text))
            for mark in apostrophes:
                apostrophes[mark] += text.count(mark)
    if all(apostrophes.values()):
        findings.append(Finding("", "mixed apostrophes (' and ’) in one catalog", str(apostrophes)))
    for msgid in check_catalogs(langs=(lang,)).placeholders.get(lang, []):
        findings.append(Finding(str(msgid), "placeholders differ from the msgid", ""))
    return findings
