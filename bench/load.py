"""Load: 20 interviewers saving drafts and submitting scorecards at once, in threads and in processes.

Run: ``.venv/bin/python bench/load.py [--quick]``; ``bench/run.py`` imports :func:`run`.

Each simulated interviewer sits on a panel of five, has scorecards already opened for the panel's
candidates, and then (the timed part) saves every criterion of every scorecard over several rounds,
each save sending back the version it last saw (as the scoring form does), tries now and then a save
with a deliberately stale version (a ``ConflictError`` is the expected, handled outcome; a success
would be a lost update), and finally submits each scorecard.

Afterwards the database is compared with what callers were told: every acknowledged save is there
exactly once (the score's version counts the acknowledged saves, the last acknowledged rating and note
are the stored ones, one audit event per save), every acknowledged submission is submitted with one
audit event, and nothing else was written. "Errors reaching callers" counts any other exception
("database is locked" included) and any unexpected outcome.

Throughput under contention (all interviewers at once) is printed as a ratio of the single-writer
throughput measured in the same run on an identical fresh database: one thread doing the same
operations one after the other. Goal: >= 0.7.

Databases: SQLite in the journal mode the engine chooses on this SQLite (a rollback journal on
versions with the WAL-reset bug) and in WAL forced with ``TRACKER_SQLITE_JOURNAL=wal``; PostgreSQL
on a throwaway server started here (``tests/pg_server.py``: fsync off, as in the tests, so its
figures measure concurrency, not the disk).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import types
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (str(ROOT), str(ROOT / "tests")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from sqlalchemy import func  # noqa: E402
from sqlmodel import select  # noqa: E402

from tracker.db import make_engine, read_session, write_session  # noqa: E402
from tracker.models import AuditEvent, Role, Score, Scorecard, ScorecardStatus  # noqa: E402
from tracker.services import ConflictError, scoring  # noqa: E402
from tracker.services.actor import Actor  # noqa: E402

RATIO_GOAL = 0.7
JOURNAL_ENV = "TRACKER_SQLITE_JOURNAL"


@dataclass(frozen=True)
class Workload:
    """What every simulated interviewer does; the total is fixed, so runs are comparable."""

    interviewers: int = 20
    panel_size: int = 5
    candidates_per_posting: int = 2
    criteria: int = 4
    rounds: int = 3
    stale_every: int = 5  # one deliberately stale save per this many saves
    processes: int = 4  # OS processes the interviewers are spread over in "processes" mode
    repeats: int = 1  # each run repeated, in turns with the others; medians are reported

    @property
    def saves_per_interviewer(self) -> int:
        return self.candidates_per_posting * self.criteria * self.rounds


QUICK = Workload(rounds=2, processes=4, repeats=1)
FULL = Workload(rounds=3, processes=4, repeats=3)


@dataclass(frozen=True)
class Job:
    """One interviewer's part: their actor and their opened scorecards with the criteria to rate."""

    actor: Actor
    cards: tuple[tuple[int, tuple[int, ...]], ...]


@dataclass
class Report:
    """What one interviewer was told: acknowledged saves and submissions, handled conflicts, errors."""

    user_id: int
    saves: list[tuple[int, int, int, int, str]] = field(default_factory=list)  # card, criterion, version, rating, notes
    submitted: list[int] = field(default_factory=list)
    stale_refused: int = 0
    errors: list[str] = field(default_factory=list)
    finished_at: float = 0.0

    @property
    def acknowledged(self) -> int:
        return len(self.saves) + len(self.submitted)


@dataclass
class Outcome:
    """One run checked against the database."""

    label: str
    acknowledged: int
    found: int
    errors: list[str]
    stale_refused: int
    seconds: float
    mismatches: list[str]

    @property
    def throughput(self) -> float:
        return self.acknowledged / self.seconds if self.seconds > 0 else 0.0

    @property
    def error_count(self) -> int:
        return len(self.errors) + len(self.mismatches)


# --- setup ---------------------------------------------------------------------------------------


def setup(url: str, workload: Workload) -> list[Job]:
    """Postings with panels of ``panel_size``, candidates, declarations, opened scorecards (not timed)."""
    from factories import make_candidate, make_panel, make_posting, make_user

    engine = make_engine(url)
    try:
        panels: list[tuple[list[Actor], list[int]]] = []
        with write_session(engine) as s:
            manager = make_user(s, role=Role.manager)
            for start in range(0, workload.interviewers, workload.panel_size):
                size = min(workload.panel_size, workload.interviewers - start)
                posting = make_posting(s, owner=manager, criteria=workload.criteria)
                users = [make_user(s, role=Role.interviewer) for _ in range(size)]
                make_panel(s, posting=posting, members=users)
                candidate_ids = [make_candidate(s, posting=posting).id or 0 for _ in range(workload.candidates_per_posting)]
                panels.append(([Actor.from_user(u) for u in users], candidate_ids))
        jobs = []
        for actors, candidate_ids in panels:
            for actor in actors:
                cards = []
                for candidate_id in candidate_ids:
                    with write_session(engine) as s:
                        scoring.declare(s, actor, candidate_id=candidate_id, has_conflict=False, language="en")
                        view = scoring.open_scorecard(s, actor, candidate_id=candidate_id)
                    cards.append((view.id, tuple(sc.criterion_id for sc in view.scores)))
                jobs.append(Job(actor, tuple(cards)))
        return jobs
    finally:
        engine.dispose()


# --- the simulated interviewer -------------------------------------------------------------------


def interview(engine: Any, job: Job, workload: Workload) -> Report:
    """Save every criterion ``rounds`` times with optimistic versions, try stale saves, submit."""
    report = Report(user_id=job.actor.id or 0)
    actor = job.actor
    versions: dict[tuple[int, int], int] = {}
    n = 0
    for r in range(workload.rounds):
        for card_id, criteria in job.cards:
            for number, criterion_id in enumerate(criteria, start=1):
                key = (card_id, criterion_id)
                known = versions.get(key, 0)
                n += 1
                if known >= 1 and n % workload.stale_every == 0:
                    try:
                        with write_session(engine) as s:
                            scoring.save_draft_score(
                                s, actor, scorecard_id=card_id, criterion_id=criterion_id, rating=1,
                                notes="stale copy from another window", expected_version=known - 1,
                            )
                        report.errors.append(f"a stale save of {key} at version {known - 1} was accepted (lost update)")
                    except ConflictError:
                        report.stale_refused += 1
                    except Exception as exc:  # anything else reached the caller
                        report.errors.append(f"{type(exc).__name__}: {exc}")
                rating = 1 + (r + number + (actor.id or 0)) % 5
                notes = f"{actor.email} card {card_id} criterion {number} round {r}"
                try:
                    with write_session(engine) as s:
                        saved = scoring.save_draft_score(
                            s, actor, scorecard_id=card_id, criterion_id=criterion_id, rating=rating, notes=notes,
                            expected_version=known,
                        )
                except Exception as exc:  # a conflict here would mean someone else wrote this interviewer's row
                    report.errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                versions[key] = saved.version
                report.saves.append((card_id, criterion_id, saved.version, rating, notes))
    for card_id, _criteria in job.cards:
        try:
            with write_session(engine) as s:
                scoring.submit_scorecard(s, actor, scorecard_id=card_id)
        except Exception as exc:
            report.errors.append(f"{type(exc).__name__}: {exc}")
            continue
        report.submitted.append(card_id)
    report.finished_at = time.time()
    return report


def _warm(engine: Any) -> None:
    with read_session(engine) as s:
        s.exec(select(func.count()).select_from(Scorecard)).one()


def run_jobs_here(url: str, journal: str | None, jobs: list[Job], workload: Workload, ready: Any, go: Any) -> list[Report]:
    """One thread per job in this process, sharing one engine (as Streamlit's cached engine is shared)."""
    if journal:
        os.environ[JOURNAL_ENV] = journal
    engine = make_engine(url)
    _warm(engine)
    reports: list[Report] = []
    lock = threading.Lock()

    def one(job: Job) -> None:
        go.wait()
        try:
            report = interview(engine, job, workload)
        except Exception as exc:  # pragma: no cover - interview catches per operation
            report = Report(user_id=job.actor.id or 0, errors=[f"{type(exc).__name__}: {exc}"], finished_at=time.time())
        with lock:
            reports.append(report)

    threads = [threading.Thread(target=one, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    ready.put(len(jobs))
    for thread in threads:
        thread.join()
    engine.dispose()
    return reports


def _process_main(url: str, journal: str | None, jobs: list[Job], workload: Workload, ready: Any, go: Any, results: Any) -> None:
    try:
        results.put(run_jobs_here(url, journal, jobs, workload, ready, go))
    except BaseException as exc:  # reported to the parent, which counts it as an error
        results.put([Report(user_id=0, errors=[f"worker process failed: {type(exc).__name__}: {exc}"], finished_at=time.time())])
        ready.put(0)


def run_concurrent(url: str, journal: str | None, jobs: list[Job], workload: Workload, mode: str) -> tuple[list[Report], float]:
    """All interviewers at once; returns their reports and the seconds from the start signal to the last finish."""
    if mode == "threads":
        import queue

        ready_q: Any = queue.Queue()
        go: Any = threading.Event()
        holder: list[list[Report]] = []
        runner = threading.Thread(target=lambda: holder.append(run_jobs_here(url, journal, jobs, workload, ready_q, go)))
        runner.start()
        ready_q.get(timeout=120)
        start = time.time()
        go.set()
        runner.join()
        reports = holder[0] if holder else [Report(user_id=0, errors=["the thread runner died"])]
    elif mode == "processes":
        context = multiprocessing.get_context("spawn")
        ready_q = context.Queue()
        results: Any = context.Queue()
        go = context.Event()
        shares = [jobs[i :: workload.processes] for i in range(min(workload.processes, len(jobs)))]
        processes = [
            context.Process(target=_process_main, args=(url, journal, share, workload, ready_q, go, results), daemon=True)
            for share in shares
        ]
        with importable_main():
            for process in processes:
                process.start()
        for _ in processes:
            ready_q.get(timeout=180)
        start = time.time()
        go.set()
        reports = []
        for _ in processes:
            reports.extend(results.get(timeout=600))
        for process in processes:
            process.join(timeout=60)
    else:
        raise ValueError(f"mode must be threads or processes, not {mode!r}")
    end = max((r.finished_at for r in reports), default=start)
    return reports, max(end - start, 1e-9)


@contextmanager
def importable_main() -> Iterator[None]:
    """Spawned workers re-run the parent's ``__main__`` first. When this module is imported (by the
    tests, by bench/run.py), that ``__main__`` may be anything — Streamlit's AppTest leaves its page
    script there — so hide it while starting the workers; they need only this module."""
    main = sys.modules.get("__main__")
    if main is None or _process_main.__module__ == "__main__":
        yield
        return
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def run_single_writer(url: str, journal: str | None, jobs: list[Job], workload: Workload) -> tuple[list[Report], float]:
    """The same operations by one writer, one after the other: the same-run baseline."""
    if journal:
        os.environ[JOURNAL_ENV] = journal
    engine = make_engine(url)
    _warm(engine)
    try:
        start = time.time()
        reports = [interview(engine, job, workload) for job in jobs]
        return reports, max(time.time() - start, 1e-9)
    finally:
        engine.dispose()


# --- checking ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredScore:
    id: int
    version: int
    rating: int | None
    notes: str


def check(url: str, reports: list[Report], jobs: list[Job]) -> tuple[int, list[str]]:
    """Compare the database with what callers were told; returns (operations found, mismatches)."""
    engine = make_engine(url)
    mismatches: list[str] = []
    acked: dict[tuple[int, int], list[tuple[int, int, str]]] = {}
    for report in reports:
        for card, criterion, version, rating, notes in report.saves:
            acked.setdefault((card, criterion), []).append((version, rating, notes))
    submitted = {card for r in reports for card in r.submitted}
    all_cards = {card for job in jobs for card, _ in job.cards}
    try:
        with read_session(engine) as s:
            scores = {
                (sc.scorecard_id, sc.criterion_id): StoredScore(sc.id or 0, sc.version, sc.rating, sc.notes)
                for sc in s.exec(select(Score)).all()
            }
            cards = {c.id: ScorecardStatus(c.status) for c in s.exec(select(Scorecard)).all()}
            events = Counter(
                s.exec(select(AuditEvent.entity_id).where(AuditEvent.action == "score.save_draft")).all()
            )
            submit_events = Counter(
                s.exec(select(AuditEvent.entity_id).where(AuditEvent.action == "scorecard.submit")).all()
            )
    finally:
        engine.dispose()
    found = 0
    for key in set(scores) - set(acked):
        mismatches.append(f"score {key} is in the database but no save of it was acknowledged")
    for key, saves in acked.items():
        score = scores.get(key)
        if score is None:
            mismatches.append(f"score {key}: {len(saves)} acknowledged save(s), none in the database")
            continue
        versions = [v for v, _, _ in saves]
        if versions != list(range(1, len(saves) + 1)):
            mismatches.append(f"score {key}: acknowledged versions {versions} are not 1..{len(saves)}")
        last_version, last_rating, last_notes = saves[-1]
        if (score.version, score.rating, score.notes) != (last_version, last_rating, last_notes):
            mismatches.append(
                f"score {key}: database has version {score.version} rating {score.rating}, "
                f"the last acknowledged save was version {last_version} rating {last_rating}"
            )
        if events.get(score.id, 0) != len(saves):
            mismatches.append(f"score {key}: {events.get(score.id, 0)} audit events for {len(saves)} acknowledged saves")
        found += min(score.version, len(saves), events.get(score.id, 0))
    for card_id in all_cards:
        is_submitted = cards.get(card_id) == ScorecardStatus.submitted
        if (card_id in submitted) != is_submitted:
            mismatches.append(f"scorecard {card_id}: acknowledged submitted={card_id in submitted}, database says {is_submitted}")
        if submit_events.get(card_id, 0) != (1 if card_id in submitted else 0):
            mismatches.append(f"scorecard {card_id}: {submit_events.get(card_id, 0)} submit audit events")
        if card_id in submitted and is_submitted and submit_events.get(card_id, 0) == 1:
            found += 1
    return found, mismatches


def outcome(label: str, url: str, jobs: list[Job], reports: list[Report], seconds: float) -> Outcome:
    found, mismatches = check(url, reports, jobs)
    return Outcome(
        label=label,
        acknowledged=sum(r.acknowledged for r in reports),
        found=found,
        errors=[e for r in reports for e in r.errors],
        stale_refused=sum(r.stale_refused for r in reports),
        seconds=seconds,
        mismatches=mismatches,
    )


# --- databases -----------------------------------------------------------------------------------


@contextmanager
def sqlite_databases(folder: Path) -> Iterator[Callable[[], str]]:
    """A factory of fresh migrated SQLite files (copies of one migrated template)."""
    from tracker.migrations import upgrade

    template = folder / "template.sqlite3"
    upgrade(f"sqlite:///{template}")
    counter = iter(range(1, 10_000))

    def fresh() -> str:
        path = folder / f"load-{next(counter)}.sqlite3"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"

    yield fresh


@contextmanager
def postgres_databases() -> Iterator[Callable[[], str]]:
    """A throwaway PostgreSQL server and a factory of fresh migrated databases on it."""
    from pg_server import start_server

    from tracker.migrations import upgrade

    server = start_server()
    try:
        server.execute("CREATE DATABASE load_template")
        upgrade(server.url("load_template"))
        counter = iter(range(1, 10_000))

        def fresh() -> str:
            name = f"load_{next(counter)}"
            server.execute(f"CREATE DATABASE {name} TEMPLATE load_template")
            return server.url(name)

        yield fresh
    finally:
        server.stop()


# --- the benchmark -------------------------------------------------------------------------------


def measure(
    fresh: Callable[[], str], journal: str | None, workload: Workload, modes: tuple[str, ...], repeats: int
) -> tuple[Outcome, list[Outcome]]:
    """The single-writer baseline and each concurrent mode, in turns, each on a fresh identical database.

    Runs alternate (single, threads, processes, single, ...) so that a machine busy with other work
    slows all of them alike; throughputs are medians over ``repeats``, counts are totals.
    """
    runs: dict[str, list[Outcome]] = {label: [] for label in ("single writer", *modes)}
    for _ in range(repeats):
        for label in runs:
            url = fresh()
            jobs = setup(url, workload)
            if label == "single writer":
                reports, seconds = run_single_writer(url, journal, jobs, workload)
            else:
                reports, seconds = run_concurrent(url, journal, jobs, workload, label)
            runs[label].append(outcome(label, url, jobs, reports, seconds))
    merged = {label: merge(label, results) for label, results in runs.items()}
    return merged["single writer"], [merged[m] for m in modes]


def merge(label: str, results: list[Outcome]) -> Outcome:
    """Totals of the counts; the seconds chosen so that the throughput is the median run's."""
    acknowledged = sum(r.acknowledged for r in results)
    median = statistics.median(r.throughput for r in results)
    return Outcome(
        label=label,
        acknowledged=acknowledged,
        found=sum(r.found for r in results),
        errors=[e for r in results for e in r.errors],
        stale_refused=sum(r.stale_refused for r in results),
        seconds=acknowledged / median if median else 0.0,
        mismatches=[m for r in results for m in r.mismatches],
    )


def _figures(backend: str, single: Outcome, contended: list[Outcome], interviewers: int) -> list[dict[str, Any]]:
    figures = []
    for result in contended:
        ratio = result.throughput / single.throughput if single.throughput else 0.0
        prefix = f"load.{backend}.{result.label}"
        figures.append({
            "name": f"{prefix}.throughput_{interviewers}_writers", "value": result.throughput, "unit": "ops/s",
            "baseline": single.throughput, "ratio": ratio, "goal": f">= {RATIO_GOAL:g}x single writer",
            "met": ratio >= RATIO_GOAL,
        })  # fmt: skip
        figures.append({
            "name": f"{prefix}.ops_found", "value": float(result.found), "unit": "ops",
            "baseline": float(result.acknowledged), "ratio": result.found / result.acknowledged if result.acknowledged else 0.0,
            "goal": "== acknowledged", "met": result.found == result.acknowledged and not result.mismatches,
        })  # fmt: skip
        figures.append({
            "name": f"{prefix}.errors_reaching_callers", "value": float(result.error_count), "unit": "errors",
            "baseline": None, "ratio": None, "goal": "0", "met": result.error_count == 0,
        })  # fmt: skip
    return figures


def backends(folder: Path) -> list[tuple[str, Callable[[], Any], str | None]]:
    """(name, database-factory context, journal override) for each database measured."""
    return [
        ("sqlite-default", lambda: sqlite_databases(folder / "default"), None),
        ("sqlite-wal", lambda: sqlite_databases(folder / "wal"), "wal"),
        ("postgres", postgres_databases, None),
    ]


def run(quick: bool = False, *, echo: Callable[[str], None] | None = None, workload: Workload | None = None) -> list[dict[str, Any]]:
    """Every backend x (threads, processes): figures in bench/run.py's format."""
    from tracker.db import choose_journal_mode

    workload = workload or (QUICK if quick else FULL)
    figures: list[dict[str, Any]] = []
    saved_env = os.environ.get(JOURNAL_ENV)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        for name, factory, journal in backends(Path(tmp)):
            if name.startswith("sqlite"):
                (Path(tmp) / name.removeprefix("sqlite-")).mkdir()
                mode = choose_journal_mode(override=journal or "").mode
                description = f"{name}: SQLite {sqlite3.sqlite_version}, journal {mode}"
            else:
                description = "postgres: throwaway server (tests/pg_server.py, fsync off)"
            try:
                with factory() as fresh:
                    single, contended = measure(fresh, journal, workload, ("threads", "processes"), workload.repeats)
            except Exception as exc:  # e.g. no PostgreSQL here: say so, keep the other figures
                if echo:
                    echo(f"{description}: could not run ({type(exc).__name__}: {exc})")
                figures.append({
                    "name": f"load.{name}.ran", "value": 0.0, "unit": "runs", "baseline": None, "ratio": None,
                    "goal": "the load ran", "met": False,
                })  # fmt: skip
                continue
            finally:
                if saved_env is None:
                    os.environ.pop(JOURNAL_ENV, None)
                else:
                    os.environ[JOURNAL_ENV] = saved_env
            if echo:
                echo(_table(description, single, contended, workload))
            figures.extend(_figures(name, single, contended, workload.interviewers))
    return figures


def _table(description: str, single: Outcome, contended: list[Outcome], workload: Workload) -> str:
    lines = [description]
    header = f"  {'run':<16}{'ops/s':>9}{'ratio':>8}{'acknowledged':>14}{'found':>8}{'errors':>8}{'stale refused':>15}"
    lines.append(header)
    for result in [single, *contended]:
        ratio = result.throughput / single.throughput if single.throughput else 0.0
        label = result.label if result.label != "processes" else f"processes x{workload.processes}"
        lines.append(
            f"  {label:<16}{result.throughput:>9.1f}{ratio:>8.2f}{result.acknowledged:>14}{result.found:>8}"
            f"{result.error_count:>8}{result.stale_refused:>15}"
        )
    for result in [single, *contended]:
        for problem in (result.errors + result.mismatches)[:5]:
            lines.append(f"  ! {result.label}: {problem}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, one run of each")
    parser.add_argument(
        "--processes", type=int, default=None,
        help="OS processes the 20 interviewers are spread over in the processes mode (default 4; 20 = one each)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    workload = QUICK if args.quick else FULL
    if args.processes:
        workload = replace(workload, processes=args.processes)
    print(
        f"load benchmark: {workload.interviewers} interviewers (panels of {workload.panel_size}), "
        f"{workload.candidates_per_posting} scorecards each x {workload.criteria} criteria x {workload.rounds} rounds, "
        f"a stale save every {workload.stale_every}; ratio = throughput with everyone at once / single writer "
        f"(goal >= {RATIO_GOAL:g}); medians of {workload.repeats} run(s) each, taken in turns"
    )
    figures = run(echo=print, workload=workload)
    missed = [f["name"] for f in figures if f["met"] is False]
    print("all goals met" if not missed else f"goals NOT met: {', '.join(missed)}")


if __name__ == "__main__":
    main()
