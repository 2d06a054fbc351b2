"""Hand-built results frames for the pure-function tests, and the checks that keep them honest.

``make_frames`` builds a :class:`PostingFrames` from small literal tables (the way a reader would write
the example on paper), passing every frame through ``normalise_frame`` so hand-made frames have the same
dtypes as loaded ones. The tests here check the builder itself and the pandas twin of the database's
rating aggregates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest

from tracker.results.data import (
    CANDIDATE_COLUMNS,
    CONSENSUS_COLUMNS,
    CRITERIA_COLUMNS,
    DECLARATION_COLUMNS,
    PANEL_COLUMNS,
    SCORE_COLUMNS,
    SCORECARD_COLUMNS,
    FrameNotLoadedError,
    PostingFrames,
    PostingInfo,
    aggregate_scores,
    normalise_frame,
)

NA = "not assessed"  # a rating cell meaning the interviewer marked the criterion "not assessed"
INTERVIEWERS = {1: "Avery Tremblay", 2: "Blake Singh", 3: "Casey Roy"}
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def crit(
    criterion_id: int,
    number: int,
    kind: str = "essential",
    *,
    weight: float = 1.0,
    pass_mark: int = 3,
    min_raters: int = 2,
    lineage: str | None = None,
    version: int = 1,
    text_en: str | None = None,
    text_fr: str | None = None,
) -> dict[str, Any]:
    return {
        "criterion_id": criterion_id, "rubric_id": 100 + version, "rubric_version": version, "current": False,
        "lineage": lineage or f"lineage-{number}", "number": number, "kind": kind,
        "text_en": text_en or f"Criterion {number}", "text_fr": text_fr or f"Critère {number}",
        "weight": weight, "pass_mark": pass_mark, "min_raters": min_raters,
    }  # fmt: skip


def make_frames(
    criteria: Sequence[dict[str, Any]],
    candidates: int | Sequence[dict[str, Any]],
    ratings: Mapping[tuple[int, int], Mapping[int, int | str | None]],
    consensus: Sequence[tuple[int, int, int | str, str]] = (),
    *,
    current_version: int = 1,
    pending: Mapping[tuple[int, int], str] | None = None,
    panel: Sequence[int] | None = None,
    hours_to_submit: Mapping[tuple[int, int], float] | None = None,
    notes: Mapping[tuple[int, int, int], str] | None = None,
    scorecard_versions: Mapping[tuple[int, int], int] | None = None,
) -> PostingFrames:
    """Frames from literals.

    ``ratings[(candidate, interviewer)] = {criterion_id: rating or NA}`` are *submitted* scorecards;
    ``pending[(candidate, interviewer)]`` is ``"draft"``, ``"not_started"`` or ``"conflict"``;
    ``consensus`` rows are ``(candidate, criterion_id, rating or NA, rationale)``.
    """
    crit_rows = [dict(c, current=c["rubric_version"] == current_version) for c in criteria]
    criteria_frame = normalise_frame(pd.DataFrame(crit_rows, columns=CRITERIA_COLUMNS))
    by_id = {c["criterion_id"]: c for c in crit_rows}

    if isinstance(candidates, int):
        cand_rows = [
            {"candidate_id": i, "label": f"Candidate {i:02d}", "label_number": i, "name": f"Person {chr(64 + i)}",
             "language": "en", "status": "active", "decision": None, "decision_rationale": None,
             "decided_by": None, "decided_at": None}
            for i in range(1, candidates + 1)
        ]  # fmt: skip
    else:
        cand_rows = [dict(c) for c in candidates]
    candidates_frame = normalise_frame(pd.DataFrame(cand_rows, columns=CANDIDATE_COLUMNS))

    score_rows = []
    card_ids: dict[tuple[int, int], int] = {}
    for (cand, person), cells in ratings.items():
        card_id = card_ids.setdefault((cand, person), 1000 + len(card_ids))
        for criterion_id, value in cells.items():
            score_rows.append(
                {
                    "scorecard_id": card_id, "candidate_id": cand, "interviewer_id": person,
                    "interviewer": INTERVIEWERS[person], "criterion_id": criterion_id,
                    "lineage": by_id[criterion_id]["lineage"], "rubric_version": by_id[criterion_id]["rubric_version"],
                    "rating": None if value in (NA, None) else value, "not_assessed": value == NA,
                    "notes": (notes or {}).get((cand, person, criterion_id), f"Notes by {INTERVIEWERS[person]}"),
                }  # fmt: skip
            )
    scores_frame = normalise_frame(pd.DataFrame(score_rows, columns=SCORE_COLUMNS))

    cons_rows = [
        {"candidate_id": cand, "criterion_id": cid, "lineage": by_id[cid]["lineage"],
         "rubric_version": by_id[cid]["rubric_version"], "rating": None if value == NA else value,
         "not_assessed": value == NA, "rationale": rationale, "decided_by_id": 1,
         "decided_by": INTERVIEWERS[1], "decided_at": T0 + timedelta(days=1, minutes=i)}
        for i, (cand, cid, value, rationale) in enumerate(consensus)
    ]  # fmt: skip
    consensus_frame = normalise_frame(pd.DataFrame(cons_rows, columns=CONSENSUS_COLUMNS))

    members = list(panel) if panel is not None else sorted({p for _, p in ratings} | {p for _, p in (pending or {})})
    card_rows = []
    for cand in candidates_frame["candidate_id"]:
        for person in members:
            key = (int(cand), person)
            hours = (hours_to_submit or {}).get(key, 1.0)
            if key in ratings:
                status, card_id = "submitted", card_ids[key]
            else:
                status = (pending or {}).get(key, "not_started")
                card_id = 2000 + len(card_rows) if status == "draft" else None
            card_rows.append(
                {
                    "candidate_id": int(cand), "interviewer_id": person, "interviewer": INTERVIEWERS[person],
                    "on_panel": True, "scorecard_id": card_id, "status": status,
                    "rubric_version": (scorecard_versions or {}).get(key, current_version) if card_id else None,
                    "recommendation": "yes" if status == "submitted" else None, "overall_notes": "",
                    "created_at": T0 if card_id else None,
                    "submitted_at": T0 + timedelta(hours=hours) if status == "submitted" else None,
                    "reopened_at": None, "reopen_reason": None,
                }  # fmt: skip
            )
    scorecards_frame = normalise_frame(pd.DataFrame(card_rows, columns=SCORECARD_COLUMNS))
    declarations_frame = normalise_frame(
        pd.DataFrame(
            [
                {"candidate_id": r["candidate_id"], "user_id": r["interviewer_id"], "user": r["interviewer"],
                 "has_conflict": r["status"] == "conflict", "conflict_note": "", "language": "en",
                 "declared_at": T0}
                for r in card_rows if r["status"] != "not_started"
            ],
            columns=DECLARATION_COLUMNS,
        )  # fmt: skip
    )
    panel_frame = normalise_frame(
        pd.DataFrame(
            [{"user_id": p, "display_name": INTERVIEWERS[p], "email": f"p{p}@northwind.example", "is_chair": p == 1}
             for p in members],
            columns=PANEL_COLUMNS,
        )  # fmt: skip
    )
    info = PostingInfo(
        posting_id=1, translation_key="northwind-analyst", title_en="Data Analyst", title_fr="Analyste de données",
        opened_on=None, closed_on=None, rubric_id=100 + current_version, rubric_version=current_version,
    )  # fmt: skip
    return PostingFrames(
        posting=info,
        candidates=candidates_frame,
        criteria=criteria_frame,
        consensus=consensus_frame,
        scores=scores_frame,
        scorecards=scorecards_frame,
        declarations=declarations_frame,
        panel=panel_frame,
    )


def test_aggregates_count_ratings_and_not_assessed_apart() -> None:
    frames = make_frames(
        [crit(11, 1), crit(12, 2)],
        2,
        {(1, 1): {11: 4, 12: NA}, (1, 2): {11: 2, 12: NA}, (2, 1): {11: 5, 12: 3}},
    )
    agg = aggregate_scores(frames.need("scores")).set_index(["candidate_id", "criterion_id"])
    assert agg.loc[(1, 11)].tolist() == [2, 6, 0]  # n_ratings, rating_sum, n_not_assessed
    assert agg.loc[(1, 12)].tolist() == [0, 0, 2]
    assert agg.loc[(2, 11)].tolist() == [1, 5, 0]


def test_frames_built_without_ratings_compute_them_from_scores() -> None:
    frames = make_frames([crit(11, 1)], 1, {(1, 1): {11: 4}, (1, 2): {11: 5}})
    assert frames.ratings is None
    assert frames.rating_aggregates[["n_ratings", "rating_sum"]].iloc[0].tolist() == [2, 9]


def test_a_skipped_frame_is_named_in_the_error() -> None:
    frames = make_frames([crit(11, 1)], 1, {(1, 1): {11: 4}})
    skipped = PostingFrames(frames.posting, frames.candidates, frames.criteria, frames.consensus)
    with pytest.raises(FrameNotLoadedError, match="scorecards"):
        skipped.need("scorecards")


def test_normalise_gives_enum_values_and_utc_datetimes() -> None:
    from tracker.models import CandidateStatus

    frame = normalise_frame(
        pd.DataFrame({"status": [CandidateStatus.withdrawn], "decided_at": ["2026-03-02 09:00:00.000000"]})
    )
    assert frame["status"].tolist() == ["withdrawn"]
    assert str(frame["decided_at"].dt.tz) == "UTC"
