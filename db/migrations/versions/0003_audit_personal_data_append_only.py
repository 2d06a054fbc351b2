"""audit_personal_data append-only

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 12:50:00

Issue #17, item 6: the before/after values of audit events (``audit_personal_data``) get the same guard
as ``audit_event``: the database refuses every UPDATE, and every DELETE except the one the privacy purge
causes. The purge deletes the ``candidate`` row; ``ON DELETE CASCADE`` then removes that candidate's
payloads. The DELETE trigger therefore lets a row go only when its candidate no longer exists — which,
with the foreign key, can only happen inside the statement that deletes the candidate. A direct
``DELETE FROM audit_personal_data`` (someone with the application's database account rewriting history
while the candidate is still on file) is refused. PostgreSQL also refuses TRUNCATE.

No table or column changes: the models are untouched.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_GUARD_MESSAGE = (
    "audit personal data is append-only: it can be neither changed nor deleted, "
    "except with its candidate by the privacy purge"
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE TRIGGER audit_personal_data_no_update BEFORE UPDATE ON audit_personal_data "
            f"BEGIN SELECT RAISE(ABORT, '{_GUARD_MESSAGE}'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_personal_data_no_delete BEFORE DELETE ON audit_personal_data "
            "WHEN EXISTS (SELECT 1 FROM candidate WHERE candidate.id = OLD.candidate_id) "
            f"BEGIN SELECT RAISE(ABORT, '{_GUARD_MESSAGE}'); END"
        )
    elif dialect == "postgresql":
        # ON DELETE CASCADE runs as a referential-integrity trigger after the candidate row is gone, so the
        # EXISTS below is false for the purge's cascade and true for any direct DELETE.
        op.execute(
            "CREATE FUNCTION audit_personal_data_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM candidate WHERE id = OLD.candidate_id) THEN "
            "RETURN OLD; END IF; "
            f"RAISE EXCEPTION '{_GUARD_MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_personal_data_append_only BEFORE UPDATE OR DELETE ON audit_personal_data "
            "FOR EACH ROW EXECUTE FUNCTION audit_personal_data_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_personal_data_no_truncate BEFORE TRUNCATE ON audit_personal_data "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_personal_data_append_only()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_personal_data_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_personal_data_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_personal_data_append_only ON audit_personal_data")
        op.execute("DROP TRIGGER IF EXISTS audit_personal_data_no_truncate ON audit_personal_data")
        op.execute("DROP FUNCTION IF EXISTS audit_personal_data_append_only()")
