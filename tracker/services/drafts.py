"""Drafts of long texts that are not recorded yet (issue #18 "never lose a word").

A consensus rationale, a decision's rationale and override reason, a reason for reopening a scorecard
or for resubmitting one are written for minutes before the person clicks "Record" (or "Reopen",
"Submit"). Until then they are nobody's record, but they must survive a reload, a closed tab, a
browser crash and a server restart like evidence notes do: so the autosave box
(``app_pages.frame.autosave``) saves them here while the person types, one row per author, candidate,
``kind`` and ``subject_id`` (the criterion of a consensus rationale, the scorecard of a reopen or
resubmit reason). Recording the real thing deletes the draft (:func:`discard_text_draft`).

Rules:

* **Only the author reads or writes a draft**, and only while they may write the text it is a draft
  of (the same checks as the recording service: the consensus board's, the decision's, the reopen's,
  the card's author). Nobody else ever sees it, so it is not part of the record or of the results.
* **Nothing is overwritten silently**: a save says which text it was typed over (``origin``); when
  the draft holds something else (the same person's other window saved meanwhile) nothing is written
  and the other text comes back (``conflict``), to be shown beside the person's own.
* The text is kept exactly as typed (no stripping: the box compares texts) and the draft is **not
  audited**: every second's save of a scratch text would flood the trail, and what counts — the
  recorded rationale or reason — is audited by the service that records it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, delete, select

from tracker.i18n import N_
from tracker.i18n.message import Number
from tracker.models import Candidate, Posting, Scorecard, TextDraft, utcnow
from tracker.services.actor import Actor
from tracker.services.blind import blind_candidate_ids, why_blind
from tracker.services.common import MAX_NOTES, dialect_insert
from tracker.services.errors import NotFoundError, PermissionDeniedError, ValidationError
from tracker.services.permissions import get_candidate_or_404, is_chair, is_posting_manager, require_results_access

CONSENSUS_RATIONALE = "consensus_rationale"  # subject: the criterion
DECISION_RATIONALE = "decision_rationale"
DECISION_OVERRIDE = "decision_override"
REOPEN_REASON = "reopen_reason"  # subject: the submitted scorecard
RESUBMIT_REASON = "resubmit_reason"  # subject: the author's reopened scorecard
KINDS = frozenset({CONSENSUS_RATIONALE, DECISION_RATIONALE, DECISION_OVERRIDE, REOPEN_REASON, RESUBMIT_REASON})


@dataclass(frozen=True)
class DraftView:
    text: str
    updated_at: datetime
    version: int


@dataclass(frozen=True)
class DraftSaved:
    """``saved`` (the draft now holds the text) or ``conflict`` (it held ``theirs``; nothing written)."""

    kind: str
    saved_at: datetime | None = None
    theirs: str | None = None


def _card_of(session: Session, candidate: Candidate, subject_id: int) -> Scorecard:
    card = session.get(Scorecard, subject_id)
    if card is None or card.candidate_id != candidate.id:
        raise NotFoundError(N_("Scorecard {scorecard_id} does not exist."), scorecard_id=subject_id)
    return card


def _require_may_write(session: Session, actor: Actor, candidate: Candidate, kind: str, subject_id: int) -> None:
    """The recording service's own check for the text this is a draft of."""
    if kind == CONSENSUS_RATIONALE:
        from tracker.services.consensus import _require_board_access

        _require_board_access(session, actor, candidate, write=True)
    elif kind in (DECISION_RATIONALE, DECISION_OVERRIDE):
        require_results_access(session, actor, candidate.posting_id)
        if (candidate.id or 0) in blind_candidate_ids(session, actor, candidate.posting_id):
            raise PermissionDeniedError(why_blind(session, actor, candidate))
    elif kind == REOPEN_REASON:
        posting = session.get(Posting, candidate.posting_id)
        assert posting is not None
        card = _card_of(session, candidate, subject_id)
        if not (is_chair(session, actor, candidate.posting_id) or is_posting_manager(actor, posting)):
            raise PermissionDeniedError(
                N_("Only the panel's chair or the posting's hiring manager can reopen a submitted scorecard.")
            )
        if card.interviewer_id == actor.id:
            raise PermissionDeniedError(
                N_("Nobody reopens their own scorecard; ask the chair or the hiring manager, who will record why.")
            )
    elif kind == RESUBMIT_REASON:
        if _card_of(session, candidate, subject_id).interviewer_id != actor.id:
            raise PermissionDeniedError(N_("This is not your scorecard."))
    else:
        raise ValidationError(N_("Unknown kind of draft: {kind}."), kind=kind)


def _row(session: Session, actor: Actor, candidate_id: int, kind: str, subject_id: int) -> TextDraft | None:
    return session.exec(
        select(TextDraft).where(
            TextDraft.user_id == actor.id, TextDraft.candidate_id == candidate_id, TextDraft.kind == kind,
            TextDraft.subject_id == subject_id,
        )
    ).first()  # fmt: skip


def get_text_draft(
    session: Session, actor: Actor, *, candidate_id: int, kind: str, subject_id: int = 0
) -> DraftView | None:
    """The actor's own draft, or None when there is none (the page then shows the recorded text)."""
    candidate = get_candidate_or_404(session, candidate_id)
    _require_may_write(session, actor, candidate, kind, subject_id)
    row = _row(session, actor, candidate_id, kind, subject_id)
    return DraftView(row.text, row.updated_at, row.version) if row is not None else None


def save_text_draft(
    session: Session,
    actor: Actor,
    *,
    candidate_id: int,
    kind: str,
    subject_id: int = 0,
    text: str,
    origin: str | None,
) -> DraftSaved:
    """Keep ``text`` as the actor's draft when the draft still holds ``origin`` (or there is none yet).

    ``origin`` None = not known (the box's first send after a restart): written over whatever is there.
    Two windows racing: one conditional statement each (``INSERT … ON CONFLICT DO NOTHING`` for a new
    draft, ``UPDATE … WHERE version = ?`` otherwise), so the loser sees the winner's text as a conflict.
    """
    candidate = get_candidate_or_404(session, candidate_id)
    _require_may_write(session, actor, candidate, kind, subject_id)
    if "\x00" in text:
        raise ValidationError(N_("The {what} contains a NUL character; remove it."), what=N_("text"))
    if len(text) > MAX_NOTES:
        raise ValidationError(
            N_("The {what} is {length} characters long; shorten it to {max_length} at most."),
            what=N_("text"), length=Number(len(text)), max_length=Number(MAX_NOTES),
        )  # fmt: skip
    now = utcnow()
    for _attempt in range(3):
        row = _row(session, actor, candidate_id, kind, subject_id)
        if row is None:
            inserted = session.execute(
                dialect_insert(session, TextDraft)
                .values(user_id=actor.id, candidate_id=candidate_id, kind=kind, subject_id=subject_id, text=text,
                        updated_at=now, version=1)
                .on_conflict_do_nothing()
                .returning(TextDraft.__table__.c.id)  # type: ignore[attr-defined]
            ).first()  # fmt: skip
            if inserted is not None:
                return DraftSaved("saved", saved_at=now)
            continue  # the other window inserted first: compare with its text
        if row.text == text:
            return DraftSaved("saved", saved_at=row.updated_at)
        if origin is not None and row.text != origin:
            return DraftSaved("conflict", theirs=row.text)
        table = TextDraft.__table__  # type: ignore[attr-defined]
        updated = session.execute(
            table.update()
            .where(table.c.id == row.id, table.c.version == row.version)
            .values(text=text, updated_at=now, version=table.c.version + 1)
            .returning(table.c.id)
        ).first()
        session.expire(row)
        if updated is not None:
            return DraftSaved("saved", saved_at=now)
    row = _row(session, actor, candidate_id, kind, subject_id)
    return DraftSaved("conflict", theirs=row.text if row is not None else "")


def discard_text_draft(session: Session, actor: Actor, *, candidate_id: int, kind: str, subject_id: int = 0) -> None:
    """Delete the actor's draft once the text it was a draft of is recorded (no check needed: it is theirs)."""
    session.execute(
        delete(TextDraft).where(
            col(TextDraft.user_id) == actor.id, col(TextDraft.candidate_id) == candidate_id,
            col(TextDraft.kind) == kind, col(TextDraft.subject_id) == subject_id,
        )
    )  # fmt: skip
