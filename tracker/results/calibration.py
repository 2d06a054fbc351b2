"""Interviewer calibration: who rates more leniently or severely than the rest of the panel, and who is behind.

For every candidate x criterion an interviewer rated alongside at least one colleague, the deviation is
their rating minus the mean of the *other* panel members' ratings of that same cell; an interviewer's
calibration is the mean of those deviations (> 0 lenient, < 0 severe) with the number of comparisons
behind it. Comparing with the others' mean (not the mean including oneself) keeps a three-member panel's
figures from being pulled a third of the way towards the interviewer being measured.

Completion counts each panel member's scorecards by state (submitted, draft, not started; declared
conflicts apart), and the median time from opening a scorecard to submitting it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tracker.results.data import CONFLICT, DRAFT, NOT_STARTED, SUBMITTED, PostingFrames, current_ratings

LENIENT = "lenient"
SEVERE = "severe"
IN_LINE = "in_line"
NO_DATA = "no_data"

COLUMNS = [
    "interviewer_id", "interviewer", "on_panel", "mean_deviation", "comparisons", "direction",
    "submitted", "drafts", "not_started", "conflicts", "median_hours_to_submit",
]  # fmt: skip


def rating_deviations(frames: PostingFrames) -> pd.DataFrame:
    """One row per rating that has at least one colleague's rating of the same cell: its deviation."""
    rated = current_ratings(frames)
    work = rated[["interviewer_id", "candidate_id", "criterion_id", "rating"]].copy()
    cell = work.groupby(["candidate_id", "criterion_id"], sort=False)["rating"]
    total = cell.transform("sum")
    count = cell.transform("count")
    work = work[count >= 2].copy()
    others_mean = (total[count >= 2] - work["rating"]) / (count[count >= 2] - 1)
    work["deviation"] = work["rating"] - others_mean
    return work


# Floating-point noise: means of the same whole-number ratings can differ from 0 by ~1e-16 (issue #10
# saw -7e-17 labelled "severe"). Deviations within this of the tolerance's edge count as in line.
NOISE = 1e-9


def direction(mean_deviation: float | None, tolerance: float = 0.0) -> str:
    """``lenient`` above +tolerance, ``severe`` below -tolerance, ``in_line`` between, ``no_data`` without one.

    The edges ignore floating-point noise (``NOISE``): a tolerance of 0 in the UI still calls −7e-17
    "in line", and a deviation a hair (1e-12) past the tolerance is not a different label from one on it.
    """
    if mean_deviation is None or pd.isna(mean_deviation):
        return NO_DATA
    edge = max(float(tolerance), 0.0) + NOISE
    if mean_deviation > edge:
        return LENIENT
    if mean_deviation < -edge:
        return SEVERE
    return IN_LINE


def interviewer_calibration(frames: PostingFrames, *, tolerance: float = 0.0) -> pd.DataFrame:
    """One row per interviewer (panel members, and anyone else who has a scorecard), in name order."""
    deviations = rating_deviations(frames)
    dev = deviations.groupby("interviewer_id")["deviation"].agg(mean_deviation="mean", comparisons="count")

    cards = frames.need("scorecards")
    people = (
        cards[["interviewer_id", "interviewer", "on_panel"]]
        .drop_duplicates("interviewer_id")
        .set_index("interviewer_id")
    )
    panel = frames.panel
    missing = panel[~panel["user_id"].isin(people.index)]
    if not missing.empty:  # a panel with no candidates yet still lists its members
        extra = pd.DataFrame(
            {"interviewer": missing["display_name"].to_numpy(), "on_panel": True},
            index=pd.Index(missing["user_id"].to_numpy(), name="interviewer_id"),
        )
        people = pd.concat([people, extra])

    status_counts = pd.crosstab(cards["interviewer_id"], cards["status"]) if not cards.empty else pd.DataFrame()
    submitted = cards[cards["status"] == SUBMITTED]
    hours = (submitted["submitted_at"] - submitted["created_at"]).dt.total_seconds() / 3600.0
    median_hours = hours.groupby(submitted["interviewer_id"]).median()

    out = people.copy()
    out["mean_deviation"] = dev["mean_deviation"].reindex(out.index)
    out["comparisons"] = dev["comparisons"].reindex(out.index).fillna(0).astype(int)
    out["direction"] = [direction(v, tolerance) for v in out["mean_deviation"]]
    for column, state in (("submitted", SUBMITTED), ("drafts", DRAFT), ("not_started", NOT_STARTED),
                          ("conflicts", CONFLICT)):  # fmt: skip
        counts = status_counts[state] if state in status_counts.columns else pd.Series(dtype=int)
        out[column] = counts.reindex(out.index).fillna(0).astype(int)
    out["median_hours_to_submit"] = median_hours.reindex(out.index).astype(float)
    out = out.reset_index().rename(columns={"index": "interviewer_id"})
    out["interviewer_id"] = out["interviewer_id"].astype("Int64")
    out["on_panel"] = out["on_panel"].astype(bool)
    out["mean_deviation"] = out["mean_deviation"].astype(float).replace({np.inf: np.nan})
    return out[COLUMNS].sort_values("interviewer", kind="stable").reset_index(drop=True)
