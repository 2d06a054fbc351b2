"""The search box and page controls of every list that grows with applications (issue #19).

The services do the searching and paging (``tracker.services.paging``); a page keeps only the
search text and the page number in ``st.session_state`` (two small values per list, never the rows),
asks the service for that page, and draws it. Screening (issue #13) uses the same three calls:

    query = search_box("screening", _("Search"))
    page = service(..., query=query, page=requested("screening"))
    pager("screening", page)
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from app_pages import frame
from tracker.services.paging import DEFAULT_PAGE_SIZE, Page, PageRequest


def _page_key(key: str) -> str:
    return f"{key}_page"


def reset(key: str) -> None:
    """Back to the first page (a new search or filter: page 7 of the old list means nothing)."""
    st.session_state[_page_key(key)] = 1


def search_box(key: str, label: str, *, help: str | None = None) -> str:
    """A search field whose text survives reruns; a new text goes back to the first page."""
    _ = frame.translator()
    # markdown-safe: every caller passes a catalog sentence as the label and the help (no typed text)
    return st.text_input(
        label,
        key=f"{key}_search",
        max_chars=200,
        placeholder=_("Label (Candidate 07, Candidature 07, 7) or part of a name"),
        help=help,
        on_change=reset,
        args=(key,),
    )


def requested(key: str, size: int = DEFAULT_PAGE_SIZE) -> PageRequest:
    """The page this list should show now (1 when the list was never paged)."""
    value = st.session_state.get(_page_key(key), 1)
    return PageRequest(value if isinstance(value, int) else 1, size)


def pager(key: str, page: Page[Any]) -> None:
    """ "Rows 51–100 of 8,005" and, when there is more than one page, a page number to go to."""
    _ = frame.translator()
    if page.total == 0:
        return
    # The service may have given another page than asked (past the end after a filter): show it.
    st.session_state[_page_key(key)] = page.number
    text = _(
        "Rows {first}–{last} of {total}",
        first=frame.format_number(page.first_row),
        last=frame.format_number(page.last_row),
        total=frame.format_number(page.total),
    )
    if page.pages <= 1:
        st.caption(text)
        return
    left, right = st.columns([3, 1])
    of = _("page {number} of {pages}", number=frame.format_number(page.number), pages=frame.format_number(page.pages))
    left.caption(text + " · " + of)
    right.number_input(_("Page"), min_value=1, max_value=page.pages, step=1, key=_page_key(key))
