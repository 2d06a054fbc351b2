"""Steps every browser test takes: import as ``from browser.helpers import sign_in, wait_for_app``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tracker.i18n import t

# Streamlit reruns take a while on a busy 2-core machine: generous, but bounded.
UI_TIMEOUT_MS = 30_000


def wait_for_app(page: Any) -> None:
    """Wait until Streamlit has finished the current rerun (its status widget stops showing)."""
    page.wait_for_selector('[data-testid="stApp"]', state="attached")
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=UI_TIMEOUT_MS,
    )


def sign_in(page: Any, email: str, password: str, *, lang: str = "en") -> None:
    """Open the app without a session cookie and sign in through the form (labels in ``lang``)."""
    page.context.clear_cookies()
    page.goto(f"/?lang={lang}")
    fill(page, t("E-mail", lang), email)
    fill(page, t("Password", lang), password)
    page.get_by_role("button", name=t("Sign in", lang), exact=True).click()
    wait_for_app(page)


def fill(page: Any, label: str, value: str) -> None:
    """Type into the text input labelled ``label`` (exactly: "Password" is not "Show password")."""
    page.get_by_role("textbox", name=label, exact=True).fill(value)


@contextmanager
def open_page(browser: Any, base_url: str) -> Iterator[Any]:
    """A page in a fresh browser context (its own cookies and Streamlit session) against ``base_url``."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900}, locale="en-CA")
    context.set_default_timeout(UI_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()
