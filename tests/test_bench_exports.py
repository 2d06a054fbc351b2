"""bench/exports.py runs end to end at a tiny size and its files are the real exports (no timing asserted)."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import exports as bench_exports  # noqa: E402

FIGURE_KEYS = {"name", "value", "unit", "baseline", "ratio", "goal", "met"}


def test_the_export_benchmark_gives_well_formed_figures_beside_the_goal() -> None:
    figures = bench_exports.run(quick=False, candidates=40, scored=10)
    names = [f["name"] for f in figures]
    assert len([n for n in names if "XLSX (XlsxWriter)" in n]) == 2 and len([n for n in names if "CSV" in n]) == 2
    assert any("vs openpyxl" in n for n in names)  # openpyxl is a dev requirement: the old way is measured too
    for fig in figures:
        assert set(fig) >= FIGURE_KEYS and fig["value"] > 0 and fig["baseline"] > 0
        if "vs openpyxl" not in fig["name"]:
            assert fig["goal"] == bench_exports.GOAL and fig["met"] is (fig["value"] <= bench_exports.GOAL_S)
    assert "40 rows" in names[0] and "140 rows" in names[3]  # 10 scored x 2 members x 7 criteria


def test_the_scenario_is_issue_19s() -> None:
    frames = bench_exports.build_frames(30, 6)
    assert len(frames.candidates) == 30 and len(frames.criteria) == bench_exports.CRITERIA
    assert len(frames.scores) == 6 * len(bench_exports.MEMBERS) * bench_exports.CRITERIA
