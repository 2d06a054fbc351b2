"""Altair charts of the results figures, readable in English and French, never colour-only.

Every chart labels its marks with text (the number in each heatmap cell, the count on each bar, the
signed deviation and its word on each calibration bar), so a reader who cannot tell the colours apart,
or who prints in black and white, loses nothing.

Words go through ``t``: the caller's translator taking the English text (the project's gettext msgids,
see :mod:`tracker.i18n`) and returning it translated; the default shows English. :data:`MSGIDS` lists
every English text used here so the catalogs can carry them, and :func:`builtin_translator` is the
catalog's translator for a language (callers outside the dashboard: the CLI, the tests).
"""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import pandas as pd
from babel.numbers import format_decimal

from tracker.i18n import normalise_lang, translator
from tracker.results.calibration import IN_LINE, LENIENT, NO_DATA, SEVERE
from tracker.results.data import PostingFrames, current_ratings
from tracker.results.merit import CONSENSUS, MEAN, MET, NOT_ASSESSED, NOT_MET, PENDING, MeritView

Translate = Callable[[str], str]

HEATMAP_TITLE = "Merit view"
HEATMAP_SUBTITLE = "Consensus rating, or * the mean of individual ratings; † older rubric version; ✓ met, ✗ not met"
CANDIDATE = "Candidate"
CRITERION = "Criterion"
RATING = "Rating"
BASIS = "Basis"
RATINGS_COUNT = "Number of ratings"
VERDICT = "Verdict"
DISTRIBUTION_TITLE = "Distribution of ratings per criterion"
CALIBRATION_TITLE = "Interviewer calibration"
CALIBRATION_SUBTITLE = "Mean deviation from the other panel members on the same candidates and criteria"
DEVIATION = "Mean deviation"
COMPARISONS = "Comparisons"
INTERVIEWER = "Interviewer"
DIRECTION = "Direction"
NOT_ASSESSED_SHORT = "n/a"  # French « n. é. » (glossary: never « n/a » or « s.o. » for "not assessed")
WORDS = {
    CONSENSUS: "consensus",
    MEAN: "mean",
    NOT_ASSESSED: "not assessed",
    "none": "no ratings",
    MET: "met",
    NOT_MET: "not met",
    PENDING: "no verdict yet",
    LENIENT: "lenient",
    SEVERE: "severe",
    IN_LINE: "in line",
    NO_DATA: "no comparison",
}
MSGIDS: tuple[str, ...] = (
    HEATMAP_TITLE, HEATMAP_SUBTITLE, CANDIDATE, CRITERION, RATING, BASIS, RATINGS_COUNT, VERDICT,
    DISTRIBUTION_TITLE, CALIBRATION_TITLE, CALIBRATION_SUBTITLE, DEVIATION, COMPARISONS, INTERVIEWER, DIRECTION,
    NOT_ASSESSED_SHORT, *WORDS.values(),
)  # fmt: skip



def identity(text: str) -> str:
    return text


# Vega-Lite's number locale for French (Canada): decimal comma, non-breaking space between thousands. Axis
# ticks and tooltips are formatted by Vega in the browser with it; the words drawn in the marks are
# formatted here, in Python, by :func:`number_text` (issue #21 §4).
_NUMBER_LOCALES = {
    "en": alt.NumberLocale(decimal=".", thousands=",", grouping=[3], currency=["$", ""]),
    "fr": alt.NumberLocale(decimal=",", thousands="\u00a0", grouping=[3], currency=["", "\u00a0$"], minus="-"),
}
_BABEL_LOCALES = {"en": "en_CA", "fr": "fr_CA"}


def number_locale(lang: str) -> alt.NumberLocale:
    """The Vega-Lite number locale of ``lang`` (``config.locale.number`` of every chart here)."""
    return _NUMBER_LOCALES[normalise_lang(lang)]


def number_text(value: float, lang: str, *, digits: int | None = None, sign: bool = False) -> str:
    """``value`` as ``lang`` writes it: « 2,5 » / "2.5"; ``digits`` fixed decimals, else up to two, none if whole."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "" if digits == 0 else ".##")
    text = format_decimal(float(value), format=pattern, locale=_BABEL_LOCALES[normalise_lang(lang)])
    return ("+" + text) if sign and float(value) >= 0 else text


def _localised(chart: alt.TopLevelMixin, lang: str) -> alt.TopLevelMixin:
    return chart.configure(locale=alt.Locale(number=number_locale(lang)))


def builtin_translator(lang: str) -> Translate:
    """The catalog's words for ``lang`` (one way to translate, issue #11 §2: no second French copy here)."""
    return translator(lang)


# Colour-blind-safe ramp (viridis) and a diverging pair (blue/orange) that also differ in lightness.
_RATING_SCHEME = "viridis"
_DIRECTION_COLOURS = {LENIENT: "#e69f00", SEVERE: "#0072b2", IN_LINE: "#999999", NO_DATA: "#dddddd"}


def heatmap_data(
    view: MeritView, *, max_candidates: int | None = 60, t: Translate = identity, lang: str = "en"
) -> pd.DataFrame:
    """One row per shown cell, with the text drawn in it. Candidates in ordering-aid order, at most ``max_candidates``."""
    table = view.table if max_candidates is None else view.table.head(max_candidates)
    shown = table[["candidate_id", "display_name", "order"]]
    crit = view.criteria[["criterion_id", "column", "kind"]]
    cells = view.cells.merge(shown, on="candidate_id").merge(crit[["criterion_id", "column"]], on="criterion_id")
    cells = cells.sort_values(["order", "display_name"], kind="stable")
    cells["text"] = [
        _cell_text(r.value, r.source, bool(r.older_version), r.verdict, t=t, lang=lang) for r in cells.itertuples()
    ]
    return cells[
        ["display_name", "order", "column", "kind", "value", "source", "n_ratings", "verdict", "older_version", "text"]
    ].reset_index(drop=True)


def _cell_text(
    value: float, source: str, older: bool, verdict: str | None, *, t: Translate = identity, lang: str = "en"
) -> str:
    if source == NOT_ASSESSED:
        text = t(NOT_ASSESSED_SHORT)
    elif pd.isna(value):
        text = "—"
    elif source == MEAN:
        text = f"{number_text(value, lang, digits=1)}*"
    else:
        text = number_text(value, lang)
    if older:
        text += "†"
    if verdict == MET:
        text += " ✓"
    elif verdict == NOT_MET:
        text += " ✗"
    return text


def merit_heatmap(
    view: MeritView,
    *,
    t: Translate = identity,
    scale: tuple[int, int] = (1, 5),
    max_candidates: int | None = 60,
    lang: str = "en",
) -> alt.LayerChart:
    """Candidates (rows, ordering-aid order) x criteria (columns, essentials then assets), labelled cells."""
    data = heatmap_data(view, max_candidates=max_candidates, t=t, lang=lang)
    data["basis"] = [t(WORDS.get(s, s)) for s in data["source"]]
    data["verdict_words"] = [t(WORDS[v]) if isinstance(v, str) else "" for v in data["verdict"]]
    candidates = data.drop_duplicates("display_name")["display_name"].tolist()
    columns = view.criteria["column"].tolist()
    base = alt.Chart(data).encode(
        x=alt.X("column:N", sort=columns, title=t(CRITERION), axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("display_name:N", sort=candidates, title=t(CANDIDATE)),
    )
    rects = base.mark_rect(stroke="white").encode(
        color=alt.Color(
            "value:Q", title=t(RATING), scale=alt.Scale(scheme=_RATING_SCHEME, domain=list(scale)),
        ),  # fmt: skip
        tooltip=[
            alt.Tooltip("display_name:N", title=t(CANDIDATE)),
            alt.Tooltip("column:N", title=t(CRITERION)),
            alt.Tooltip("value:Q", title=t(RATING), format=".2f"),
            alt.Tooltip("basis:N", title=t(BASIS)),
            alt.Tooltip("n_ratings:Q", title=t(RATINGS_COUNT)),
            alt.Tooltip("verdict_words:N", title=t(VERDICT)),
        ],
    )
    midpoint = (scale[0] + scale[1]) / 2
    labels = base.mark_text(fontSize=12).encode(
        text="text:N",
        # Dark text on the light end of the ramp, light text on the dark end: readable either way.
        color=alt.condition(alt.datum.value > midpoint, alt.value("black"), alt.value("white")),
    )
    height = max(120, 22 * len(candidates))
    chart = (rects + labels).properties(
        title=alt.TitleParams(t(HEATMAP_TITLE), subtitle=[t(HEATMAP_SUBTITLE)]), height=height, width=alt.Step(56)
    )
    return _localised(chart, lang)


def distribution_data(frames: PostingFrames) -> pd.DataFrame:
    """Count of submitted ratings per current criterion and rating value (every scale value present, 0 if none)."""
    crit = frames.current_criteria
    rated = current_ratings(frames)
    low, high = frames.scale
    counts = rated.assign(rating=rated["rating"].astype(int)).groupby(["number", "rating"]).size()
    numbers = crit["number"].astype(int).tolist()
    index = pd.MultiIndex.from_product([numbers, list(range(low, high + 1))], names=["number", "rating"])
    out = counts.reindex(index, fill_value=0).rename("count").reset_index()
    out["criterion"] = [f"C{int(n)}" for n in out["number"]]
    out["rating"] = out["rating"].astype(int)
    out["count"] = out["count"].astype(int)
    return out[["criterion", "number", "rating", "count"]]


def ratings_distribution(frames: PostingFrames, *, t: Translate = identity, lang: str = "en") -> alt.FacetChart:
    """Bars of how often each rating was given, one small chart per criterion, each bar labelled with its count."""
    data = distribution_data(frames)
    order = [f"C{int(n)}" for n in frames.current_criteria["number"]]
    base = alt.Chart(data).encode(
        x=alt.X("rating:O", title=t(RATING)),
        y=alt.Y("count:Q", title=t(RATINGS_COUNT)),
    )
    bars = base.mark_bar(color="#4c78a8")
    counts = base.mark_text(dy=-6).encode(text="count:Q")
    chart = (
        alt.layer(bars, counts, data=data)
        .properties(width=140, height=110)
        .facet(facet=alt.Facet("criterion:N", sort=order, title=t(CRITERION)), columns=4)
        .properties(title=t(DISTRIBUTION_TITLE))
    )
    return _localised(chart, lang)


def calibration_data(calibration: pd.DataFrame, *, t: Translate = identity, lang: str = "en") -> pd.DataFrame:
    """Bar rows with the label drawn beside each bar: "+0.75 lenient (n=12)", « +0,75 indulgent (n=12) »."""
    data = calibration[["interviewer", "mean_deviation", "comparisons", "direction"]].copy()
    data["mean_deviation"] = data["mean_deviation"].astype(float)
    data["direction_words"] = [t(WORDS[d]) for d in data["direction"]]
    data["label"] = [
        f"{t(WORDS[d])}" if pd.isna(v) else f"{number_text(v, lang, digits=2, sign=True)} {t(WORDS[d])} (n={int(n)})"
        for v, d, n in zip(data["mean_deviation"], data["direction"], data["comparisons"], strict=True)
    ]
    data["bar"] = data["mean_deviation"].fillna(0.0)
    return data


def calibration_bars(calibration: pd.DataFrame, *, t: Translate = identity, lang: str = "en") -> alt.LayerChart:
    """Horizontal bars of each interviewer's mean deviation around a zero line; sign also in words and pattern.

    Severe bars are drawn hollow (outline only) and lenient ones solid, so the direction survives a
    black-and-white print as well as the label does.
    """
    data = calibration_data(calibration, t=t, lang=lang)
    people = data["interviewer"].tolist()
    base = alt.Chart(data).encode(y=alt.Y("interviewer:N", sort=people, title=t(INTERVIEWER)))
    bars = base.mark_bar(strokeWidth=2).encode(
        x=alt.X("bar:Q", title=t(DEVIATION)),
        color=alt.Color(
            "direction:N",
            scale=alt.Scale(domain=list(_DIRECTION_COLOURS), range=list(_DIRECTION_COLOURS.values())),
            legend=None,
        ),
        stroke=alt.Color(
            "direction:N",
            scale=alt.Scale(domain=list(_DIRECTION_COLOURS), range=list(_DIRECTION_COLOURS.values())),
            legend=None,
        ),
        fillOpacity=alt.condition(alt.datum.direction == SEVERE, alt.value(0.15), alt.value(1.0)),
        tooltip=[
            alt.Tooltip("interviewer:N", title=t(INTERVIEWER)),
            alt.Tooltip("mean_deviation:Q", title=t(DEVIATION), format="+.2f"),
            alt.Tooltip("comparisons:Q", title=t(COMPARISONS)),
            alt.Tooltip("direction_words:N", title=t(DIRECTION)),
        ],
    )
    # The label sits at the end of its bar, outside it: right of a positive bar, left of a negative one.
    right = base.transform_filter(alt.datum.bar >= 0).mark_text(align="left", dx=4).encode(x="bar:Q", text="label:N")
    left = base.transform_filter(alt.datum.bar < 0).mark_text(align="right", dx=-4).encode(x="bar:Q", text="label:N")
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="black").encode(x="zero:Q")
    chart = alt.layer(bars, zero, right, left).properties(
        title=alt.TitleParams(t(CALIBRATION_TITLE), subtitle=[t(CALIBRATION_SUBTITLE)]),
        height=max(80, 36 * len(people)),
        width=420,
    )
    return _localised(chart, lang)
