"""Imports from the server's disk (issue #17, item 2): admins only, below TRACKER_IMPORT_ROOT, Markdown only,
symbolic links resolved before the check, sizes capped; refusals named and audited; uploads unchanged.

Before: ``import_postings(paths=["/etc/passwd"])`` as a manager stored the file as a posting and the
rubric's source tab showed it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from dbtools import engine_url
from factories import build_world
from sqlalchemy import func, text
from sqlmodel import select
from test_services_postings import write_pair

from tracker.cli import cli
from tracker.db import dispose_engines, read_session
from tracker.models import AuditEvent, Posting, PostingSource
from tracker.services import SYSTEM_ACTOR, PermissionDeniedError, postings, server_files

SECRET = "---\ntitle: not a posting\n---\n\nTRACKER_DATABASE_URL=postgresql://app:hunter2@db/tracker\n\n- a secret\n"


def _sources(engine: Any) -> list[str]:
    with read_session(engine) as s:
        return [row.content for row in s.exec(select(PostingSource)).all()]


def _refusals(engine: Any) -> list[AuditEvent]:
    with read_session(engine) as s:
        events = list(s.exec(select(AuditEvent).where(AuditEvent.action == "posting.import_refused")).all())
        for event in events:
            s.expunge(event)
        return events


@pytest.fixture
def layout(tmp_path: Path) -> dict[str, Path]:
    root = tmp_path / "imports"
    write_pair(root / "good")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secrets.md").write_text(SECRET, encoding="utf-8")
    (outside / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (root / "linked.md").symlink_to(outside / "secrets.md")  # a Markdown name inside, the target outside
    (root / "dir-link").symlink_to(outside, target_is_directory=True)
    (root / "notes.txt").write_text(SECRET, encoding="utf-8")
    (root / "txt-behind-md.md").symlink_to(root / "notes.txt")
    (root / "huge.md").write_bytes(b"x" * (server_files.MAX_FILE_BYTES + 1))
    return {"root": root, "outside": outside}


def test_a_manager_cannot_import_from_the_server_and_the_attempt_is_audited(
    engine: Any, layout: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_IMPORT_ROOT", str(layout["root"]))
    world = build_world(engine)
    with pytest.raises(PermissionDeniedError, match="Only administrators"):
        postings.import_postings(engine, world.actor("manager"), paths=[layout["root"] / "good", "/etc/passwd"])
    assert _sources(engine) == []
    [event] = _refusals(engine)
    assert event.actor_id == world.manager.id and "/etc/passwd" in json.loads(event.after_json)["paths"]


def test_without_an_import_root_an_admin_can_only_upload(
    engine: Any, layout: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRACKER_IMPORT_ROOT", raising=False)
    world = build_world(engine)
    admin = world.actor("admin")
    report = postings.import_postings(engine, admin, paths=["/etc/passwd", layout["root"] / "good"])
    assert [i.action for i in report.items] == ["error", "error"]
    assert all("TRACKER_IMPORT_ROOT is not set" in str(i.error) for i in report.items)
    assert _sources(engine) == [] and len(_refusals(engine)) == 1
    files = [(p.name, p.read_bytes()) for p in sorted((layout["root"] / "good").rglob("*.md"))]
    assert [i.action for i in postings.import_postings(engine, world.actor("manager"), files=files).items] == [
        "created"
    ]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("/etc/passwd", "outside the import folder"),
        ("{outside}/secrets.md", "outside the import folder"),
        ("{outside}/no-such-file.md", "outside the import folder"),  # same sentence: existence not revealed
        ("../elsewhere/secrets.md", "outside the import folder"),
        ("linked.md", "outside the import folder"),
        ("dir-link", "outside the import folder"),
        ("dir-link/secrets.md", "outside the import folder"),
        ("notes.txt", "not a .md or .markdown file"),
        ("txt-behind-md.md", "not a .md or .markdown file"),
        ("huge.md", "over the 1,048,576-byte limit"),
        ("missing.md", "does not exist"),
    ],
)
def test_an_admin_imports_only_markdown_below_the_import_root(
    engine: Any, layout: dict[str, Path], monkeypatch: pytest.MonkeyPatch, name: str, reason: str
) -> None:
    monkeypatch.setenv("TRACKER_IMPORT_ROOT", str(layout["root"]))
    world = build_world(engine)
    path = name.format(outside=layout["outside"])
    report = postings.import_postings(engine, world.actor("admin"), paths=[path])
    assert [i.action for i in report.items] == ["error"], report.items
    assert reason in str(report.items[0].error) and path in str(report.items[0].error)
    assert _sources(engine) == []
    [event] = _refusals(engine)
    assert event.actor_id == world.admin.id and reason in (event.reason or "")


def test_a_folder_below_the_root_imports_its_postings_and_refuses_what_leads_outside(
    engine: Any, layout: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_IMPORT_ROOT", str(layout["root"]))
    world = build_world(engine)
    report = postings.import_postings(engine, world.actor("admin"), paths=[layout["root"]])
    assert sorted(i.action for i in report.items) == ["created", "error", "error", "error"]
    assert not any("hunter2" in t or "root:x:0" in t for t in _sources(engine))
    with read_session(engine) as s:
        assert s.exec(select(func.count()).select_from(Posting)).one() == 3  # the world's two + the good one
    assert len(_refusals(engine)) == 1


def test_the_command_line_operator_may_name_any_folder_but_only_markdown(
    engine: Any, layout: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI runs as the local operator (a shell on the machine already): no folder rule, the file rules stay."""
    monkeypatch.delenv("TRACKER_IMPORT_ROOT", raising=False)
    monkeypatch.setenv("TRACKER_DATABASE_URL", engine_url(engine))
    try:
        refused = CliRunner().invoke(cli, ["import", str(layout["outside"] / "passwd")], catch_exceptions=False)
        imported = CliRunner().invoke(cli, ["import", str(layout["root"] / "good")], catch_exceptions=False)
    finally:
        dispose_engines()
    assert refused.exit_code == 1 and "not a .md or .markdown file" in refused.output
    assert imported.exit_code == 0 and "1 created" in imported.output
    report = postings.import_postings(engine, SYSTEM_ACTOR, paths=[layout["root"] / "linked.md"])
    assert [i.action for i in report.items] == ["created"]  # the operator's own link, to a Markdown file
    with read_session(engine) as s:
        assert s.execute(text("SELECT count(*) FROM posting")).scalar_one() == 2
