"""Benchmark of the results exports at 10,000 applications (issues #19 and #24).

The scenario of issue #19: a posting with 10,000 candidates, 2,000 of them scored by two panel
members on 7 criteria (28,000 submitted scores, each with notes, some of them formula-looking). The
frames are built in memory (``tests/test_results_frames.make_frames``, the same shape the loader
returns), so the figures time the exports alone:

* merit export (10,000 rows) and raw-scores export (28,000 rows) as XLSX with
  :mod:`tracker.exports` (XlsxWriter, constant memory), each against a plain ``csv.writer`` of the
  same rows in the same run (the least any export of those rows could cost), goal: at most 2 s
  (issue #19's "XLSX downloads ≤ 2 s");
* the same exports as CSV (``to_csv_bytes``: neutralised, UTF-8 with BOM) against the same baseline;
* when openpyxl is installed (it is a dev requirement), the XLSX the way the project wrote it before
  issue #24 (openpyxl write-only), as a second baseline, so the library swap keeps being measured.

Timings are taken in turns (``common.interleaved``). Run alone with ``python bench/exports.py
[--quick]``; ``bench/run.py`` calls :func:`run`.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, figure, format_figure, interleaved, median

sys.path.insert(0, str(ROOT / "tests"))

CANDIDATES = 10_000
SCORED = 2_000
MEMBERS = (1, 2)
CRITERIA = 7
GOAL_S = 2.0
GOAL = f"<= {GOAL_S:g} s (issue #19)"


def build_frames(candidates: int = CANDIDATES, scored: int = SCORED) -> Any:
    """The posting's frames: every candidate listed, the first ``scored`` rated by both members."""
    from test_results_frames import NA, crit, make_frames

    criteria = [crit(10 + n, n, "essential" if n <= 4 else "asset", text_en=f"Criterion {n}: analysis and judgement")
                for n in range(1, CRITERIA + 1)]  # fmt: skip
    ratings: dict[tuple[int, int], dict[int, Any]] = {}
    notes: dict[tuple[int, int, int], str] = {}
    for cand in range(1, scored + 1):
        for member in MEMBERS:
            ratings[(cand, member)] = {10 + n: NA if (cand + n + member) % 23 == 0 else 1 + (cand * n + member) % 5
                                       for n in range(1, CRITERIA + 1)}  # fmt: skip
            for n in range(1, CRITERIA + 1):
                start = "- " if (cand + n) % 10 == 0 else ""  # a dash note: formula-looking, kept as text
                notes[(cand, member, 10 + n)] = f"{start}Gave a concrete example of stakeholder work, case {cand}-{n}."
    names = [
        {"candidate_id": i, "label": f"Candidate {i:05d}", "label_number": i, "name": f"Applicant Person {i}",
         "language": "fr" if i % 3 == 0 else "en", "status": "active", "decision": None,
         "decision_rationale": None, "decided_by": None, "decided_at": None}
        for i in range(1, candidates + 1)
    ]  # fmt: skip
    return make_frames(criteria, names, ratings, notes=notes, panel=list(MEMBERS))


def _plain_csv(rows: list[list[Any]], header: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _openpyxl_xlsx(frame: Any) -> bytes:
    """The XLSX as tracker/exports.py wrote it before issue #24 (openpyxl write-only, text cells)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from tracker.exports import neutralise

    def cell(sheet: Any, value: Any) -> Any:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        if hasattr(value, "to_pydatetime"):
            value = value.to_pydatetime()
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        if isinstance(value, date | int | float | bool):
            return value
        if hasattr(value, "item"):
            return value.item()
        text = WriteOnlyCell(sheet, value=neutralise(str(value)))
        text.data_type = "s"
        return text

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet")
    sheet.append([cell(sheet, str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False):
        sheet.append([cell(sheet, v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(quick: bool = False, *, candidates: int = CANDIDATES, scored: int = SCORED) -> list[dict[str, Any]]:
    """The export figures (see the module docstring); ``quick`` only repeats less (same size)."""
    from tracker.exports import export_merit, export_scores, merit_export_frame, scores_export_frame
    from tracker.results.merit import merit_view

    repeats = 2 if quick else 5
    frames = build_frames(candidates, scored)
    view = merit_view(frames)
    cases: dict[str, tuple[Any, Callable[[str], bytes]]] = {
        "merit": (merit_export_frame(view), lambda fmt: export_merit(view, fmt=fmt)),
        "scores": (scores_export_frame(frames), lambda fmt: export_scores(frames, fmt=fmt)),
    }
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        have_openpyxl = False
    else:
        have_openpyxl = True
    out: list[dict[str, Any]] = []
    for what, (frame, export) in cases.items():
        rows = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
        header = [str(c) for c in frame.columns]
        fns: dict[str, Callable[[], Any]] = {
            "csv.writer": lambda rows=rows, header=header: _plain_csv(rows, header),
            "xlsx": lambda export=export: export("xlsx"),
            "csv": lambda export=export: export("csv"),
        }
        if have_openpyxl and not quick:
            fns["openpyxl"] = lambda frame=frame: _openpyxl_xlsx(frame)
        samples = interleaved(fns, repeats)
        base = median(samples["csv.writer"])
        size = f"{len(frame):,} rows x {len(frame.columns)} columns"
        xlsx = median(samples["xlsx"])
        out.append(figure(f"{what} export, XLSX (XlsxWriter), {size}", xlsx, "s", baseline=base, goal=GOAL,
                          limit=GOAL_S, absolute=True, note="baseline: plain csv.writer of the same rows"))  # fmt: skip
        out.append(figure(f"{what} export, CSV (neutralised, BOM), {size}", median(samples["csv"]), "s", baseline=base,
                          goal=GOAL, limit=GOAL_S, absolute=True, note="baseline: plain csv.writer of the same rows"))  # fmt: skip
        if "openpyxl" in samples:
            out.append(figure(f"{what} export, XLSX XlsxWriter vs openpyxl write-only", xlsx, "s",
                              baseline=median(samples["openpyxl"]), note="ratio < 1: XlsxWriter is faster"))  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (same 10,000-application size)")
    args = parser.parse_args(argv)
    print(
        f"exports benchmark: {CANDIDATES:,} candidates, {SCORED:,} scored by {len(MEMBERS)} members, {CRITERIA} criteria"
    )
    for fig in run(quick=args.quick):
        print("  " + format_figure(fig), flush=True)


if __name__ == "__main__":
    main()
