"""The merit rule written plainly, one candidate and one criterion at a time, for the property test that
keeps the fast, array-based ``tracker.results.merit`` equal to it. Nothing here is clever on purpose:
it is the rule of ``tracker/results/merit.py``'s docstring, read aloud.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tracker.results.merit import (
    CONSENSUS,
    MEAN,
    MET,
    NO_RATINGS,
    NOT_ASSESSED,
    NOT_MET,
    PENDING,
    TIE_DECIMALS,
)

NA = "not assessed"


@dataclass(frozen=True)
class Cell:
    value: float | None
    source: str
    n_ratings: int
    verdict: str | None


@dataclass(frozen=True)
class Standing:
    verdict: str
    weighted_total: float | None
    order_label: str


def cell(criterion: Mapping[str, Any], ratings: Sequence[int | str], consensus: int | str | None) -> Cell:
    """One candidate on one criterion: ``ratings`` are the submitted ones (a number or NA), ``consensus``
    the board's (a number, NA or None for none)."""
    numbers = [r for r in ratings if r != NA]
    if consensus is not None and consensus != NA:
        value, source, decided = float(consensus), CONSENSUS, True
    elif consensus == NA:
        value, source, decided = None, NOT_ASSESSED, True  # the board could not find it met
    elif numbers:
        value, source = sum(numbers) / len(numbers), MEAN
        decided = len(numbers) >= criterion["min_raters"]
    elif ratings:
        value, source, decided = None, NOT_ASSESSED, False  # every rater said "not assessed"
    else:
        value, source, decided = None, NO_RATINGS, False
    if criterion["kind"] != "essential":
        verdict = None  # assets get no verdict
    elif not decided:
        verdict = PENDING
    elif value is not None and value >= criterion["pass_mark"]:
        verdict = MET
    else:
        verdict = NOT_MET
    return Cell(value, source, len(numbers), verdict)


def standings(criteria: Sequence[Mapping[str, Any]], cells: Mapping[int, Sequence[Cell]]) -> dict[int, Standing]:
    """Per candidate: one essential not met fails; met needs every essential met (and one at least);
    the order is by that verdict (met, pending, not met), then by weighted total, ties sharing a rank."""
    verdicts: dict[int, str] = {}
    totals: dict[int, float | None] = {}
    for candidate, row in cells.items():
        essentials = [c.verdict for c, k in zip(row, criteria, strict=True) if k["kind"] == "essential"]
        if NOT_MET in essentials:
            verdicts[candidate] = NOT_MET
        elif PENDING in essentials or not essentials:
            verdicts[candidate] = PENDING
        else:
            verdicts[candidate] = MET
        valued = [k["weight"] * c.value for c, k in zip(row, criteria, strict=True) if c.value is not None]
        totals[candidate] = sum(valued) if valued else None

    def key(candidate: int) -> tuple[int, float]:
        total = totals[candidate]
        group = {MET: 0, PENDING: 1, NOT_MET: 2}[verdicts[candidate]]
        return group, -(round(total, TIE_DECIMALS) if total is not None else float("-inf"))

    out = {}
    for candidate in cells:
        ahead = sum(1 for other in cells if key(other) < key(candidate))
        tied = any(other != candidate and key(other) == key(candidate) for other in cells)
        label = f"{ahead + 1}=" if tied else f"{ahead + 1}"
        out[candidate] = Standing(verdicts[candidate], totals[candidate], label)
    return out
