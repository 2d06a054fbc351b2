"""What the hiring pages (postings, rubric, candidates, users, audit log) share.

* One posting is "the posting you are working on" across those pages: its id is kept in
  ``st.session_state`` under :data:`SELECTED_POSTING_KEY` (a plain key, not a widget's, so it survives
  page switches, which forget widget state), and each page's posting selectbox starts from it.
* Enum values are shown through catalog labels, never as raw values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, TypeVar

import streamlit as st

from app_pages import frame
from app_pages.frame.auth import FLASH_KEY
from tracker import timefmt
from tracker.i18n import N_
from tracker.models import CandidateStatus, CriterionKind, DecisionOutcome, Lang, Role, RubricStatus
from tracker.parsing.frontmatter_safe import posting_body
from tracker.services.actor import Actor
from tracker.services.postings import PostingSummary

T = TypeVar("T")

SELECTED_POSTING_KEY = "selected_posting_id"

RUBRIC_STATUS_LABELS = {RubricStatus.draft: N_("Draft"), RubricStatus.locked: N_("Locked")}
KIND_LABELS = {CriterionKind.essential: N_("Essential"), CriterionKind.asset: N_("Asset")}
CANDIDATE_STATUS_LABELS = {
    CandidateStatus.active: N_("In the process"),
    CandidateStatus.screened_out: N_("Screened out"),
    CandidateStatus.withdrawn: N_("Withdrawn"),
}
OUTCOME_LABELS = {
    DecisionOutcome.pending: N_("Pending"),
    DecisionOutcome.qualified: N_("Qualified"),
    DecisionOutcome.not_qualified: N_("Not qualified"),
    DecisionOutcome.offered: N_("Offer made"),
    DecisionOutcome.withdrawn: N_("Withdrawn from the process"),
}
LANGUAGE_LABELS = {Lang.en: N_("English"), Lang.fr: N_("French")}


def label(table: dict[Any, str], value: Any) -> str:
    """The translated catalog label of an enum value (the raw value if the table lacks it)."""
    _ = frame.translator()
    text = table.get(value)
    return _(text) if text else str(getattr(value, "value", value))


def label_func(table: dict[Any, str]) -> Callable[[Any], str]:
    """A selectbox ``format_func`` for enum values, with the labels translated now, in this run's language.

    A function that looked the language up when called would depend on where it is called from:
    Streamlit's test harness calls it outside the script run, where the session's language is unknown.
    """
    labels = {value: label(table, value) for value in table}
    return lambda value: labels.get(value) or str(getattr(value, "value", value))


def posting_title(summary: PostingSummary) -> str:
    """The posting's title in the session's language, marked when it fell back to the other one."""
    text, note = frame.localized_text(summary.title_en, summary.title_fr)
    text = text or summary.translation_key
    return f"{text} ({note})" if note else text


def managed_postings(actor: Actor, summaries: list[PostingSummary]) -> list[PostingSummary]:
    """The postings the actor may change: every one for an admin, their own for a manager.

    A manager also sees postings whose panel they sit on; those are someone else's to set up.
    """
    if actor.role == Role.admin:
        return summaries
    return [s for s in summaries if s.owner_id == actor.id]


def choose_posting(summaries: list[PostingSummary], *, key: str) -> PostingSummary:
    """A posting selectbox that starts from, and updates, the posting shared by the hiring pages."""
    _ = frame.translator()
    by_id = {s.id: s for s in summaries}
    if st.session_state.get(key) not in by_id:
        remembered = st.session_state.get(SELECTED_POSTING_KEY)
        current = next((s.id for s in summaries if not s.archived), summaries[0].id)  # an advertised one first
        st.session_state[key] = remembered if remembered in by_id else current
    # Labels made now, in this run's language: a format_func that looked the language up when called
    # would depend on where it is called from (AppTest calls it outside the script run).
    labels = {pid: f"{posting_title(summary)} · {summary.translation_key}" for pid, summary in by_id.items()}
    chosen = st.selectbox(_("Posting"), list(by_id), key=key, format_func=labels.__getitem__)
    st.session_state[SELECTED_POSTING_KEY] = chosen
    return by_id[chosen]


def choose_managed_posting(actor: Actor, *, key: str, empty_message: str) -> PostingSummary:
    """The posting picker of the set-up pages: the actor's managed postings, or ``empty_message`` and a
    link to the Postings page (then the page stops) when there is none yet."""
    from tracker.services import postings

    _ = frame.translator()
    summaries = frame.service_call(postings.list_postings, actor)
    if summaries is None:
        st.stop()
    managed = managed_postings(actor, summaries)
    if not managed:
        # markdown-safe: every caller passes a catalog sentence
        st.info(empty_message)
        st.page_link("app_pages/postings.py", label=_("Postings"), icon=":material/description:")
        st.stop()
    return choose_posting(managed, key=key)


def format_date(value: date | None) -> str:
    return value.isoformat() if value else "—"


def format_moment(value: datetime | None) -> str:
    """A timestamp for a table cell: the organisation's zone, named (``tracker.timefmt``; never "UTC")."""
    return timefmt.in_table(value, frame.current_lang())


def moment_text(value: datetime | None) -> str:
    """A timestamp inside a sentence: « 7 décembre 2026 à 6 h 27 (heure de l'Est) »."""
    return timefmt.in_sentence(value, frame.current_lang())


def flash(text: str, kind: str = "success") -> None:
    """A message shown once at the top of the next run (after ``st.rerun()``); ``text`` is trusted Markdown."""
    st.session_state[FLASH_KEY] = (kind, text)


def engine_call(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T | None:
    """Run a service that manages its own transactions (``fn(engine, ...)``, e.g. the posting import).

    It goes through ``frame.service_call`` so that refusals and database errors are shown exactly as
    for every other service; the session that call opens is never used, so it never connects.
    """
    return frame.service_call(lambda _session: fn(frame.engine(), *args, **kwargs))


def lines(items: Iterable[str]) -> str:
    """Several untrusted sentences as one cell of a table (tables show text as typed)."""
    return "\n".join(str(item) for item in items)


def without_front_matter(text: str) -> str:
    """A posting's Markdown body: the YAML front matter removed by the parser's own split.

    The rendered view shows what a reader of the posting sees; the raw view shows everything.
    """
    return posting_body(text)
