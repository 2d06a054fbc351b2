"""The candidate's anonymised label: a number, written in the reader's language when it is shown.

Why a number and not a stored string: « Candidate 07 » is English, and in French it also names a woman
(« Candidate 02 » for Daniel). The database keeps ``label_number`` only; every page, document and
export renders it here, through the catalog (« Candidature 07 » / "Candidate 07"), so the word is the
glossary's in both languages and there is one place to change it.

Text a person types or an older record holds (the audit trail keeps the label as it was written at the
time) may be in either language: :func:`parse_label` accepts both forms, and :func:`label_text`
re-renders any of them in the reader's language.
"""

from __future__ import annotations

import re

from tracker.i18n import N_
from tracker.i18n.message import Message

# The one msgid of the label; French « Candidature {number} ».
LABEL_MSGID = N_("Candidate {number}")

# "Candidate 07", "candidature 7", "Candidature07", "#7": the label number in either language.
_LABEL_RE = re.compile(r"^\s*(?:candidate|candidature|#)\s*0*(\d{1,9})\s*$", re.IGNORECASE)


def candidate_label(number: int) -> Message:
    """The label of candidate ``number``: a :class:`Message` (``str()`` is English, ``.translate(lang)``)."""
    return Message(LABEL_MSGID, number=f"{int(number):02d}")


def parse_label(text: object) -> int | None:
    """The label number in ``text`` written in English or French ("Candidate 07", « Candidature 7 »)."""
    match = _LABEL_RE.match(str(text or ""))
    return int(match.group(1)) if match else None


def label_text(value: object, lang: str) -> str:
    """A label in ``lang``, from a label number, a label :class:`Message` or a label in either language.

    Anything that is not a label (an empty cell, a name in a non-anonymised view) comes back unchanged.
    """
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return candidate_label(value).translate(lang)
    if isinstance(value, Message) and value.msgid == LABEL_MSGID:
        return value.translate(lang)
    number = parse_label(value)
    return candidate_label(number).translate(lang) if number is not None else ("" if value is None else str(value))


_LABEL_IN_TEXT = re.compile(r"\b(?:Candidate|Candidature) (\d{2,9})\b")


def relabel(text: str, lang: str) -> str:
    """``text`` with every label inside it ("first scorecard opened (Candidate 01)") written in ``lang``.

    For stored record text shown to a reader (audit reasons and details): the record keeps what was
    written; the reader sees the label in their language, like everywhere else.
    """
    return _LABEL_IN_TEXT.sub(lambda m: candidate_label(int(m.group(1))).translate(lang), text)
