"""The results page's other views: panel agreement, interviewer calibration, completeness, charts.

Each reads the posting's full frames (cached, no notes) only when it is the view on screen, and shows
figures computed by :mod:`tracker.results`; the words that go with each figure (what it means, what to
do about it) are here, and at length in docs/user-guide.md, "Reading the results".
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import _results_data as data
from app_pages import frame
from app_pages._results_text import decision_label, number_config, status_label, table_numbers
from tracker.results import agreement as agr
from tracker.results import charts
from tracker.results.merit import criterion_column
from tracker.services.actor import Actor


def _names(actor: Actor, scope: data.Scope) -> pd.Series:
    """Candidate id -> what to call the candidate here (the label when anonymised), from the merit cache."""
    loaded = data.load(data.merit_table, actor, scope, anonymised=scope.anonymised)
    if loaded is None:
        st.stop()
    raw = loaded[0]  # type: ignore[index]
    return pd.Series(raw["display_name"].to_numpy(), index=raw["candidate_id"].astype(int).to_numpy())


def _alpha_words(state: str, reading: str | None, reason: str | None, lang: str) -> str:
    if state == agr.DEFINED and reading:
        return agr.READING_TEXT[lang][reading]
    return agr.REASON_TEXT[lang][reason or agr.REASON_NO_RATINGS]


def show_agreement(actor: Actor, scope: data.Scope) -> None:
    _ = frame.translator()
    loaded = data.load(data.agreement_data, actor, scope)
    if loaded is None:
        st.stop()
    summary, spread = loaded.summary, loaded.spread  # type: ignore[attr-defined]
    lang = scope.lang

    st.subheader(_("Reliability of the panel's ratings"))
    posting = summary.posting
    if posting.defined:
        st.markdown(_("**Whole posting** — Krippendorff's alpha (ordinal): {reading}",
                      reading=frame.escape_markdown(posting.describe(lang))))  # fmt: skip
    else:
        st.info(_("**Whole posting** — Krippendorff's alpha (ordinal) is {reason}.",
                  reason=frame.escape_markdown(posting.describe(lang))))  # fmt: skip
    st.caption(
        _("Alpha compares how much panel members disagree on the same candidate and criterion with how much they "
          "would disagree by chance: 1 is perfect agreement, 0 no better than chance. From 0.80: good agreement, "
          "the ratings can be relied on; from 0.667 to 0.80: fair, for tentative conclusions only; below 0.667: "
          "poor, do not rely on them before a debrief. When agreement is poor: discuss the flagged cells below, "
          "revisit the rating guide of the criteria concerned, and hold a calibration session before the next "
          "interviews.")
    )  # fmt: skip
    per = summary.per_criterion
    st.dataframe(
        pd.DataFrame(
            {
                _("Criterion"): [criterion_column(n) for n in per["number"]],
                _("Kind"): [_("Essential") if k == "essential" else _("Asset") for k in per["kind"]],
                _("Alpha"): table_numbers(per["alpha"].astype(float).to_numpy(), lang, "%.2f"),
                _("Reading"): [
                    _alpha_words(s, r, why, lang)
                    for s, r, why in zip(per["state"], per["reading"], per["reason"], strict=True)
                ],
                _("Ratings compared"): per["pairable"].astype(int).to_numpy(),
                _("Candidates compared"): per["units"].astype(int).to_numpy(),
            }
        ),
        hide_index=True,
        key="results_alpha_table",
        column_config=number_config(_("Alpha"), "%.2f", lang),
    )

    st.subheader(_("Where the panel disagreed"))
    flagged = int(spread["flagged"].sum()) if not spread.empty else 0
    st.markdown(
        _.ngettext(
            "**{n}** rating of a candidate on a criterion spreads over 2 points or more: it needs a conversation.",
            "**{n}** ratings of a candidate on a criterion spread over 2 points or more: they need a conversation.",
            flagged,
        )
    )
    only_flagged = st.toggle(_("Only what needs a conversation"), value=True, key="results_only_flagged")
    rows = spread[spread["flagged"]] if only_flagged else spread
    names = _names(actor, scope)
    st.dataframe(
        pd.DataFrame(
            {
                _("Candidate"): names.reindex(rows["candidate_id"].astype(int).to_numpy()).to_numpy(),
                _("Criterion"): [criterion_column(n) for n in rows["number"]],
                _("Ratings"): rows["n_ratings"].astype(int).to_numpy(),
                _("Lowest"): table_numbers(rows["low"].astype(float).to_numpy(), lang, "%g"),
                _("Highest"): table_numbers(rows["high"].astype(float).to_numpy(), lang, "%g"),
                _("Spread"): table_numbers(rows["spread"].astype(float).to_numpy(), lang, "%g"),
                _("Needs a conversation"): [
                    _("⚑ yes: 2 points or more") if f else "" for f in rows["flagged"].astype(bool)
                ],
            }
        ),
        hide_index=True,
        key="results_spread_table",
        column_config={
            **number_config(_("Lowest"), "%g", lang),
            **number_config(_("Highest"), "%g", lang),
            **number_config(_("Spread"), "%g", lang),
        },
    )
    st.caption(
        _(
            "The spread is the highest minus the lowest submitted rating of one candidate on one criterion; one "
            "rating alone has no spread."
        )
    )


def _hours(value: float) -> float | None:
    return None if pd.isna(value) else round(float(value), 1)


def show_calibration(actor: Actor, scope: data.Scope) -> None:
    _ = frame.translator()
    cal = data.load(data.calibration_data, actor, scope)
    if cal is None:
        st.stop()
    assert isinstance(cal, pd.DataFrame)
    st.subheader(_("Interviewer calibration"))
    if cal.empty:
        st.info(_("This posting has no panel yet."))
        return
    st.caption(
        _("Each panel member's ratings compared with the other members' ratings of the same candidates on the same "
          "criteria. A positive mean deviation means more lenient than the others, a negative one more severe. A "
          "deviation of half a point or more over many comparisons is worth a word: go over the rating guide "
          "together, or rate a recorded answer together in a calibration session.")
    )  # fmt: skip
    t = charts.WORDS
    st.dataframe(
        pd.DataFrame(
            {
                _("Interviewer"): cal["interviewer"].astype(object).to_numpy(),
                _("On the panel"): cal["on_panel"].astype(bool).to_numpy(),
                _("Mean deviation"): table_numbers(cal["mean_deviation"].astype(float).to_numpy(), scope.lang, "%+.2f"),
                _("Tendency"): [_(t[d]) for d in cal["direction"]],
                _("Comparisons"): cal["comparisons"].astype(int).to_numpy(),
                _("Submitted"): cal["submitted"].astype(int).to_numpy(),
                _("Drafts"): cal["drafts"].astype(int).to_numpy(),
                _("Not started"): cal["not_started"].astype(int).to_numpy(),
                _("Conflicts declared"): cal["conflicts"].astype(int).to_numpy(),
                _("Median hours to submit"): table_numbers(
                    [_hours(v) for v in cal["median_hours_to_submit"]], scope.lang, "%.1f"
                ),
            }
        ),
        hide_index=True,
        key="results_calibration_table",
        column_config={
            **number_config(_("Mean deviation"), "%+.2f", scope.lang),
            **number_config(_("Median hours to submit"), "%.1f", scope.lang),
        },
    )
    st.caption(
        _(
            "Completion counts each member's scorecards: submitted, drafts, not started, and conflicts declared (no "
            "scorecard is owed then). Time to submit runs from opening a scorecard to submitting it."
        )
    )


def _listing(values: object) -> str:
    return ", ".join(str(v) for v in values) if isinstance(values, list) else ""


def show_completeness(actor: Actor, scope: data.Scope) -> None:
    _ = frame.translator()
    table = data.load(data.completeness_data, actor, scope)
    if table is None:
        st.stop()
    assert isinstance(table, pd.DataFrame)
    st.subheader(_("What is missing before a decision"))
    if table.empty:
        st.info(_("This posting has no candidates yet."))
        return
    ready = int(table["ready"].sum())
    st.markdown(
        _.ngettext(
            "**{n}** of **{total}** candidates is ready for a decision.",
            "**{n}** of **{total}** candidates are ready for a decision.",
            ready,
            total=len(table),
        )
    )
    st.caption(
        _(
            "A candidate is ready when every panel member without a conflict has submitted a scorecard and every "
            "criterion of the current rubric has a consensus rating."
        )
    )
    only_missing = st.toggle(_("Only candidates who are not ready"), value=True, key="results_only_missing")
    rows = table[~table["ready"]] if only_missing else table
    who = rows["label"].map(frame.candidate_label) if scope.anonymised else rows["name"]
    st.dataframe(
        pd.DataFrame(
            {
                _("Candidate"): who.astype(object).to_numpy(),
                _("Status"): [status_label(s, scope.lang) for s in rows["status"]],
                _("Decision"): [decision_label(d, scope.lang) for d in rows["decision"]],
                _("Scorecards submitted"): [
                    _("{done} of {total}", done=int(d), total=int(e))
                    for d, e in zip(rows["scorecards_submitted"], rows["scorecards_expected"], strict=True)
                ],
                _("Drafts by"): [_listing(v) for v in rows["drafts"]],
                _("Not started by"): [_listing(v) for v in rows["not_started"]],
                _("Criteria without consensus"): [
                    _listing([criterion_column(n) for n in v]) for v in rows["criteria_without_consensus"]
                ],
                _("Ready"): rows["ready"].astype(bool).to_numpy(),
            }
        ),
        hide_index=True,
        key="results_completeness_table",
    )


def show_charts(actor: Actor, scope: data.Scope) -> None:
    _ = frame.translator()
    drawn = data.load(data.charts_data, actor, scope, anonymised=scope.anonymised)
    if drawn is None:
        st.stop()
    assert isinstance(drawn, data.Charts)
    st.caption(
        _("Every mark carries its number or word as text, so nothing depends on telling colours apart: ✓ met, ✗ not "
          "met, * a mean, † an older rubric version; calibration bars carry their deviation and tendency, and "
          "severe ones are drawn hollow.")
    )  # fmt: skip
    if drawn.heatmap is not None:
        st.altair_chart(drawn.heatmap, key="results_heatmap")
        chart_table(heatmap_table(drawn.heatmap), key="results_heatmap_table")
        # markdown-safe: n is a count of candidates
        st.caption(
            _(
                "Candidates shown: {n}, the first in the ordering aid; the merit view lists all of them.",
                n=drawn.heatmap_candidates,
            )
        )
    st.altair_chart(drawn.distribution, key="results_distribution")
    chart_table(distribution_table(drawn.distribution), key="results_distribution_table")
    if drawn.calibration is not None:
        st.altair_chart(drawn.calibration, key="results_calibration_chart")
        chart_table(calibration_table(drawn.calibration), key="results_calibration_table")


# --- every chart's data as a table (issue #14, WCAG 1.1.1: a canvas says nothing to a screen reader) ---------


def _chart_data(chart: object) -> pd.DataFrame:
    """The data a chart was drawn from: on the chart itself, or on its first layer."""
    found = getattr(chart, "data", None)
    if isinstance(found, pd.DataFrame):
        return found
    for layer in getattr(chart, "layer", None) or []:
        if isinstance(getattr(layer, "data", None), pd.DataFrame):
            return layer.data
    return pd.DataFrame()


def heatmap_table(chart: object) -> pd.DataFrame:
    """One row per candidate, one column per criterion, each cell the text the heatmap draws in it."""
    _ = frame.translator()
    cells = _chart_data(chart)
    if cells.empty:
        return cells
    table = cells.pivot_table(index="display_name", columns="column", values="text", aggfunc="first", sort=False)
    return table.rename_axis(index=_("Candidate"), columns=None).reset_index()


def distribution_table(chart: object) -> pd.DataFrame:
    """One row per criterion, one column per rating value, each cell how often it was given."""
    _ = frame.translator()
    counts = _chart_data(chart)
    if counts.empty:
        return counts
    table = counts.pivot_table(index="criterion", columns="rating", values="count", aggfunc="sum", sort=False)
    table.columns = [f"{_('Rating')} {value}" for value in table.columns]
    return table.rename_axis(index=_("Criterion")).reset_index()


def calibration_table(chart: object) -> pd.DataFrame:
    """One row per interviewer with the words drawn beside their bar."""
    _ = frame.translator()
    bars = _chart_data(chart)
    if bars.empty:
        return bars
    return pd.DataFrame(
        {_("Interviewer"): bars["interviewer"].to_numpy(), _("Mean deviation"): bars["label"].to_numpy()}
    )


def chart_table(table: pd.DataFrame, *, key: str) -> None:
    """The chart's figures as a table in an expander right under it.

    ``st.dataframe``, not ``st.table``: the latter renders Markdown in cells, and names are untrusted.
    """
    _ = frame.translator()
    if table.empty:
        return
    with st.expander(_("The chart's data as a table"), key=key):
        st.dataframe(table, hide_index=True, key=f"{key}_frame")
