"""The merit view on hand-computed examples: cells, non-compensatory verdicts, totals, ties, versions."""

from __future__ import annotations

import math

import merit_reference as ref
import pandas as pd
import pytest
from test_results_frames import NA, crit, make_frames

from tracker.results.merit import (
    CONSENSUS,
    MEAN,
    MET,
    NO_RATINGS,
    NOT_ASSESSED,
    NOT_MET,
    ORDERING_NOTE,
    PENDING,
    filter_table,
    format_cell,
    merit_cells,
    merit_view,
    sort_table,
)

# C1 essential (weight 2, pass 3), C2 essential (pass 4), C3 asset. Interviewers 1 and 2.
CRITERIA = [crit(11, 1, weight=2.0, pass_mark=3), crit(12, 2, pass_mark=4), crit(13, 3, "asset")]
RATINGS = {
    # Candidate 1: C1 4,5 -> 4.5 met; C2 4,4 -> 4 met (at the pass mark); C3 3,5 -> 4. Total 2*4.5+4+4 = 17.
    (1, 1): {11: 4, 12: 4, 13: 3},
    (1, 2): {11: 5, 12: 4, 13: 5},
    # Candidate 2: C1 3,3 -> 3 met; C2 5,2 -> 3.5 would miss, but the consensus 4 meets; C3 unrated.
    # Total 2*3+4 = 10, incomplete.
    (2, 1): {11: 3, 12: 5},
    (2, 2): {11: 3, 12: 2},
    # Candidate 3: one rater only: no verdict on C1 (5) nor C2 (2) while min_raters is 2. Total 2*5+2+5 = 17.
    (3, 1): {11: 5, 12: 2, 13: 5},
    # Candidate 4: C1 2,2 -> not met; C2 not assessed by both -> no verdict; C3 5,5. Total 2*2+5 = 9.
    (4, 1): {11: 2, 12: NA, 13: 5},
    (4, 2): {11: 2, 12: NA, 13: 5},
}
CONSENSUS_ROWS = [(2, 12, 4, "Strong example of stakeholder work once probed.")]


@pytest.fixture
def view():
    return merit_view(make_frames(CRITERIA, 4, RATINGS, CONSENSUS_ROWS))


def cell(cells: pd.DataFrame, candidate: int, number: int) -> pd.Series:
    row = cells[(cells["candidate_id"] == candidate) & (cells["number"] == number)]
    assert len(row) == 1
    return row.iloc[0]


@pytest.mark.parametrize(
    ("candidate", "number", "value", "source", "n_ratings", "verdict", "reason"),
    [
        (1, 1, 4.5, MEAN, 2, MET, "mean"),
        (1, 2, 4.0, MEAN, 2, MET, "mean"),
        (1, 3, 4.0, MEAN, 2, None, None),
        (2, 1, 3.0, MEAN, 2, MET, "mean"),
        (2, 2, 4.0, CONSENSUS, 2, MET, "consensus"),
        (2, 3, None, NO_RATINGS, 0, None, None),
        (3, 1, 5.0, MEAN, 1, PENDING, "too_few_ratings"),
        (3, 2, 2.0, MEAN, 1, PENDING, "too_few_ratings"),
        (4, 1, 2.0, MEAN, 2, NOT_MET, "mean"),
        (4, 2, None, NOT_ASSESSED, 0, PENDING, "not_assessed"),
        (4, 3, 5.0, MEAN, 2, None, None),
    ],
)
def test_each_cell_has_its_value_source_count_and_verdict(view, candidate, number, value, source, n_ratings,
                                                          verdict, reason) -> None:  # fmt: skip
    row = cell(view.cells, candidate, number)
    if value is None:
        assert math.isnan(row["value"])
    else:
        assert row["value"] == pytest.approx(value)
    assert (row["source"], row["n_ratings"], row["verdict"], row["verdict_reason"]) == (source, n_ratings, verdict, reason)


@pytest.mark.parametrize(
    ("candidate", "verdict", "met", "not_met", "pending", "total", "complete", "order_label"),
    [
        (1, MET, 2, 0, 0, 17.0, True, "1"),
        (2, MET, 2, 0, 0, 10.0, False, "2"),
        (3, PENDING, 0, 0, 2, 17.0, True, "3"),
        (4, NOT_MET, 0, 1, 1, 9.0, False, "4"),
    ],
)
def test_candidates_are_judged_non_compensatorily_and_ordered_as_an_aid(view, candidate, verdict, met, not_met,
                                                                      pending, total, complete, order_label) -> None:  # fmt: skip
    row = view.table.set_index("candidate_id").loc[candidate]
    assert row["essentials_verdict"] == verdict
    assert (row["essentials_met"], row["essentials_not_met"], row["essentials_pending"]) == (met, not_met, pending)
    assert row["weighted_total"] == pytest.approx(total)
    assert bool(row["total_complete"]) is complete
    assert row["order_label"] == order_label


def test_table_is_sorted_by_the_ordering_aid(view) -> None:
    assert view.table["candidate_id"].tolist() == [1, 2, 3, 4]
    assert view.table["order"].tolist() == [1, 2, 3, 4]


def test_a_high_total_never_outranks_a_missed_essential() -> None:
    # Candidate 1 misses C1 (2 < 3) but is brilliant on C2; candidate 2 just meets both.
    frames = make_frames(
        [crit(11, 1, pass_mark=3), crit(12, 2, pass_mark=3, weight=10.0)],
        2,
        {(1, 1): {11: 2, 12: 5}, (1, 2): {11: 2, 12: 5}, (2, 1): {11: 3, 12: 3}, (2, 2): {11: 3, 12: 3}},
    )
    table = merit_view(frames).table
    assert table["candidate_id"].tolist() == [2, 1]
    assert table.set_index("candidate_id").loc[1, "essentials_verdict"] == NOT_MET


def test_equal_totals_share_a_rank_shown_as_a_tie() -> None:
    # Totals: candidates 1 and 2 both 8 (4+4, 5+3), candidate 3 7, candidate 4 7.
    frames = make_frames(
        [crit(11, 1), crit(12, 2)],
        4,
        {
            (1, 1): {11: 4, 12: 4}, (1, 2): {11: 4, 12: 4},
            (2, 1): {11: 5, 12: 3}, (2, 2): {11: 5, 12: 3},
            (3, 1): {11: 4, 12: 3}, (3, 2): {11: 4, 12: 3},
            (4, 1): {11: 3, 12: 4}, (4, 2): {11: 3, 12: 4},
        },
    )  # fmt: skip
    table = merit_view(frames).table.set_index("candidate_id")
    assert table.loc[[1, 2, 3, 4], "order_label"].tolist() == ["1=", "1=", "3=", "3="]
    assert table.loc[[1, 2, 3, 4], "order"].tolist() == [1, 1, 3, 3]


def test_totals_that_differ_only_by_float_rounding_still_tie() -> None:
    # 0.1 + 0.1 + 0.1 is 0.30000000000000004 in binary floats; 0.3 x 1 is 0.3. Both are 0.3.
    assets = [crit(11, 1, "asset", weight=0.1), crit(12, 2, "asset", weight=0.1), crit(13, 3, "asset", weight=0.1),
              crit(14, 4, "asset", weight=0.3)]  # fmt: skip
    frames = make_frames(assets, 2, {(1, 1): {11: 1, 12: 1, 13: 1}, (2, 1): {14: 1}})
    table = merit_view(frames).table
    assert table["weighted_total"].iloc[0] != table["weighted_total"].iloc[1]
    assert table["order_label"].tolist() == ["1=", "1="]


def test_not_assessed_ratings_are_left_out_of_the_mean_and_the_count() -> None:
    frames = make_frames([crit(11, 1, min_raters=1)], 1, {(1, 1): {11: 4}, (1, 2): {11: NA}, (1, 3): {11: 2}})
    row = cell(merit_cells(frames), 1, 1)
    assert (row["value"], row["n_ratings"], row["n_not_assessed"]) == (3.0, 2, 1)


def test_no_verdict_until_the_criterions_own_minimum_of_raters() -> None:
    frames = make_frames(
        [crit(11, 1, min_raters=3), crit(12, 2, min_raters=1)],
        1,
        {(1, 1): {11: 5, 12: 1}, (1, 2): {11: 5, 12: 1}},
    )
    cells = merit_cells(frames)
    assert cell(cells, 1, 1)["verdict"] == PENDING  # 2 raters < 3
    assert cell(cells, 1, 2)["verdict"] == NOT_MET  # 2 raters >= 1


def test_consensus_is_a_verdict_source_even_with_one_rater() -> None:
    frames = make_frames([crit(11, 1, min_raters=3)], 1, {(1, 1): {11: 2}}, [(1, 11, 3, "Agreed at debrief")])
    row = cell(merit_cells(frames), 1, 1)
    assert (row["source"], row["value"], row["verdict"]) == (CONSENSUS, 3.0, MET)
    assert row["consensus_rationale"] == "Agreed at debrief"


def test_consensus_not_assessed_leaves_the_essential_unmet() -> None:
    """Issue #10: the board could not find it met, so it is not met (the justification says why)."""
    frames = make_frames([crit(11, 1)], 1, {(1, 1): {11: 4}, (1, 2): {11: 4}}, [(1, 11, NA, "Not covered")])
    row = cell(merit_cells(frames), 1, 1)
    assert (row["source"], row["verdict"], row["verdict_reason"]) == (NOT_ASSESSED, NOT_MET, "not_assessed")
    assert math.isnan(row["value"])


def test_a_candidate_with_no_rating_has_no_total_and_comes_last_in_its_group() -> None:
    # 1: met (1,1 against pass mark 1); 2: nothing rated; 3: one rating, so pending with a total of 5.
    frames = make_frames([crit(11, 1, pass_mark=1)], 3, {(1, 1): {11: 1}, (1, 2): {11: 1}, (3, 1): {11: 5}})
    table = merit_view(frames).table
    assert table["candidate_id"].tolist() == [1, 3, 2]
    assert math.isnan(table.set_index("candidate_id").loc[2, "weighted_total"])
    assert table["essentials_verdict"].tolist() == [MET, PENDING, PENDING]


class TestRubricVersions:
    """v1 had C1 (lineage L1) and a criterion later removed (LX); v2 keeps L1 and adds L2."""

    CRITERIA = [
        crit(21, 1, lineage="L1", version=1),
        crit(22, 2, lineage="LX", version=1),
        crit(31, 1, lineage="L1", version=2),
        crit(32, 2, lineage="L2", version=2),
    ]

    def frames(self, consensus=()):
        return make_frames(
            self.CRITERIA,
            1,
            {(1, 1): {21: 4, 22: 5}, (1, 2): {31: 2, 32: 3}},
            consensus,
            current_version=2,
            scorecard_versions={(1, 1): 1},
        )

    def test_older_scores_count_for_the_same_lineage_and_are_marked(self) -> None:
        cells = merit_cells(self.frames())
        c1, c2 = cell(cells, 1, 1), cell(cells, 1, 2)
        assert (c1["value"], c1["n_ratings"], bool(c1["older_version"])) == (3.0, 2, True)
        assert (c2["value"], c2["n_ratings"], bool(c2["older_version"])) == (3.0, 1, False)

    def test_criteria_removed_from_the_current_rubric_are_not_columns(self) -> None:
        view = merit_view(self.frames())
        assert view.criteria["lineage"].tolist() == ["L1", "L2"]
        assert set(view.cells["criterion_id"]) == {31, 32}

    def test_a_consensus_given_under_the_older_version_is_marked_too(self) -> None:
        c1 = cell(merit_cells(self.frames([(1, 21, 4, "v1 debrief")])), 1, 1)
        assert (c1["source"], c1["value"], bool(c1["older_version"])) == (CONSENSUS, 4.0, True)

    def test_the_current_versions_consensus_wins_over_an_older_one(self) -> None:
        c1 = cell(merit_cells(self.frames([(1, 31, 2, "v2 debrief"), (1, 21, 4, "v1 debrief")])), 1, 1)
        assert (c1["value"], bool(c1["older_version"]), c1["consensus_rationale"]) == (2.0, False, "v2 debrief")


def test_assets_are_listed_after_essentials() -> None:
    frames = make_frames([crit(11, 1, "asset"), crit(12, 2), crit(13, 3)], 1, {(1, 1): {11: 3, 12: 3, 13: 3}})
    view = merit_view(frames)
    assert view.essential_columns == ["C2", "C3"] and view.asset_columns == ["C1"]
    assert [c for c in view.table.columns if c.startswith("C")] == ["C2", "C3", "C1"]


def test_anonymised_view_shows_labels_and_no_names(view) -> None:
    anonymous = merit_view(make_frames(CRITERIA, 4, RATINGS, CONSENSUS_ROWS), anonymised=True)
    assert "name" not in anonymous.table.columns
    assert anonymous.table["display_name"].tolist() == ["Candidate 01", "Candidate 02", "Candidate 03", "Candidate 04"]
    assert not anonymous.table.astype(str).apply(lambda col: col.str.contains("Person")).any().any()
    assert view.table["display_name"].tolist()[0] == "Person A"


def test_filters_by_status_essentials_and_decision() -> None:
    candidates = [
        {"candidate_id": i, "label": f"Candidate {i:02d}", "label_number": i, "name": f"P{i}", "language": "en",
         "status": status, "decision": decision}
        for i, status, decision in [(1, "active", "qualified"), (2, "withdrawn", None), (3, "active", None)]
    ]  # fmt: skip
    frames = make_frames(
        [crit(11, 1)], candidates, {(1, 1): {11: 4}, (1, 2): {11: 4}, (2, 1): {11: 1}, (2, 2): {11: 1}}
    )
    table = merit_view(frames).table
    assert filter_table(table, statuses=["active"])["candidate_id"].tolist() == [1, 3]
    assert filter_table(table, essentials=[MET])["candidate_id"].tolist() == [1]
    assert filter_table(table, decisions=["pending"])["candidate_id"].tolist() == [3, 2]
    assert filter_table(table, statuses=["active"], essentials=[PENDING])["candidate_id"].tolist() == [3]


def test_sorting_puts_missing_values_last_and_refuses_unknown_columns(view) -> None:
    assert sort_table(view.table, "C3", descending=True)["candidate_id"].tolist() == [3, 4, 1, 2]
    assert sort_table(view.table, "label")["candidate_id"].tolist() == [1, 2, 3, 4]
    with pytest.raises(KeyError, match="Cannot sort"):
        sort_table(view.table, "nonsense")


def test_the_table_agrees_with_the_plain_rule_on_these_examples(view) -> None:
    """The summary columns, from the plain rule (tests/merit_reference.py; test_merit_properties.py runs it
    on generated postings) over the view's own cells."""
    cells = {
        cand: [
            ref.Cell(None if math.isnan(r.value) else r.value, r.source, r.n_ratings, r.verdict) for r in rows.itertuples()
        ]
        for cand, rows in view.cells.sort_values("number").groupby("candidate_id")
    }
    criteria = sorted(CRITERIA, key=lambda c: c["number"])
    standings = ref.standings(criteria, cells)
    for row in view.table.itertuples():
        expected = standings[row.candidate_id]
        assert (row.essentials_verdict, row.order_label) == (expected.verdict, expected.order_label)
        assert row.weighted_total == pytest.approx(expected.weighted_total)


@pytest.mark.parametrize(
    ("value", "source", "n", "older", "expected"),
    [
        (4.0, CONSENSUS, 3, False, "4"),
        (3.5, MEAN, 2, False, "3.5 (mean of 2)"),
        (3.6666667, MEAN, 3, True, "3.67 (mean of 3) †"),
        (float("nan"), NOT_ASSESSED, 0, False, "not assessed"),
        (float("nan"), NO_RATINGS, 0, False, "—"),
    ],
)
def test_cell_words(value, source, n, older, expected) -> None:
    assert format_cell(value, source, n, older) == expected


def test_cell_words_can_be_translated() -> None:
    french = {"{value} (mean of {n})": "{value} (moyenne de {n})"}
    assert format_cell(3.5, MEAN, 2, t=lambda k: french.get(k, k)) == "3.5 (moyenne de 2)"


def test_the_ordering_note_says_it_is_an_aid_in_both_languages() -> None:
    assert "aid" in ORDERING_NOTE["en"] and "aide" in ORDERING_NOTE["fr"]


def test_without_essential_criteria_nobody_has_an_overall_verdict() -> None:
    frames = make_frames([crit(11, 1, "asset")], 2, {(1, 1): {11: 5}, (2, 1): {11: 3}})
    table = merit_view(frames).table
    assert table["essentials_verdict"].tolist() == [PENDING, PENDING]
    assert table["order_label"].tolist() == ["1", "2"]  # still ordered by weighted total, as an aid


def test_empty_posting_gives_an_empty_view() -> None:
    view = merit_view(make_frames([crit(11, 1)], 0, {}))
    assert view.table.empty and view.cells.empty
