"""Helpers for AppTest tests of the dashboard (issue #4). In a test module::

    from app_helpers import new_app, signed_in, switch_to, texts

    pytest_plugins = ["app_helpers"]  # the fixtures app_db and app_engine

``app_db`` gives each test its own migrated SQLite file (copied from the session's migrated template)
and points ``TRACKER_DATABASE_URL`` at it; the app's cached engine is keyed by that URL, so every test
talks to its own database. Seed rows with ``tests/factories.py`` (``make_user``, ``build_world``) on
``app_engine`` and then drive the app as a signed-in user.
"""

from __future__ import annotations

import re
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from app_pages.frame.auth import LAST_SEEN_KEY, USER_ID_KEY  # noqa: E402
from app_pages.frame.lang import LANG_KEY, LANG_WIDGET_KEY  # noqa: E402
from app_pages.frame.registry import page_spec  # noqa: E402
from tracker.db import dispose_engines, get_engine  # noqa: E402
from tracker.i18n import t  # noqa: E402

APP_PATH = PROJECT_ROOT / "streamlit_app.py"
# The default 3 s is too tight on a shared 2-core machine (first run imports pandas, altair...).
TIMEOUT = 30.0


@pytest.fixture
def app_db(sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A migrated database for this test only, which the app under test uses."""
    path = tmp_path / "tracker.sqlite3"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    yield url
    from app_pages.frame.data import _engine_for

    _engine_for.clear()
    dispose_engines()


@pytest.fixture
def app_engine(app_db: str) -> Engine:
    """The same engine the app uses, for seeding and for checking what a page wrote."""
    return get_engine(app_db)


def new_app(*, lang: str | None = None, secrets: dict[str, Any] | None = None) -> AppTest:
    """An AppTest of ``streamlit_app.py`` (not yet run).

    ``secrets`` always replaces ``st.secrets`` (with a harmless key when empty), so a developer's real
    ``.streamlit/secrets.toml`` never leaks into a test. Pass ``{"auth": {...}}`` for the single
    sign-on branch, and set ``at.user = {"is_logged_in": True, "email": ...}`` for the identity.
    """
    at = AppTest.from_file(str(APP_PATH), default_timeout=TIMEOUT)
    at.secrets.update(secrets or {"tracker_test": True})
    at.user = {}
    if lang is not None:
        at.session_state[LANG_KEY] = lang
    return at


def signed_in(user_id: int, *, lang: str = "en", page: str | None = None) -> AppTest:
    """An app already run once with ``user_id`` signed in (as the sign-in form would leave it).

    ``page`` is a key of ``app_pages/frame/registry.py`` (``"scoring"``): the app switches to it.
    """
    at = new_app(lang=lang)
    at.session_state[USER_ID_KEY] = user_id
    at.session_state[LAST_SEEN_KEY] = time.time()
    at.run()
    if page is not None:
        switch_to(at, page)
    return at


def switch_to(at: AppTest, page_key: str) -> AppTest:
    """What clicking the menu entry or typing the page's URL does: run the app on that page."""
    return at.switch_page(page_spec(page_key).relative_path).run()


def set_language(at: AppTest, lang: str) -> AppTest:
    """Flip the sidebar's EN | FR switch."""
    return at.sidebar.radio(key=LANG_WIDGET_KEY).set_value(lang).run()


def sign_in_with_form(at: AppTest, email: str, password: str, *, lang: str = "en") -> AppTest:
    """Fill and submit the password sign-in form (the app must be on the sign-in screen)."""
    at.text_input(key="sign_in_email").input(email)
    at.text_input(key="sign_in_password").input(password)
    return click(at, t("Sign in", lang))


def click(at: AppTest, label: str) -> AppTest:
    """Click the (form submit) button labelled ``label`` and run."""
    matches = [b for b in at.button if b.label == label or visible(b.label) == label]
    if not matches:
        raise AssertionError(f"No button labelled {label!r}; buttons: {[b.label for b in at.button]}")
    return matches[0].click().run()


def visible(markdown: str) -> str:
    """What a reader sees of escaped text: backslash escapes and invisible word joiners (U+2060) removed."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def texts(at: AppTest) -> str:
    """Every visible text of the run (titles, markdown, captions, alerts), one per line, to assert on.

    The invisible word joiners ``escape_markdown`` puts into URLs and e-mails (#17) are removed.
    """
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "error", "warning", "info", "success"):
        parts.extend(str(element.value) for element in getattr(at, kind))
    return "\n".join(parts).replace("\u2060", "")


def assert_no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


# --- the autosaved text boxes (app_pages.frame.autosave; issue #18) -------------------------------------

_box_seq = iter(range(1, 1_000_000))


def autosave_boxes(at: AppTest) -> dict[str, dict[str, Any]]:
    """Every autosaved text box on the page: its key → the arguments the page drew it with."""
    import json

    boxes: dict[str, dict[str, Any]] = {}
    for element in at.get("component_instance"):
        args = json.loads(element.proto.json_args or "{}")
        if "box_id" in args:
            boxes[args["box_id"]] = args
    return boxes


def type_into(at: AppTest, key: str, text: str, *, origin: str | None = None) -> AppTest:
    """What the box sends after a pause in typing: the text, over the text it last knew to be saved."""
    args = autosave_boxes(at)[key]
    at.session_state[key] = {
        "seq": next(_box_seq), "text": text, "origin": args["saved_text"] if origin is None else origin,
        "session": "apptest", "action": "save",
    }  # fmt: skip
    return at.run()


def page_html(at: AppTest) -> list[Any]:
    """The page's own ``st.html`` elements, without the frame's fixed scripts.

    The frame (a11y roles and lang, focus, the session cookie) is the only caller of ``st.html`` with
    ``unsafe_allow_javascript``; what a page draws from data never allows JavaScript.
    """
    return [element for element in at.get("html") if not element.proto.unsafe_allow_javascript]
