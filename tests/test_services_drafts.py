"""Drafts of long texts not recorded yet (issue #18), on SQLite and PostgreSQL (``engine`` runs each test on both).

A draft is its author's alone, written only by someone who may record the text it is a draft of,
saved only over the text it was typed over (a conflict keeps the other text), and gone with its
candidate.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete as sql_delete
from sqlmodel import select
from test_services_permissions import Ctx, build_ctx

from tracker.db import read_session, write_session
from tracker.models import AuditEvent, Candidate, TextDraft
from tracker.services import drafts
from tracker.services.errors import PermissionDeniedError, TrackerError, ValidationError


def _save(engine: Any, ctx: Ctx, who: str, text: str, origin: str | None, **where: Any) -> drafts.DraftSaved:
    where = {
        "candidate_id": ctx.cand_ready,
        "kind": drafts.CONSENSUS_RATIONALE,
        "subject_id": ctx.criterion_id,
        **where,
    }
    with write_session(engine) as session:
        return drafts.save_text_draft(session, ctx.world.actor(who), text=text, origin=origin, **where)


def _get(engine: Any, ctx: Ctx, who: str, **where: Any) -> drafts.DraftView | None:
    where = {
        "candidate_id": ctx.cand_ready,
        "kind": drafts.CONSENSUS_RATIONALE,
        "subject_id": ctx.criterion_id,
        **where,
    }
    with read_session(engine) as session:
        return drafts.get_text_draft(session, ctx.world.actor(who), **where)


def test_a_draft_is_saved_over_its_origin_and_a_change_elsewhere_is_a_conflict(engine: Any) -> None:
    ctx = build_ctx(engine)
    with read_session(engine) as session:
        events_before = len(session.exec(select(AuditEvent)).all())
    assert _get(engine, ctx, "chair") is None
    first = _save(engine, ctx, "chair", "Both members saw ", "")
    assert first.kind == "saved" and first.saved_at is not None
    assert _save(engine, ctx, "chair", "Both members saw a clear plan.  ", "Both members saw ").kind == "saved"
    draft = _get(engine, ctx, "chair")
    assert draft is not None and draft.text == "Both members saw a clear plan.  ", "kept exactly as typed"
    # The same chair's other window, still typing over the first text: nothing written, both texts kept.
    stale = _save(engine, ctx, "chair", "Both members saw it differently", "Both members saw ")
    assert (stale.kind, stale.theirs) == ("conflict", "Both members saw a clear plan.  ")
    assert _get(engine, ctx, "chair").text == "Both members saw a clear plan.  "  # type: ignore[union-attr]
    # "Keep my text": sent over the other text, it is saved.
    assert (
        _save(engine, ctx, "chair", "Both members saw it differently", "Both members saw a clear plan.  ").kind
        == "saved"
    )
    # Unknown origin (first send after a restart): written.
    assert _save(engine, ctx, "chair", "After a restart", None).kind == "saved"
    # Not audited: a scratch text; the recorded rationale is.
    with read_session(engine) as session:
        assert len(session.exec(select(AuditEvent)).all()) == events_before
    with write_session(engine) as session:
        drafts.discard_text_draft(session, ctx.world.actor("chair"), candidate_id=ctx.cand_ready,
                                  kind=drafts.CONSENSUS_RATIONALE, subject_id=ctx.criterion_id)  # fmt: skip
    assert _get(engine, ctx, "chair") is None


def test_a_draft_is_its_authors_alone(engine: Any) -> None:
    ctx = build_ctx(engine)
    _save(engine, ctx, "chair", "The chair's words", "")
    assert _get(engine, ctx, "manager") is None, "the manager may run the consensus too, but has no draft"
    assert _save(engine, ctx, "manager", "The manager's words", "").kind == "saved"
    assert _get(engine, ctx, "chair").text == "The chair's words"  # type: ignore[union-attr]
    assert _get(engine, ctx, "manager").text == "The manager's words"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("kind", "subject", "allowed"),
    [
        (drafts.CONSENSUS_RATIONALE, "criterion", {"chair", "manager", "admin"}),
        (drafts.DECISION_RATIONALE, None, {"manager", "admin"}),
        (drafts.DECISION_OVERRIDE, None, {"manager", "admin"}),
        (drafts.REOPEN_REASON, "member_card", {"chair", "manager", "admin"}),
        (drafts.RESUBMIT_REASON, "member_card", {"member"}),
    ],
)
def test_only_who_may_record_the_text_may_keep_a_draft_of_it(
    engine: Any, kind: str, subject: str | None, allowed: set[str]
) -> None:
    ctx = build_ctx(engine)
    subject_id = {"criterion": ctx.criterion_id, "member_card": ctx.member_ready_card, None: 0}[subject]
    for who in ("admin", "manager", "other_manager", "chair", "member", "other_chair", "outsider"):
        try:
            outcome = _save(engine, ctx, who, f"{who} typed this", "", kind=kind, subject_id=subject_id)
        except PermissionDeniedError:
            assert who not in allowed, f"{who} should be allowed a {kind} draft"
            with pytest.raises(PermissionDeniedError):
                _get(engine, ctx, who, kind=kind, subject_id=subject_id)
            continue
        assert who in allowed, f"{who} should not be allowed a {kind} draft"
        assert outcome.kind == "saved"
        assert _get(engine, ctx, who, kind=kind, subject_id=subject_id).text == f"{who} typed this"  # type: ignore[union-attr]


def test_a_scorecard_of_another_candidate_and_an_unknown_kind_are_refused(engine: Any) -> None:
    ctx = build_ctx(engine)
    with pytest.raises(TrackerError):  # the chair's draft card belongs to cand_draft, not cand_ready
        _save(engine, ctx, "chair", "x", "", kind=drafts.REOPEN_REASON, subject_id=ctx.member_submitted_card)
    with pytest.raises(ValidationError):
        _save(engine, ctx, "chair", "x", "", kind="anything_else")
    with pytest.raises(ValidationError):
        _save(engine, ctx, "chair", "nul \x00 byte", "")
    with pytest.raises(ValidationError):
        _save(engine, ctx, "chair", "x" * 10_001, "")


def test_drafts_go_with_their_candidate(engine: Any) -> None:
    ctx = build_ctx(engine)
    _save(engine, ctx, "chair", "About this candidate", "")
    _save(engine, ctx, "manager", "Decision words", "", kind=drafts.DECISION_RATIONALE, subject_id=0)
    with write_session(engine) as session:
        session.execute(sql_delete(Candidate).where(Candidate.id == ctx.cand_ready))  # type: ignore[arg-type]
    with read_session(engine) as session:
        assert session.exec(select(TextDraft)).all() == []
