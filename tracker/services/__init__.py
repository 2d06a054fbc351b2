"""Services: the only way pages, the CLI and tests change data (contract: docs/services.md).

Each function takes a session and the acting user, checks permissions, writes, and records an audit
event in the same transaction; the caller owns the transaction (``tracker.db.write_session``).
"""

from tracker.services.actor import SYSTEM_ACTOR, Actor, load_actor
from tracker.services.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    TrackerError,
    ValidationError,
)

__all__ = [
    "SYSTEM_ACTOR",
    "Actor",
    "AuthenticationError",
    "ConflictError",
    "NotFoundError",
    "PermissionDeniedError",
    "TrackerError",
    "ValidationError",
    "load_actor",
]
