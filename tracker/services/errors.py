"""Named errors every service raises; ``str()`` is a sentence a user can act on.

Pages show them with ``st.error`` and the CLI turns them into ``click.ClickException``: callers never
need to look inside, except ``ValidationError.problems`` when a form wants one message per field.
"""

from __future__ import annotations


class TrackerError(Exception):
    """Base of every error a service raises on purpose."""


class PermissionDeniedError(TrackerError):
    """The actor's role or assignment does not allow this action."""


class NotFoundError(TrackerError):
    """The row does not exist (or the actor may not know it exists)."""


class ConflictError(TrackerError):
    """A stale ``expected_version``: someone else saved first, so the caller must reload."""


class ValidationError(TrackerError):
    """The input breaks a rule; ``problems`` lists every one so a form can show them all at once."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems: list[str] = list(problems) if problems else [message]
        super().__init__(message)


class AuthenticationError(TrackerError):
    """Sign-in failed. Never says whether the e-mail or the password was wrong."""
