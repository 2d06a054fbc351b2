"""Panels: the people assigned to a posting's assessment board, exactly one of them chair."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from tracker.i18n import N_
from tracker.i18n.message import Message
from tracker.models import PanelMember, Role, User
from tracker.services.actor import Actor
from tracker.services.audit import record_event
from tracker.services.errors import ValidationError
from tracker.services.permissions import require_posting_manager, require_view_posting

MAX_PANEL = 20


@dataclass(frozen=True)
class PanelMemberPublic:
    user_id: int
    email: str
    display_name: str
    role: Role
    is_chair: bool
    added_at: datetime


def _panel(session: Session, posting_id: int) -> list[PanelMemberPublic]:
    rows = session.exec(
        select(PanelMember, User)
        .join(User, col(User.id) == col(PanelMember.user_id))
        .where(PanelMember.posting_id == posting_id)
        .order_by(col(PanelMember.is_chair).desc(), User.display_name)
    ).all()
    return [
        PanelMemberPublic(
            user_id=user.id or 0, email=user.email, display_name=user.display_name, role=Role(user.role),
            is_chair=member.is_chair, added_at=member.added_at,
        )
        for member, user in rows
    ]


def get_panel(session: Session, actor: Actor, *, posting_id: int) -> list[PanelMemberPublic]:
    require_view_posting(session, actor, posting_id)
    return _panel(session, posting_id)


def set_panel(
    session: Session, actor: Actor, *, posting_id: int, member_ids: list[int], chair_id: int
) -> list[PanelMemberPublic]:
    """Replace the panel. People taken off keep their scorecards (evidence) but can no longer score."""
    require_posting_manager(session, actor, posting_id)
    wanted = list(dict.fromkeys(member_ids))
    problems: list[Message] = []
    if not wanted:
        problems.append(Message(N_("A panel needs at least one member.")))
    if len(wanted) > MAX_PANEL:
        problems.append(Message(N_("A panel has at most {limit} members."), limit=MAX_PANEL))
    if chair_id not in wanted:
        problems.append(Message(N_("The chair must be one of the panel members.")))
    users = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(wanted))).all()}
    for user_id in wanted:
        user = users.get(user_id)
        if user is None:
            problems.append(Message(N_("User {user_id} does not exist."), user_id=user_id))
        elif not user.active:
            problems.append(Message(N_("{name} is deactivated and cannot sit on a panel."), name=user.display_name))
        elif user.role not in (Role.interviewer, Role.manager):
            problems.append(
                Message(
                    N_("{name} is an administrator; panels are made of interviewers and managers."), name=user.display_name
                )
            )
    if problems:
        raise ValidationError.listing(problems)
    current = {m.user_id: m for m in session.exec(select(PanelMember).where(PanelMember.posting_id == posting_id)).all()}
    before = {"members": sorted(current), "chair": next((uid for uid, m in current.items() if m.is_chair), None)}
    removed = [uid for uid in current if uid not in wanted]
    if removed:
        session.execute(delete(PanelMember).where(col(PanelMember.posting_id) == posting_id, col(PanelMember.user_id).in_(removed)))
    for user_id in wanted:
        member = current.get(user_id)
        if member is None:
            session.add(PanelMember(posting_id=posting_id, user_id=user_id, is_chair=user_id == chair_id))
        elif member.is_chair != (user_id == chair_id):
            member.is_chair = user_id == chair_id
            session.add(member)
    session.flush()
    record_event(
        session, actor, action="panel.set", entity_type="posting", entity_id=posting_id, posting_id=posting_id,
        before=before, after={"members": sorted(wanted), "chair": chair_id},
    )
    return _panel(session, posting_id)
