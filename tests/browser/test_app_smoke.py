"""Smoke: the real server, a real Chromium: sign in and see the home page in English and in French."""

from __future__ import annotations

from typing import Any

import pytest
from browser.helpers import sign_in, wait_for_app
from factories import DEFAULT_PASSWORD, make_user

from tracker.models import Role

pytestmark = pytest.mark.browser


def test_sign_in_and_see_the_home_page_in_english_then_french(page: Any, seed: Any, shot: Any) -> None:
    email = seed(lambda s: make_user(s, role=Role.manager, display_name="Morgan Browser").email)
    page.goto("/")
    page.get_by_role("textbox", name="E-mail", exact=True).wait_for()
    shot(page, "01-sign-in")

    sign_in(page, email, DEFAULT_PASSWORD)
    page.get_by_text("Welcome, Morgan Browser.").wait_for()
    page.get_by_role("link", name="Postings", exact=True).first.wait_for()  # the menu is drawn with the page
    shot(page, "02-home-en")

    page.locator('[data-testid="stSidebar"]').get_by_text("FR", exact=True).click()
    wait_for_app(page)
    page.get_by_text("Bienvenue, Morgan Browser.").wait_for()
    assert "lang=fr" in page.url
    shot(page, "03-home-fr")


def test_a_forbidden_url_shows_a_refusal(page: Any, seed: Any, shot: Any) -> None:
    email = seed(lambda s: make_user(s, role=Role.interviewer).email)
    sign_in(page, email, DEFAULT_PASSWORD)
    page.get_by_text("You are signed in as: Interviewer.").wait_for()
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.get_by_text("Users").count() == 0
    page.goto("/users")
    wait_for_app(page)
    # A typed URL starts a new browser session; the stay-signed-in cookie (#18) restores the sign-in, and
    # the page asked for is refused without a second sign-in.
    page.get_by_text("Access refused").wait_for()
    assert page.get_by_role("textbox", name="Password", exact=True).count() == 0
    shot(page, "refused")
