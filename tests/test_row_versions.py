"""Every table is either versioned (optimistic concurrency) or listed with the reason it needs no version.

docs/architecture.md ("Optimistic versions") explains each reason; a new table fails here until someone
decides which list it belongs to.
"""

from __future__ import annotations

from sqlmodel import SQLModel

import tracker.models  # noqa: F401  (registers every table)

VERSIONED = {"user", "posting", "rubric", "criterion", "candidate", "scorecard", "score", "consensus", "decision"}
WITHOUT_VERSION = {
    "rating_level": "changes only under its rubric's version",
    "postingsource": "changes only under its posting's version",
    "declaration": "one panel member's own row",
    "panel_member": "replaced as a set by panels.set_panel, unique on posting x user",
    "sign_in_session": "belongs to one browser",
    "user_identity": "written once at the first single sign-on",
    "audit_event": "append-only",
    "audit_personal_data": "append-only",
    "posting_revision": "append-only",
}


def test_every_table_is_versioned_or_says_why_not() -> None:
    tables = {table.name: table for table in SQLModel.metadata.sorted_tables}
    assert set(tables) == VERSIONED | set(WITHOUT_VERSION), "add the new table to one of the two lists"
    assert {name for name, table in tables.items() if "version" in table.c} == VERSIONED
