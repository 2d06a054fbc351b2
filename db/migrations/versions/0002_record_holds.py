"""The record holds (issue #10, #17): consensus keyed by criterion lineage, decisions' overrides,
unmet-essential justifications, reasons for a consensus below ``min_raters``, reopen-after-peek marks.

Existing duplicate consensus rows (one candidate, two rubric versions of one criterion) are merged:
the latest (``decided_at``, then id) is kept, the others are deleted, and one ``consensus.merge``
audit event per merged pair says which rows went (their content in ``audit_personal_data``, which
goes with the candidate like every other personal payload). Every other row is kept as it was.

Revision ID: 0002
Revises: 0001
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_UNIQUE = "uq_consensus_candidate_id"  # the name the batch naming convention gives 0001's unnamed one (SQLite)
_PG_OLD_UNIQUE = "consensus_candidate_id_criterion_id_key"  # PostgreSQL's own name for it
_NEW_UNIQUE = "uq_consensus_candidate_id_lineage"
_PG_NEW_UNIQUE = "consensus_candidate_id_lineage_key"
_NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _merge_duplicates() -> None:
    """Keep the latest consensus per (candidate, lineage); audit each merge; touch nothing else."""
    bind = op.get_bind()
    rows = (
        bind.execute(
            sa.text(
                "SELECT c.id, c.candidate_id, c.criterion_id, c.lineage, c.rating, c.not_assessed, c.rationale, "
                "c.decided_by_id, c.decided_at, c.version, k.label, k.posting_id "
                "FROM consensus c JOIN candidate k ON k.id = c.candidate_id ORDER BY c.candidate_id, c.lineage"
            )
        )
        .mappings()
        .all()
    )
    groups: dict[tuple[int, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["candidate_id"], row["lineage"]), []).append(dict(row))
    now = datetime.now(UTC)
    for (candidate_id, lineage), group in groups.items():
        if len(group) < 2:
            continue
        group.sort(key=lambda r: (str(r["decided_at"]), r["id"]))
        kept, dropped = group[-1], group[:-1]
        for row in dropped:
            bind.execute(sa.text("DELETE FROM consensus WHERE id = :id"), {"id": row["id"]})
        event_id = bind.execute(
            sa.text(
                "INSERT INTO audit_event (at, actor_id, actor_email, action, entity_type, entity_id, posting_id, "
                "candidate_label, reason) VALUES (:at, NULL, NULL, 'consensus.merge', 'consensus', :entity_id, "
                ":posting_id, :label, :reason) RETURNING id"
            ).bindparams(sa.bindparam("at", type_=sqlmodel.sql.sqltypes.UTCDateTime())),
            {
                "at": now,
                "entity_id": kept["id"],
                "posting_id": kept["posting_id"],
                "label": kept["label"],
                "reason": "migration 0002: one consensus per criterion lineage; the latest was kept",
            },
        ).scalar_one()

        def public(r: dict) -> dict:
            return {
                k: (str(r[k]) if k == "decided_at" else r[k])
                for k in (
                    "id",
                    "criterion_id",
                    "rating",
                    "not_assessed",
                    "rationale",
                    "decided_by_id",
                    "decided_at",
                    "version",
                )
            }

        bind.execute(
            sa.text(
                "INSERT INTO audit_personal_data (audit_event_id, candidate_id, before_json, after_json) "
                "VALUES (:event, :candidate, :before, :after)"
            ),
            {
                "event": event_id,
                "candidate": candidate_id,
                "before": json.dumps([public(r) for r in group], sort_keys=True, default=str),
                "after": json.dumps(public(kept), sort_keys=True, default=str),
            },
        )


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("consensus", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lineage", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
        batch_op.add_column(sa.Column("justification", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("below_min_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="")
        )
    op.execute(
        "UPDATE consensus SET lineage = (SELECT lineage FROM criterion WHERE criterion.id = consensus.criterion_id)"
    )
    _merge_duplicates()
    batch = (
        op.batch_alter_table("consensus", schema=None, naming_convention=_NAMING)
        if sqlite
        else op.batch_alter_table("consensus", schema=None)
    )
    with batch as batch_op:
        batch_op.alter_column("lineage", existing_type=sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False)
        batch_op.alter_column("below_min_reason", existing_type=sqlmodel.sql.sqltypes.AutoString(), server_default=None)
        batch_op.drop_constraint(_OLD_UNIQUE if sqlite else _PG_OLD_UNIQUE, type_="unique")
        batch_op.create_unique_constraint(_NEW_UNIQUE if sqlite else _PG_NEW_UNIQUE, ["candidate_id", "lineage"])

    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("override_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="")
        )
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.alter_column("override_reason", existing_type=sqlmodel.sql.sqltypes.AutoString(), server_default=None)

    with op.batch_alter_table("scorecard", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reopened_after_peek", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("scorecard", schema=None) as batch_op:
        batch_op.alter_column("reopened_after_peek", existing_type=sa.Boolean(), server_default=None)


def downgrade() -> None:
    """Back to one consensus per criterion id (merged rows stay merged: their content is in the audit)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("scorecard", schema=None) as batch_op:
        batch_op.drop_column("reopened_after_peek")
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_column("override_reason")
    batch = (
        op.batch_alter_table("consensus", schema=None, naming_convention=_NAMING)
        if sqlite
        else op.batch_alter_table("consensus", schema=None)
    )
    with batch as batch_op:
        batch_op.drop_constraint(_NEW_UNIQUE if sqlite else _PG_NEW_UNIQUE, type_="unique")
        batch_op.create_unique_constraint(_OLD_UNIQUE if sqlite else _PG_OLD_UNIQUE, ["candidate_id", "criterion_id"])
        batch_op.drop_column("below_min_reason")
        batch_op.drop_column("justification")
        batch_op.drop_column("lineage")
