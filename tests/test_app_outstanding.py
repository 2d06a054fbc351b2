"""Outstanding work (issue #4 §10): what each interviewer owes; per posting, what is missing and since when."""

from __future__ import annotations

from datetime import timedelta

import pytest
from app_helpers import assert_no_exception, signed_in, texts
from factories import build_world, make_declaration, make_scorecard, make_user
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from tracker.db import write_session
from tracker.models import PanelMember, Role, ScorecardStatus, User, utcnow

pytest_plugins = ["app_helpers"]


def outstanding_app(user: User) -> AppTest:
    at = signed_in(user.id or 0, page="outstanding")
    assert_no_exception(at)
    return at


def table(at: AppTest, index: int = 0) -> list[dict[str, str]]:
    return at.dataframe[index].value.to_dict("records")


@pytest.mark.parametrize("role", list(Role))
def test_page_renders_for_each_role(app_engine: Engine, role: Role) -> None:
    with write_session(app_engine) as session:
        user = make_user(session, role=role)
    at = outstanding_app(user)
    assert [t.value for t in at.title] == ["Outstanding work"]
    shown = texts(at)
    assert ("What I still owe" in shown) is (role != Role.admin)
    assert ("Per posting" in shown) is (role != Role.interviewer)


def test_an_interviewer_sees_what_they_owe_and_for_how_long(app_engine: Engine) -> None:
    world = build_world(app_engine, candidates=3)
    with write_session(app_engine) as session:
        make_scorecard(session, candidate=world.candidates[0], interviewer=world.member, ratings=[3, 3, 3],
                       status=ScorecardStatus.submitted)  # fmt: skip
        draft = make_scorecard(session, candidate=world.candidates[1], interviewer=world.member, ratings=[2])
        draft.created_at = utcnow() - timedelta(days=3, hours=2)
        session.add(draft)
        make_declaration(session, candidate=world.candidates[2], user=world.member, has_conflict=True)
    at = outstanding_app(world.member)
    assert "You owe 1 scorecard (not started: 0; drafts: 1)." in texts(at)
    assert table(at) == [
        {"Posting": world.posting.title_en, "Candidate": "Candidate 02", "Status": "Draft",
         "Since": table(at)[0]["Since"], "Waiting for": "3 days"},
    ]  # fmt: skip
    links = [link.proto for link in at.get("page_link") if link.proto.label.startswith("Score ")]
    assert [(link.label, link.query_string) for link in links] == [
        (f"Score Candidate 02 ({world.posting.title_en})", f"candidate={world.candidates[1].id}")
    ]


def test_an_interviewer_with_nothing_owed_is_told_so(app_engine: Engine) -> None:
    world = build_world(app_engine)
    at = outstanding_app(world.outsider)
    assert "Nothing outstanding" in texts(at)


def test_a_manager_sees_missing_and_draft_scorecards_of_their_posting(app_engine: Engine) -> None:
    world = build_world(app_engine)
    with write_session(app_engine) as session:
        make_scorecard(session, candidate=world.candidates[0], interviewer=world.chair, ratings=[3])
        make_scorecard(session, candidate=world.candidates[0], interviewer=world.member, ratings=[3, 3, 3],
                       status=ScorecardStatus.submitted)  # fmt: skip
    at = outstanding_app(world.manager)
    assert at.selectbox(key="outstanding_posting").options == [world.posting.title_en]
    rows = table(at)
    assert sorted((r["Interviewer"], r["Candidate"], r["Status"]) for r in rows) == [
        ("Charlie Chair", "Candidate 01", "Draft"),
        ("Charlie Chair", "Candidate 02", "Not started"),
        ("Mika Member", "Candidate 02", "Not started"),
    ]
    assert "Missing: 2; still drafts: 1; the oldest first." in texts(at)


def test_an_admin_chooses_among_every_posting(app_engine: Engine) -> None:
    world = build_world(app_engine)
    at = outstanding_app(world.admin)
    select_box = at.selectbox(key="outstanding_posting")
    assert sorted(select_box.options) == sorted([world.posting.title_en, world.other_posting.title_en])
    select_box.set_value(world.other_posting.id).run()
    assert {r["Interviewer"] for r in table(at)} == {"Quinn Otherchair"}


def test_a_manager_on_a_panel_also_sees_their_own_debts(app_engine: Engine) -> None:
    world = build_world(app_engine)
    with write_session(app_engine) as session:
        session.add(PanelMember(posting_id=world.other_posting.id or 0, user_id=world.manager.id or 0))
    at = outstanding_app(world.manager)
    assert "You owe 2 scorecards (not started: 2; drafts: 0)." in texts(at)
    assert {row["Posting"] for row in table(at)} == {world.other_posting.title_en}
