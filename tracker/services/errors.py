"""Named errors every service raises; ``str()`` is a sentence a user can act on.

The CLI turns them into ``click.ClickException`` with ``str()`` (English). The dashboard shows them in
the session's language: each error keeps its catalog ``msgid`` (an English template marked with
``N_`` so the extractor puts it in both catalogs) and the ``params`` that fill it, as a
:class:`~tracker.i18n.message.Message` in ``.message``::

    raise NotFoundError(N_("Candidate {candidate_id} does not exist."), candidate_id=candidate_id)

Callers never need to look inside, except ``ValidationError.problems`` when a form wants one message
per field (each problem is a ``Message`` too: a ``str`` holding the English sentence).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tracker.i18n.message import Join, Message, as_message


class TrackerError(Exception):
    """Base of every error a service raises on purpose."""

    def __init__(self, message: str, /, **params: Any) -> None:
        if not isinstance(message, Message):
            message = Message(message, **params)
        elif params:
            message = Message(message.msgid, **{**message.params, **params})
        self.message: Message = message
        super().__init__(str(self.message))

    @property
    def msgid(self) -> str:
        return self.message.msgid

    @property
    def params(self) -> dict[str, Any]:
        return self.message.params

    def __str__(self) -> str:
        return str(self.message)


class PermissionDeniedError(TrackerError):
    """The actor's role or assignment does not allow this action."""


class NotFoundError(TrackerError):
    """The row does not exist (or the actor may not know it exists)."""


class ConflictError(TrackerError):
    """A stale ``expected_version``: someone else saved first, so the caller must reload."""


class ValidationError(TrackerError):
    """The input breaks a rule; ``problems`` lists every one so a form can show them all at once."""

    def __init__(self, message: str, /, problems: Iterable[str] | None = None, **params: Any) -> None:
        super().__init__(message, **params)
        listed = [as_message(problem) for problem in problems or ()]
        self.problems: list[Message] = listed or [self.message]

    @classmethod
    def listing(cls, problems: Iterable[str], *, limit: int | None = None) -> ValidationError:
        """One error for several problems; ``str()`` is the sentences one after another (``limit`` shown)."""
        listed = [as_message(problem) for problem in problems]
        return cls(Message("{problems}", problems=Join.of(listed, " ", limit)), listed)


class AuthenticationError(TrackerError):
    """Sign-in failed. Never says whether the e-mail or the password was wrong."""
