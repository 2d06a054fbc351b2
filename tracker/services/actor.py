"""Who is acting: a small frozen value passed to every service instead of a live ``User`` row."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from tracker.i18n import N_
from tracker.models import Role, User
from tracker.services.errors import NotFoundError


@dataclass(frozen=True)
class Actor:
    id: int | None
    email: str
    display_name: str
    role: Role
    # A password someone else chose (first admin, reset, generated) is still in use: the dashboard
    # holds this user on the "choose a new password" form. Never set without a password to change.
    must_change_password: bool = False

    @classmethod
    def from_user(cls, user: User) -> Actor:
        return cls(
            id=user.id,
            email=user.email,
            display_name=user.display_name,
            role=Role(user.role),
            must_change_password=bool(user.must_change_password and user.password_hash),
        )

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    @property
    def is_system(self) -> bool:
        return self.id is None


# The operator running a CLI command (import, demo, purge): full rights, no account row.
SYSTEM_ACTOR = Actor(id=None, email="system", display_name="System (command line)", role=Role.admin)


def load_actor(session: Session, user_id: int) -> Actor:
    """Rebuild the actor from the database on each request so a deactivated account stops at once."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise NotFoundError(N_("This account no longer exists or has been deactivated; sign in again."))
    return Actor.from_user(user)
