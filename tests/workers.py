"""Work run by the concurrency tests in threads and in separate processes (spawned, so importable).

Each worker is one interviewer scoring every candidate of a posting: declare, open, save drafts for
every criterion over several rounds, then submit. It reports what was acknowledged, and every error
that reached it (there must be none: "database is locked" reaching a caller is a failure).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.db import make_engine, write_session
from tracker.services import ConflictError, scoring
from tracker.services.actor import Actor


@dataclass
class WorkerResult:
    user_id: int
    saves: dict[tuple[int, int], list[tuple[int, int]]] = field(default_factory=dict)  # (card, crit) -> [(version, rating)]
    submitted: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def score_everything(url: str, actor: Actor, candidate_ids: list[int], rounds: int) -> WorkerResult:
    engine = make_engine(url)
    result = WorkerResult(user_id=actor.id or 0)
    try:
        cards = []
        for candidate_id in candidate_ids:
            with write_session(engine) as s:
                scoring.declare(s, actor, candidate_id=candidate_id, has_conflict=False, language="en")
                cards.append(scoring.open_scorecard(s, actor, candidate_id=candidate_id))
        for r in range(rounds):
            for card in cards:
                for score in card.scores:
                    rating = 1 + (r + score.criterion_number + (actor.id or 0)) % 5
                    with write_session(engine) as s:
                        saved = scoring.save_draft_score(
                            s, actor, scorecard_id=card.id, criterion_id=score.criterion_id, rating=rating,
                            notes=f"round {r} by {actor.email}",
                        )
                    result.saves.setdefault((card.id, score.criterion_id), []).append((saved.version, rating))
        for card in cards:
            with write_session(engine) as s:
                scoring.submit_scorecard(s, actor, scorecard_id=card.id)
            result.submitted.append(card.id)
    except Exception as exc:  # every error is reported to the test, which fails on any
        result.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        engine.dispose()
    return result


def race_same_score(url: str, actor: Actor, scorecard_id: int, criterion_id: int, attempts: int, tag: str) -> tuple[int, int, list[str]]:
    """Two "tabs" of one interviewer editing one criterion with optimistic versions.

    Returns (acknowledged saves, conflicts, unexpected errors). Each attempt reads the current
    version then writes with it, so racing tabs collide and exactly one of a colliding pair wins.
    """
    engine = make_engine(url)
    ok = conflicts = 0
    errors: list[str] = []
    try:
        for i in range(attempts):
            try:
                with write_session(engine) as s:
                    view = scoring.get_scorecard(s, actor, scorecard_id=scorecard_id)
                    current = next(x.version for x in view.scores if x.criterion_id == criterion_id)
                with write_session(engine) as s:
                    scoring.save_draft_score(
                        s, actor, scorecard_id=scorecard_id, criterion_id=criterion_id, rating=1 + i % 5,
                        notes=f"{tag} {i}", expected_version=current,
                    )
                ok += 1
            except ConflictError:
                conflicts += 1
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        engine.dispose()
    return ok, conflicts, errors
