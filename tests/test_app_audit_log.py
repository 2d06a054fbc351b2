"""The Audit log page (issue #4 §9, #6 §5): filterable, read-only, admins everything and managers their
own postings, with a CSV download whose cells cannot run as spreadsheet formulas."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
import streamlit
from app_helpers import assert_no_exception, signed_in, texts
from factories import World, build_world, make_scorecard
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from tracker.db import write_session
from tracker.models import AuditEvent, Candidate, ScorecardStatus, User
from tracker.services.actor import Actor
from tracker.services.candidates import add_candidate
from tracker.services.panels import set_panel
from tracker.services.rubrics import current_rubric, lock_rubric
from tracker.services.scoring import reopen_scorecard

pytest_plugins = ["app_helpers"]


@pytest.fixture
def world(app_engine: Engine) -> World:
    """The world, plus a few real audited actions on both postings by their managers."""
    world = build_world(app_engine)
    manager, other = Actor.from_user(world.manager), Actor.from_user(world.other_manager)
    with write_session(app_engine) as session:
        add_candidate(session, manager, posting_id=world.posting.id, name="Zoé Lachance", email="zoe@mail.example", language="fr")
        set_panel(session, manager, posting_id=world.posting.id, member_ids=[world.chair.id, world.member.id], chair_id=world.member.id)
        rubric = current_rubric(session, manager, posting_id=world.posting.id)
        lock_rubric(session, manager, rubric_id=rubric.id)
        add_candidate(session, other, posting_id=world.other_posting.id, name="Yan Other", email="yan@mail.example")
    return world


def events_table(at: AppTest) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if "Action" in df.value.columns)


def test_admins_see_every_event(world: World) -> None:
    at = signed_in(world.admin.id, page="audit_log")
    assert_no_exception(at)
    assert [t.value for t in at.title] == ["Audit log"]
    table = events_table(at)
    assert list(table["Action"]) == ["candidate.create", "rubric.lock", "panel.set", "candidate.create"]
    assert set(table["Posting"]) == {world.posting.translation_key, world.other_posting.translation_key}
    assert "**4** events" in texts(at)


def test_a_manager_sees_only_the_events_of_their_postings(world: World) -> None:
    at = signed_in(world.manager.id, page="audit_log")
    assert_no_exception(at)
    table = events_table(at)
    assert list(table["Action"]) == ["rubric.lock", "panel.set", "candidate.create"]
    assert set(table["Posting"]) == {world.posting.translation_key}
    assert set(table["Who"]) == {world.manager.email}


def test_interviewers_are_refused_the_audit_log(world: World) -> None:
    at = signed_in(world.chair.id, page="audit_log")
    assert [t.value for t in at.title] == ["Access refused"]
    assert not at.dataframe


def test_candidates_appear_only_by_label(world: World) -> None:
    at = signed_in(world.admin.id, page="audit_log")
    table = events_table(at)
    assert set(table["Candidate"]) == {"Candidate 03", ""}
    # The personal payload is readable by those entitled to it, in the details, never as the candidate column.
    assert "Zoé Lachance" in " ".join(table["Details"])


@pytest.mark.parametrize(
    ("widget", "value", "expected"),
    [
        ("audit_action", "candidate.", ["candidate.create", "candidate.create"]),
        ("audit_action_name", "rubric.lock", ["rubric.lock"]),
        ("audit_actor", "OTHER", ["candidate.create"]),  # e-mail contains, any case (other_manager's)
        ("audit_posting", "other_posting", ["candidate.create"]),
    ],
)
def test_filters_narrow_the_events(world: World, widget: str, value: str, expected: list[str]) -> None:
    at = signed_in(world.admin.id, page="audit_log")
    if widget == "audit_actor":
        at.text_input(key=widget).input(value.replace("OTHER", world.other_manager.email.split("@")[0].upper())).run()
    elif widget == "audit_posting":
        at.selectbox(key=widget).set_value(getattr(world, value).id).run()
    elif widget == "audit_action_name":
        at.text_input(key=widget).input(value).run()
    else:
        at.selectbox(key=widget).set_value(value).run()
    assert_no_exception(at)
    assert list(events_table(at)["Action"]) == expected


def test_a_date_range_before_the_events_shows_none(world: World) -> None:
    at = signed_in(world.admin.id, page="audit_log")
    long_ago = date.today() - timedelta(days=400)
    at.date_input(key="audit_period").set_value((long_ago, long_ago + timedelta(days=10))).run()
    assert_no_exception(at)
    assert events_table(at).empty
    assert "**0** events" in texts(at)


def test_the_page_offers_no_way_to_change_an_event(world: World) -> None:
    at = signed_in(world.admin.id, page="audit_log")
    assert not at.data_editor
    page_buttons = [b.label for b in at.button if b.key != "sidebar_sign_out"]
    assert page_buttons == []
    assert [b.key for b in at.get("download_button")] == ["audit_download"]


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What the page hands to ``st.download_button`` (AppTest cannot read a download's bytes)."""
    calls: list[dict[str, Any]] = []
    real = streamlit.download_button

    def spy(label: str, data: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append({"label": label, "data": data, **kwargs})
        return real(label, data, *args, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", spy)
    return calls


def test_the_csv_download_neutralises_formulas_and_keeps_accents(
    app_engine: Engine, world: World, downloads: list[dict[str, Any]]
) -> None:
    with write_session(app_engine) as session:
        card = make_scorecard(
            session, candidate=session.get(Candidate, world.candidates[0].id),
            interviewer=session.get(User, world.chair.id), ratings=[3, 3, 3], status=ScorecardStatus.submitted,
        )
        card_id = card.id
    with write_session(app_engine) as session:
        reopen_scorecard(session, Actor.from_user(world.manager), scorecard_id=card_id, reason='=HYPERLINK("http://evil.example")')
    signed_in(world.admin.id, page="audit_log")
    [download] = [d for d in downloads if d.get("key") == "audit_download"]
    assert download["file_name"].startswith("audit-log-") and download["file_name"].endswith(".csv")
    data: bytes = download["data"]
    assert data.startswith("\ufeff".encode())  # a byte-order mark: spreadsheets then read UTF-8 accents
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    reopened = next(r for r in rows if r["Action"] == "scorecard.reopen")
    assert reopened["Reason"] == "'=HYPERLINK(\"http://evil.example\")"
    assert any("Zoé Lachance" in r["Details"] for r in rows)  # whole details in the file, accents intact
    assert not any(value.startswith(("=", "+", "-", "@")) for r in rows for value in r.values() if value)


def test_audit_log_speaks_french(world: World) -> None:
    at = signed_in(world.admin.id, lang="fr", page="audit_log")
    assert_no_exception(at)
    assert [t.value for t in at.title] == ["Journal d'audit"]
    assert "Action" in events_table(at).columns
    assert "Quand" in events_table(at).columns



def test_the_date_range_is_the_organisations_days(world: World, app_engine: Engine) -> None:
    """An event at 03:00 UTC on 2 March is 22:00 on 1 March in Toronto: it belongs to 1 March (#21 §4)."""
    with write_session(app_engine) as session:
        session.add(AuditEvent(at=datetime(2026, 3, 2, 3, 0, tzinfo=UTC), action="test.late_evening",
                               entity_type="database"))  # fmt: skip
    at = signed_in(world.admin.id, page="audit_log")
    at.date_input(key="audit_period").set_value((date(2026, 3, 1), date(2026, 3, 1))).run()
    assert_no_exception(at)
    assert list(events_table(at)["Action"]) == ["test.late_evening"]
    at.date_input(key="audit_period").set_value((date(2026, 3, 2), date(2026, 3, 2))).run()
    assert events_table(at).empty
