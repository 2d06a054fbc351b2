"""The dashboard frame (issue #4 §1-3, #6 §5): menu per role, refusals, sign-in, sign-out, timeout, language."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import streamlit
from app_helpers import (
    assert_no_exception,
    click,
    new_app,
    set_language,
    sign_in_with_form,
    signed_in,
    switch_to,
    texts,
)
from factories import DEFAULT_PASSWORD, make_user
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from app_pages.frame.auth import LAST_SEEN_KEY, SESSION_TIMEOUT_ENV, USER_ID_KEY
from app_pages.frame.registry import PAGES, page_spec
from tracker.db import write_session
from tracker.i18n import t
from tracker.models import Role, User, utcnow

# The fixtures app_db and app_engine (tests/conftest.py should list it too: no rewrite warning then).
pytest_plugins = ["app_helpers"]

# The spec of who sees what (issue #4): written out here, not derived from the registry under test.
MENU = {
    Role.admin: ["Home", "Outstanding work", "My scorecards", "Consensus", "Postings", "Rubric",
                 "Candidates and panels", "Results", "Audit log", "Users"],
    Role.manager: ["Home", "Outstanding work", "My scorecards", "Consensus", "Postings", "Rubric",
                   "Candidates and panels", "Results", "Audit log"],
    Role.interviewer: ["Home", "Outstanding work", "My scorecards", "Consensus"],
}
ALL_TITLES = MENU[Role.admin]
KEY_OF = {t(spec.title, "en"): spec.key for spec in PAGES}
FORBIDDEN = [(role, KEY_OF[title]) for role in Role for title in ALL_TITLES if title not in MENU[role]]
ALLOWED = [(role, KEY_OF[title]) for role in Role for title in MENU[role]]


def make_account(engine: Engine, role: Role, **overrides: Any) -> User:
    with write_session(engine) as session:
        return make_user(session, role=role, **overrides)


@pytest.fixture
def recorded_navigation(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """What the router passes to ``st.navigation`` (AppTest cannot click or read the menu itself)."""
    calls: list[dict[str, Any]] = []
    real = streamlit.navigation

    def spy(pages: Any, **kwargs: Any) -> Any:
        calls.append({"pages": pages, **kwargs})
        return real(pages, **kwargs)

    monkeypatch.setattr(streamlit, "navigation", spy)
    yield calls


def menu_links(at: Any) -> list[str]:
    """The labels of the menu's page links in the sidebar, in order."""
    return [link.proto.label for link in at.sidebar.get("page_link")]


def listed_titles(call: dict[str, Any]) -> list[str]:
    return [page.title for pages in call["pages"].values() for page in pages if page.visibility == "visible"]


@pytest.mark.parametrize("role", list(Role))
def test_menu_lists_exactly_the_pages_of_the_role(app_engine: Engine, recorded_navigation: list, role: Role) -> None:
    user = make_account(app_engine, role)
    at = signed_in(user.id)
    assert_no_exception(at)
    assert listed_titles(recorded_navigation[-1]) == MENU[role]
    # Streamlit's own menu is hidden (its markup fails axe's list rules); the sidebar draws the same
    # entries as st.page_link lists (issue #14, app_pages/frame/a11y.py).
    assert recorded_navigation[-1]["position"] == "hidden"
    assert menu_links(at) == MENU[role]


def test_signed_out_menu_lists_nothing(app_db: str, recorded_navigation: list) -> None:
    at = new_app().run()
    assert_no_exception(at)
    assert listed_titles(recorded_navigation[-1]) == []
    assert recorded_navigation[-1]["position"] == "hidden"
    assert menu_links(at) == []
    assert at.text_input(key="sign_in_email") is not None


@pytest.mark.parametrize(("role", "page_key"), ALLOWED)
def test_allowed_page_opens(app_engine: Engine, role: Role, page_key: str) -> None:
    user = make_account(app_engine, role)
    at = signed_in(user.id, page=page_key)
    assert_no_exception(at)
    expected = "Candidate assessment tracker" if page_key == "home" else t(page_spec(page_key).title, "en")
    assert [title.value for title in at.title] == [expected]


@pytest.mark.parametrize(("role", "page_key"), FORBIDDEN)
def test_forbidden_page_shows_a_refusal_and_nothing_of_the_page(app_engine: Engine, role: Role, page_key: str) -> None:
    user = make_account(app_engine, role)
    at = signed_in(user.id, page=page_key)
    assert_no_exception(at)
    assert [title.value for title in at.title] == ["Access refused"]
    assert "does not give access to “" + t(page_spec(page_key).title, "en") + "”" in at.error[0].value
    assert "This page is being built." not in texts(at)


@pytest.mark.parametrize(("role", "page_key"), FORBIDDEN)
def test_page_guard_refuses_even_when_the_page_runs_without_the_router(
    app_engine: Engine, role: Role, page_key: str
) -> None:
    user = make_account(app_engine, role)
    at = AppTest.from_file(str(page_spec(page_key).path), default_timeout=30)
    at.session_state[USER_ID_KEY] = user.id
    at.run()
    assert_no_exception(at)
    assert [title.value for title in at.title] == ["Access refused"]


def test_page_guard_asks_to_sign_in_when_nobody_is_signed_in(app_db: str) -> None:
    at = AppTest.from_file(str(page_spec("users").path), default_timeout=30).run()
    assert [w.value for w in at.warning] == ["Sign in to continue."]
    assert not at.title


def test_sign_in_with_the_right_password_opens_the_home_page(app_engine: Engine) -> None:
    user = make_account(app_engine, Role.manager, display_name="Morgan Manager")
    at = sign_in_with_form(new_app().run(), user.email.upper(), DEFAULT_PASSWORD)
    assert_no_exception(at)
    assert at.session_state[USER_ID_KEY] == user.id
    assert "Welcome, **Morgan Manager**." in texts(at)
    assert "sign_in_password" not in at.session_state or at.session_state["sign_in_password"] == ""


def test_sign_in_with_a_wrong_password_says_so_without_saying_which(app_engine: Engine) -> None:
    user = make_account(app_engine, Role.interviewer)
    at = sign_in_with_form(new_app().run(), user.email, "not-the-password")
    assert_no_exception(at)
    assert USER_ID_KEY not in at.session_state
    assert at.error[0].value.startswith("Sign\\-in failed")
    assert at.text_input(key="sign_in_email") is not None


def test_five_failures_lock_the_account_and_the_right_password_is_then_refused(app_engine: Engine) -> None:
    user = make_account(app_engine, Role.interviewer)
    at = new_app().run()
    for _ in range(5):
        at = sign_in_with_form(at, user.email, "wrong-password-again")
    at = sign_in_with_form(at, user.email, DEFAULT_PASSWORD)
    assert USER_ID_KEY not in at.session_state
    assert "locked for 15 minutes after 5 failed attempts" in at.error[0].value
    with write_session(app_engine) as session:
        locked_until = session.get(User, user.id).locked_until
    assert locked_until is not None


def test_sign_in_messages_follow_the_language(app_engine: Engine) -> None:
    user = make_account(app_engine, Role.interviewer)
    at = new_app(lang="fr").run()
    assert at.title[0].value == "Suivi de l'évaluation des candidatures"
    at = sign_in_with_form(at, user.email, "mauvais-mot-de-passe", lang="fr")
    assert at.error[0].value.startswith("Échec de la connexion")


def test_sign_out_forgets_the_user_and_keeps_the_language(app_engine: Engine) -> None:
    user = make_account(app_engine, Role.interviewer)
    at = signed_in(user.id, lang="fr")
    at = click(at, "Se déconnecter")
    assert_no_exception(at)
    assert USER_ID_KEY not in at.session_state
    assert "Vous êtes déconnecté." in texts(at)
    assert at.text_input(key="sign_in_email") is not None
    assert at.session_state["lang"] == "fr"


@pytest.mark.parametrize(
    ("idle_minutes", "timeout_env", "still_signed_in"),
    [(29, None, True), (31, None, False), (4, "5", True), (6, "5", False)],
)
def test_idle_session_times_out(
    app_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    idle_minutes: int,
    timeout_env: str | None,
    still_signed_in: bool,
) -> None:
    if timeout_env is not None:
        monkeypatch.setenv(SESSION_TIMEOUT_ENV, timeout_env)
    user = make_account(app_engine, Role.interviewer)
    at = signed_in(user.id)
    at.session_state[LAST_SEEN_KEY] = time.time() - idle_minutes * 60
    at.run()
    assert_no_exception(at)
    assert (USER_ID_KEY in at.session_state) is still_signed_in
    if not still_signed_in:
        minutes = timeout_env or "30"
        assert f"signed out after {minutes} minutes without activity" in at.warning[0].value
        assert at.text_input(key="sign_in_email") is not None


def test_a_deactivated_account_is_signed_out_on_its_next_click(app_engine: Engine) -> None:
    user = make_account(app_engine, Role.interviewer)
    at = signed_in(user.id)
    with write_session(app_engine) as session:
        session.get(User, user.id).active = False
    at.run()
    assert USER_ID_KEY not in at.session_state
    assert "no longer active" in at.warning[0].value


def test_a_role_change_applies_on_the_next_click(app_engine: Engine) -> None:
    user = make_account(app_engine, Role.admin)
    at = signed_in(user.id, page="users")
    assert at.title[0].value == "Users"
    with write_session(app_engine) as session:
        session.get(User, user.id).role = Role.interviewer
    at.run()
    assert at.title[0].value == "Access refused"


def test_language_switch_changes_the_interface_and_follows_page_switches(app_engine: Engine) -> None:
    user = make_account(app_engine, Role.manager, display_name="Morgan Manager")
    at = signed_in(user.id)
    assert "Welcome, **Morgan Manager**." in texts(at)
    at = set_language(at, "fr")
    assert_no_exception(at)
    assert "Bienvenue, **Morgan Manager**." in texts(at)
    assert at.query_params["lang"] == "fr"
    at = switch_to(at, "postings")
    assert at.title[0].value == "Offres d'emploi"
    at = set_language(at, "en")
    assert at.title[0].value == "Postings"


def test_lang_in_the_url_chooses_the_language_of_a_new_session(app_db: str) -> None:
    at = new_app()
    at.query_params["lang"] = "fr"
    at.run()
    assert at.title[0].value == "Suivi de l'évaluation des candidatures"
    assert at.sidebar.radio(key="lang_switch").value == "fr"


def test_a_deep_link_opens_after_signing_in(app_engine: Engine) -> None:
    user = make_account(app_engine, Role.manager)
    at = new_app().run()
    at = switch_to(at, "postings")  # the URL typed while signed out
    assert at.text_input(key="sign_in_email") is not None
    at = sign_in_with_form(at, user.email, DEFAULT_PASSWORD)
    assert at.title[0].value == "Postings"


def test_untrusted_names_are_shown_as_typed(app_engine: Engine) -> None:
    user = make_account(app_engine, Role.interviewer, display_name="<img src=x onerror=alert(1)> :red[Eve] $x$")
    at = signed_in(user.id)
    welcome = next(m.value for m in at.markdown if m.value.startswith("Welcome"))
    assert "\\<img src\\=x onerror\\=alert\\(1\\)\\> \\:red\\[Eve\\] \\$x\\$" in welcome


SSO_SECRETS = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-only-not-a-secret",
        "client_id": "tracker-test",
        "client_secret": "test-only-not-a-secret",
        "server_metadata_url": "https://login.northwind.example/.well-known/openid-configuration",
    }
}
SSO_ISSUER = "https://login.northwind.example"  # what the discovery URL above stands for


def sso_claims(sub: str, email: str, *, verified: bool = True, iss: str = SSO_ISSUER, **extra: object) -> dict:
    """What ``st.user`` holds after a fake provider's sign-in: the ID token's claims."""
    return {"is_logged_in": True, "iss": iss, "sub": sub, "email": email, "email_verified": verified, **extra}


def test_single_sign_on_offers_the_provider_and_keeps_password_sign_in(app_db: str) -> None:
    at = new_app(secrets=SSO_SECRETS).run()
    assert_no_exception(at)
    assert [b.label for b in at.button if b.key and b.key.startswith("sign_in_sso_")] == [
        "Sign in with your organisation's account"
    ]
    assert at.expander[0].label == "Sign in with a tracker password"
    assert at.text_input(key="sign_in_email") is not None


def test_single_sign_on_identity_maps_to_the_tracker_account_by_email(app_engine: Engine) -> None:
    user = make_account(app_engine, Role.manager, email="morgan.manager@northwind.example", display_name="Morgan")
    at = new_app(secrets=SSO_SECRETS)
    at.user = sso_claims("morgan-sub", "Morgan.Manager@Northwind.example", name="Morgan")
    at.run()
    assert_no_exception(at)
    assert at.session_state[USER_ID_KEY] == user.id
    assert at.session_state["auth_via"] == "sso"
    assert "Welcome, **Morgan**." in texts(at)


def test_single_sign_on_identity_without_an_account_is_refused(app_db: str) -> None:
    at = new_app(secrets=SSO_SECRETS)
    at.user = sso_claims("stranger-sub", "stranger@elsewhere.example")
    at.run()
    assert USER_ID_KEY not in at.session_state
    assert "No active tracker account uses the e\\-mail \\'stranger@elsewhere\\.example\\'" in at.error[0].value.replace("\u2060", "")
    assert any(b.label == "Sign out of single sign-on" for b in at.button)


@pytest.mark.parametrize(
    ("claims", "refusal"),
    [
        ({"verified": False}, "does not say that your e\\-mail is verified"),
        ({"iss": "https://login.elsewhere.example"}, "did not come from the configured provider"),
    ],
)
def test_single_sign_on_refuses_unverified_addresses_and_other_issuers(app_engine: Engine, claims: dict, refusal: str) -> None:
    make_account(app_engine, Role.manager, email="morgan.manager@northwind.example")
    at = new_app(secrets=SSO_SECRETS)
    at.user = sso_claims("morgan-sub", "morgan.manager@northwind.example", **claims)
    at.run()
    assert USER_ID_KEY not in at.session_state
    assert refusal in at.error[0].value.replace("\u2060", "")
    assert any(b.label == "Sign out of single sign-on" for b in at.button)


def test_single_sign_on_keeps_the_account_when_the_provider_changes_the_address(app_engine: Engine) -> None:
    user = make_account(app_engine, Role.manager, email="morgan.manager@northwind.example")
    make_account(app_engine, Role.interviewer, email="someone.else@northwind.example")
    at = new_app(secrets=SSO_SECRETS)
    at.user = sso_claims("morgan-sub", "morgan.manager@northwind.example")
    at.run()
    assert at.session_state[USER_ID_KEY] == user.id
    at = new_app(secrets=SSO_SECRETS)
    at.user = sso_claims("morgan-sub", "someone.else@northwind.example")
    at.run()
    assert at.session_state[USER_ID_KEY] == user.id


def test_after_a_timeout_single_sign_on_waits_to_be_asked(app_engine: Engine) -> None:
    user = make_account(app_engine, Role.interviewer, email="ivy@northwind.example")
    at = new_app(secrets=SSO_SECRETS)
    at.user = sso_claims("ivy-sub", "ivy@northwind.example")
    at.run()
    assert at.session_state[USER_ID_KEY] == user.id
    at.session_state[LAST_SEEN_KEY] = time.time() - timedelta(hours=1).total_seconds()
    at.run()
    assert USER_ID_KEY not in at.session_state
    at = click(at, "Continue as ivy@northwind.example")
    assert at.session_state[USER_ID_KEY] == user.id


def test_sign_in_records_the_time(app_engine: Engine) -> None:
    user = make_account(app_engine, Role.interviewer)
    before = utcnow()
    sign_in_with_form(new_app().run(), user.email, DEFAULT_PASSWORD)
    with write_session(app_engine) as session:
        last = session.get(User, user.id).last_login_at
    assert last is not None and last.replace(tzinfo=before.tzinfo) >= before - timedelta(seconds=1)


def test_text_in_another_language_is_escaped_and_declares_its_lang() -> None:
    """Issue #14 (WCAG 3.1.2): the fallback text is plain text in an element with its own lang."""

    def script() -> None:
        from app_pages.frame.a11y import text_in_language

        text_in_language('<script>alert("x")</script> & <b>bold</b>\nsecond line', "fr")

    at = AppTest.from_function(script, default_timeout=30).run()
    assert not at.exception
    [body] = [element.proto.body for element in at.get("html")]
    assert body == (
        '<p class="tracker-other-lang" lang="fr">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; '
        "&lt;b&gt;bold&lt;/b&gt;<br>second line</p>"
    )
