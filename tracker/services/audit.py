"""The append-only audit trail: every service write records one event in the same transaction.

There is deliberately no function here (or anywhere) that updates or deletes an event; the database
refuses it too (triggers created by the migrations). Payloads that say something about a candidate
(name, e-mail, ratings, notes) go to ``AuditPersonalData`` instead of the event, so deleting the
candidate removes them while the event itself, naming only the anonymised label, stays.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, Protocol

from sqlalchemy import DateTime, insert
from sqlalchemy import event as sa_event
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col, select

from tracker.email_address import MAX_EMAIL_LENGTH
from tracker.i18n import N_
from tracker.models import AuditEvent, AuditPersonalData, Posting, PostingRevision, Role
from tracker.services.actor import Actor
from tracker.services.blind import blind_candidate_ids
from tracker.services.common import clean_text, dialect_insert
from tracker.services.errors import ValidationError
from tracker.services.permissions import require_role

MAX_LIST_LIMIT = 5_000


class CandidateRef(Protocol):
    id: int | None
    label: str


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} in the audit trail")


def to_json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, default=_default, ensure_ascii=False, sort_keys=True)


def record_event(
    session: Session,
    actor: Actor,
    *,
    action: str,
    entity_type: str,
    entity_id: int | None,
    posting_id: int | None = None,
    candidate: CandidateRef | None = None,
    before: Any = None,
    after: Any = None,
    reason: str | None = None,
) -> int:
    """Insert one event (and its personal payload, when about a candidate); returns the event id.

    Core ``INSERT … RETURNING`` keeps this to one round trip on the draft-save hot path instead of an
    ORM flush of the whole unit of work.
    """
    personal = candidate is not None and (before is not None or after is not None)
    if posting_id is not None:
        touch_postings(session, [posting_id])
    values = {
        "actor_id": actor.id,
        "actor_email": actor.email,
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "posting_id": posting_id,
        "candidate_label": candidate.label if candidate is not None else None,
        "reason": reason,
        "before_json": None if personal else to_json(before),
        "after_json": None if personal else to_json(after),
    }
    event_id = session.execute(_INSERT_EVENT, values).scalar_one()
    if personal:
        assert candidate is not None and candidate.id is not None
        session.execute(
            _INSERT_PERSONAL,
            {"audit_event_id": event_id, "candidate_id": candidate.id, "before_json": to_json(before),
             "after_json": to_json(after)},
        )  # fmt: skip
    return int(event_id)


def record_access(
    session: Session,
    actor: Actor,
    *,
    action: str,
    posting_id: int,
    candidate_labels: list[str] | tuple[str, ...] = (),
    what: dict[str, Any] | None = None,
) -> int:
    """Reading candidates' personal information is an audit event too (issue #10): an export, a report,
    opening a candidate's record of decision. Who (the actor), what (``action`` and ``what``: kind,
    format, language), which candidates (anonymised labels only) and when (the event's time).

    The caller commits it in its own write transaction (the read itself ran in a read-only one).
    """
    labels = list(candidate_labels)
    values = {
        "actor_id": actor.id,
        "actor_email": actor.email,
        "action": action,
        "entity_type": "posting",
        "entity_id": posting_id,
        "posting_id": posting_id,
        "candidate_label": labels[0] if len(labels) == 1 else None,
        "reason": None,
        "before_json": None,
        "after_json": to_json({**(what or {}), "candidates": labels}),
    }
    return int(session.execute(_INSERT_EVENT, values).scalar_one())


# Payloads the audit log never shows to anyone but their author: a draft is work in progress (#10).
DRAFT_ACTIONS = frozenset({"score.save_draft", "scorecard.save_overall"})
# Payloads that carry ratings, notes or a consensus: withheld from a reader still blind for the candidate.
SCORING_ENTITIES = frozenset({"score", "scorecard", "consensus", "decision"})


class database_clock(FunctionElement[Any]):
    """The database server's clock at the moment of the INSERT (issue #22: one clock for every replica).

    PostgreSQL: ``clock_timestamp()`` (not ``now()``, the transaction's start); SQLite: its own clock,
    written in the format SQLAlchemy stores datetimes in, so comparisons with bound values still hold.
    """

    type = DateTime(timezone=True)
    inherit_cache = True


@compiles(database_clock, "postgresql")
def _clock_postgresql(_element: database_clock, _compiler: Any, **_kw: Any) -> str:
    return "clock_timestamp()"


@compiles(database_clock)
def _clock_sqlite(_element: database_clock, _compiler: Any, **_kw: Any) -> str:
    return "strftime('%Y-%m-%d %H:%M:%f000', 'now')"


# Built once (Core tables: no ORM bulk-insert path); every write pays for these, the draft save most.
_INSERT_EVENT = (
    insert(AuditEvent.__table__).values(at=database_clock()).returning(AuditEvent.__table__.c.id)  # type: ignore[attr-defined]
)
_INSERT_PERSONAL = insert(AuditPersonalData.__table__)  # type: ignore[attr-defined]


# --- the posting revision: the results cache key -------------------------------------------------

_TOUCHED = "tracker_touched_postings"
_REVISION = PostingRevision.__table__  # type: ignore[attr-defined]


def touch_postings(session: Session, posting_ids: Iterable[int]) -> None:
    """Mark postings whose data this transaction changes; their revision moves just before COMMIT.

    :func:`record_event` calls it for every event naming a posting; a write that changes what a
    posting's results show without naming it (a panel member renamed) calls it itself. The upsert is
    the transaction's last statement (:func:`_bump_revisions`) on rows nothing else locks, in posting
    order, so it cannot join a deadlock: writers of one posting wait only for each other's commit.
    """
    session.info.setdefault(_TOUCHED, set()).update(int(p) for p in posting_ids)


@sa_event.listens_for(Session, "before_commit")
def _bump_revisions(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer COMMIT bumps
    touched = session.info.pop(_TOUCHED, None)
    if not touched:
        return
    upsert = dialect_insert(session, PostingRevision)
    for posting_id in sorted(touched):
        session.execute(
            upsert.values(posting_id=posting_id, revision=1).on_conflict_do_update(
                index_elements=["posting_id"], set_={"revision": _REVISION.c.revision + 1}
            )
        )


def posting_revision(session: Session, posting_id: int) -> int:
    """How many committed writes changed the posting's data (0 before the first)."""
    found = session.execute(
        select(_REVISION.c.revision).where(_REVISION.c.posting_id == posting_id)
    ).scalar_one_or_none()
    return int(found or 0)


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget_touched(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_TOUCHED, None)


# One audit event as pages show it; ``personal`` is False once the candidate's data was deleted.
@dataclass(frozen=True)
class AuditEventPublic:
    id: int
    at: datetime
    actor_id: int | None
    actor_email: str | None
    action: str
    entity_type: str
    entity_id: int | None
    posting_id: int | None
    candidate_label: str | None
    reason: str | None
    before: Any
    after: Any
    personal: bool
    # True when the payload exists but this reader may not see it (a colleague's draft, or blind scoring).
    withheld: bool = False


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def list_events(
    session: Session,
    actor: Actor,
    *,
    posting_id: int | None = None,
    action: str | None = None,
    actor_email: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 500,
) -> list[AuditEventPublic]:
    """Newest first. Admins read everything; a manager reads the events of the postings they own.

    Blind scoring holds here too (issue #10): the payload of a draft save is shown to its author only,
    and a reader who sits on a posting's panel sees no scoring payload (ratings, notes, consensus) for a
    candidate they are still blind for; such events are listed with ``withheld`` set.
    """
    require_role(actor, Role.admin, Role.manager)
    if not 1 <= limit <= MAX_LIST_LIMIT:
        raise ValidationError(
            N_("Ask for between 1 and {max_limit} audit events at a time (you asked {limit})."),
            max_limit=MAX_LIST_LIMIT,
            limit=limit,
        )
    query = select(AuditEvent, AuditPersonalData).join(
        AuditPersonalData, col(AuditPersonalData.audit_event_id) == col(AuditEvent.id), isouter=True
    )
    if actor.role == Role.manager:
        owned = select(Posting.id).where(Posting.owner_id == actor.id)
        query = query.where(col(AuditEvent.posting_id).in_(owned))
    if posting_id is not None:
        query = query.where(AuditEvent.posting_id == posting_id)
    if action:
        action = clean_text(action, what=N_("filter"), max_length=80)
        query = query.where(col(AuditEvent.action).startswith(action))
    if actor_email:
        actor_email = clean_text(actor_email, what=N_("filter"), max_length=MAX_EMAIL_LENGTH)
        query = query.where(col(AuditEvent.actor_email).ilike(f"%{actor_email}%"))
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    query = query.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()).limit(limit)
    events: list[AuditEventPublic] = []
    rows = session.exec(query).all()
    blind: dict[int, set[int]] = {}
    for posting in {e.posting_id for e, p in rows if p is not None and e.posting_id is not None}:
        blind[posting] = blind_candidate_ids(session, actor, posting)
    for event, personal in rows:
        withheld = personal is not None and (
            (event.action in DRAFT_ACTIONS and event.actor_id != actor.id)
            or (
                event.entity_type in SCORING_ENTITIES
                and personal.candidate_id in blind.get(event.posting_id or -1, set())
            )
        )
        if withheld:
            before = after = None
        else:
            before = _loads(personal.before_json) if personal is not None else _loads(event.before_json)
            after = _loads(personal.after_json) if personal is not None else _loads(event.after_json)
        events.append(
            AuditEventPublic(
                id=event.id or 0,
                at=event.at,
                actor_id=event.actor_id,
                actor_email=event.actor_email,
                action=event.action,
                entity_type=event.entity_type,
                entity_id=event.entity_id,
                posting_id=event.posting_id,
                candidate_label=event.candidate_label,
                reason=event.reason,
                before=before,
                after=after,
                personal=personal is not None,
                withheld=withheld,
            )
        )
    return events
