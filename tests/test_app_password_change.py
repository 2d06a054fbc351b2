"""The forced password change in the dashboard: a user whose password someone else chose sees only the
"Choose a new password" form, whatever page they ask for, until they have chosen their own."""

from __future__ import annotations

from typing import Any

import pytest
import streamlit
from app_helpers import assert_no_exception, click, new_app, sign_in_with_form, signed_in, switch_to, texts
from factories import DEFAULT_PASSWORD, make_user
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from app_pages.frame.auth import USER_ID_KEY
from app_pages.frame.registry import PAGES, page_spec
from tracker.db import read_session, write_session
from tracker.i18n import t
from tracker.models import Role, User
from tracker.services import accounts
from tracker.services.actor import Actor

pytest_plugins = ["app_helpers"]

FORM_TITLE = {"en": "Choose a new password", "fr": "Choisissez un nouveau mot de passe"}
NEW = "my own northwind passphrase"


def flagged(engine: Engine, role: Role = Role.admin, **overrides: Any) -> User:
    with write_session(engine) as session:
        return make_user(session, role=role, must_change_password=True, **overrides)


def still_flagged(engine: Engine, user_id: int) -> bool:
    with read_session(engine) as session:
        user = session.get(User, user_id)
        assert user is not None
        return user.must_change_password


def fill_form(at: AppTest, current: str, new: str, repeat: str | None = None, *, lang: str = "en") -> AppTest:
    at.text_input(key="password_change_current").input(current)
    at.text_input(key="password_change_new").input(new)
    at.text_input(key="password_change_repeat").input(new if repeat is None else repeat)
    return click(at, t("Change my password", lang))


@pytest.fixture
def recorded_navigation(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The keyword arguments of each ``st.navigation`` call (AppTest cannot see the menu itself)."""
    calls: list[dict[str, Any]] = []
    real = streamlit.navigation

    def spy(pages: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return real(pages, **kwargs)

    monkeypatch.setattr(streamlit, "navigation", spy)
    return calls


@pytest.mark.parametrize("page_key", [spec.key for spec in PAGES])
def test_a_flagged_user_sees_only_the_password_form_on_every_page(
    app_engine: Engine, recorded_navigation: list, page_key: str
) -> None:
    user = flagged(app_engine)
    at = signed_in(user.id, page=page_key)
    assert_no_exception(at)
    assert [title.value for title in at.title] == [FORM_TITLE["en"]]
    assert {ti.key for ti in at.text_input} == {"password_change_current", "password_change_new", "password_change_repeat"}
    assert "At least 10 characters, not a common password" in texts(at)
    assert recorded_navigation[-1]["position"] == "hidden"  # no menu to wander off through
    assert not at.sidebar.get("page_link")  # and the sidebar draws none either
    assert at.sidebar.button(key="sidebar_sign_out")  # signing out stays possible


def test_changing_the_password_releases_the_user_onto_the_page_they_asked_for(app_engine: Engine) -> None:
    user = flagged(app_engine)
    at = signed_in(user.id, page="users")
    at = fill_form(at, DEFAULT_PASSWORD, NEW)
    assert_no_exception(at)
    assert at.title[0].value == "Users"
    assert "Your password is changed." in texts(at)
    assert not still_flagged(app_engine, user.id)
    with write_session(app_engine) as session:
        assert accounts.authenticate(session, email=user.email, password=NEW).id == user.id
    for page_key in ("postings", "audit_log"):
        assert switch_to(at, page_key).title[0].value == t(page_spec(page_key).title, "en")


@pytest.mark.parametrize(
    ("current", "new", "repeat", "says"),
    [
        ("not the password", NEW, NEW, "The current password is wrong"),
        (DEFAULT_PASSWORD, NEW, NEW + "!", "The two new passwords differ"),
        (DEFAULT_PASSWORD, "short", "short", "Choose a password of at least 10 characters"),
        (DEFAULT_PASSWORD, DEFAULT_PASSWORD, DEFAULT_PASSWORD, "different from the current one"),
        ("", NEW, NEW, "Type your current password as well"),
        (DEFAULT_PASSWORD, "password12", "password12", "one of the most common passwords"),  # #17
        (DEFAULT_PASSWORD, "zzzzzzzzzzzz", "zzzzzzzzzzzz", "repeats one character"),
    ],
)
def test_a_refused_change_keeps_the_user_on_the_form(
    app_engine: Engine, current: str, new: str, repeat: str, says: str
) -> None:
    user = flagged(app_engine, Role.interviewer)
    at = fill_form(signed_in(user.id, page="scoring"), current, new, repeat)
    assert_no_exception(at)
    assert says in " ".join(e.value for e in at.error)
    assert still_flagged(app_engine, user.id)
    assert switch_to(at, "home").title[0].value == FORM_TITLE["en"]


def test_a_guessable_password_is_refused_with_the_reason_in_french(app_engine: Engine) -> None:
    user = flagged(app_engine, Role.interviewer, display_name="Gaëlle Fournier")
    at = fill_form(signed_in(user.id, lang="fr", page="home"), DEFAULT_PASSWORD, "gaelle-fournier-2026", lang="fr")
    assert "contient le nom ou l" in " ".join(e.value for e in at.error)
    at = fill_form(at, DEFAULT_PASSWORD, "motdepasse123", lang="fr")
    assert "les plus courants" in " ".join(e.value for e in at.error)
    assert still_flagged(app_engine, user.id)


def test_signing_in_with_a_reset_password_leads_to_the_form_then_home(app_engine: Engine) -> None:
    user = flagged(app_engine, Role.manager, display_name="Morgan Manager")
    at = sign_in_with_form(new_app().run(), user.email, DEFAULT_PASSWORD)
    assert at.session_state[USER_ID_KEY] == user.id
    assert at.title[0].value == FORM_TITLE["en"]
    at = fill_form(at, DEFAULT_PASSWORD, NEW)
    assert "Welcome, **Morgan Manager**." in texts(at)


def test_the_form_and_its_refusals_follow_the_language(app_engine: Engine) -> None:
    user = flagged(app_engine, Role.interviewer)
    at = signed_in(user.id, lang="fr", page="outstanding")
    assert at.title[0].value == FORM_TITLE["fr"]
    at = fill_form(at, "pas le bon mot de passe", NEW, lang="fr")
    assert "Le mot de passe actuel est erroné" in at.error[0].value
    at = fill_form(at, DEFAULT_PASSWORD, NEW, lang="fr")
    assert "Votre mot de passe est changé." in texts(at)
    assert at.title[0].value == t(page_spec("outstanding").title, "fr")


def test_an_admin_reset_holds_a_signed_in_user_on_their_next_click(app_engine: Engine) -> None:
    with write_session(app_engine) as session:
        admin = make_user(session, role=Role.admin)
        user = make_user(session, role=Role.interviewer)
    at = signed_in(user.id, page="home")
    assert at.title[0].value != FORM_TITLE["en"]
    with write_session(app_engine) as session:
        accounts.set_password(session, Actor.from_user(admin), user_id=user.id, password="reset-by-admin-42")
    at.run()
    assert at.title[0].value == FORM_TITLE["en"]


def test_a_page_reached_without_the_router_still_holds_a_flagged_user(app_engine: Engine) -> None:
    user = flagged(app_engine)
    at = AppTest.from_file(str(page_spec("users").path), default_timeout=30)
    at.session_state[USER_ID_KEY] = user.id
    at.run()
    assert_no_exception(at)
    assert [w.value for w in at.warning] == ["Choose a new password before you continue."]
    assert not at.title
