"""The merit view: candidates x criteria, a non-compensatory verdict per essential criterion, and an ordering aid.

Rules (issue #5, and the Government of Canada practice in docs: an essential criterion has its own pass
mark and strength elsewhere never makes up for a miss):

* a cell is the board's **consensus** rating when there is one, else the **mean** of the submitted
  individual ratings (marked as a mean), with the number of ratings behind it; "not assessed" ratings
  are left out of means and counts;
* scores given under an older rubric version count for the current criterion with the same
  ``lineage`` and the cell is marked ``older_version``;
* an essential criterion is ``met`` / ``not_met`` against its own pass mark, and ``pending`` (no
  verdict) while fewer than its ``min_raters`` have rated and no consensus exists (a consensus rating
  is always a verdict source, and a consensus "not assessed" makes the essential ``not_met``: the board
  could not find it met, issue #10); asset criteria get no verdict and are listed apart;
* one ``not_met`` essential makes the candidate ``not_met`` overall, whatever else; ``met`` overall
  needs every essential met (a rubric with no essential criteria gives nobody an overall verdict);
* the ordering is an **aid**: all-essentials-met first, then pending, then not met, each by weighted
  total (sum of weight x cell value over the cells that have a value); equal keys share a rank shown
  as ``"2="``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tracker.results.data import PostingFrames

# Where a cell's value comes from.
CONSENSUS = "consensus"
MEAN = "mean"
NOT_ASSESSED = "not_assessed"  # the consensus, or every rater, said the criterion was not assessed
NO_RATINGS = "none"

# Verdicts of one essential criterion, and of a candidate's essentials as a whole.
MET = "met"
NOT_MET = "not_met"
PENDING = "pending"
_GROUP = {MET: 0, PENDING: 1, NOT_MET: 2}

# Why an essential criterion has the verdict it has (reports and completeness say it in words).
REASON_CONSENSUS = "consensus"
REASON_MEAN = "mean"
REASON_TOO_FEW = "too_few_ratings"
REASON_NOT_ASSESSED = "not_assessed"
REASON_NO_RATINGS = "no_ratings"

TIE_DECIMALS = 6  # totals equal to this many decimals are ties (float sums of the same ratings can differ)

ORDERING_NOTE = {
    "en": (
        "The order is an aid, not a decision: candidates who meet every essential criterion come first, "
        "then by weighted total. The choice among qualified candidates can also rest on asset "
        "qualifications, operational requirements and organisational needs."
    ),
    "fr": (
        "L'ordre est une aide, pas une décision : les personnes qui satisfont à tous les critères "
        "essentiels viennent en premier, puis selon le total pondéré. Le choix parmi les personnes "
        "qualifiées peut aussi reposer sur les qualifications constituant un atout, les exigences "
        "opérationnelles et les besoins organisationnels."
    ),
}


def criterion_column(number: int) -> str:
    """The wide table's column for criterion ``number`` (``C1``, ``C2``…), stable across languages."""
    return f"C{int(number)}"


@dataclass(frozen=True)
class MeritView:
    """``cells``: one row per candidate x current criterion; ``table``: one row per candidate, ordered.

    ``criteria`` are the current criteria (essentials first, then assets, by number) with their
    ``column`` in ``table``.
    """

    cells: pd.DataFrame
    table: pd.DataFrame
    criteria: pd.DataFrame
    anonymised: bool

    @property
    def essential_columns(self) -> list[str]:
        return self.criteria.loc[self.criteria["kind"] == "essential", "column"].tolist()

    @property
    def asset_columns(self) -> list[str]:
        return self.criteria.loc[self.criteria["kind"] == "asset", "column"].tolist()


@dataclass(frozen=True)
class _Grid:
    """The merit view as candidate x criterion arrays (rows: ``candidate_ids``; columns: ``criteria``)."""

    candidate_ids: np.ndarray
    criteria: pd.DataFrame
    n_ratings: np.ndarray
    n_not_assessed: np.ndarray
    mean: np.ndarray
    older_ratings: np.ndarray
    consensus_rated: np.ndarray
    consensus_na: np.ndarray
    consensus_rating: np.ndarray
    consensus_older: np.ndarray
    consensus_rationale: np.ndarray


def _criterion_lookups(frames: PostingFrames, current: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Arrays indexed by criterion id (any rubric version): its merit-view column (by lineage; -1 for a
    criterion removed from the current rubric) and whether it belongs to an older version."""
    slot_by_lineage = {lineage: j for j, lineage in enumerate(current["lineage"])}
    crit = frames.criteria
    ids = crit["criterion_id"].astype(int).to_numpy()
    size = int(ids.max()) + 1 if len(ids) else 1
    slots = np.full(size, -1, dtype=int)
    slots[ids] = [slot_by_lineage.get(lin, -1) for lin in crit["lineage"]]
    older = np.zeros(size, dtype=bool)
    version = frames.posting.rubric_version
    if version is not None:
        older[ids] = crit["rubric_version"].astype("Float64").fillna(0).to_numpy(dtype=float) < version
    return slots, older


def _lookup(table: np.ndarray, ids: np.ndarray, missing: object) -> np.ndarray:
    inside = (ids >= 0) & (ids < len(table))
    out = np.full(len(ids), missing, dtype=table.dtype)
    out[inside] = table[ids[inside]]
    return out


def _positions(
    candidate_index: pd.Index, slots: np.ndarray, candidate_ids: pd.Series, criterion_ids: pd.Series
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Row (candidate) and column (current criterion) of each record, which to keep, and its criterion ids."""
    criteria = criterion_ids.astype(int).to_numpy()
    rows = candidate_index.get_indexer(candidate_ids.astype(int).to_numpy())
    cols = _lookup(slots, criteria, -1)
    return rows, cols, (rows >= 0) & (cols >= 0), criteria


def _grid(frames: PostingFrames) -> _Grid:
    current = frames.current_criteria
    candidate_ids = frames.candidates["candidate_id"].astype(int).to_numpy()
    index = pd.Index(candidate_ids)
    n, m = len(candidate_ids), len(current)
    size = n * m
    slots, older = _criterion_lookups(frames, current)

    # Ratings: sum the per-criterion aggregates into their current column (older versions fold in by lineage).
    agg = frames.rating_aggregates
    rows, cols, keep, criteria = _positions(index, slots, agg["candidate_id"], agg["criterion_id"])
    flat = rows[keep] * m + cols[keep]
    counts = agg["n_ratings"].to_numpy(dtype=float, na_value=0)[keep]
    sums = agg["rating_sum"].to_numpy(dtype=float, na_value=0)[keep]
    not_assessed = agg["n_not_assessed"].to_numpy(dtype=float, na_value=0)[keep]
    from_older = _lookup(older, criteria, False)[keep]
    n_ratings = np.bincount(flat, weights=counts, minlength=size).reshape(n, m).astype(int)
    total = np.bincount(flat, weights=sums, minlength=size).reshape(n, m)
    n_na = np.bincount(flat, weights=not_assessed, minlength=size).reshape(n, m).astype(int)
    older_ratings = np.bincount(flat, weights=(from_older & (counts > 0)), minlength=size).reshape(n, m) > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n_ratings > 0, total / np.maximum(n_ratings, 1), np.nan)

    # Consensus: one per cell. A cell has at most one per rubric version (one criterion per lineage and
    # version), so the current version's wins, else the latest version's.
    cons = frames.consensus
    rows, cols, keep, criteria = _positions(index, slots, cons["candidate_id"], cons["criterion_id"])
    version = cons["rubric_version"].to_numpy(dtype=float, na_value=0)
    candidates_kept = np.flatnonzero(keep)
    by_version = candidates_kept[np.argsort(version[candidates_kept], kind="stable")]
    cell = rows[by_version] * m + cols[by_version]
    _, last_from_end = np.unique(cell[::-1], return_index=True)
    picked = by_version[len(by_version) - 1 - last_from_end]
    flat = rows[picked] * m + cols[picked]
    rating = cons["rating"].to_numpy(dtype=float, na_value=np.nan)[picked]
    na_flag = cons["not_assessed"].to_numpy(dtype=bool)[picked]
    consensus_rated = np.zeros(size, bool)
    consensus_na = np.zeros(size, bool)
    consensus_rating = np.full(size, np.nan)
    consensus_older = np.zeros(size, bool)
    consensus_rationale = np.full(size, None, dtype=object)
    consensus_na[flat] = na_flag
    consensus_rated[flat] = ~na_flag & ~np.isnan(rating)
    consensus_rating[flat] = np.where(na_flag, np.nan, rating)
    consensus_older[flat] = _lookup(older, criteria, False)[picked]
    if "rationale" in cons.columns:  # the lean merit load leaves the rationale out
        consensus_rationale[flat] = cons["rationale"].to_numpy(dtype=object)[picked]
    shape = (n, m)
    return _Grid(
        candidate_ids=candidate_ids,
        criteria=current,
        n_ratings=n_ratings,
        n_not_assessed=n_na,
        mean=mean,
        older_ratings=older_ratings,
        consensus_rated=consensus_rated.reshape(shape),
        consensus_na=consensus_na.reshape(shape),
        consensus_rating=consensus_rating.reshape(shape),
        consensus_older=consensus_older.reshape(shape),
        consensus_rationale=consensus_rationale.reshape(shape),
    )


@dataclass(frozen=True)
class _Verdicts:
    value: np.ndarray
    source: np.ndarray
    older: np.ndarray
    verdict: np.ndarray
    reason: np.ndarray
    met: np.ndarray
    not_met: np.ndarray
    pending: np.ndarray
    essential: np.ndarray


def _verdicts(g: _Grid) -> _Verdicts:
    """Apply the rules of the module docstring to every cell at once."""
    crit = g.criteria
    essential = (crit["kind"] == "essential").to_numpy()[None, :]
    pass_mark = crit["pass_mark"].astype(float).to_numpy()[None, :]
    min_raters = crit["min_raters"].astype(float).to_numpy()[None, :]
    has_consensus = g.consensus_rated | g.consensus_na
    has_mean = ~has_consensus & (g.n_ratings > 0)
    all_na = ~has_consensus & ~has_mean & (g.n_not_assessed > 0)
    value = np.where(g.consensus_rated, g.consensus_rating, np.where(has_mean, g.mean, np.nan))

    source = np.full(value.shape, NO_RATINGS, dtype=object)
    source[has_mean] = MEAN
    source[g.consensus_na | all_na] = NOT_ASSESSED
    source[g.consensus_rated] = CONSENSUS
    older = np.where(has_consensus, g.consensus_older, g.older_ratings & has_mean)

    enough = g.n_ratings >= min_raters
    # A consensus "not assessed" on an essential is a verdict too: the board could not find it met (#10).
    decided = g.consensus_rated | g.consensus_na | (has_mean & enough)
    with np.errstate(invalid="ignore"):
        passes = np.nan_to_num(value, nan=-np.inf) >= pass_mark
    met = essential & decided & passes
    not_met = essential & decided & ~passes
    pending = essential & ~decided
    verdict = np.full(value.shape, None, dtype=object)
    verdict[pending] = PENDING
    verdict[met] = MET
    verdict[not_met] = NOT_MET
    reason = np.full(value.shape, None, dtype=object)
    reason[essential & ~has_consensus] = REASON_NO_RATINGS
    reason[essential & has_mean] = REASON_TOO_FEW
    reason[essential & has_mean & enough] = REASON_MEAN
    reason[essential & (g.consensus_na | all_na)] = REASON_NOT_ASSESSED
    reason[essential & g.consensus_rated] = REASON_CONSENSUS
    return _Verdicts(value, source, older, verdict, reason, met, not_met, pending, np.broadcast_to(essential, value.shape))


def _objects(values: np.ndarray) -> pd.Series:
    # Object columns: converting 16,000 cells to Arrow strings would cost more than the whole grid.
    return pd.Series(values, dtype=object, copy=False)


def _cells_frame(g: _Grid, v: _Verdicts) -> pd.DataFrame:
    n, m = v.value.shape
    crit = g.criteria
    return pd.DataFrame(
        {
            "candidate_id": np.repeat(g.candidate_ids, m),
            "criterion_id": np.tile(crit["criterion_id"].astype(int).to_numpy(), n),
            "lineage": _objects(np.tile(crit["lineage"].astype(object).to_numpy(), n)),
            "number": np.tile(crit["number"].astype(int).to_numpy(), n),
            "kind": _objects(np.tile(crit["kind"].astype(object).to_numpy(), n)),
            "weight": np.tile(crit["weight"].astype(float).to_numpy(), n),
            "pass_mark": np.tile(crit["pass_mark"].astype(int).to_numpy(), n),
            "min_raters": np.tile(crit["min_raters"].astype(int).to_numpy(), n),
            "value": v.value.ravel(),
            "source": _objects(v.source.ravel()),
            "n_ratings": g.n_ratings.ravel(),
            "n_not_assessed": g.n_not_assessed.ravel(),
            "older_version": v.older.ravel(),
            "verdict": _objects(v.verdict.ravel()),
            "verdict_reason": _objects(v.reason.ravel()),
            "consensus_rationale": _objects(g.consensus_rationale.ravel()),
        }
    )


def merit_cells(frames: PostingFrames) -> pd.DataFrame:
    """Every candidate x current criterion: value, source, count, older-version mark, verdict and its reason."""
    grid = _grid(frames)
    return _cells_frame(grid, _verdicts(grid))


def _overall(not_met: np.ndarray, pending: np.ndarray, essentials: np.ndarray) -> np.ndarray:
    """One miss is enough for ``not_met``; ``met`` needs every essential met, and at least one essential
    (a rubric without essential criteria gives nobody a verdict)."""
    return np.where(not_met > 0, NOT_MET, np.where((pending > 0) | (essentials == 0), PENDING, MET)).astype(object)


def _summary(g: _Grid, v: _Verdicts) -> pd.DataFrame:
    weight = g.criteria["weight"].astype(float).to_numpy()[None, :]
    has_value = ~np.isnan(v.value)
    weighted = np.where(has_value, v.value * weight, 0.0).sum(axis=1)
    with_value = has_value.sum(axis=1)
    not_met = v.not_met.sum(axis=1)
    pending = v.pending.sum(axis=1)
    summary = pd.DataFrame(
        {
            "candidate_id": g.candidate_ids,
            "essentials": v.essential.sum(axis=1),
            "essentials_met": v.met.sum(axis=1),
            "essentials_not_met": not_met,
            "essentials_pending": pending,
            # A candidate with no value at all has no total (not 0, which would read as a score).
            "weighted_total": np.where(with_value > 0, weighted, np.nan),
            "essentials_verdict": _overall(not_met, pending, v.essential.sum(axis=1)),
            "total_complete": with_value == v.value.shape[1],
        }
    )
    return summary


def ordering_aid(summary: pd.DataFrame) -> pd.DataFrame:
    """Add ``order`` (competition rank: 1, 2, 2, 4) and ``order_label`` ("2=" for ties) to ``summary``.

    Key: essentials verdict group (met, pending, not met), then weighted total, higher first; totals are
    compared to ``TIE_DECIMALS`` decimals so that float sums of the same ratings tie.
    """
    out = summary.copy()
    group = out["essentials_verdict"].map(_GROUP).to_numpy(dtype=int)
    total = np.round(out["weighted_total"].to_numpy(dtype=float), TIE_DECIMALS)
    total = np.where(np.isnan(total), -np.inf, total)
    order = np.lexsort((-total, group))
    ranks = np.empty(len(out), dtype=int)
    tied = np.zeros(len(out), dtype=bool)
    if len(order):
        g_sorted, t_sorted = group[order], total[order]
        new_key = np.ones(len(order), dtype=bool)
        new_key[1:] = (g_sorted[1:] != g_sorted[:-1]) | (t_sorted[1:] != t_sorted[:-1])
        first_position = np.maximum.accumulate(np.where(new_key, np.arange(len(order)), 0))
        ranks[order] = first_position + 1
        same_as_next = np.zeros(len(order), dtype=bool)
        same_as_next[:-1] = ~new_key[1:]
        tied[order] = same_as_next | ~new_key
    out["order"] = ranks
    out["order_label"] = [f"{r}=" if t else f"{r}" for r, t in zip(ranks, tied, strict=True)]
    return out


def merit_view(frames: PostingFrames, *, anonymised: bool = False) -> MeritView:
    """Compute the merit view; ``anonymised`` shows the stable labels and drops names."""
    grid = _grid(frames)
    verdicts = _verdicts(grid)
    crit = grid.criteria.copy()
    crit["column"] = [criterion_column(n) for n in crit["number"]]
    crit["_assets_last"] = (crit["kind"] != "essential").astype(int)
    crit = crit.sort_values(["_assets_last", "number"], kind="stable").drop(columns="_assets_last")

    table = frames.candidates[["candidate_id", "label", "label_number", "name", "status", "decision"]].copy()
    table["decision"] = table["decision"].astype(object).where(table["decision"].notna(), "pending")
    # An override (a decision against the essentials verdict, issue #10) is flagged wherever the table goes.
    override = frames.candidates.get("decision_override_reason")
    table["decision_override"] = (
        False if override is None else override.astype(object).fillna("").astype(str).str.len().gt(0).to_numpy()
    )
    table["display_name"] = table["label"] if anonymised else table["name"]
    if anonymised:
        table = table.drop(columns="name")
    values = pd.DataFrame(
        verdicts.value, columns=[criterion_column(n) for n in grid.criteria["number"]], index=table.index
    )
    summary = ordering_aid(_summary(grid, verdicts)).drop(columns="candidate_id")
    summary.index = table.index
    table = pd.concat([table, values[crit["column"].tolist()], summary], axis=1)
    order = np.lexsort((table["label_number"].to_numpy(dtype=float, na_value=np.inf), table["order"].to_numpy()))
    table = table.take(order).reset_index(drop=True)
    return MeritView(
        cells=_cells_frame(grid, verdicts), table=table, criteria=crit.reset_index(drop=True), anonymised=anonymised
    )


def filter_table(
    table: pd.DataFrame,
    *,
    statuses: Collection[str] | None = None,
    essentials: Collection[str] | None = None,
    decisions: Collection[str] | None = None,
) -> pd.DataFrame:
    """Keep rows whose status, essentials verdict and decision are in the given sets (None = any)."""
    keep = pd.Series(True, index=table.index)
    if statuses is not None:
        keep &= table["status"].isin(list(statuses))
    if essentials is not None:
        keep &= table["essentials_verdict"].isin(list(essentials))
    if decisions is not None:
        keep &= table["decision"].isin(list(decisions))
    return table[keep]


def sort_table(table: pd.DataFrame, by: str = "order", *, descending: bool = False) -> pd.DataFrame:
    """Sort by any column, missing values last, ties kept in ordering-aid order."""
    if by not in table.columns:
        raise KeyError(f"Cannot sort the merit view by {by!r}: choose one of {', '.join(map(str, table.columns))}.")
    base = table.sort_values(["order", "label_number"], kind="stable")
    return base.sort_values(by, ascending=not descending, kind="stable", na_position="last")


# English text of the cell words; the caller's ``t`` translates them (gettext msgids, see tracker.i18n).
MEAN_CELL = "{value} (mean of {n})"
NOT_ASSESSED_CELL = "not assessed"


def format_cell(
    value: float | None,
    source: str,
    n_ratings: int,
    older_version: bool = False,
    t: Callable[[str], str] | None = None,
) -> str:
    """The words a table shows in a cell: "4", "3.5 (mean of 2)", "not assessed", "—"; † marks an older rubric."""
    translate = t or (lambda text: text)
    if source == CONSENSUS and value is not None and not pd.isna(value):
        text = f"{value:g}"
    elif source == MEAN and value is not None and not pd.isna(value):
        text = translate(MEAN_CELL).format(value=f"{value:.2f}".rstrip("0").rstrip("."), n=n_ratings)
    elif source == NOT_ASSESSED:
        text = translate(NOT_ASSESSED_CELL)
    else:
        text = "—"
    return f"{text} †" if older_version else text
