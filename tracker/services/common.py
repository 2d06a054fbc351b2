"""Small helpers the services share: optimistic version checks and text checks."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, SQLModel

from tracker.services.errors import ConflictError, ValidationError

# Leading characters a spreadsheet treats as the start of a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Evidence notes: long enough for a full interview answer, bounded so one field cannot bloat the database.
MAX_NOTES = 10_000


def bump_version(
    session: Session, model: type[SQLModel], row_id: int, expected_version: int, values: dict[str, Any], what: str
) -> int:
    """``UPDATE … SET version = version + 1 WHERE id = ? AND version = ?`` or raise ``ConflictError``.

    The check and the write are one statement, so two writers holding the same version cannot both
    succeed whatever the isolation level: the second matches no row.
    """
    table = model.__table__  # type: ignore[attr-defined]
    result = session.execute(
        update(table)
        .where(table.c.id == row_id, table.c.version == expected_version)
        .values(**values, version=table.c.version + 1)
        .returning(table.c.version)
    )
    new_version = result.scalar_one_or_none()
    if new_version is None:
        raise ConflictError(
            f"Someone else changed this {what} after you opened it (your copy is version {expected_version}); "
            "reload to see their change, then make yours again."
        )
    return int(new_version)


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
    """Strip, refuse NUL bytes (PostgreSQL cannot store them) and over-long values."""
    text = (value or "").strip()
    if "\x00" in text:
        raise ValidationError(f"The {what} contains a NUL character; remove it.")
    if required and not text:
        raise ValidationError(f"The {what} is empty; fill it in.")
    if len(text) > max_length:
        raise ValidationError(f"The {what} is {len(text):,} characters long; shorten it to {max_length:,} at most.")
    return text


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


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
