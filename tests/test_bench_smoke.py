"""The benchmark suite runs end to end at a tiny size, so its code cannot rot between benchmark runs.

No timing is asserted (performance claims live in ``bench/``, measured against same-run baselines);
these tests check that every figure function runs, returns well-formed figures, and that the
generated data is what the figures assume.
"""

from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import datagen  # noqa: E402
import run as bench_run  # noqa: E402
from datagen import TINY, TINY_SMALL, DatabaseCache, write_posting_files  # noqa: E402

from tracker.db import make_engine, read_session  # noqa: E402
from tracker.parsing import parse_paths  # noqa: E402
from tracker.services import scoring  # noqa: E402
from tracker.services.actor import load_actor  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
FIGURE_KEYS = {"name", "value", "unit", "baseline", "ratio", "goal", "met"}
TINY_PLAN = bench_run.Plan(
    "tiny", TINY_SMALL, TINY, import_files=6, saves=3, page_reruns=1, merit_reruns=1,
    parts=frozenset({"import", "sqlite"}), strict=True,
)  # fmt: skip


def assert_well_formed(figures: list[dict[str, Any]]) -> None:
    assert figures
    for fig in figures:
        assert set(fig) >= FIGURE_KEYS, fig
        if fig["value"] is None:
            assert fig["met"] is None and fig.get("note", "").startswith("not available: "), fig
            continue
        assert isinstance(fig["value"], float) and math.isfinite(fig["value"]), fig
        if fig["goal"] is not None:
            assert fig["met"] in (True, False), fig
        else:
            assert fig["met"] is None, fig
    json.dumps(figures)  # what --json writes


def test_synthetic_posting_files_parse_into_distinct_bilingual_pairs(tmp_path: Path) -> None:
    paths = write_posting_files(tmp_path, 8)
    result = parse_paths([tmp_path])
    assert len(paths) == 8 and not result.errors
    assert len({p.translation_key for p in result.postings}) == 4
    assert all(pair.paired for pair in result.pairs)
    assert all(p.criteria for p in result.postings)
    texts = {tuple(c.text for c in p.criteria) for p in result.postings if p.lang == "en"}
    assert len(texts) == 4, "each synthetic posting has its own criteria text"


def test_generated_database_has_the_shape_the_figures_assume(tmp_path: Path) -> None:
    dataset = DatabaseCache(tmp_path).sqlite(TINY)
    assert dataset.counts["posting"] == TINY.postings
    assert dataset.counts["candidate"] == TINY.candidates
    assert dataset.merit_candidates == TINY.merit_candidates
    assert dataset.counts["score"] > 0 and dataset.counts["audit_event"] == dataset.counts["score"]
    engine = make_engine(dataset.url)
    try:
        with read_session(engine) as session:
            interviewer = load_actor(session, dataset.interviewer_id)
            queue = scoring.my_queue(session, interviewer)
            card = scoring.get_scorecard(session, interviewer, scorecard_id=dataset.scoring_card_id)
    finally:
        engine.dispose()
    assert len(queue) == TINY.scoring_candidates, "the bench interviewer sits on the scoring posting only"
    assert card.editable and 0 < card.rated < card.total, "the draft the scoring page opens is half rated"
    assert [s.criterion_id for s in card.scores] == list(dataset.scoring_criterion_ids)


def test_every_sqlite_figure_runs_at_a_tiny_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = bench_run.run(TINY_PLAN)
    figures = result["figures"]
    assert_well_formed(figures)
    names = " | ".join(f["name"] for f in figures)
    for expected in ("parse: postings/s", "import: postings/s", "draft save median", "scoring page rerun",
                     "merit page rerun", "merit view computation", "whole run: wall time"):  # fmt: skip
        assert expected in names, f"{expected!r} missing from {names}"
    assert {"cpu", "cores", "python", "sqlite", "journal_mode"} <= set(result["machine"])
    assert "Goals missed" in capsys.readouterr().out


def test_scaling_measures_one_point(tmp_path: Path) -> None:
    import scaling

    dataset = DatabaseCache(tmp_path).sqlite(replace(TINY_SMALL, name="scaling smoke"))
    row = scaling._measure(dataset, repeats=1)
    assert row["scores"] == dataset.counts["score"]
    assert isinstance(row["save_ms"], float)


@pytest.mark.postgres
def test_postgres_figures_run_at_a_tiny_size() -> None:
    plan = replace(TINY_PLAN, parts=frozenset({"sqlite", "postgres"}))  # PostgreSQL gets a copy of the SQLite data
    figures = bench_run.run(plan)["figures"]
    skipped = [f for f in figures if f["name"] == "PostgreSQL figures"]
    if skipped:
        message = skipped[0]["note"]
        if IN_CI:
            pytest.fail(f"{message} (CI=true: a missing database server is a failure, not a skip)")
        pytest.skip(message)
    assert_well_formed(figures)
    assert any(f["name"].startswith("draft save median (PostgreSQL") and f["value"] for f in figures)
    assert any(f["name"].startswith("merit view computation (PostgreSQL") and f["value"] for f in figures)


def test_datagen_refuses_sizes_that_do_not_fit() -> None:
    bad = replace(TINY, candidates=TINY.scoring_candidates + TINY.merit_candidates)  # nothing for the rest
    with pytest.raises(ValueError, match="does not fit"):
        datagen.populate(None, bad)  # type: ignore[arg-type]  (refused before touching the database)
