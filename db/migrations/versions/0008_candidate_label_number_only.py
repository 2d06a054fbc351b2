"""candidate label rendered per language: drop the stored English label (issue #21 §2)

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-07 16:05:00

``candidate.label`` held "Candidate 07" in English. The label is ``label_number``, rendered at display
time in the reader's language by ``tracker.labels`` (« Candidature 07 »), so the text column goes.
The downgrade writes the English form back from the number.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel.sql.sqltypes.AutoString)
from alembic import op


revision: str = '0008'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain DROP COLUMN (SQLite >= 3.35 has it): batch mode would copy and rename the table, which
    # SQLite refuses while 0003's audit_personal_data triggers name it.
    op.drop_column('candidate', 'label')


def downgrade() -> None:
    op.add_column('candidate', sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
    rows = op.get_bind().execute(sa.text('SELECT id, label_number FROM candidate')).all()
    for candidate_id, number in rows:
        op.get_bind().execute(
            sa.text('UPDATE candidate SET label = :label WHERE id = :id'),
            {'label': f'Candidate {int(number):02d}', 'id': candidate_id},
        )
    if op.get_bind().dialect.name != 'sqlite':  # SQLite cannot add NOT NULL in place (see upgrade)
        op.alter_column('candidate', 'label', existing_type=sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False)
