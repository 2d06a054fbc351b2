"""Find a posting, candidate or acting user from what a person types on the command line.

``report`` and ``export`` accept a posting's translation key or id, a candidate's label in English
or French ("Candidate 07", "candidature 7") or id, and ``--as-user EMAIL``. These helpers only resolve
names to ids; access is checked afterwards by the results loader like for any other caller.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session

from tracker.labels import parse_label
from tracker.models import Candidate, Posting, User
from tracker.services.actor import SYSTEM_ACTOR, Actor
from tracker.services.errors import NotFoundError


def resolve_posting(session: Session, key_or_id: str) -> int:
    """The posting id for a translation key (exact, then case-insensitive) or a numeric id."""
    text = key_or_id.strip()
    found = session.execute(select(Posting.id).where(Posting.translation_key == text)).scalar_one_or_none()
    if found is None:
        found = session.execute(
            select(Posting.id).where(func.lower(Posting.translation_key) == text.lower())
        ).scalar_one_or_none()
    if found is None and text.isdigit():
        found = session.execute(select(Posting.id).where(Posting.id == int(text))).scalar_one_or_none()
    if found is None:
        raise NotFoundError(
            f"No posting has the key or id {text!r}; use the translationKey shown on the Postings page."
        )
    return int(found)


def resolve_candidate(session: Session, posting_id: int, label_or_id: str) -> int:
    """The candidate id for a label in either language ("Candidate 07", « Candidature 7 ») or an id."""
    text = label_or_id.strip()
    rows = session.execute(
        select(Candidate.id, Candidate.label_number).where(Candidate.posting_id == posting_id)
    ).all()
    number = parse_label(text)
    if number is not None:
        for candidate_id, label_number in rows:
            if label_number == number:
                return int(candidate_id)
    if text.isdigit():
        for candidate_id, _ in rows:
            if candidate_id == int(text):
                return int(candidate_id)
    raise NotFoundError(
        f"No candidate of this posting has the label or id {text!r}; labels look like \"Candidate 07\"."
    )


def actor_for(session: Session, email: str | None) -> Actor:
    """The operator (``SYSTEM_ACTOR``) or the active user with this e-mail, so their permissions apply."""
    if not email:
        return SYSTEM_ACTOR
    user = session.execute(select(User).where(func.lower(User.email) == email.strip().lower())).scalar_one_or_none()
    if user is None or not user.active:
        raise NotFoundError(f"No active user has the e-mail {email!r}; check the address or ask an administrator.")
    return Actor.from_user(user)
