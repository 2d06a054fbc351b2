"""Paging and search for every list that grows with applications (issue #19; screening, #13, reuses it).

A page never receives more than one page of rows: the services count the matches, then read one
``LIMIT/OFFSET`` slice in SQL, so a posting with 10,000 candidates sends 50 rows (and 50 widgets or
links) to the browser, not 10,000. Searches are typed by people in either official language:

* a **label** in any of the forms a person types or reads: "Candidate 07", "Candidature 07" (the
  French rendering), "cand 7", "#7", "07" or "7" — all mean label number 7 of the posting, so search
  does not depend on how a label is rendered at display time;
* otherwise a **name** fragment, matched anywhere in the name, ignoring case and accents on both
  databases ("elise" finds "Élise"; see :class:`folded`).

The helpers build SQL expressions so that the same search runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, String, false, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session

from tracker.db import search_fold

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200  # a page of a list never draws more rows than this, whatever the caller asks
MAX_QUERY = 200  # characters of a search box kept (a longer text cannot match a 300-character name better)

# Every word a label starts with, in both languages (lower case, accents removed): "Candidate 07",
# "Candidature 07", and the abbreviations people type. The label's display form is rendered elsewhere
# (``candidates.label_for``); search only needs the number.
_LABEL_WORDS = ("candidate", "candidature", "candidat", "candidats", "cand", "no", "n", "#")
_LABEL_RE = re.compile(r"^\s*(?:(?P<word>[a-z#.°]+)\.?\s*)?#?\s*(?P<number>\d{1,9})\s*$")


@dataclass(frozen=True)
class PageRequest:
    """Which slice of a list to read: ``number`` counts from 1; ``size`` is clamped to 1..MAX_PAGE_SIZE."""

    number: int = 1
    size: int = DEFAULT_PAGE_SIZE

    def clamped(self) -> PageRequest:
        return PageRequest(max(1, int(self.number)), min(MAX_PAGE_SIZE, max(1, int(self.size))))

    @property
    def offset(self) -> int:
        page = self.clamped()
        return (page.number - 1) * page.size


# One page of a list: its rows, the total number of matches, and where the page sits among them.
@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first_row(self) -> int:
        """The 1-based position of the page's first row (0 when the list is empty)."""
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def last_row(self) -> int:
        return (self.number - 1) * self.size + len(self.items)


# What a search box asked for: a label number, or a name fragment (never both: "7" is a label).
@dataclass(frozen=True)
class SearchTerms:
    label_number: int | None = None
    text: str = ""

    @property
    def empty(self) -> bool:
        return self.label_number is None and not self.text


def _fold(text: str) -> str:
    """Lower case without accents: "Candidature" and "candidature", "Élise" and "elise" are one word."""
    return search_fold(text) or ""


class folded(FunctionElement[str]):
    """A column's text in lower case without accents, on both databases (names are searched so).

    SQLite: ``tracker_fold``, a Python function every connection registers (``tracker.db``), since its
    ``lower()`` folds ASCII only. PostgreSQL: ``lower()`` then ``translate()`` of the accented letters
    of French and the other Latin-script languages names are written in.
    """

    type = String()
    inherit_cache = True


_ACCENTED = "àáâãäåāăąçćčďèéêëēėęěìíîïīįñńňòóôõöōőùúûüūůűųýÿžźżšś"
_PLAIN = "".join(_fold(ch) for ch in _ACCENTED)  # one plain letter each, as SQLite's tracker_fold gives


@compiles(folded, "postgresql")
def _folded_postgresql(element: folded, compiler: Any, **kw: Any) -> str:
    inner = compiler.process(element.clauses, **kw)
    return f"translate(lower({inner}), '{_ACCENTED}', '{_PLAIN}')"


@compiles(folded)
def _folded_sqlite(element: folded, compiler: Any, **kw: Any) -> str:
    return f"tracker_fold({compiler.process(element.clauses, **kw)})"


def parse_search(text: str | None) -> SearchTerms:
    """Read a search box: a label in either language ("Candidate 07", "Candidature 7", "#7", "7") or a name."""
    raw = " ".join((text or "").split())[:MAX_QUERY]
    if not raw:
        return SearchTerms()
    match = _LABEL_RE.match(_fold(raw))
    if match is not None:
        word = (match.group("word") or "").rstrip(".°")
        if not word or word in _LABEL_WORDS:
            return SearchTerms(label_number=int(match.group("number")))
    return SearchTerms(text=raw)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def text_match(column: Any, text: str) -> ColumnElement[bool]:
    """``column`` contains ``text``, ignoring case, on both databases (``%`` and ``_`` typed literally)."""
    pattern = f"%{_escape_like(_fold(text))}%"
    return folded(column).like(pattern, escape="\\")


def candidate_match(terms: SearchTerms, *, label_number: Any, name: Any | None) -> ColumnElement[bool] | None:
    """The WHERE clause a search adds to a query of candidates (None: no filter).

    ``name`` is None where names must not be searched (an anonymised list): a name search then
    matches nothing rather than revealing, by the rows it keeps, who is behind a label.
    """
    if terms.empty:
        return None
    if terms.label_number is not None:
        return label_number == terms.label_number
    if name is None:
        return false()
    return text_match(name, terms.text)


def paginate(session: Session, query: Select[Any], request: PageRequest) -> tuple[list[Any], int, PageRequest]:
    """Count ``query``'s rows, then read one page of them; a page past the end gives the last page.

    Two statements whatever the list's length; ``query`` must already be ordered (a stable order:
    end it with a unique column) so that pages neither repeat nor skip rows.
    """
    page = request.clamped()
    total = int(session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one())
    last = max(1, -(-total // page.size))
    if page.number > last:
        page = PageRequest(last, page.size)
    rows = list(session.execute(query.limit(page.size).offset(page.offset)).all()) if total else []
    return rows, total, page


def page_of(items: Sequence[T], request: PageRequest) -> Page[T]:
    """One page of a list already in memory (e.g. a queue the service computed), same rules as SQL."""
    page = request.clamped()
    total = len(items)
    last = max(1, -(-total // page.size))
    number = min(page.number, last)
    start = (number - 1) * page.size
    return Page(list(items[start : start + page.size]), total, number, page.size)


def matches_text(terms: SearchTerms, *, label_number: int, texts: Sequence[str]) -> bool:
    """The in-memory twin of :func:`candidate_match`: label number, or ``terms.text`` in any of ``texts``."""
    if terms.empty:
        return True
    if terms.label_number is not None:
        return label_number == terms.label_number
    needle = _fold(terms.text)
    return any(needle in _fold(text) for text in texts)


__all__ = [
    "DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE", "Page", "PageRequest", "SearchTerms", "candidate_match", "matches_text",
    "page_of", "paginate", "parse_search", "text_match",
]
