"""The results page's words: view names, verdicts, and the charts' texts in the catalog.

``tracker.results.charts`` takes a translate callable and lists the English texts it passes to it in
``charts.MSGIDS``; they are marked here with ``N_`` so the catalog extractor sees them (a test keeps
this tuple equal to ``charts.MSGIDS``), and :func:`chart_translator` hands the charts the catalog.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
from babel.numbers import format_decimal

from app_pages import _common as common
from tracker.i18n import N_, translator
from tracker.models import CandidateStatus, DecisionOutcome
from tracker.results.merit import MET, NOT_MET, PENDING

CHART_TEXTS: tuple[str, ...] = (
    N_("Merit view"),
    N_("Consensus rating, or * the mean of individual ratings; † older rubric version; ✓ met, ✗ not met"),
    N_("Candidate"),
    N_("Criterion"),
    N_("Rating"),
    N_("Basis"),
    N_("Number of ratings"),
    N_("Verdict"),
    N_("Distribution of ratings per criterion"),
    N_("Interviewer calibration"),
    N_("Mean deviation from the other panel members on the same candidates and criteria"),
    N_("Mean deviation"),
    N_("Comparisons"),
    N_("Interviewer"),
    N_("Direction"),
    N_("n/a"),
    N_("consensus"),
    N_("mean"),
    N_("not assessed"),
    N_("no ratings"),
    N_("met"),
    N_("not met"),
    N_("no verdict yet"),
    N_("lenient"),
    N_("severe"),
    N_("in line"),
    N_("no comparison"),
)

# The views of the page, in menu order (keys are stable: tests and ``?view=`` use them).
VIEWS: dict[str, str] = {
    "merit": N_("Merit"),
    "agreement": N_("Agreement"),
    "calibration": N_("Calibration"),
    "completeness": N_("Completeness"),
    "charts": N_("Charts"),
    "files": N_("Reports and exports"),
}

ESSENTIALS_LABELS = {
    MET: N_("Meets every essential"),
    NOT_MET: N_("Misses an essential"),
    PENDING: N_("No verdict yet"),
}
VERDICT_MARKS = {MET: "✓", NOT_MET: "✗", PENDING: "…"}


def chart_translator(lang: str) -> Callable[[str], str]:
    """The catalog in ``lang``, as the translate callable ``tracker.results.charts`` expects."""
    return translator(lang)


def status_label(value: object, lang: str) -> str:
    _ = translator(lang)
    try:
        return _(common.CANDIDATE_STATUS_LABELS[CandidateStatus(str(value))])
    except (KeyError, ValueError):
        return str(value)


def decision_label(value: object, lang: str) -> str:
    """A candidate's decision; no decision recorded reads "Pending" like the decisions page says."""
    _ = translator(lang)
    try:
        return _(common.OUTCOME_LABELS[DecisionOutcome(str(value))])
    except (KeyError, ValueError):
        return str(value)


def essentials_label(value: object, lang: str) -> str:
    _ = translator(lang)
    text = ESSENTIALS_LABELS.get(str(value))
    return f"{VERDICT_MARKS.get(str(value), '')} {_(text)}".strip() if text else str(value)


def table_numbers(values: Any, lang: str, fmt: str) -> Any:
    """A number column for ``st.dataframe``: as numbers in English (``NumberColumn(format=fmt)`` draws
    them), as French text in French (« 0,41 », « +0,22 », « 10 001 »), because Streamlit's printf
    formats know only the decimal point (issue #21 §4). ``fmt`` is the printf format used in English.
    """
    if lang != "fr":
        return values
    digits = int(fmt.split(".")[1][0]) if "." in fmt else None
    sign = "+" in fmt
    out = []
    for value in values:
        if value is None or value != value:  # NaN
            out.append("")
            continue
        pattern = "#,##0" + ("." + "0" * digits if digits else ".##" if digits is None else "")
        text = format_decimal(float(value), format=pattern, locale="fr_CA")
        out.append(("+" + text) if sign and float(value) > 0 else text)
    return out


def number_config(label: str, fmt: str, lang: str) -> dict[str, Any]:
    """The ``column_config`` entry for a :func:`table_numbers` column (none in French: it is text)."""
    # markdown-safe: callers pass catalog column titles
    return {} if lang == "fr" else {label: st.column_config.NumberColumn(label, format=fmt)}
