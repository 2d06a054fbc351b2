"""`make migration MSG="…"` (``python -m tracker db revision``): a model change becomes a numbered revision."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlmodel import SQLModel

import tracker.migrations as migrations
from tracker.cli import cli


@pytest.fixture
def scratch_scripts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of db/migrations, so the test writes its revision there and never into the project."""
    copy = tmp_path / "migrations"
    shutil.copytree(migrations.MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrations, "MIGRATIONS_DIR", copy)
    return copy


@pytest.fixture
def probe_table() -> Iterator[sa.Table]:
    """A table the models gain for the length of one test."""
    table = sa.Table("migration_probe", SQLModel.metadata, sa.Column("id", sa.Integer, primary_key=True))
    try:
        yield table
    finally:
        SQLModel.metadata.remove(table)


def test_next_id_follows_the_chain() -> None:
    head = migrations.head_revision()
    assert migrations.next_revision_id() == f"{int(head) + 1:0{len(head)}d}"


def test_a_model_change_becomes_the_next_numbered_revision(
    scratch_scripts: Path, probe_table: sa.Table, tmp_path: Path
) -> None:
    head, expected = migrations.head_revision(), migrations.next_revision_id()
    path = migrations.new_revision("Add the migration probe")
    assert path.parent == scratch_scripts / "versions"
    assert path.name == f"{expected}_add_the_migration_probe.py"
    script = path.read_text(encoding="utf-8")
    assert f"down_revision: str | None = '{head}'" in script
    assert "op.create_table('migration_probe'" in script
    assert "op.drop_table('migration_probe')" in script
    # The new script is the chain's head, and it upgrades a database to the models.
    assert migrations.head_revision() == expected
    url = f"sqlite:///{tmp_path / 'upgraded.sqlite3'}"
    migrations.upgrade(url)
    assert migrations.pending_diff(url) == []


def test_no_change_is_refused_with_a_reason(scratch_scripts: Path) -> None:
    before = sorted(p.name for p in (scratch_scripts / "versions").glob("*.py"))
    result = CliRunner().invoke(cli, ["db", "revision", "-m", "nothing changed"])
    assert result.exit_code == 1
    assert "nothing to migrate" in result.output
    assert sorted(p.name for p in (scratch_scripts / "versions").glob("*.py")) == before


def test_a_revision_needs_a_message(scratch_scripts: Path, probe_table: sa.Table) -> None:
    with pytest.raises(ValueError, match="say what the revision changes"):
        migrations.new_revision("  ")
