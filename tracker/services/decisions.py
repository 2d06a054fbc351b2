"""Decisions: the hiring manager's outcome for a candidate, with its rationale; decisions follow the verdict.

Issue #10: "qualified" and "offered" need every essential criterion met (the merit view's verdict);
"not qualified" needs an essential not met, and then every unmet essential must carry the board's
justification (recorded with its consensus). A decision against the verdict is an **override**: it
needs a written ``override_reason``, which is kept and flagged on the results, the record of decision
and the feedback summary. A panel member who is still blind for the candidate (:mod:`.blind`) cannot
decide: they would be deciding on colleagues' ratings they may not read yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from tracker.i18n import N_
from tracker.i18n.message import Message
from tracker.models import Candidate, Decision, DecisionOutcome, utcnow
from tracker.services.actor import Actor
from tracker.services.audit import record_event
from tracker.services.blind import blind_candidate_ids, why_blind
from tracker.services.common import MAX_NOTES, clean_text, dialect_insert
from tracker.services.errors import ConflictError, PermissionDeniedError, ValidationError
from tracker.services.permissions import get_candidate_or_404, require_results_access


@dataclass(frozen=True)
class DecisionPublic:
    id: int
    candidate_id: int
    outcome: DecisionOutcome
    rationale: str
    decided_by_id: int | None
    decided_at: datetime
    version: int
    override_reason: str = ""

    @property
    def overridden(self) -> bool:
        """True when the outcome goes against the essentials verdict (with a written reason)."""
        return bool(self.override_reason)

    @classmethod
    def of(cls, d: Decision) -> DecisionPublic:
        return cls(
            id=d.id or 0, candidate_id=d.candidate_id, outcome=DecisionOutcome(d.outcome), rationale=d.rationale,
            decided_by_id=d.decided_by_id, decided_at=d.decided_at, version=d.version, override_reason=d.override_reason,
        )


@dataclass(frozen=True)
class _Verdict:
    overall: str  # met / not_met / pending (tracker.results.merit)
    unmet: list[int]  # numbers of the essential criteria not met
    unjustified: list[int]  # unmet essentials without the board's justification


def _verdict(session: Session, actor: Actor, candidate: Candidate) -> _Verdict:
    """The merit view's essentials verdict for one candidate, read the way the results page reads it."""
    from tracker.results.data import load_candidate_merit_frames
    from tracker.results.merit import NOT_MET, PENDING, merit_view

    frames = load_candidate_merit_frames(session, actor, posting_id=candidate.posting_id, candidate_id=candidate.id or 0)
    view = merit_view(frames)
    if view.table.empty:
        return _Verdict(PENDING, [], [])
    cells = view.cells
    unmet_cells = cells[(cells["kind"] == "essential") & (cells["verdict"] == NOT_MET)].sort_values("number")
    justified = set(frames.consensus.loc[frames.consensus["justification"].notna(), "lineage"]) if "justification" in frames.consensus else set()
    unmet = [int(n) for n in unmet_cells["number"]]
    unjustified = [int(n) for n, lineage in zip(unmet_cells["number"], unmet_cells["lineage"], strict=True) if lineage not in justified]
    return _Verdict(str(view.table.iloc[0]["essentials_verdict"]), unmet, unjustified)


def get_decision(session: Session, actor: Actor, *, candidate_id: int) -> DecisionPublic | None:
    candidate = get_candidate_or_404(session, candidate_id)
    require_results_access(session, actor, candidate.posting_id)
    decision = session.exec(select(Decision).where(Decision.candidate_id == candidate_id)).first()
    return DecisionPublic.of(decision) if decision else None


def posting_decisions(session: Session, actor: Actor, *, posting_id: int) -> dict[int, DecisionPublic]:
    """Every decision on a posting, by candidate id, in one query (a page listing candidates needs them
    all; :func:`get_decision` per candidate would be three queries per row)."""
    require_results_access(session, actor, posting_id)
    rows = session.exec(
        select(Decision).join(Candidate, col(Candidate.id) == col(Decision.candidate_id)).where(Candidate.posting_id == posting_id)
    ).all()
    return {d.candidate_id: DecisionPublic.of(d) for d in rows}


def _against_verdict(session: Session, actor: Actor, candidate: Candidate, outcome: DecisionOutcome) -> Message | None:
    """Why ``outcome`` goes against the verdict (an override is then needed), or None when it follows it."""
    if outcome in (DecisionOutcome.pending, DecisionOutcome.withdrawn):
        return None
    verdict = _verdict(session, actor, candidate)
    from tracker.results.merit import MET, NOT_MET

    if outcome in (DecisionOutcome.qualified, DecisionOutcome.offered) and verdict.overall != MET:
        if verdict.overall == NOT_MET:
            return Message(
                N_(
                    "{candidate} does not meet essential criteria {numbers}, so “{outcome}” needs a written reason "
                    "for overriding the verdict."
                ),
                candidate=candidate.label, numbers=verdict.unmet, outcome=Message(_OUTCOME_WORDS[outcome]),
            )  # fmt: skip
        return Message(
            N_(
                "{candidate} has no verdict on every essential criterion yet (scorecards or consensus missing), so "
                "“{outcome}” needs a written reason for overriding."
            ),
            candidate=candidate.label, outcome=Message(_OUTCOME_WORDS[outcome]),
        )  # fmt: skip
    if outcome == DecisionOutcome.not_qualified:
        if verdict.overall != NOT_MET:
            return Message(
                N_(
                    "{candidate} fails no essential criterion, so “not qualified” needs a written reason for "
                    "overriding the verdict."
                ),
                candidate=candidate.label,
            )
        if verdict.unjustified:
            raise ValidationError(
                N_(
                    "Record the board's consensus with a justification for essential criteria {numbers} of "
                    "{candidate} first: the feedback summary must state why each is not met."
                ),
                numbers=verdict.unjustified, candidate=candidate.label,
            )  # fmt: skip
    return None


_OUTCOME_WORDS = {
    DecisionOutcome.qualified: N_("qualified"),
    DecisionOutcome.offered: N_("offered"),
    DecisionOutcome.not_qualified: N_("not qualified"),
}


def record_decision(
    session: Session,
    actor: Actor,
    *,
    candidate_id: int,
    outcome: DecisionOutcome | str,
    rationale: str,
    expected_version: int | None = None,
    override_reason: str = "",
) -> DecisionPublic:
    """Admin or the owning manager. Any outcome other than "pending" needs a rationale for the file,
    and an outcome the essentials verdict does not support needs ``override_reason`` (module docstring)."""
    candidate = get_candidate_or_404(session, candidate_id)
    require_results_access(session, actor, candidate.posting_id)
    if (candidate.id or 0) in blind_candidate_ids(session, actor, candidate.posting_id):
        raise PermissionDeniedError(why_blind(session, actor, candidate))
    try:
        result_outcome = DecisionOutcome(outcome)
    except ValueError as exc:
        raise ValidationError(N_("Outcome must be one of {outcomes}."), outcomes=[o.value for o in DecisionOutcome]) from exc
    rationale = clean_text(rationale, what=N_("rationale"), max_length=MAX_NOTES)
    if result_outcome != DecisionOutcome.pending and not rationale:
        raise ValidationError(
            N_("Write the rationale for the decision on {candidate}; it is part of the record."), candidate=candidate.label
        )
    override = clean_text(override_reason, what=N_("reason for the override"), max_length=MAX_NOTES)
    against = _against_verdict(session, actor, candidate, result_outcome)
    if against is not None and not override:
        raise ValidationError(against)
    existing = session.exec(select(Decision).where(Decision.candidate_id == candidate_id)).first()
    before = DecisionPublic.of(existing).__dict__ if existing else None
    values = {
        "outcome": result_outcome, "rationale": rationale, "override_reason": override if against is not None else "",
        "decided_by_id": actor.id, "decided_at": utcnow(),
    }  # fmt: skip
    table = Decision.__table__  # type: ignore[attr-defined]
    base = dialect_insert(session, Decision).values(candidate_id=candidate_id, version=1, **values)
    if expected_version is None:
        stmt = base.on_conflict_do_update(index_elements=["candidate_id"], set_={**values, "version": table.c.version + 1})
        row = session.execute(stmt.returning(table.c.id)).first()
    elif expected_version == 0:
        row = session.execute(base.on_conflict_do_nothing().returning(table.c.id)).first()
    else:
        row = session.execute(
            update(table)
            .where(table.c.candidate_id == candidate_id, table.c.version == expected_version)
            .values(**values, version=table.c.version + 1)
            .returning(table.c.id)
        ).first()
    if row is None:
        raise ConflictError(
            N_("Someone recorded a decision for {candidate} after you loaded it; reload to see it, then decide again."),
            candidate=candidate.label,
        )
    saved = session.get(Decision, row[0], populate_existing=True)
    assert saved is not None
    record_event(
        session, actor, action="decision.record", entity_type="decision", entity_id=saved.id,
        posting_id=candidate.posting_id, candidate=candidate, before=before, after=DecisionPublic.of(saved).__dict__,
    )
    return DecisionPublic.of(saved)
