"""The fast merit view equals the plain rule (tests/merit_reference.py) on any small posting hypothesis builds:
criteria of both kinds with their own weight, pass mark and minimum raters; submitted ratings (a level,
"not assessed", or none); and a board consensus on some cells (a level or "not assessed").

Budget: ``TRACKER_FUZZ_EXAMPLES`` examples (default 60; ``make fuzz`` raises it).
"""

from __future__ import annotations

import math
import os
from typing import Any

import merit_reference as ref
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_results_frames import NA, crit, make_frames

from tracker.results.merit import merit_view

EXAMPLES = int(os.environ.get("TRACKER_FUZZ_EXAMPLES", "60"))
RATING = st.one_of(st.integers(1, 5), st.just(NA))


@st.composite
def postings(draw: Any) -> tuple[list[dict[str, Any]], int, dict, list]:
    n_criteria = draw(st.integers(1, 4))
    criteria = [
        crit(
            10 + number,
            number,
            draw(st.sampled_from(["essential", "asset"])),
            weight=draw(st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0])),
            pass_mark=draw(st.integers(1, 5)),
            min_raters=draw(st.integers(1, 3)),
        )
        for number in range(1, n_criteria + 1)
    ]
    n_candidates = draw(st.integers(1, 5))
    ratings: dict[tuple[int, int], dict[int, int | str]] = {}
    for candidate in range(1, n_candidates + 1):
        for interviewer in range(1, draw(st.integers(0, 3)) + 1):
            ratings[(candidate, interviewer)] = {
                c["criterion_id"]: r for c in criteria if (r := draw(st.one_of(st.none(), RATING))) is not None
            }
    consensus = [
        (candidate, c["criterion_id"], value, "Agreed by the board.")
        for candidate in range(1, n_candidates + 1)
        for c in criteria
        if (value := draw(st.one_of(st.none(), st.none(), RATING))) is not None
    ]
    return criteria, n_candidates, ratings, consensus


def _same(a: float | None, b: float) -> bool:
    return math.isnan(b) if a is None else math.isclose(a, b, rel_tol=1e-9)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(postings())
def test_the_fast_merit_view_equals_the_plain_rule(posting: tuple[list[dict[str, Any]], int, dict, list]) -> None:
    criteria, n_candidates, ratings, consensus = posting
    view = merit_view(make_frames(criteria, n_candidates, ratings, consensus))
    agreed = {(cand, cid): value for cand, cid, value, _ in consensus}
    expected_cells = {
        cand: [
            ref.cell(
                c,
                [
                    card[c["criterion_id"]]
                    for (who, _), card in ratings.items()
                    if who == cand and c["criterion_id"] in card
                ],
                agreed.get((cand, c["criterion_id"])),
            )
            for c in criteria
        ]
        for cand in range(1, n_candidates + 1)
    }
    for row in view.cells.itertuples():
        expected = expected_cells[row.candidate_id][row.number - 1]
        assert (row.source, row.n_ratings, row.verdict) == (expected.source, expected.n_ratings, expected.verdict)
        assert _same(expected.value, row.value)
    standings = ref.standings(criteria, expected_cells)
    for row in view.table.itertuples():
        expected = standings[row.candidate_id]
        assert (row.essentials_verdict, row.order_label) == (expected.verdict, expected.order_label)
        assert _same(expected.weighted_total, row.weighted_total)
