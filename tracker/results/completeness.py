"""What is still missing before a decision can be made about each candidate.

A decision rests on every panel member's submitted scorecard (members who declared a conflict are off
that candidate's panel and owe nothing) and on a consensus rating for every criterion of the current
rubric; a consensus recorded under an older rubric version counts for the criterion with the same
lineage.
"""

from __future__ import annotations

import pandas as pd

from tracker.results.data import DRAFT, NOT_STARTED, SUBMITTED, PostingFrames

COLUMNS = [
    "candidate_id", "label", "name", "status", "decision", "scorecards_expected", "scorecards_submitted",
    "drafts", "not_started", "criteria_without_consensus", "ready",
]  # fmt: skip


def completeness(frames: PostingFrames) -> pd.DataFrame:
    """Per candidate: who has not submitted (drafts, not started), which criteria lack consensus, ready or not.

    ``drafts`` and ``not_started`` are lists of interviewer names; ``criteria_without_consensus`` a list
    of current criterion numbers.
    """
    cards = frames.need("scorecards")
    cards = cards[cards["on_panel"].astype(bool)]
    owed = cards[cards["status"].isin([SUBMITTED, DRAFT, NOT_STARTED])]
    expected = owed.groupby("candidate_id").size()
    submitted = owed[owed["status"] == SUBMITTED].groupby("candidate_id").size()
    drafts = owed[owed["status"] == DRAFT].groupby("candidate_id")["interviewer"].agg(list)
    not_started = owed[owed["status"] == NOT_STARTED].groupby("candidate_id")["interviewer"].agg(list)

    crit = frames.current_criteria[["lineage", "number"]]
    agreed = frames.consensus[["candidate_id", "lineage"]].drop_duplicates()
    grid = frames.candidates[["candidate_id"]].merge(crit, how="cross")
    grid = grid.merge(agreed.assign(agreed=True), on=["candidate_id", "lineage"], how="left")
    lacking = grid[grid["agreed"].isna()].sort_values("number").groupby("candidate_id")["number"].agg(list)

    out = frames.candidates[["candidate_id", "label", "name", "status", "decision"]].copy()
    out["decision"] = out["decision"].astype(object).where(out["decision"].notna(), "pending")
    ids = out["candidate_id"]
    out["scorecards_expected"] = ids.map(expected).fillna(0).astype(int)
    out["scorecards_submitted"] = ids.map(submitted).fillna(0).astype(int)
    out["drafts"] = [list(v) if isinstance(v, list) else [] for v in ids.map(drafts)]
    out["not_started"] = [list(v) if isinstance(v, list) else [] for v in ids.map(not_started)]
    out["criteria_without_consensus"] = [[int(n) for n in v] if isinstance(v, list) else [] for v in ids.map(lacking)]
    out["ready"] = (
        (out["scorecards_expected"] > 0)
        & (out["scorecards_submitted"] == out["scorecards_expected"])
        & (out["criteria_without_consensus"].map(len) == 0)
    )
    return out[COLUMNS].reset_index(drop=True)
