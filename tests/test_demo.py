"""The demo (issue #4 §12): a whole fictional process loaded through the services, only into an empty
database, idempotent with --if-empty, with demo accounts that the user guide lists."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_helpers import assert_no_exception, signed_in
from click.testing import CliRunner
from factories import make_posting, make_user
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from tracker.cli import cli
from tracker.db import PROJECT_ROOT, dispose_engines, get_engine, read_session, write_session
from tracker.demo import DEMO_ACCOUNTS, DESIGNER_KEY, ENGINEER_KEY, DemoRefusedError, load_demo, load_demo_if_empty
from tracker.models import (
    AuditEvent,
    Candidate,
    Consensus,
    Decision,
    Declaration,
    PanelMember,
    Posting,
    Role,
    Rubric,
    RubricStatus,
    Scorecard,
    ScorecardStatus,
    User,
)
from tracker.services.accounts import authenticate, ensure_first_admin

pytest_plugins = ["app_helpers"]


@pytest.fixture(scope="module")
def loaded_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One database with the demo loaded (loading takes a few seconds); tests work on copies of it."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    shutil.copyfile(sqlite_template, path)
    engine = get_engine(f"sqlite:///{path}")
    load_demo(engine)
    engine.dispose()
    yield path


@pytest.fixture
def demo_engine(loaded_template: Path, app_db: str) -> Engine:
    """The app's database for this test, holding a copy of the demo."""
    dispose_engines()
    shutil.copyfile(loaded_template, app_db.removeprefix("sqlite:///"))
    return get_engine(app_db)


def count(engine: Engine, model: type, *where: object) -> int:
    with read_session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


def test_the_demo_is_a_whole_process(demo_engine: Engine) -> None:
    with read_session(demo_engine) as session:
        users = {u.email: u for u in session.exec(select(User)).all()}
        postings = {p.translation_key: p for p in session.exec(select(Posting)).all()}
        manager = users["manager@northwind.example"]
        assert set(postings) == {DESIGNER_KEY, ENGINEER_KEY}
        assert {p.owner_id for p in postings.values()} == {manager.id}
        designer = postings[DESIGNER_KEY]
        assert designer.title_fr and designer.title_en  # bilingual
        assert designer.opened_on < designer.closed_on
        rubric = session.exec(select(Rubric).where(Rubric.posting_id == designer.id)).one()
        assert rubric.status == RubricStatus.locked  # scoring began
        panel = session.exec(select(PanelMember).where(PanelMember.posting_id == designer.id)).all()
        assert len(panel) == 3
        assert [m.user_id for m in panel if m.is_chair] == [users["chair@northwind.example"].id]
        names = session.exec(select(Candidate.name, Candidate.language).where(Candidate.posting_id == designer.id)).all()
        assert len(names) == 6
        assert any(lang == "fr" for _name, lang in names)
        assert any(re.search(r"[éèçô]", name) for name, _lang in names)
        conflicts = session.exec(select(Declaration).where(col(Declaration.has_conflict).is_(True))).all()
        assert len(conflicts) == 1 and conflicts[0].conflict_note
    assert count(demo_engine, Scorecard, Scorecard.status == ScorecardStatus.submitted) == 6
    assert count(demo_engine, Scorecard, Scorecard.status == ScorecardStatus.draft) == 2
    assert count(demo_engine, Consensus) == 8
    assert count(demo_engine, Decision) == 1


def test_the_audit_log_shows_who_did_what(demo_engine: Engine) -> None:
    with read_session(demo_engine) as session:
        by_action = {
            action: set(emails)
            for action, emails in (
                (a, session.exec(select(AuditEvent.actor_email).where(AuditEvent.action == a)).all())
                for a in ("demo.load", "user.create", "posting.import.created", "panel.set", "candidate.create",
                          "score.save_draft", "scorecard.submit", "consensus.record", "decision.record", "rubric.lock")
            )
        }
    assert by_action["demo.load"] == by_action["user.create"] == {"system"}
    assert by_action["posting.import.created"] == by_action["panel.set"] == by_action["decision.record"] == {"manager@northwind.example"}
    assert by_action["score.save_draft"] == {"chair@northwind.example", "elodie@northwind.example", "priya@northwind.example"}
    assert by_action["consensus.record"] == {"chair@northwind.example"}
    assert by_action["rubric.lock"] == {"chair@northwind.example"}  # locked by the first scorecard opened


@pytest.mark.parametrize("account", DEMO_ACCOUNTS, ids=lambda a: a.email)
def test_each_demo_account_signs_in_with_its_documented_password(demo_engine: Engine, account) -> None:
    with write_session(demo_engine) as session:
        actor = authenticate(session, email=account.email, password=account.password)
    assert (actor.role, actor.display_name) == (account.role, account.display_name)


def test_a_second_if_empty_run_changes_nothing(demo_engine: Engine) -> None:
    events = count(demo_engine, AuditEvent)
    assert load_demo_if_empty(demo_engine) is None
    assert count(demo_engine, AuditEvent) == events
    with pytest.raises(DemoRefusedError, match="already holds 2 posting"):
        load_demo(demo_engine)
    assert count(demo_engine, AuditEvent) == events


def signed_in_first_admin(session) -> None:
    ensure_first_admin(session)
    admin = session.exec(select(User)).one()
    admin.last_login_at = admin.created_at
    session.add(admin)


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        (lambda s: make_posting(s), "posting"),
        (lambda s: make_user(s, role=Role.interviewer), "user account"),
        (lambda s: (make_user(s, role=Role.admin), make_user(s, role=Role.manager)), "user account"),
        (signed_in_first_admin, "user account"),
    ],
    ids=["a posting", "an interviewer", "two accounts", "a first admin who signed in"],
)
def test_the_demo_never_goes_into_a_database_with_work(app_engine: Engine, setup, reason: str) -> None:
    with write_session(app_engine) as session:
        setup(session)
    events = count(app_engine, AuditEvent)
    with pytest.raises(DemoRefusedError, match=reason):
        load_demo(app_engine)
    assert load_demo_if_empty(app_engine) is None
    assert count(app_engine, AuditEvent) == events
    assert count(app_engine, User, col(User.email).endswith("@northwind.example") & col(User.email).startswith("chair")) == 0


def test_the_demo_loads_beside_an_untouched_first_admin(app_engine: Engine) -> None:
    with write_session(app_engine) as session:
        ensure_first_admin(session)
    summary = load_demo_if_empty(app_engine)
    assert summary is not None and set(summary.postings) == {DESIGNER_KEY, ENGINEER_KEY}
    assert count(app_engine, User) == 1 + len(DEMO_ACCOUNTS)


def test_the_cli_loads_once_then_leaves_the_database_alone(app_db: str) -> None:
    runner = CliRunner()
    listed = runner.invoke(cli, ["demo", "--accounts"])
    assert listed.exit_code == 0, listed.output
    assert all(a.email in listed.output and a.password in listed.output for a in DEMO_ACCOUNTS)
    assert count(get_engine(app_db), Posting) == 0  # --accounts loads nothing

    first = runner.invoke(cli, ["demo", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("Demo loaded: 2 postings, 8 candidates")
    assert "chair@northwind.example" in first.output

    again = runner.invoke(cli, ["demo", "--if-empty"])
    assert again.exit_code == 0
    assert again.output.startswith("Demo not loaded: the database is not empty")

    forced = runner.invoke(cli, ["demo"])
    assert forced.exit_code == 1
    assert "only goes into an empty database" in forced.output
    assert count(get_engine(app_db), Posting) == 2


def test_the_cli_says_to_migrate_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'blank.sqlite3'}")
    result = CliRunner().invoke(cli, ["demo", "--if-empty"])
    dispose_engines()
    assert result.exit_code == 1
    assert "python -m tracker db upgrade" in result.output


def test_the_user_guide_lists_every_demo_account() -> None:
    guide = (PROJECT_ROOT / "docs" / "user-guide.md").read_text(encoding="utf-8")
    rows = [line for line in guide.splitlines() if line.startswith("|")]
    for account in DEMO_ACCOUNTS:
        assert any(f"`{account.email}`" in row and f"`{account.password}`" in row for row in rows), account.email
    assert "only in a database created by the demo loader" in guide


def test_the_demo_opens_in_the_dashboard(demo_engine: Engine) -> None:
    with read_session(demo_engine) as session:
        manager_id = session.exec(select(User.id).where(User.email == "manager@northwind.example")).one()
        designer_id = session.exec(select(Posting.id).where(Posting.translation_key == DESIGNER_KEY)).one()
    at = signed_in(manager_id, page="candidates")
    at.selectbox(key="candidates_posting").set_value(designer_id).run()
    assert_no_exception(at)
    listed = next(df.value for df in at.dataframe if "Language of assessment" in df.value.columns)
    assert "Amélie Côté" in set(listed["Name"])
    assert "Qualified" in set(listed["Decision"])
