"""The race harness's workers (issue #22): two processes released together inside their transactions.

Spawned processes import this module by name, so it holds only what a worker runs. Each worker goes
through the same list of trials as its rival; for every trial both open a write transaction, make its
first read (the transaction has begun: on PostgreSQL a snapshot, locks from here on), wait for each
other at a barrier, then call the service. On SQLite a write transaction takes the database's only
write lock before its first read (``BEGIN IMMEDIATE``), so the second worker could never reach a
barrier inside its transaction: there both are released together at the door of ``write_session``,
which is as close together as SQLite lets two writers be.

Every outcome is reported, never raised: ``ok``, ``refused:<ErrorClass>`` (the project's own error,
with its sentence), ``integrity`` (a raw ``IntegrityError``: always a failure) or ``error:…``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from tracker.db import make_engine, write_session
from tracker.services import accounts, candidates, rubrics, scoring
from tracker.services.actor import load_actor
from tracker.services.errors import TrackerError


@dataclass(frozen=True)
class Trial:
    """One write of one worker: ``kind`` names it, ``args`` are the service's keyword arguments."""

    kind: str
    actor_id: int
    args: dict[str, Any]


def _run(session: Any, actor: Any, trial: Trial) -> None:
    kind, args = trial.kind, trial.args
    if kind == "submit":
        scoring.submit_scorecard(session, actor, **args)
    elif kind == "draft":
        scoring.save_draft_score(session, actor, **args)
    elif kind == "reopen":
        scoring.reopen_scorecard(session, actor, **args)
    elif kind == "update_user":
        accounts.update_user(session, actor, **args)
    elif kind == "create_user":
        accounts.create_user(session, actor, **args)
    elif kind == "add_candidate":
        candidates.add_candidate(session, actor, **args)
    elif kind == "save_criteria":
        rubrics.save_criteria(session, actor, **args)
    else:  # pragma: no cover - a typo in the test
        raise ValueError(kind)


def race(url: str, trials: list[Trial], barrier: Any, inside: bool, results: Any, worker: int) -> None:
    """Run ``trials`` in order, meeting the rival at ``barrier`` for each; put (worker, outcomes) on ``results``."""
    engine = make_engine(url)
    outcomes: list[str] = []
    try:
        for trial in trials:
            if not inside:
                barrier.wait(timeout=60)
            try:
                with write_session(engine) as session:
                    actor = load_actor(session, trial.actor_id)  # the transaction has begun
                    if inside:
                        barrier.wait(timeout=60)
                    _run(session, actor, trial)
                outcomes.append("ok")
            except TrackerError as exc:
                outcomes.append(f"refused:{type(exc).__name__}:{exc}")
            except IntegrityError as exc:
                outcomes.append(f"integrity:{str(exc.orig).splitlines()[0]}")
            except Exception as exc:  # reported, and the test fails on it
                outcomes.append(f"error:{type(exc).__name__}:{exc}")
    finally:
        engine.dispose()
        results.put((worker, outcomes))
