"""What the results page reads, and how long it keeps it (issue #5, issue #7 §2).

Streamlit reruns the page on every click, and a 2,000-candidate posting's figures cost far more than
drawing them, so every figure is computed once and kept in ``st.cache_data``:

* **Keys.** Each cached function takes the database URL, the posting id, the **actor's id** and the UI
  language as arguments (frame cache policy: per-user data must carry the user's id in its key), plus
  whatever else changes its result (the anonymised toggle, a candidate). The session and the actor come
  in as ``_session`` / ``_actor``: Streamlit leaves underscore arguments out of the key, and they are
  only how the first, uncached call reaches the services.
* **Access.** The loaders of :mod:`tracker.results.data` check ``require_results_access`` on every
  uncached call; a refusal is an exception, which Streamlit never caches, so it is shown by
  ``frame.service_call`` each time. Within the time to live, the page only offers postings that the
  uncached ``list_postings`` of *this* run says the actor manages, so a manager who loses a posting
  stops seeing its results on the next click.
* **Freshness: invalidated by every write.** The writes that change results (scorecards, consensus,
  decisions, rubric and candidate changes) happen on other pages, in other sessions and possibly other
  replicas, so a ``clear()`` on this page could not see them. Instead each key carries the posting's
  revision (``Scope.changed``, one primary-key read per rerun): every write to the posting's data,
  a panel member's rename included, moves it in its own transaction, so once it commits the next
  rerun misses the cache and recomputes, whatever the order of commits or the replicas' clocks
  (issue #22; an audit event time missed both). The short time to live (:data:`TTL_SECONDS`) only
  frees old entries; :func:`clear` empties every cache of this page (the "Refresh" button).
* **Only what the view needs.** The merit view reads the lean :func:`load_merit_frames`; the other
  views read the full frames (no notes) once, cached, and only when one of them is open.
* **Files are made on click.** Exports are ``st.download_button`` callables (deferred downloads): no
  CSV or XLSX is built while the page is merely shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import altair as alt
import pandas as pd
import streamlit as st
from sqlmodel import Session

from app_pages import frame
from app_pages._results_text import chart_translator
from tracker import exports
from tracker.db import database_url, write_session
from tracker.reports import render_feedback, render_record, report_filename
from tracker.results import charts
from tracker.results.agreement import AgreementSummary, agreement_summary, rating_spread
from tracker.results.calibration import interviewer_calibration
from tracker.results.completeness import completeness
from tracker.results.data import PostingFrames, PostingInfo, load_merit_frames, load_posting_frames
from tracker.results.merit import MeritView, merit_view
from tracker.services import audit
from tracker.services.actor import Actor

TTL_SECONDS = 60
MAX_ENTRIES = 48  # per function; a 2,000-candidate merit view is a few MB
HEATMAP_CANDIDATES = 40  # the heatmap draws the top of the ordering aid; the merit table has everyone
# Rows drawn per candidate / interviewer: st.altair_chart squeezes a chart's fixed pixel height into its
# own layout, a height in steps (pixels per row) it keeps.
ROW_STEP = 24


@dataclass(frozen=True)
class Scope:
    """Whose results, of which posting, in which language, as of which write: the common cache key.

    ``changed`` is :func:`tracker.results.data.latest_change`: the posting's revision. Every write to
    the posting's data moves it in its own transaction, so a committed write (a submitted scorecard, a
    consensus, a decision, a rubric or candidate change, a panel member renamed) gives the next rerun a
    new key, and so fresh figures, in every process and replica; old entries age out with the time to live.
    """

    posting_id: int
    actor_id: int
    lang: str
    anonymised: bool
    db: str
    changed: str = ""

    @classmethod
    def of(cls, actor: Actor, posting_id: int, *, anonymised: bool, changed: str = "") -> Scope:
        return cls(
            int(posting_id), int(actor.id or 0), frame.current_lang(), bool(anonymised), database_url(), changed
        )

    @property
    def key(self) -> dict[str, object]:
        return {
            "db": self.db, "posting_id": self.posting_id, "actor_id": self.actor_id, "lang": self.lang,
            "changed": self.changed,
        }  # fmt: skip


@dataclass(frozen=True)
class MeritData:
    """The merit view and the posting header it was computed for."""

    posting: PostingInfo
    view: MeritView
    scale: tuple[int, int]


_cache = st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)


@_cache
def merit_data(
    _session: Session,
    _actor: Actor,
    *,
    db: str,
    posting_id: int,
    actor_id: int,
    lang: str,
    changed: str,
    anonymised: bool,
) -> MeritData:
    """The lean load and the merit view (names dropped when ``anonymised``)."""
    frames = load_merit_frames(_session, _actor, posting_id=posting_id)
    return MeritData(frames.posting, merit_view(frames, anonymised=anonymised, lang=lang), frames.scale)


@_cache
def merit_table(
    _session: Session,
    _actor: Actor,
    *,
    db: str,
    posting_id: int,
    actor_id: int,
    lang: str,
    changed: str,
    anonymised: bool,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(raw table, display table, criteria legend) of the merit view, the words in ``lang``.

    The display table (one text per cell, translated) costs more than filtering or sorting it, so it is
    built once here; the page filters and sorts the raw table and shows the same rows of this one.
    """
    from app_pages._results_merit import criteria_legend, display_table  # imports this module: import here

    data = merit_data(
        _session, _actor, db=db, posting_id=posting_id, actor_id=actor_id, lang=lang, changed=changed,
        anonymised=anonymised,
    )  # fmt: skip
    return data.view.table, display_table(data.view, lang), criteria_legend(data.view, lang)


@_cache
def posting_frames(
    _session: Session, _actor: Actor, *, db: str, posting_id: int, actor_id: int, lang: str, changed: str
) -> PostingFrames:
    """Every frame but the evidence notes: what agreement, calibration, completeness and charts need."""
    return load_posting_frames(_session, _actor, posting_id=posting_id)


@dataclass(frozen=True)
class AgreementData:
    summary: AgreementSummary
    spread: pd.DataFrame


@_cache
def agreement_data(
    _session: Session, _actor: Actor, *, db: str, posting_id: int, actor_id: int, lang: str, changed: str
) -> AgreementData:
    frames = posting_frames(
        _session, _actor, db=db, posting_id=posting_id, actor_id=actor_id, lang=lang, changed=changed
    )
    return AgreementData(agreement_summary(frames), rating_spread(frames))


@_cache
def calibration_data(
    _session: Session, _actor: Actor, *, db: str, posting_id: int, actor_id: int, lang: str, changed: str
) -> pd.DataFrame:
    frames = posting_frames(
        _session, _actor, db=db, posting_id=posting_id, actor_id=actor_id, lang=lang, changed=changed
    )
    return interviewer_calibration(frames)


@_cache
def completeness_data(
    _session: Session, _actor: Actor, *, db: str, posting_id: int, actor_id: int, lang: str, changed: str
) -> pd.DataFrame:
    frames = posting_frames(
        _session, _actor, db=db, posting_id=posting_id, actor_id=actor_id, lang=lang, changed=changed
    )
    return completeness(frames)


@dataclass(frozen=True)
class Charts:
    """The three charts, built with the words of one language (Altair objects pickle cheaply)."""

    heatmap: alt.LayerChart | None
    heatmap_candidates: int
    distribution: alt.FacetChart
    calibration: alt.LayerChart | None


@_cache
def charts_data(
    _session: Session,
    _actor: Actor,
    *,
    db: str,
    posting_id: int,
    actor_id: int,
    lang: str,
    changed: str,
    anonymised: bool,
) -> Charts:
    """Heatmap of the first :data:`HEATMAP_CANDIDATES` of the ordering aid, rating counts, calibration bars."""
    t = chart_translator(lang)
    merit = merit_data(
        _session, _actor, db=db, posting_id=posting_id, actor_id=actor_id, lang=lang, changed=changed,
        anonymised=anonymised,
    )  # fmt: skip
    frames = posting_frames(
        _session, _actor, db=db, posting_id=posting_id, actor_id=actor_id, lang=lang, changed=changed
    )
    calibration = calibration_data(
        _session, _actor, db=db, posting_id=posting_id, actor_id=actor_id, lang=lang, changed=changed
    )
    shown = min(HEATMAP_CANDIDATES, len(merit.view.table))
    return Charts(
        heatmap=(
            charts.merit_heatmap(
                merit.view, t=t, scale=merit.scale, max_candidates=HEATMAP_CANDIDATES, lang=lang
            ).properties(
                height=alt.Step(ROW_STEP)
            )
            if shown and not merit.view.criteria.empty
            else None
        ),
        heatmap_candidates=shown,
        distribution=charts.ratings_distribution(frames, t=t, lang=lang),
        calibration=(
            charts.calibration_bars(calibration, t=t, lang=lang).properties(height=alt.Step(ROW_STEP + 8))
            if not calibration.empty
            else None
        ),
    )


DOCUMENT_LANGS = ("en", "fr")


@dataclass(frozen=True)
class CandidateDocuments:
    """One candidate's record of decision and feedback summary, each rendered in both official languages.

    ``candidate_lang`` is the official language the candidate chose: the feedback summary is printed in it
    unless someone asks for the other (issue #21 §5); the record of decision defaults to the page's.
    """

    record: dict[str, str]
    record_name: dict[str, str]
    feedback: dict[str, str]
    feedback_name: dict[str, str]
    candidate_lang: str


@_cache
def candidate_documents(
    _session: Session,
    _actor: Actor,
    *,
    db: str,
    posting_id: int,
    actor_id: int,
    lang: str,
    changed: str,
    candidate_id: int,
) -> CandidateDocuments:
    """Both documents of one candidate in both languages, from frames narrowed to that candidate (notes included)."""
    frames = load_posting_frames(_session, _actor, posting_id=posting_id, candidate_ids=[candidate_id], notes=True)
    rows = frames.candidates[frames.candidates["candidate_id"] == candidate_id]
    chosen = str(rows.iloc[0]["language"]) if not rows.empty else lang
    return CandidateDocuments(
        record={code: render_record(frames, candidate_id, lang=code) for code in DOCUMENT_LANGS},
        record_name={code: report_filename(frames, candidate_id, kind="record", lang=code) for code in DOCUMENT_LANGS},
        feedback={code: render_feedback(frames, candidate_id, lang=code) for code in DOCUMENT_LANGS},
        feedback_name={
            code: report_filename(frames, candidate_id, kind="feedback", lang=code) for code in DOCUMENT_LANGS
        },
        candidate_lang=chosen if chosen in DOCUMENT_LANGS else lang,
    )


CACHED = (merit_data, merit_table, posting_frames, agreement_data, calibration_data, completeness_data, charts_data,
          candidate_documents)  # fmt: skip


def clear() -> None:
    """Forget every cached figure of every posting (after a write, or when someone asks to refresh)."""
    for cached in CACHED:
        cached.clear()


def load(fn: Callable[..., object], actor: Actor, scope: Scope, **extra: object) -> object:
    """``fn`` through ``frame.service_call`` (refusals shown, never cached) with the scope as its key."""
    return frame.service_call(fn, actor, **scope.key, **extra)


# --- deferred downloads ---------------------------------------------------------------------------


def merit_file(view: MeritView, *, fmt: str, lang: str, actor: Actor, posting_id: int) -> Callable[[], bytes]:
    """The merit view as a file, built only when the download button is clicked (an audit event then)."""
    engine = frame.engine()

    def build() -> bytes:
        data = exports.export_merit(view, fmt=fmt, lang=lang)
        with write_session(engine) as session:
            audit.record_access(
                session, actor, action="export.merit", posting_id=posting_id,
                candidate_labels=view.table["label"].astype(str).tolist(),
                what={"format": fmt, "lang": lang, "anonymised": view.anonymised, "via": "page"},
            )  # fmt: skip
        return data

    return build


def log_document_access(actor: Actor, *, action: str, posting_id: int, label: str, lang: str) -> None:
    """Opening or downloading a candidate's documents (their full record) is an audit event (issue #10)."""
    with write_session(frame.engine()) as session:
        audit.record_access(
            session, actor, action=action, posting_id=posting_id, candidate_labels=[label], what={"lang": lang, "via": "page"}
        )


def scores_file(actor: Actor, scope: Scope, *, fmt: str) -> Callable[[], bytes]:
    """Every submitted score with its notes, read and built only when the download button is clicked.

    Streamlit runs a deferred download on its own thread, outside the page's run, so it cannot use
    ``frame.service_call``; :func:`tracker.exports.posting_scores_file` opens its own read transaction on
    the same cached engine and checks access again.
    """
    engine = frame.engine()
    posting_id, lang, anonymised = scope.posting_id, scope.lang, scope.anonymised
    return lambda: exports.posting_scores_file(
        engine, actor, posting_id=posting_id, fmt=fmt, lang=lang, anonymised=anonymised
    )
