"""Interviewer calibration and completeness on hand-computed examples."""

from __future__ import annotations

import math

import pytest
from test_results_frames import INTERVIEWERS, NA, crit, make_frames

from tracker.results.calibration import (
    IN_LINE,
    LENIENT,
    NO_DATA,
    SEVERE,
    direction,
    interviewer_calibration,
    rating_deviations,
)
from tracker.results.completeness import completeness

CRITERIA = [crit(11, 1), crit(12, 2)]
# Candidate 1: C1 A=4, B=2, C=3 -> deviations A 4-2.5=+1.5, B 2-3.5=-1.5, C 3-3=0.
#              C2 A=5, B=5, C=NA -> A 0, B 0 (C's "not assessed" is no rating).
# Candidate 2: only A submitted: no comparisons. B has a draft, C has not started.
RATINGS = {
    (1, 1): {11: 4, 12: 5},
    (1, 2): {11: 2, 12: 5},
    (1, 3): {11: 3, 12: NA},
    (2, 1): {11: 3, 12: 3},
}
PENDING = {(2, 2): "draft", (2, 3): "not_started"}
HOURS = {(1, 1): 2.0, (2, 1): 4.0, (1, 2): 30.0, (1, 3): 0.5}


@pytest.fixture
def frames():
    return make_frames(
        CRITERIA, 2, RATINGS, [(1, 11, 3, "Agreed"), (1, 12, 5, "Agreed")],
        pending=PENDING, panel=[1, 2, 3], hours_to_submit=HOURS,
    )  # fmt: skip


def test_each_rating_is_compared_with_the_other_members_mean(frames) -> None:
    deviations = rating_deviations(frames).set_index(["candidate_id", "criterion_id", "interviewer_id"])["deviation"]
    assert deviations.loc[(1, 11, 1)] == pytest.approx(1.5)
    assert deviations.loc[(1, 11, 2)] == pytest.approx(-1.5)
    assert deviations.loc[(1, 11, 3)] == pytest.approx(0.0)
    assert deviations.loc[(1, 12, 1)] == pytest.approx(0.0)
    assert len(deviations) == 5  # candidate 2's lone ratings have nobody to compare with


@pytest.mark.parametrize(
    ("person", "mean", "comparisons", "way"),
    [(1, 0.75, 2, LENIENT), (2, -0.75, 2, SEVERE), (3, 0.0, 1, IN_LINE)],
)
def test_calibration_per_interviewer(frames, person, mean, comparisons, way) -> None:
    row = interviewer_calibration(frames).set_index("interviewer_id").loc[person]
    assert row["interviewer"] == INTERVIEWERS[person]
    assert row["mean_deviation"] == pytest.approx(mean)
    assert (row["comparisons"], row["direction"]) == (comparisons, way)


@pytest.mark.parametrize(
    ("person", "submitted", "drafts", "not_started", "median_hours"),
    [(1, 2, 0, 0, 3.0), (2, 1, 1, 0, 30.0), (3, 1, 0, 1, 0.5)],
)
def test_completion_and_median_time_to_submit(frames, person, submitted, drafts, not_started, median_hours) -> None:
    row = interviewer_calibration(frames).set_index("interviewer_id").loc[person]
    assert (row["submitted"], row["drafts"], row["not_started"]) == (submitted, drafts, not_started)
    assert row["median_hours_to_submit"] == pytest.approx(median_hours)


def test_a_member_with_nothing_to_compare_has_no_data_not_zero() -> None:
    frames = make_frames(CRITERIA, 1, {(1, 1): {11: 4, 12: 4}}, pending={(1, 2): "not_started"}, panel=[1, 2])
    calibration = interviewer_calibration(frames).set_index("interviewer_id")
    assert calibration.loc[1, "direction"] == NO_DATA and math.isnan(calibration.loc[1, "mean_deviation"])
    assert calibration.loc[2, "direction"] == NO_DATA and calibration.loc[2, "comparisons"] == 0
    assert math.isnan(calibration.loc[2, "median_hours_to_submit"])


def test_declared_conflicts_are_counted_apart() -> None:
    frames = make_frames(CRITERIA, 2, {(1, 1): {11: 4, 12: 4}}, pending={(2, 1): "conflict"}, panel=[1])
    row = interviewer_calibration(frames).iloc[0]
    assert (row["submitted"], row["not_started"], row["conflicts"]) == (1, 0, 1)


@pytest.mark.parametrize(
    ("value", "tolerance", "expected"),
    [(0.01, 0.0, LENIENT), (-0.01, 0.0, SEVERE), (0.0, 0.0, IN_LINE), (0.2, 0.25, IN_LINE), (None, 0.0, NO_DATA)],
)
def test_direction_words(value, tolerance, expected) -> None:
    assert direction(value, tolerance) == expected


def test_completeness_lists_what_is_missing_per_candidate(frames) -> None:
    table = completeness(frames).set_index("candidate_id")
    first, second = table.loc[1], table.loc[2]
    assert (first["scorecards_expected"], first["scorecards_submitted"]) == (3, 3)
    assert first["drafts"] == [] and first["not_started"] == [] and first["criteria_without_consensus"] == []
    assert bool(first["ready"])
    assert (second["scorecards_expected"], second["scorecards_submitted"]) == (3, 1)
    assert second["drafts"] == [INTERVIEWERS[2]] and second["not_started"] == [INTERVIEWERS[3]]
    assert second["criteria_without_consensus"] == [1, 2]
    assert not bool(second["ready"])


def test_a_member_with_a_conflict_owes_no_scorecard() -> None:
    frames = make_frames(
        [crit(11, 1)], 1, {(1, 1): {11: 4}}, [(1, 11, 4, "Agreed")], pending={(1, 2): "conflict"}, panel=[1, 2]
    )
    row = completeness(frames).iloc[0]
    assert (row["scorecards_expected"], row["scorecards_submitted"], bool(row["ready"])) == (1, 1, True)


def test_consensus_under_an_older_rubric_version_counts_for_the_same_lineage() -> None:
    criteria = [crit(21, 1, lineage="L1", version=1), crit(31, 1, lineage="L1", version=2),
                crit(32, 2, lineage="L2", version=2)]  # fmt: skip
    frames = make_frames(criteria, 1, {(1, 1): {31: 4, 32: 4}}, [(1, 21, 4, "v1")], current_version=2, panel=[1])
    assert completeness(frames).iloc[0]["criteria_without_consensus"] == [2]


def test_a_candidate_without_any_panel_is_not_ready() -> None:
    frames = make_frames([crit(11, 1)], 1, {}, [(1, 11, 4, "Agreed")], panel=[])
    row = completeness(frames).iloc[0]
    assert row["scorecards_expected"] == 0 and not bool(row["ready"])
