"""Posting revision: the commit-ordered results cache key (issue #22).

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # No foreign key on purpose (see tracker/models.py PostingRevision): a row appears on a posting's first write.
    op.create_table(
        "posting_revision",
        sa.Column("posting_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("posting_id"),
    )


def downgrade() -> None:
    op.drop_table("posting_revision")
