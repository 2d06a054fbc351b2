"""Small helpers the services share: optimistic version checks and text checks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from tracker.i18n import N_
from tracker.i18n.message import Message, Number, as_message
from tracker.services.errors import ConflictError, ValidationError

# Evidence notes: long enough for a full interview answer, bounded so one field cannot bloat the database.
MAX_NOTES = 10_000


def bump_version(
    session: Session,
    model: type[SQLModel],
    row_id: int,
    expected_version: int,
    values: dict[str, Any],
    what: str,
    *,
    conflict: Message | None = None,
) -> int:
    """``UPDATE … SET version = version + 1 WHERE id = ? AND version = ?`` or raise ``ConflictError``.

    ``what`` names the row for the message, marked for translation: ``N_("this rubric")``; ``conflict``
    replaces the whole message when the service has its own (an account names its e-mail).

    The check and the write are one statement, so two writers holding the same version cannot both
    succeed whatever the isolation level: the second matches no row. Every versioned write goes
    through here (issue #22: a read, a compare and ``version += 1`` let two admins both "succeed").
    """
    table = model.__table__  # type: ignore[attr-defined]
    result = session.execute(
        update(table)
        .where(table.c.id == row_id, table.c.version == expected_version)
        .values(**values, version=table.c.version + 1)
        .returning(table.c.version)
    )
    new_version = result.scalar_one_or_none()
    if new_version is None and conflict is not None:
        raise ConflictError(conflict)
    if new_version is None:
        raise ConflictError(
            N_(
                "Someone else changed {what} after you opened it (your copy is version {version}); "
                "reload to see their change, then make yours again."
            ),
            what=as_message(what),
            version=expected_version,
        )
    return int(new_version)


@contextmanager
def create_conflict(session: Session, message: Message) -> Iterator[None]:
    """Run an INSERT in a savepoint; a unique constraint hit there becomes ``ConflictError(message)``.

    The check before an insert ("no user has this e-mail yet") is a plain read, so two people creating
    the same thing at once both pass it and the database's unique index decides (issue #22). The loser
    must get the project's own sentence, not a raw ``IntegrityError`` (Streamlit's generic error page).
    """
    try:
        with session.begin_nested():
            yield
    except IntegrityError as exc:
        raise ConflictError(message) from exc


def loads(text: str | None, default: Any) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def clean_text(value: str | None, *, what: str, max_length: int, required: bool = False) -> str:
    """Strip, refuse NUL bytes (PostgreSQL cannot store them) and over-long values.

    ``what`` names the field for the messages, marked for translation: ``N_("evidence notes")``.
    """
    text = (value or "").strip()
    field = as_message(what)
    if "\x00" in text:
        raise ValidationError(N_("The {what} contains a NUL character; remove it."), what=field)
    if required and not text:
        raise ValidationError(N_("The {what} is empty; fill it in."), what=field)
    if len(text) > max_length:
        raise ValidationError(
            N_("The {what} is {length} characters long; shorten it to {max_length} at most."),
            what=field,
            length=Number(len(text)),
            max_length=Number(max_length),
        )
    return text


def dialect_insert(session: Session, model: type[SQLModel]) -> Any:
    """An INSERT with ``on_conflict_do_update``/``do_nothing`` for the session's database.

    Upserts make the hot paths (draft saves, consensus, decisions) one statement with no read first.
    """
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model)
    if dialect == "sqlite":
        return sqlite.insert(model)
    raise NotImplementedError(f"The tracker supports SQLite and PostgreSQL, not {dialect}.")
