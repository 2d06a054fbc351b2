"""The merit view of the results page: candidates x criteria, essentials verdicts, the ordering aid.

The figures come from :func:`tracker.results.merit.merit_view`; this module only words them. The
display table is built once per (posting, user, language, anonymised) and cached with the raw table by
:func:`app_pages._results_data.merit_table`; each rerun filters and sorts the raw table and shows the
same rows of the display table, so a click on a filter costs a few milliseconds, not a rebuild.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
import streamlit as st

from app_pages import _results_data as data
from app_pages import frame
from app_pages._results_text import (
    VERDICT_MARKS,
    decision_label,
    essentials_label,
    number_config,
    status_label,
    table_numbers,
)
from tracker.i18n import localized, translator
from tracker.models import CandidateStatus, DecisionOutcome
from tracker.results import merit
from tracker.results.merit import CONSENSUS, MEAN, MET, NOT_ASSESSED, NOT_MET, PENDING, MeritView
from tracker.services.actor import Actor


def number(value: float, lang: str) -> str:
    """1.5 / 1,5: at most two decimals, none when the value is whole."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang == "fr" else text


def cell_text(value: float, source: str, n_ratings: int, older: bool, verdict: str | None, lang: str) -> str:
    """The words of one cell: ``✓ 4 (consensus, n=3)``, ``✗ 2.5 (mean of 2)``, ``—``; † for an older rubric."""
    _ = translator(lang)
    has_value = value is not None and not (isinstance(value, float) and math.isnan(value))
    if source == CONSENSUS and has_value:
        text = _("{value} (consensus, n={n})", value=number(value, lang), n=n_ratings)
    elif source == MEAN and has_value:
        text = _("{value} (mean of {n})", value=number(value, lang), n=n_ratings)
    elif source == NOT_ASSESSED:
        text = _("not assessed")
    else:
        text = "—"
    if older:
        text += " †"
    mark = VERDICT_MARKS.get(verdict) if isinstance(verdict, str) else None
    return f"{mark} {text}" if mark else text


def essentials_text(row: pd.Series, lang: str) -> str:
    """The candidate's essentials in words, with the counts behind the verdict."""
    _ = translator(lang)
    total = int(row["essentials"])
    if total == 0:
        return _("no essential criterion")
    verdict = row["essentials_verdict"]
    if verdict == MET:
        return _.ngettext("✓ {n} of {n} met", "✓ all {n} met", total)
    if verdict == NOT_MET:
        return _.ngettext("✗ {n} of {total} not met", "✗ {n} of {total} not met", int(row["essentials_not_met"]), total=total)
    return _("… {pending} of {n} without a verdict yet", pending=int(row["essentials_pending"]), n=total)


def column_header(column: str, kind: str, lang: str) -> str:
    _ = translator(lang)
    return _("{column} (essential)", column=column) if kind == "essential" else _("{column} (asset)", column=column)


def header_names(lang: str) -> dict[str, str]:
    _ = translator(lang)
    return {
        "order": _("Order (aid)"), "label": _("Label"), "name": _("Name"), "status": _("Status"),
        "decision": _("Decision"), "essentials": _("Essential criteria"), "total": _("Weighted total"),
        "complete": _("Every criterion has a value"),
    }  # fmt: skip


def display_table(view: MeritView, lang: str) -> pd.DataFrame:
    """The merit table in words, one row per row of ``view.table`` (same index), for ``st.dataframe``.

    Built once per cache entry but for every cell of a 2,000-candidate posting: the words are made once
    per distinct value (a few hundred for 16,000 cells) instead of once per cell.
    """
    h = header_names(lang)
    table = view.table
    out = pd.DataFrame(index=table.index)
    out[h["order"]] = table["order_label"].astype(str)
    out[h["label"]] = table["label"].astype(str)
    if not view.anonymised:
        out[h["name"]] = table["name"].astype(object)
    out[h["status"]] = _once_per_value(table["status"], lambda s: status_label(s, lang))
    out[h["decision"]] = _once_per_value(table["decision"], lambda d: decision_label(d, lang))
    if "decision_override" in table.columns and table["decision_override"].astype(bool).any():
        # An override of the essentials verdict is flagged beside the decision (issue #10).
        _ = translator(lang)
        flag = " ⚑ " + _("override of the essentials verdict")
        out[h["decision"]] = [
            d + flag if o else d
            for d, o in zip(out[h["decision"]], table["decision_override"].astype(bool), strict=True)
        ]
    essentials_columns = ["essentials", "essentials_verdict", "essentials_not_met", "essentials_pending"]
    essentials: dict[tuple[object, ...], str] = {}
    texts_of_rows = []
    for values in zip(*(table[c] for c in essentials_columns), strict=True):
        key = tuple(None if _missing(v) else v for v in values)
        if key not in essentials:
            essentials[key] = essentials_text(pd.Series(dict(zip(essentials_columns, values, strict=True))), lang)
        texts_of_rows.append(essentials[key])
    out[h["essentials"]] = texts_of_rows
    cells = view.cells
    words: dict[tuple[object, ...], str] = {}
    cell_texts = []
    for v, s, n, o, r in zip(
        cells["value"], cells["source"], cells["n_ratings"], cells["older_version"], cells["verdict"], strict=True
    ):
        key = (None if _missing(v) else v, s, int(n), bool(o), r if isinstance(r, str) else None)
        text = words.get(key)
        if text is None:
            text = words[key] = cell_text(v, s, int(n), bool(o), r, lang)
        cell_texts.append(text)
    texts = pd.Series(
        cell_texts,
        index=pd.MultiIndex.from_arrays([cells["candidate_id"].to_numpy(), cells["criterion_id"].to_numpy()]),
        dtype=object,
    )
    for crit in view.criteria.itertuples(index=False):
        keys = pd.MultiIndex.from_arrays([table["candidate_id"].to_numpy(), [crit.criterion_id] * len(table)])
        out[column_header(crit.column, crit.kind, lang)] = texts.reindex(keys).to_numpy()
    out[h["total"]] = table_numbers(table["weighted_total"].astype(float).to_numpy(), lang, "%.2f")
    out[h["complete"]] = table["total_complete"].astype(bool).to_numpy()
    return out


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _once_per_value(column: pd.Series, words: Callable[[object], str]) -> list[str]:
    """``words`` of each value of ``column``, computed once per distinct value."""
    cache: dict[object, str] = {}
    out = []
    for value in column:
        key = None if _missing(value) else value
        if key not in cache:
            cache[key] = words(value)
        out.append(cache[key])
    return out


def criteria_legend(view: MeritView, lang: str) -> pd.DataFrame:
    """What each column stands for: the criterion's text, weight, pass mark and minimum raters."""
    _ = translator(lang)
    crit = view.criteria
    texts = []
    for en, fr in zip(crit["text_en"], crit["text_fr"], strict=True):
        text, fallback = localized(en, fr, lang)
        if fallback:
            note = (
                _("Shown in English: no French text yet") if lang == "fr" else _("Shown in French: no English text yet")
            )
            text = f"{text} ({note})"
        texts.append(text)
    return pd.DataFrame(
        {
            _("Column"): crit["column"].astype(str).to_numpy(),
            _("Kind"): [_("Essential") if k == "essential" else _("Asset") for k in crit["kind"]],
            _("Criterion"): texts,
            _("Weight"): table_numbers(crit["weight"].astype(float).to_numpy(), lang, "%g"),  # « 1,5 » in French
            _("Pass mark"): [
                int(p) if k == "essential" else None for p, k in zip(crit["pass_mark"], crit["kind"], strict=True)
            ],
            _("Minimum raters"): [
                int(m) if k == "essential" else None for m, k in zip(crit["min_raters"], crit["kind"], strict=True)
            ],
        }
    )


def _sort_choices(raw: pd.DataFrame, anonymised: bool, legend: pd.DataFrame) -> dict[str, str]:
    _ = frame.translator()
    choices = {"order": _("Ordering aid"), "label_number": _("Label")}
    if not anonymised:
        choices["name"] = _("Name")
    choices |= {"weighted_total": _("Weighted total"), "status": _("Status"), "decision": _("Decision")}
    for column in legend.iloc[:, 0]:
        if column in raw.columns:
            choices[str(column)] = _("Criterion {column}", column=column)
    return choices


def show(actor: Actor, scope: data.Scope) -> None:
    _ = frame.translator()
    loaded = data.load(data.merit_table, actor, scope, anonymised=scope.anonymised)
    if loaded is None:
        st.stop()
    raw, display, legend = loaded  # type: ignore[misc]
    if raw.empty:
        st.info(_("This posting has no candidates yet."))
        return
    if legend.empty:
        st.info(_("This posting has no criteria yet: set up its rubric first."))
        return

    verdicts = raw["essentials_verdict"].value_counts()
    counts = st.columns(4)
    counts[0].metric(_("Candidates"), len(raw))
    counts[1].metric(_("Meet every essential"), int(verdicts.get(MET, 0)))
    counts[2].metric(_("Miss an essential"), int(verdicts.get(NOT_MET, 0)))
    counts[3].metric(_("No verdict yet"), int(verdicts.get(PENDING, 0)))

    filters = st.columns(3)
    statuses = filters[0].multiselect(
        _("Status"), [s.value for s in CandidateStatus], key="results_filter_status",
        format_func=lambda v: status_label(v, scope.lang), placeholder=_("Any"),
    )  # fmt: skip
    essentials = filters[1].multiselect(
        _("Essential criteria"), [MET, NOT_MET, PENDING], key="results_filter_essentials",
        format_func=lambda v: essentials_label(v, scope.lang), placeholder=_("Any"),
    )  # fmt: skip
    decisions = filters[2].multiselect(
        _("Decision"), [d.value for d in DecisionOutcome], key="results_filter_decision",
        format_func=lambda v: decision_label(v, scope.lang), placeholder=_("Any"),
    )  # fmt: skip
    choices = _sort_choices(raw, scope.anonymised, legend)
    if st.session_state.get("results_sort") not in choices:
        st.session_state["results_sort"] = "order"
    sorting = st.columns([3, 2])
    by = sorting[0].selectbox(_("Sort by"), list(choices), key="results_sort", format_func=choices.__getitem__)
    descending = sorting[1].toggle(_("Reverse the order"), key="results_sort_descending")

    shown = merit.filter_table(
        raw, statuses=statuses or None, essentials=essentials or None, decisions=decisions or None
    )
    shown = merit.sort_table(shown, by or "order", descending=descending)
    st.info(
        _("**The order is an aid, not a decision.** Candidates who meet every essential criterion come first, then "
          "those without a verdict yet, then those who miss one; within each group, by weighted total. Equal "
          "candidates share a place, shown as “2=”. The choice among qualified candidates also rests on asset "
          "qualifications, operational requirements and organisational needs."),
        icon=":material/info:",
    )  # fmt: skip
    st.caption(_("Candidates shown: {shown} of {total}.", shown=len(shown), total=len(raw)))
    h = header_names(scope.lang)
    st.dataframe(
        display.loc[shown.index],
        hide_index=True,
        key="results_merit_table",
        column_config={
            # markdown-safe: header_names() returns catalog column titles
            **number_config(h["total"], "%.2f", scope.lang),
            # markdown-safe: header_names() returns catalog column titles
            h["complete"]: st.column_config.CheckboxColumn(h["complete"]),
        },
    )
    st.caption(
        _("**Reading a cell.** “4 (consensus, n=3)”: the board's consensus rating, with the number of submitted "
          "ratings behind it. “3.5 (mean of 2)”: no consensus yet, so the mean of the submitted ratings. "
          "“—”: no rating yet. † : given under an older version of the rubric. Essential criteria carry their "
          "verdict: ✓ met (at or above its pass mark), ✗ not met, … no verdict yet (fewer ratings than the "
          "criterion's minimum number of raters and no consensus). One ✗ is enough to miss the essentials: "
          "strength elsewhere never makes up for it.")
    )  # fmt: skip
    with st.expander(_("What each column stands for")):
        st.dataframe(legend, hide_index=True)
