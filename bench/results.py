"""Benchmark of the results figures (issue #5): the merit view of a 2,000-candidate posting.

Builds, in a temporary SQLite file, one posting with 2,000 candidates x 3 interviewers x 8 criteria
(48,000 submitted scores), then measures in the same run:

* ``results.merit_view``: reading the posting's frames and computing the merit view
  (:func:`tracker.results.data.load_posting_frames` + :func:`tracker.results.merit.merit_view`);
* its baseline: one raw SQL ``GROUP BY`` computing the same per candidate x criterion means and counts,
  i.e. the least any merit view could cost on this database (goal: <= 2x);
* ``results.all_figures``: the merit view plus agreement, calibration and completeness (no goal);
* the peak Python memory of the load + merit computation (tracemalloc, in a separate untimed pass) and
  the process's peak resident memory (``getrusage``).

The results page's AppTest rerun figure joins once the page exists: see :data:`PAGE_RERUN_HOOK`.

Run alone with ``python bench/results.py [--quick]``; ``bench/run.py`` calls :func:`run`.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

from tracker.db import make_engine, read_session, write_session  # noqa: E402
from tracker.models import (  # noqa: E402
    Candidate,
    Consensus,
    Criterion,
    Decision,
    Declaration,
    PanelMember,
    Posting,
    RatingLevel,
    Rubric,
    Score,
    Scorecard,
    User,
    utcnow,
)
from tracker.results.agreement import agreement_summary, rating_spread  # noqa: E402
from tracker.results.calibration import interviewer_calibration  # noqa: E402
from tracker.results.completeness import completeness  # noqa: E402
from tracker.results.data import load_merit_frames, load_posting_frames  # noqa: E402
from tracker.results.merit import merit_view  # noqa: E402
from tracker.services.actor import SYSTEM_ACTOR  # noqa: E402

CANDIDATES = 2_000
INTERVIEWERS = 3
CRITERIA = 8
ESSENTIALS = 6
MERIT_GOAL = 2.0

# Filled in by the dashboard work: a callable (database_url, posting_id, quick) -> list of figure dicts
# measuring the results page's AppTest rerun (goal <= 1 s median). Kept as a hook so this module does
# not import streamlit; bench/run.py may set it before calling run().
PAGE_RERUN_HOOK: Callable[[str, int, bool], list[dict[str, Any]]] | None = None

# The baseline: the same means and counts as the merit view's mean cells, computed by the database.
BASELINE_SQL = text(
    """
    SELECT sc.candidate_id, cr.lineage, AVG(s.rating) AS mean_rating, COUNT(s.rating) AS n_ratings
    FROM score s
    JOIN scorecard sc ON sc.id = s.scorecard_id
    JOIN candidate c ON c.id = sc.candidate_id
    JOIN criterion cr ON cr.id = s.criterion_id
    WHERE c.posting_id = :posting_id AND sc.status = 'submitted' AND s.not_assessed = 0
    GROUP BY sc.candidate_id, cr.lineage
    """
)


def build_database(
    engine: Engine,
    *,
    candidates: int = CANDIDATES,
    interviewers: int = INTERVIEWERS,
    criteria: int = CRITERIA,
    seed: int = 5,
) -> int:
    """Create the tables and one fully scored posting with bulk inserts; return the posting id."""
    SQLModel.metadata.create_all(engine)
    rng = random.Random(seed)
    now = utcnow()
    with write_session(engine) as session:
        users = [
            {"email": f"panel{i}@northwind.example", "display_name": f"Panel Member {i}", "role": "interviewer"}
            for i in range(1, interviewers + 1)
        ]
        session.execute(insert(User), [*users, {"email": "manager@northwind.example", "display_name": "Manager",
                                                 "role": "manager"}])  # fmt: skip
        user_ids = list(session.execute(text("SELECT id FROM user WHERE role = 'interviewer' ORDER BY id")).scalars())
        posting_id = session.execute(
            insert(Posting).returning(Posting.id),
            [{"translation_key": "bench-data-analyst", "title_en": "Data Analyst (benchmark)",
              "title_fr": "Analyste de données (banc d'essai)"}],
        ).scalar_one()  # fmt: skip
        rubric_id = session.execute(
            insert(Rubric).returning(Rubric.id),
            [{"posting_id": posting_id, "version_number": 1, "status": "locked", "locked_at": now}],
        ).scalar_one()
        session.execute(
            insert(RatingLevel),
            [{"rubric_id": rubric_id, "value": v, "label_en": f"Level {v}", "label_fr": f"Niveau {v}"}
             for v in range(1, 6)],
        )  # fmt: skip
        session.execute(
            insert(Criterion),
            [{"rubric_id": rubric_id, "lineage": str(uuid.UUID(int=n)), "number": n,
              "kind": "essential" if n <= ESSENTIALS else "asset", "text_en": f"Criterion {n}",
              "text_fr": f"Critère {n}", "weight": 1.0 + (n % 3), "pass_mark": 3, "min_raters": 2}
             for n in range(1, criteria + 1)],
        )  # fmt: skip
        criterion_ids = list(
            session.execute(text("SELECT id FROM criterion WHERE rubric_id = :r ORDER BY number"), {"r": rubric_id})
            .scalars()
        )  # fmt: skip
        session.execute(
            insert(PanelMember),
            [{"posting_id": posting_id, "user_id": uid, "is_chair": i == 0} for i, uid in enumerate(user_ids)],
        )
        session.execute(
            insert(Candidate),
            [{"posting_id": posting_id, "label_number": n, "label": f"Candidate {n:04d}",
              "name": f"Applicant {n}", "email": f"applicant{n}@example.org", "language": "en" if n % 3 else "fr"}
             for n in range(1, candidates + 1)],
        )  # fmt: skip
        candidate_ids = list(
            session.execute(text("SELECT id FROM candidate WHERE posting_id = :p ORDER BY id"), {"p": posting_id})
            .scalars()
        )  # fmt: skip
        session.execute(
            insert(Declaration),
            [{"candidate_id": c, "user_id": u, "language": "en"} for c in candidate_ids for u in user_ids],
        )
        session.execute(
            insert(Scorecard),
            [{"candidate_id": c, "interviewer_id": u, "rubric_id": rubric_id, "status": "submitted",
              "created_at": now - timedelta(hours=rng.randint(2, 72)), "submitted_at": now}
             for c in candidate_ids for u in user_ids],
        )  # fmt: skip
        scorecards = session.execute(text("SELECT id, candidate_id FROM scorecard ORDER BY id")).all()
        ability = {c: rng.randint(1, 5) for c in candidate_ids}
        session.execute(
            insert(Score),
            [{"scorecard_id": sc_id, "criterion_id": crit,
              "rating": max(1, min(5, ability[cand] + rng.choice((-1, 0, 0, 1)))), "not_assessed": False,
              "notes": "Gave a structured example of the work."}
             for sc_id, cand in scorecards for crit in criterion_ids],
        )  # fmt: skip
        # Half of the candidates have reached consensus and a decision, as in a process under way.
        decided = candidate_ids[: candidates // 2]
        session.execute(
            insert(Consensus),
            [{"candidate_id": c, "criterion_id": crit, "rating": ability[c], "rationale": "Agreed at the debrief.",
              "decided_by_id": user_ids[0], "decided_at": now} for c in decided for crit in criterion_ids],
        )  # fmt: skip
        session.execute(
            insert(Decision),
            [{"candidate_id": c, "outcome": "qualified" if ability[c] >= 3 else "not_qualified",
              "decided_at": now} for c in decided],
        )  # fmt: skip
    return posting_id


def _interleaved_medians(fns: dict[str, Callable[[], Any]], repeats: int) -> dict[str, float]:
    """Median wall time of each callable, run in turns so that a busy machine slows all of them alike."""
    for fn in fns.values():
        fn()  # warm the statement cache and imports: a page rerun is never the first call either
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


def _figure(name: str, value: float, unit: str, baseline: float | None = None,
            goal: str | None = None, goal_ratio: float | None = None) -> dict[str, Any]:  # fmt: skip
    ratio = value / baseline if baseline else None
    met = None if goal_ratio is None or ratio is None else ratio <= goal_ratio
    return {"name": name, "value": value, "unit": unit, "baseline": baseline, "ratio": ratio, "goal": goal, "met": met}


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Build the benchmark posting and return its figures (see the module docstring)."""
    repeats = 5 if quick else 15
    with tempfile.TemporaryDirectory(prefix="bench-results-") as folder:
        url = f"sqlite:///{Path(folder) / 'results.sqlite3'}"
        engine = make_engine(url)
        try:
            start = time.perf_counter()
            posting_id = build_database(engine)
            build_seconds = time.perf_counter() - start

            def baseline() -> Any:
                with engine.connect() as conn:
                    return conn.execute(BASELINE_SQL, {"posting_id": posting_id}).all()

            def merit() -> Any:
                # What a merit view reads: candidates, criteria, per-cell aggregates and consensus.
                with read_session(engine) as session:
                    frames = load_merit_frames(session, SYSTEM_ACTOR, posting_id=posting_id)
                return merit_view(frames)

            def everything() -> Any:
                with read_session(engine) as session:
                    frames = load_posting_frames(session, SYSTEM_ACTOR, posting_id=posting_id)
                return (merit_view(frames), rating_spread(frames), agreement_summary(frames),
                        interviewer_calibration(frames), completeness(frames))  # fmt: skip

            times = _interleaved_medians({"baseline": baseline, "merit": merit}, repeats)
            all_seconds = _interleaved_medians({"all": everything}, max(3, repeats // 3))["all"]
            base, merit_seconds = times["baseline"], times["merit"]

            tracemalloc.start()
            merit()
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()

            figures = [
                _figure("results.build_database", build_seconds, "s"),
                _figure("results.merit_view", merit_seconds, "s", base, f"<= {MERIT_GOAL:g}x baseline", MERIT_GOAL),
                _figure("results.all_figures", all_seconds, "s", base),
                _figure("results.merit_view_peak_memory", peak / 2**20, "MiB"),
                # Linux reports ru_maxrss in KiB: the whole process, database build included.
                _figure("results.process_peak_rss", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "MiB"),
            ]
            if PAGE_RERUN_HOOK is not None:
                figures.extend(PAGE_RERUN_HOOK(url, posting_id, quick))
            return figures
        finally:
            engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args(argv)
    print(f"results benchmark: {CANDIDATES} candidates x {INTERVIEWERS} interviewers x {CRITERIA} criteria")
    for fig in run(quick=args.quick):
        line = f"{fig['name']:<36} {fig['value']:>10.4f} {fig['unit']}"
        if fig["baseline"] is not None:
            line += f"   baseline {fig['baseline']:.4f} {fig['unit']}   ratio {fig['ratio']:.2f}x"
        if fig["goal"] is not None:
            line += f"   goal {fig['goal']}: {'met' if fig['met'] else 'NOT met'}"
        print(line)


if __name__ == "__main__":
    main()
