"""Home: a role-aware landing: what to do next, counts, and links to the pages the role opens."""

from __future__ import annotations

import pytest
from app_helpers import assert_no_exception, signed_in, texts
from factories import build_world, make_scorecard, make_user
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from app_pages.frame.registry import visible_pages
from tracker.db import write_session
from tracker.i18n import t
from tracker.models import Role, ScorecardStatus, User

pytest_plugins = ["app_helpers"]


def home(user: User, lang: str = "en") -> AppTest:
    at = signed_in(user.id or 0, lang=lang)
    assert_no_exception(at)
    return at


def link_labels(at: AppTest) -> list[str]:
    return [link.proto.label for link in at.main.get("page_link")]  # not the sidebar menu


@pytest.mark.parametrize("role", list(Role))
def test_home_links_exactly_the_pages_of_the_role(app_engine: Engine, role: Role) -> None:
    with write_session(app_engine) as session:
        user = make_user(session, role=role)
    at = home(user)
    assert [title.value for title in at.title] == ["Candidate assessment tracker"]
    expected = [t(spec.title, "en") for spec in visible_pages(role) if spec.key != "home"]
    assert [label for label in link_labels(at) if label in expected] == expected
    pages_of_others = {t(spec.title, "en") for spec in visible_pages(Role.admin)} - set(expected) - {"Home"}
    assert not pages_of_others & set(link_labels(at))


def test_an_interviewer_is_told_how_many_scorecards_to_finish(app_engine: Engine) -> None:
    world = build_world(app_engine)
    with write_session(app_engine) as session:
        make_scorecard(session, candidate=world.candidates[0], interviewer=world.chair, ratings=[3])
    at = home(world.chair)
    assert "You have 2 scorecards to finish (not started: 1; drafts: 1)." in texts(at)
    assert "Continue scoring" in link_labels(at)


def test_an_interviewer_with_nothing_to_do_is_told_so(app_engine: Engine) -> None:
    world = build_world(app_engine)
    at = home(world.outsider)
    assert "Nothing to score right now." in texts(at)


def test_a_manager_sees_the_counts_of_their_postings(app_engine: Engine) -> None:
    world = build_world(app_engine, candidates=3)
    with write_session(app_engine) as session:
        make_scorecard(session, candidate=world.candidates[0], interviewer=world.chair, ratings=[3, 3, 3],
                       status=ScorecardStatus.submitted)  # fmt: skip
        make_scorecard(session, candidate=world.candidates[1], interviewer=world.chair, ratings=[3])
    at = home(world.manager)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Postings": "1", "Candidates": "3", "Scorecards submitted": "1 / 2"}
    assert "See what is still missing" in link_labels(at)


def test_a_new_manager_is_pointed_at_the_postings_page(app_engine: Engine) -> None:
    with write_session(app_engine) as session:
        manager = make_user(session, role=Role.manager)
    at = home(manager)
    assert "No posting yet: start by uploading a job posting." in texts(at)
    assert "Upload postings" in link_labels(at)


def test_home_speaks_french(app_engine: Engine) -> None:
    world = build_world(app_engine)
    at = home(world.chair, lang="fr")
    assert [title.value for title in at.title] == [t("Candidate assessment tracker", "fr")]
    assert "Vous avez 2 grilles à terminer" in texts(at)
    assert "Continuer l'évaluation" in link_labels(at)
