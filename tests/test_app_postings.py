"""The Postings page (issue #4 §4): upload or server-folder import with a per-file report, the list of
postings with their state, and editing dates and owner."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from app_helpers import assert_no_exception, click, signed_in, switch_to, texts
from factories import World, build_world, make_candidate, make_scorecard
from sqlalchemy.engine import Engine
from sqlmodel import select

from tracker.db import read_session, write_session
from tracker.models import AuditEvent, Posting, PostingSource, Role, ScorecardStatus
from tracker.services import SYSTEM_ACTOR
from tracker.services.rubrics import current_rubric

pytest_plugins = ["app_helpers"]

POSTING_EN = b"""---
title: 'Accessibility Specialist'
translationKey: northwind-accessibility-specialist
---

Northwind Digital Service is hiring an accessibility specialist.

## We will assess you on:

- Experience auditing web services against WCAG 2.1
- Knowledge of assistive technologies such as screen readers
- Ability to explain accessibility findings in plain language
"""
POSTING_FR = """---
title: 'Spécialiste de l'accessibilité'
translationKey: northwind-accessibility-specialist
---

Le Service numérique Northwind recrute un ou une spécialiste de l'accessibilité.

## Nous évaluerons les critères suivants :

- Expérience de l'audit de services Web selon les WCAG 2.1
- Connaissance des technologies d'assistance comme les lecteurs d'écran
- Capacité d'expliquer les constats d'accessibilité en langage clair
""".replace("'Spécialiste de l'accessibilité'", '"Spécialiste de l\'accessibilité"').encode("utf-8")


@pytest.fixture
def world(app_engine: Engine) -> World:
    return build_world(app_engine)


def upload(at, files: list[tuple[str, bytes]]):
    at.file_uploader[0].set_value([(name, data, "text/markdown") for name, data in files]).run()
    return click(at, "Import the uploaded files")


def table_with(at, column: str):
    """The first table of the page that has ``column`` (AppTest does not expose dataframe keys)."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def report_rows(at) -> list[dict]:
    return table_with(at, "Criteria found").to_dict("records")


@pytest.mark.parametrize("role", [Role.admin, Role.manager])
def test_postings_page_lists_the_postings_with_their_state(app_engine: Engine, world: World, role: Role) -> None:
    with write_session(app_engine) as session:
        make_scorecard(session, candidate=world.candidates[0], interviewer=world.chair, status=ScorecardStatus.submitted)
        make_scorecard(session, candidate=world.candidates[1], interviewer=world.chair)
    user = world.admin if role == Role.admin else world.manager
    at = signed_in(user.id, page="postings")
    assert_no_exception(at)
    assert [t.value for t in at.title] == ["Postings"]
    overview = table_with(at, "Scorecards submitted")
    rows = {row["Key"]: row for row in overview.to_dict("records")}
    mine = rows[world.posting.translation_key]
    assert mine["Rubric"] == "Version 1 · Locked"
    assert mine["Candidates"] == 2
    assert mine["Scorecards submitted"] == "1 / 2"
    assert mine["Owner"] == "Morgan Manager"
    # A manager lists only what they may see; an admin lists every posting.
    assert (world.other_posting.translation_key in rows) is (role == Role.admin)


def test_interviewers_are_refused_the_postings_page(world: World) -> None:
    at = signed_in(world.chair.id, page="postings")
    assert_no_exception(at)
    assert [t.value for t in at.title] == ["Access refused"]
    assert not at.file_uploader


def test_uploading_a_bilingual_pair_creates_one_posting_and_reports_each_file(app_engine: Engine, world: World) -> None:
    at = signed_in(world.manager.id, page="postings")
    at = upload(at, [("accessibility.en.md", POSTING_EN), ("accessibilite.fr.md", POSTING_FR)])
    assert_no_exception(at)
    [row] = report_rows(at)
    assert row["Posting"] == "northwind-accessibility-specialist"
    assert row["Result"] == "Created"
    assert row["Criteria found"] == 3
    assert "We will assess you on:" in row["Sections used"]
    assert "Import finished. Created: 1; updated: 0; with a new rubric version: 0; unchanged: 0." in texts(at)
    with read_session(app_engine) as session:
        posting = session.exec(select(Posting).where(Posting.translation_key == "northwind-accessibility-specialist")).one()
        assert posting.owner_id == world.manager.id
        assert {s.lang for s in session.exec(select(PostingSource).where(PostingSource.posting_id == posting.id))} == {"en", "fr"}
        rubric = current_rubric(session, SYSTEM_ACTOR, posting_id=posting.id)
        assert rubric.criteria[0].text_fr.startswith("Expérience de l'audit")
    # The new posting is listed, and the uploader was emptied so a second click cannot re-import.
    overview = table_with(at, "Scorecards submitted")
    assert "northwind-accessibility-specialist" in set(overview["Key"])
    assert not at.file_uploader[0].value


def test_importing_the_same_files_again_reports_them_unchanged(world: World) -> None:
    at = signed_in(world.manager.id, page="postings")
    at = upload(at, [("accessibility.en.md", POSTING_EN)])
    at = upload(at, [("accessibility.en.md", POSTING_EN)])
    assert_no_exception(at)
    assert [row["Result"] for row in report_rows(at)] == ["Unchanged"]


def test_a_broken_file_is_reported_and_the_good_one_still_imported(app_engine: Engine, world: World) -> None:
    at = signed_in(world.manager.id, page="postings")
    at = upload(at, [("broken.md", b"---\ntitle: [unclosed\n---\nbody\n"), ("accessibility.en.md", POSTING_EN)])
    assert_no_exception(at)
    rows = {row["Files"]: row for row in report_rows(at)}
    assert rows["broken.md"]["Result"] == "Not imported"
    assert "broken.md" in rows["broken.md"]["Error"]
    assert rows["accessibility.en.md"]["Result"] == "Created"
    assert "1 posting could not be imported; the report says why." in texts(at)
    with read_session(app_engine) as session:
        keys = set(session.exec(select(Posting.translation_key)).all())
    assert "northwind-accessibility-specialist" in keys


def test_only_admins_are_offered_the_server_folder_import(world: World) -> None:
    manager_page = signed_in(world.manager.id, page="postings")
    assert "postings_server_path" not in [w.key for w in manager_page.text_input]
    admin_page = signed_in(world.admin.id, page="postings")
    assert "postings_server_path" in [w.key for w in admin_page.text_input]


def test_without_an_import_root_the_admin_is_told_server_imports_are_off(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRACKER_IMPORT_ROOT", raising=False)
    at = signed_in(world.admin.id, page="postings")
    assert any("TRACKER\\_IMPORT\\_ROOT" in i.value or "TRACKER_IMPORT_ROOT" in i.value for i in at.info)
    assert at.button(key="postings_import_folder").disabled
    monkeypatch.setenv("TRACKER_IMPORT_ROOT", str(tmp_path))
    at = signed_in(world.admin.id, page="postings")
    assert any("can be imported" in c.value for c in at.caption)


def test_admin_imports_a_folder_on_the_server(
    app_engine: Engine, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_IMPORT_ROOT", str(tmp_path))  # server imports are off without it (#17)
    folder = tmp_path / "postings"
    (folder / "fr").mkdir(parents=True)
    (folder / "accessibility.md").write_bytes(POSTING_EN)
    (folder / "fr" / "accessibilite.md").write_bytes(POSTING_FR)
    at = signed_in(world.admin.id, page="postings")
    at.text_input(key="postings_server_path").input(str(folder)).run()
    at = click(at, "Import from the server")
    assert_no_exception(at)
    [row] = report_rows(at)
    assert (row["Result"], row["Criteria found"]) == ("Created", 3)
    with read_session(app_engine) as session:
        owner_id = session.exec(
            select(Posting.owner_id).where(Posting.translation_key == "northwind-accessibility-specialist")
        ).one()
        events = session.exec(select(AuditEvent.actor_id).where(AuditEvent.action == "posting.import.created")).all()
    assert owner_id is None  # an admin's import belongs to nobody until assigned
    assert events == [world.admin.id]


def test_a_missing_server_folder_is_reported(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_IMPORT_ROOT", str(tmp_path))
    at = signed_in(world.admin.id, page="postings")
    at.text_input(key="postings_server_path").input(str(tmp_path / "nowhere")).run()
    at = click(at, "Import from the server")
    assert_no_exception(at)
    [row] = report_rows(at)
    assert row["Result"] == "Not imported"


def test_manager_sets_the_dates_of_their_posting(app_engine: Engine, world: World) -> None:
    at = signed_in(world.manager.id, page="postings")
    key = f"{world.posting.id}_{world.posting.version}"
    at.date_input(key=f"posting_opened_{key}").set_value(date(2025, 3, 1))
    at.date_input(key=f"posting_closed_{key}").set_value(date(2025, 3, 31))
    at = click(at, "Save the posting")
    assert_no_exception(at)
    assert f"The posting {world.posting.translation_key}" in texts(at).replace("\\", "")
    with read_session(app_engine) as session:
        posting = session.get(Posting, world.posting.id)
        assert (posting.opened_on, posting.closed_on, posting.version) == (date(2025, 3, 1), date(2025, 3, 31), 2)


def test_closing_before_opening_is_refused_with_the_reason(app_engine: Engine, world: World) -> None:
    at = signed_in(world.manager.id, page="postings")
    key = f"{world.posting.id}_{world.posting.version}"
    at.date_input(key=f"posting_opened_{key}").set_value(date(2025, 3, 31))
    at.date_input(key=f"posting_closed_{key}").set_value(date(2025, 3, 1))
    at = click(at, "Save the posting")
    assert "before the opening date" in at.error[0].value
    with read_session(app_engine) as session:
        assert session.get(Posting, world.posting.id).version == 1


def test_managers_cannot_choose_an_owner_and_admins_can(app_engine: Engine, world: World) -> None:
    key = f"{world.posting.id}_{world.posting.version}"
    manager_page = signed_in(world.manager.id, page="postings")
    assert f"posting_owner_{key}" not in [w.key for w in manager_page.selectbox]
    at = signed_in(world.admin.id, page="postings")
    at.selectbox(key="postings_choice").set_value(world.posting.id).run()
    at.selectbox(key=f"posting_owner_{key}").set_value(world.other_manager.id)
    at = click(at, "Save the posting")
    assert_no_exception(at)
    with read_session(app_engine) as session:
        assert session.get(Posting, world.posting.id).owner_id == world.other_manager.id


def test_the_chosen_posting_follows_the_manager_to_the_rubric_page(app_engine: Engine, world: World) -> None:
    with write_session(app_engine) as session:
        from factories import make_posting

        second = make_posting(session, owner=session.get(type(world.manager), world.manager.id), title_en="Data Analyst")
        second_id = second.id
    at = signed_in(world.manager.id, page="postings")
    at.selectbox(key="postings_choice").set_value(second_id).run()
    at = switch_to(at, "rubric")
    assert_no_exception(at)
    assert at.selectbox(key="rubric_posting").value == second_id


def test_postings_page_speaks_french(world: World) -> None:
    at = signed_in(world.manager.id, lang="fr", page="postings")
    assert_no_exception(at)
    assert [t.value for t in at.title] == ["Offres d'emploi"]
    assert "Importer des offres d'emploi" in texts(at)


def test_candidates_on_a_posting_show_in_its_count(app_engine: Engine, world: World) -> None:
    with write_session(app_engine) as session:
        make_candidate(session, posting=session.get(Posting, world.posting.id))
    at = signed_in(world.manager.id, page="postings")
    overview = table_with(at, "Scorecards submitted")
    assert overview.set_index("Key").loc[world.posting.translation_key, "Candidates"] == 3
