"""Reports and exports: a candidate's record of decision and feedback summary, and the posting's files.

The documents are HTML from :mod:`tracker.reports`, rendered by Jinja2 with autoescaping on, so every
value from the database (names, notes, rationales) is escaped text; the preview shows the feedback
summary's body with ``st.html`` (which sanitises once more), without its stylesheet, which would
otherwise restyle the whole page. Exports come from :mod:`tracker.exports` (CSV with a byte-order mark,
cells a spreadsheet would run as formulas neutralised) and are built only when their button is clicked.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd
import streamlit as st

from app_pages import _common as common
from app_pages import _results_data as data
from app_pages import frame
from tracker.models import Lang
from tracker.services.actor import Actor

CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HTML_MIME = "text/html"
_BODY = re.compile(r"<header>.*</main>", flags=re.DOTALL)


def preview_fragment(document: str) -> str | None:
    """The visible part of a report (its header and main content), without ``<head>`` and its styles."""
    match = _BODY.search(document)
    return f'<div class="tracker-report-preview">{match.group(0)}</div>' if match else None


def show(actor: Actor, scope: data.Scope) -> None:
    _ = frame.translator()
    loaded = data.load(data.merit_table, actor, scope, anonymised=scope.anonymised)
    if loaded is None:
        st.stop()
    raw: pd.DataFrame = loaded[0]  # type: ignore[index]
    _documents(actor, scope, raw)
    _exports(actor, scope, has_candidates=not raw.empty)


def _documents(actor: Actor, scope: data.Scope, raw: pd.DataFrame) -> None:
    _ = frame.translator()
    st.subheader(_("Documents for one candidate"))
    if raw.empty:
        st.info(_("This posting has no candidates yet."))
        return
    ordered = raw.sort_values("label_number", kind="stable")
    names = dict(zip(ordered["candidate_id"].astype(int), ordered["display_name"].astype(str), strict=True))
    labels = dict(zip(ordered["candidate_id"].astype(int), ordered["label"].astype(str), strict=True))
    if st.session_state.get("results_report_candidate") not in names:
        st.session_state.pop("results_report_candidate", None)
    candidate_id = st.selectbox(
        _("Candidate"), list(names), key="results_report_candidate",
        format_func=lambda cid: names[cid] if scope.anonymised else f"{labels[cid]} — {names[cid]}",
    )  # fmt: skip
    if candidate_id is None:
        return
    docs = data.load(data.candidate_documents, actor, scope, candidate_id=int(candidate_id))
    if docs is None:
        st.stop()
    assert isinstance(docs, data.CandidateDocuments)
    # The feedback summary is for the candidate: in the official language they chose unless asked otherwise;
    # the record of decision is for the file: in the page's language unless asked otherwise (issue #21 §5).
    pick = st.columns(2)
    record_lang = pick[0].radio(
        _("Language of the record of decision"), list(data.DOCUMENT_LANGS), horizontal=True,
        index=data.DOCUMENT_LANGS.index(scope.lang if scope.lang in data.DOCUMENT_LANGS else "en"),
        format_func=lambda code: _(common.LANGUAGE_LABELS[Lang(code)]), key=f"results_record_lang_{candidate_id}",
    )  # fmt: skip
    feedback_lang = pick[1].radio(
        _("Language of the feedback summary"), list(data.DOCUMENT_LANGS), horizontal=True,
        index=data.DOCUMENT_LANGS.index(docs.candidate_lang),
        format_func=lambda code: _(common.LANGUAGE_LABELS[Lang(code)]), key=f"results_feedback_lang_{candidate_id}",
        help=_("The candidate chose {language}: the summary is in that language unless you pick the other one.",
               language=_(common.LANGUAGE_LABELS[Lang(docs.candidate_lang)]).lower()),
    )  # fmt: skip
    record_lang, feedback_lang = str(record_lang), str(feedback_lang)
    # Opening a candidate's record is an audit event (issue #10), once per candidate and language per session.
    opened = st.session_state.setdefault("results_documents_opened", set())
    if (scope.posting_id, int(candidate_id), record_lang) not in opened:
        data.log_document_access(
            actor, action="report.open", posting_id=scope.posting_id, label=labels[int(candidate_id)], lang=record_lang
        )
        opened.add((scope.posting_id, int(candidate_id), record_lang))

    def download(kind: str, html: str, lang: str) -> Callable[[], bytes]:
        def build() -> bytes:
            data.log_document_access(
                actor,
                action=f"report.{kind}",
                posting_id=scope.posting_id,
                label=labels[int(candidate_id)],
                lang=lang,
            )
            return html.encode("utf-8")

        return build

    st.caption(
        _("Print the documents from the browser (or save them as PDF); they name the candidate. File names carry "
          "only the posting, the candidate's label and the document's language.")
    )  # fmt: skip
    buttons = st.columns(2)
    buttons[0].download_button(
        _("Record of decision (HTML)"), download("record", docs.record[record_lang], record_lang),
        file_name=docs.record_name[record_lang], mime=HTML_MIME,
        key="results_download_record", on_click="ignore", icon=":material/description:",
        help=_("Every interviewer's ratings and notes, declarations, consensus and rationale, verdict per criterion "
               "and decision: the page for the file."),
    )  # fmt: skip
    buttons[1].download_button(
        _("Feedback summary (HTML)"), download("feedback", docs.feedback[feedback_lang], feedback_lang),
        file_name=docs.feedback_name[feedback_lang], mime=HTML_MIME,
        key="results_download_feedback", on_click="ignore", icon=":material/forum:",
        help=_("For the candidate's informal discussion: met or not per criterion and the board's reasons, without "
               "interviewer names or other candidates."),
    )  # fmt: skip
    with st.expander(_("Preview of the feedback summary"), expanded=True):
        fragment = preview_fragment(docs.feedback[feedback_lang])
        if fragment is None:
            st.info(_("The preview is not available; download the feedback summary to read it."))
        else:
            # The summary may be in the other language than the page: say so to screen readers (WCAG 3.1.2).
            st.html(f'<div lang="{feedback_lang}">{fragment}</div>')


def _exports(actor: Actor, scope: data.Scope, *, has_candidates: bool) -> None:
    _ = frame.translator()
    st.subheader(_("Exports of the posting"))
    st.caption(
        _("CSV files are UTF-8 with a byte-order mark, so accents open correctly in Excel. Any cell a spreadsheet "
          "would run as a formula (starting with =, +, -, @, a tab or a carriage return) starts with an apostrophe "
          "instead. With “Anonymised” on, the files carry labels only, no names.")
    )  # fmt: skip
    merit = data.load(data.merit_data, actor, scope, anonymised=scope.anonymised)
    if merit is None:
        st.stop()
    assert isinstance(merit, data.MeritData)
    key = merit.posting.translation_key
    suffix = "-anonymised" if scope.anonymised else ""
    stem = re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-") or f"posting-{scope.posting_id}"
    rows = st.columns(2)
    rows[0].markdown(_("**Merit view** (one row per candidate)"))
    rows[0].download_button(
        _("Merit view (CSV)"), data.merit_file(merit.view, fmt="csv", lang=scope.lang, actor=actor, posting_id=scope.posting_id),
        file_name=f"{stem}-merit{suffix}-{scope.lang}.csv", mime=CSV_MIME, key="results_export_merit_csv",
        on_click="ignore", icon=":material/download:", disabled=not has_candidates,
    )  # fmt: skip
    rows[0].download_button(
        _("Merit view (XLSX)"), data.merit_file(merit.view, fmt="xlsx", lang=scope.lang, actor=actor, posting_id=scope.posting_id),
        file_name=f"{stem}-merit{suffix}-{scope.lang}.xlsx", mime=XLSX_MIME, key="results_export_merit_xlsx",
        on_click="ignore", icon=":material/download:", disabled=not has_candidates,
    )  # fmt: skip
    rows[1].markdown(_("**Raw scores** (every submitted rating, with its evidence notes)"))
    rows[1].download_button(
        _("Raw scores (CSV)"), data.scores_file(actor, scope, fmt="csv"),
        file_name=f"{stem}-scores{suffix}-{scope.lang}.csv", mime=CSV_MIME, key="results_export_scores_csv",
        on_click="ignore", icon=":material/download:", disabled=not has_candidates,
    )  # fmt: skip
    rows[1].download_button(
        _("Raw scores (XLSX)"), data.scores_file(actor, scope, fmt="xlsx"),
        file_name=f"{stem}-scores{suffix}-{scope.lang}.xlsx", mime=XLSX_MIME, key="results_export_scores_xlsx",
        on_click="ignore", icon=":material/download:", disabled=not has_candidates,
    )  # fmt: skip
