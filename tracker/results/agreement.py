"""Panel agreement: where the board disagreed (spread) and how reliable its ratings are (Krippendorff's alpha).

*Spread* is max - min of the individual submitted ratings of one candidate x criterion; 2 points or
more on a 1-5 scale is a disagreement worth a conversation at the debrief, so it is flagged.

*Krippendorff's alpha* compares the disagreement observed among ratings of the same unit (candidate x
criterion) with the disagreement expected by chance: 1 is perfect agreement, 0 is no better than
chance, below 0 is systematic disagreement. The ordinal metric fits a rating scale whose levels are
ordered but not evenly spaced. It is computed with the ``krippendorff`` package, checked in the tests
against the worked examples of Krippendorff, K. (2011), "Computing Krippendorff's Alpha-Reliability",
University of Pennsylvania, https://repository.upenn.edu/asc_papers/43.

Plain-words reading, after Krippendorff, K. (2004), *Content Analysis: An Introduction to Its
Methodology*, 2nd ed., Sage, p. 241: rely on data with alpha >= .800 ("good"); data with
.667 <= alpha < .800 only for tentative conclusions ("fair"); below .667 ("poor") do not rely on them.

Alpha is *undefined* (never shown as 0 or NaN) when no unit has two ratings (a single rater: nothing
to compare) or when every pairable rating has the same value (no variation: chance disagreement is 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import krippendorff
import numpy as np
import pandas as pd

from tracker.results.data import PostingFrames, current_ratings

SPREAD_FLAG = 2
GOOD = 0.800
FAIR = 0.667

# States and readings, as stable keys the page translates.
DEFINED = "defined"
UNDEFINED = "undefined"
READING_GOOD = "good"
READING_FAIR = "fair"
READING_POOR = "poor"
REASON_NO_RATINGS = "no_ratings"
REASON_SINGLE_RATER = "single_rater"  # no candidate x criterion has ratings from two panel members
REASON_NO_VARIATION = "no_variation"  # every pairable rating is the same value

REASON_TEXT = {
    "en": {
        REASON_NO_RATINGS: "undefined: no submitted ratings yet",
        REASON_SINGLE_RATER: "undefined: no candidate has been rated on the same criterion by two panel members",
        REASON_NO_VARIATION: "undefined: every rating is the same value, so agreement cannot be told from chance",
    },
    "fr": {
        REASON_NO_RATINGS: "non défini : aucune cote soumise pour l'instant",
        REASON_SINGLE_RATER: "non défini : aucune personne candidate n'a été cotée sur un même critère par deux "
        "membres du comité",
        REASON_NO_VARIATION: "non défini : toutes les cotes sont identiques, l'accord ne peut donc pas être "
        "distingué du hasard",
    },
}
READING_TEXT = {
    "en": {READING_GOOD: "good agreement", READING_FAIR: "fair agreement", READING_POOR: "poor agreement"},
    "fr": {READING_GOOD: "bon accord", READING_FAIR: "accord passable", READING_POOR: "accord faible"},
}


@dataclass(frozen=True)
class AlphaResult:
    """Alpha with what stands behind it: ``pairable`` values (Krippendorff's n) in ``units`` units.

    ``value`` and ``reading`` are None exactly when ``state`` is ``undefined``; ``reason`` says why.
    """

    state: str
    value: float | None
    reading: str | None
    reason: str | None
    pairable: int
    units: int
    ratings: int

    @property
    def defined(self) -> bool:
        return self.state == DEFINED

    def describe(self, lang: str = "en") -> str:
        """One line for people: "0.82 — good agreement (40 ratings)" or the undefined reason."""
        if self.value is None or self.reading is None:
            return REASON_TEXT[lang][self.reason or REASON_NO_RATINGS]
        word = "cotes" if lang == "fr" else "ratings"
        number = f"{self.value:.2f}".replace(".", ",") if lang == "fr" else f"{self.value:.2f}"
        return f"{number} — {READING_TEXT[lang][self.reading]} ({self.pairable} {word})"


def reading(value: float) -> str:
    """good >= .800 > fair >= .667 > poor (Krippendorff 2004, p. 241)."""
    if value >= GOOD:
        return READING_GOOD
    if value >= FAIR:
        return READING_FAIR
    return READING_POOR


# Krippendorff's levels of measurement; the tracker uses ordinal (ratings are ordered levels).
Level = Literal["nominal", "ordinal", "interval", "ratio"]


def alpha_from_ratings(
    units: pd.Series | list[Any], ratings: pd.Series | list[Any], *, level: Level = "ordinal"
) -> AlphaResult:
    """Krippendorff's alpha of ratings given as parallel ``units`` and ``ratings`` (missing ratings dropped).

    Units with a single rating are not pairable and do not count, as in Krippendorff's definition.
    """
    unit_codes = pd.factorize(pd.Series(units, dtype=object) if isinstance(units, list) else units)[0]
    values = np.asarray(
        pd.to_numeric(pd.Series(ratings, dtype=object) if isinstance(ratings, list) else ratings, errors="coerce"),
        dtype=float,
    )
    present = ~np.isnan(values) & (unit_codes >= 0)
    unit_codes, values = unit_codes[present], values[present]
    total = int(len(values))
    if total == 0:
        return AlphaResult(UNDEFINED, None, None, REASON_NO_RATINGS, 0, 0, 0)
    pairable_mask = np.bincount(unit_codes)[unit_codes] >= 2
    if not pairable_mask.any():
        return AlphaResult(UNDEFINED, None, None, REASON_SINGLE_RATER, 0, 0, total)
    units_kept, unit_index = np.unique(unit_codes[pairable_mask], return_inverse=True)
    domain, value_index = np.unique(values[pairable_mask], return_inverse=True)
    pairable = int(pairable_mask.sum())
    if len(domain) < 2:
        return AlphaResult(UNDEFINED, None, None, REASON_NO_VARIATION, pairable, len(units_kept), total)
    # Units x values count table (Krippendorff's "values by units" matrix).
    counts = np.bincount(unit_index * len(domain) + value_index, minlength=len(units_kept) * len(domain))
    value = float(
        krippendorff.alpha(
            value_counts=counts.reshape(len(units_kept), len(domain)),
            value_domain=domain,
            level_of_measurement=level,
        )
    )
    n_units = len(units_kept)
    return AlphaResult(DEFINED, value, reading(value), None, pairable, n_units, total)


def rating_spread(frames: PostingFrames) -> pd.DataFrame:
    """Per candidate x current criterion with at least one rating: count, min, max, spread, flagged.

    ``spread`` is missing (and never flagged) with a single rating: one opinion cannot disagree.
    """
    rated = current_ratings(frames)
    grouped = rated.groupby(["candidate_id", "criterion_id"], sort=True)["rating"]
    out = grouped.agg(n_ratings="count", low="min", high="max").reset_index()
    info = frames.current_criteria.set_index(frames.current_criteria["criterion_id"].astype(int))
    out.insert(2, "number", info["number"].astype(int).reindex(out["criterion_id"].to_numpy()).to_numpy())
    out.insert(3, "kind", info["kind"].astype(object).reindex(out["criterion_id"].to_numpy()).to_numpy())
    out["spread"] = (out["high"] - out["low"]).where(out["n_ratings"] >= 2)
    out["flagged"] = (out["spread"] >= SPREAD_FLAG).fillna(False).astype(bool)
    return out


@dataclass(frozen=True)
class AgreementSummary:
    """Alpha for the whole posting, per criterion (a frame), and how many cells are flagged."""

    posting: AlphaResult
    per_criterion: pd.DataFrame
    flagged_cells: int


def agreement_summary(frames: PostingFrames, *, level: Level = "ordinal") -> AgreementSummary:
    """Alpha per posting (units: candidate x criterion) and per criterion (units: candidates)."""
    rated = current_ratings(frames)
    unit = rated["candidate_id"].to_numpy() * (int(rated["criterion_id"].max()) + 1 if len(rated) else 1) + rated[
        "criterion_id"
    ].to_numpy()
    posting = alpha_from_ratings(pd.Series(unit), rated["rating"], level=level)
    by_criterion: dict[Any, pd.DataFrame] = dict(tuple(rated.groupby("criterion_id", sort=False)))
    rows = []
    for crit in frames.current_criteria.itertuples(index=False):
        subset = by_criterion.get(crit.criterion_id, rated.iloc[0:0])
        result = alpha_from_ratings(subset["candidate_id"], subset["rating"], level=level)
        rows.append(
            {
                "criterion_id": crit.criterion_id, "number": crit.number, "kind": crit.kind,
                "state": result.state, "alpha": result.value, "reading": result.reading, "reason": result.reason,
                "pairable": result.pairable, "units": result.units, "ratings": result.ratings,
            }  # fmt: skip
        )
    columns = ["criterion_id", "number", "kind", "state", "alpha", "reading", "reason", "pairable", "units", "ratings"]
    per_criterion = pd.DataFrame(rows, columns=columns)
    flagged = int(rating_spread(frames)["flagged"].sum())
    return AgreementSummary(posting=posting, per_criterion=per_criterion, flagged_cells=flagged)
