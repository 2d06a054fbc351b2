"""The frame every page builds on. A page reads like this::

    import streamlit as st

    from app_pages import frame
    from tracker.models import Role
    from tracker.services import postings

    actor = frame.require_roles(Role.admin, Role.manager)   # first line: refuses everyone else
    _ = frame.translator()                                   # UI strings in the chosen language
    st.title(_("Postings"))
    summaries = frame.service_call(postings.list_postings, actor)   # read_session, errors → st.error
    if summaries is None:
        st.stop()

Rules the modules below implement (issue #4 §11):

* pages never open sessions or query the database: :func:`service_call` runs one service in one
  ``read_session()``/``write_session()`` against the cached engine and turns ``TrackerError`` into
  ``st.error`` (never a traceback);
* ``st.session_state`` holds ids and UI state only, never ORM objects; the actor is reloaded by id on
  each run, so a deactivated account or a changed role takes effect on the next click;
* untrusted text (posting text, names, notes) goes through :func:`untrusted_markdown` or
  :func:`plain_text`, never ``unsafe_allow_html``;
* caching: see :mod:`app_pages.frame.data` (engine = cached resource; sessions never cached;
  ``st.cache_data`` only for data that is the same for every user or keyed by the user's id).
"""

from app_pages.frame.auth import (
    SESSION_TIMEOUT_ENV,
    current_actor,
    enforce_timeout,
    session_timeout_minutes,
    show_flash,
    sign_in_actor,
    sign_out,
    touch,
)
from app_pages.frame.data import engine, error_markdown, message_text, service_call, show_error
from app_pages.frame.guard import require_roles, show_refusal
from app_pages.frame.lang import current_lang, format_number, localized_text, role_label, set_lang, translator
from app_pages.frame.registry import PAGES, PageSpec, build_navigation, page_spec, visible_pages
from app_pages.frame.render import escape_markdown, markdown_to_safe_html, plain_text, untrusted_markdown

__all__ = [
    "PAGES",
    "SESSION_TIMEOUT_ENV",
    "PageSpec",
    "build_navigation",
    "current_actor",
    "current_lang",
    "engine",
    "enforce_timeout",
    "error_markdown",
    "escape_markdown",
    "format_number",
    "localized_text",
    "markdown_to_safe_html",
    "message_text",
    "page_spec",
    "plain_text",
    "require_roles",
    "role_label",
    "service_call",
    "session_timeout_minutes",
    "set_lang",
    "show_error",
    "show_flash",
    "show_refusal",
    "sign_in_actor",
    "sign_out",
    "touch",
    "translator",
    "untrusted_markdown",
    "visible_pages",
]
