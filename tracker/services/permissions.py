"""Who may do what: the role and assignment checks every service calls before touching data.

Rules (issue #3): admins manage users and postings; managers manage the postings they own (candidates,
panels, decisions) and read all their results; interviewers see only postings whose panel they sit on,
and only their own scorecards (others' after submitting their own: see ``scoring``). A manager who
also sits on another manager's panel sees that posting as a panel member, not as its manager.
"""

from __future__ import annotations

from sqlmodel import Session, select

from tracker.i18n import N_
from tracker.i18n.message import Message
from tracker.models import Candidate, PanelMember, Posting, Role
from tracker.services.actor import Actor
from tracker.services.errors import NotFoundError, PermissionDeniedError

_ROLE_NAMES = {
    Role.admin: N_("an administrator"),
    Role.manager: N_("a hiring manager"),
    Role.interviewer: N_("an interviewer"),
}


def _either(names: list[Message]) -> Message:
    """``a``, ``a or b``, ``a or b or c``: each part stays translatable."""
    phrase = names[0]
    for name in names[1:]:
        phrase = Message(N_("{first} or {second}"), first=phrase, second=name)
    return phrase


def require_role(actor: Actor, *roles: Role) -> None:
    """Refuse unless the actor has one of ``roles``."""
    if actor.role not in roles:
        raise PermissionDeniedError(
            N_("Only {wanted} can do this; you are signed in as {current}."),
            wanted=_either([Message(_ROLE_NAMES[Role(r)]) for r in roles]),
            current=Message(_ROLE_NAMES[actor.role]),
        )


def get_posting_or_404(session: Session, posting_id: int) -> Posting:
    posting = session.get(Posting, posting_id)
    if posting is None:
        raise NotFoundError(N_("Posting {posting_id} does not exist; it may have been purged."), posting_id=posting_id)
    return posting


def get_candidate_or_404(session: Session, candidate_id: int) -> Candidate:
    candidate = session.get(Candidate, candidate_id)
    if candidate is None:
        raise NotFoundError(
            N_("Candidate {candidate_id} does not exist; their information may have been deleted."), candidate_id=candidate_id
        )
    return candidate


def owns_posting(actor: Actor, posting: Posting) -> bool:
    return actor.role == Role.manager and actor.id is not None and posting.owner_id == actor.id


def is_posting_manager(actor: Actor, posting: Posting) -> bool:
    """Admin, or the manager who owns the posting."""
    return actor.is_admin or owns_posting(actor, posting)


def require_posting_manager(session: Session, actor: Actor, posting_id: int) -> Posting:
    """Admin, or the manager who owns the posting: the people who set a process up and decide."""
    posting = get_posting_or_404(session, posting_id)
    if not is_posting_manager(actor, posting):
        raise PermissionDeniedError(
            N_(
                "Only an administrator or the hiring manager who owns this posting can change it; "
                "ask an administrator to make you its owner."
            )
        )
    return posting


def require_results_access(session: Session, actor: Actor, posting_id: int) -> Posting:
    """Results (every interviewer's ratings, consensus, decisions): admin or owning manager only."""
    posting = get_posting_or_404(session, posting_id)
    if not is_posting_manager(actor, posting):
        raise PermissionDeniedError(
            N_("Only an administrator or the hiring manager who owns this posting can see its results.")
        )
    return posting


def panel_membership(session: Session, actor: Actor, posting_id: int) -> PanelMember | None:
    if actor.id is None:
        return None
    return session.exec(
        select(PanelMember).where(PanelMember.posting_id == posting_id, PanelMember.user_id == actor.id)
    ).first()


def is_chair(session: Session, actor: Actor, posting_id: int) -> bool:
    member = panel_membership(session, actor, posting_id)
    return member is not None and member.is_chair


def require_panel_member(session: Session, actor: Actor, posting_id: int) -> PanelMember:
    """Scoring needs a seat on the posting's panel, whatever the role."""
    member = panel_membership(session, actor, posting_id)
    if member is None:
        raise PermissionDeniedError(
            N_("You are not on this posting's assessment panel; ask its hiring manager to add you.")
        )
    return member


def require_chair(session: Session, actor: Actor, posting_id: int) -> PanelMember:
    member = require_panel_member(session, actor, posting_id)
    if not member.is_chair:
        raise PermissionDeniedError(N_("Only the chair of this posting's panel can do this."))
    return member


def can_view_posting(session: Session, actor: Actor, posting_id: int) -> bool:
    posting = session.get(Posting, posting_id)
    if posting is None:
        return False
    if is_posting_manager(actor, posting):
        return True
    return panel_membership(session, actor, posting_id) is not None


def require_view_posting(session: Session, actor: Actor, posting_id: int) -> Posting:
    posting = get_posting_or_404(session, posting_id)
    if is_posting_manager(actor, posting) or panel_membership(session, actor, posting_id) is not None:
        return posting
    raise PermissionDeniedError(N_("You are not on this posting's panel and do not manage it, so you cannot open it."))


def visible_posting_ids(session: Session, actor: Actor) -> set[int]:
    """Every posting the actor may list: all for admins, owned or panel seats for everyone else."""
    if actor.is_admin:
        return {pid for pid in session.exec(select(Posting.id)).all() if pid is not None}
    if actor.id is None:
        return set()
    ids: set[int] = set(session.exec(select(PanelMember.posting_id).where(PanelMember.user_id == actor.id)).all())
    if actor.role == Role.manager:
        owned = session.exec(select(Posting.id).where(Posting.owner_id == actor.id)).all()
        ids |= {pid for pid in owned if pid is not None}
    return ids
