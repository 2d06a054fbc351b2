"""Panel agreement: spreads on hand-computed cells, and Krippendorff's alpha checked against published examples.

The reliability data below are typed from the worked examples in Krippendorff, K. (2011), "Computing
Krippendorff's Alpha-Reliability", University of Pennsylvania (ScholarlyCommons, asc_papers/43):
section A (binary, two observers), section B (nominal, two observers) and sections C-D (four observers,
twelve units, missing values) whose nominal, ordinal, interval and ratio alphas are published.
"""

from __future__ import annotations

import math

import pytest
from test_results_frames import NA, crit, make_frames

from tracker.results.agreement import (
    DEFINED,
    READING_FAIR,
    READING_GOOD,
    READING_POOR,
    REASON_NO_RATINGS,
    REASON_NO_VARIATION,
    REASON_SINGLE_RATER,
    UNDEFINED,
    AlphaResult,
    agreement_summary,
    alpha_from_ratings,
    rating_spread,
    reading,
)

MISSING = None


def long_form(matrix: list[list[object]]) -> tuple[list[int], list[object]]:
    """Observers x units (Krippendorff's layout) to parallel unit / value lists, dropping missing values."""
    units, values = [], []
    for row in matrix:
        for unit, value in enumerate(row, start=1):
            if value is not MISSING:
                units.append(unit)
                values.append(value)
    return units, values


# Section C/D: observers A-D x units 1-12; "." (missing) typed as MISSING.
FOUR_OBSERVERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, MISSING, MISSING, MISSING],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, MISSING, 3],
    [MISSING, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, MISSING],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, MISSING],
]


@pytest.mark.parametrize(
    ("level", "published"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)]
)
def test_alpha_matches_krippendorffs_published_four_observer_example(level: str, published: float) -> None:
    units, values = long_form(FOUR_OBSERVERS)
    result = alpha_from_ratings(units, values, level=level)
    assert result.state == DEFINED
    assert round(result.value, 3) == published


def test_pairable_values_exclude_the_unit_rated_once() -> None:
    # Krippendorff counts n = 40 pairable values: unit 12 has one value and is left out.
    units, values = long_form(FOUR_OBSERVERS)
    result = alpha_from_ratings(units, values)
    assert (result.pairable, result.units, result.ratings) == (40, 11, 41)


def test_alpha_matches_the_published_binary_two_observer_example() -> None:
    ben = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    gerry = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    result = alpha_from_ratings(*long_form([ben, gerry]), level="nominal")
    assert round(result.value, 3) == 0.095  # 1 - (20-1) x 4 / (14 x 6)


def test_alpha_matches_the_published_nominal_two_observer_example() -> None:
    codes = {c: i for i, c in enumerate("abcde")}
    ben = [codes[c] for c in "aabbdcccedda"]
    gerry = [codes[c] for c in "babbbccceddd"]
    assert round(alpha_from_ratings(*long_form([ben, gerry]), level="nominal").value, 3) == 0.692


def test_alpha_on_tiny_hand_computed_data() -> None:
    # Two units each rated 1 and 2: o(1,2) = o(2,1) = 2, n = 4, n1 = n2 = 2.
    # Nominal alpha = 1 - (n - 1) * 4 / (n1 n2 + n2 n1) = 1 - 3 * 4 / 8 = -0.5 (systematic disagreement).
    assert alpha_from_ratings([1, 1, 2, 2], [1, 2, 1, 2], level="nominal").value == pytest.approx(-0.5)
    # Perfect agreement with variation between units: alpha = 1.
    assert alpha_from_ratings([1, 1, 2, 2], [1, 1, 3, 3]).value == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("units", "values", "reason", "pairable"),
    [
        ([], [], REASON_NO_RATINGS, 0),
        ([1, 2, 3], [4, 2, 5], REASON_SINGLE_RATER, 0),
        ([1, 1, 2, 2, 3], [4, 4, 4, 4, 2], REASON_NO_VARIATION, 4),
        ([1, 1], [None, 3], REASON_SINGLE_RATER, 0),
    ],
)
def test_alpha_is_undefined_with_a_reason_never_zero_or_nan(units, values, reason, pairable) -> None:
    result = alpha_from_ratings(units, values)
    assert (result.state, result.value, result.reading, result.reason) == (UNDEFINED, None, None, reason)
    assert result.pairable == pairable
    assert "undefined" in result.describe("en") and "non défini" in result.describe("fr")
    assert "nan" not in result.describe("en").lower() and " 0" not in result.describe("en")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1.0, READING_GOOD), (0.8, READING_GOOD), (0.7999, READING_FAIR), (0.667, READING_FAIR),
     (0.6669, READING_POOR), (-0.2, READING_POOR)],
)  # fmt: skip
def test_plain_words_reading_follows_krippendorffs_thresholds(value: float, expected: str) -> None:
    assert reading(value) == expected


def test_description_gives_value_reading_and_count_in_both_languages() -> None:
    result = AlphaResult(DEFINED, 0.8153, READING_GOOD, None, 40, 11, 41)
    assert result.describe("en") == "0.82 — good agreement (40 ratings)"
    assert result.describe("fr") == "0,82 — bon accord (40 cotes)"


CRITERIA = [crit(11, 1), crit(12, 2)]


def test_spread_per_candidate_and_criterion_flags_two_points() -> None:
    frames = make_frames(
        CRITERIA,
        3,
        {
            (1, 1): {11: 2, 12: 3}, (1, 2): {11: 4, 12: 4}, (1, 3): {11: 5, 12: NA},
            (2, 1): {11: 3, 12: 3}, (2, 2): {11: 4, 12: 5},
            (3, 1): {11: 4},
        },
    )  # fmt: skip
    spread = rating_spread(frames).set_index(["candidate_id", "number"])
    assert spread.loc[(1, 1), ["n_ratings", "low", "high", "spread"]].tolist() == [3, 2, 5, 3]
    assert bool(spread.loc[(1, 1), "flagged"])
    assert spread.loc[(1, 2), ["n_ratings", "spread"]].tolist() == [2, 1]  # the NA is not a rating
    assert not spread.loc[(1, 2), "flagged"]
    assert spread.loc[(2, 2), "spread"] == 2 and bool(spread.loc[(2, 2), "flagged"])
    assert math.isnan(spread.loc[(3, 1), "spread"]) and not spread.loc[(3, 1), "flagged"]
    assert (3, 2) not in spread.index


def test_summary_per_posting_and_per_criterion() -> None:
    # C1: perfect agreement with variation; C2: every pairable rating equal (undefined, no variation).
    frames = make_frames(
        CRITERIA,
        2,
        {(1, 1): {11: 2, 12: 4}, (1, 2): {11: 2, 12: 4}, (2, 1): {11: 5, 12: 4}, (2, 2): {11: 5, 12: 4}},
    )
    summary = agreement_summary(frames)
    per = summary.per_criterion.set_index("number")
    assert per.loc[1, "state"] == DEFINED and per.loc[1, "alpha"] == pytest.approx(1.0)
    assert per.loc[1, "pairable"] == 4
    assert per.loc[2, "state"] == UNDEFINED and per.loc[2, "reason"] == REASON_NO_VARIATION
    assert summary.posting.state == DEFINED and summary.posting.pairable == 8
    # Posting units: (1,C1)=2,2 (2,C1)=5,5 (1,C2)=4,4 (2,C2)=4,4: observed disagreement 0 -> alpha 1.
    assert summary.posting.value == pytest.approx(1.0)
    assert summary.flagged_cells == 0


def test_single_rater_posting_has_undefined_alpha_everywhere() -> None:
    frames = make_frames(CRITERIA, 2, {(1, 1): {11: 2, 12: 4}, (2, 1): {11: 5, 12: 3}})
    summary = agreement_summary(frames)
    assert summary.posting.reason == REASON_SINGLE_RATER
    assert set(summary.per_criterion["reason"]) == {REASON_SINGLE_RATER}
    assert summary.per_criterion["alpha"].isna().all()


def test_posting_alpha_on_panel_data_matches_the_long_form_computation() -> None:
    # Two criteria x three candidates x three interviewers with some disagreement; alpha from the
    # frames must equal alpha computed on the same units typed by hand.
    ratings = {
        (1, 1): {11: 4, 12: 3}, (1, 2): {11: 5, 12: 3}, (1, 3): {11: 4, 12: 2},
        (2, 1): {11: 2, 12: 2}, (2, 2): {11: 1, 12: 2}, (2, 3): {11: 2, 12: 3},
        (3, 1): {11: 3, 12: 5}, (3, 2): {11: 3, 12: 4}, (3, 3): {11: 4, 12: 5},
    }  # fmt: skip
    units, values = [], []
    for (cand, _), cells in ratings.items():
        for cid, value in cells.items():
            units.append(f"{cand}-{cid}")
            values.append(value)
    expected = alpha_from_ratings(units, values)
    summary = agreement_summary(make_frames(CRITERIA, 3, ratings))
    assert summary.posting.value == pytest.approx(expected.value)
    assert summary.posting.pairable == 18
