"""The refusal every forbidden page shows, and the guard each page calls on its first line."""

from __future__ import annotations

from typing import NoReturn

import streamlit as st

from app_pages.frame.auth import current_actor
from app_pages.frame.lang import role_label, translator
from app_pages.frame.registry import HOME, PageSpec
from tracker.models import Role
from tracker.services.actor import Actor


def show_refusal(actor: Actor, spec: PageSpec | None = None) -> None:
    """Say plainly that this role cannot open the page; nothing of the page itself is shown."""
    _ = translator()
    st.title(_("Access refused"))
    if spec is None:
        # The page's own guard: it may run outside the router, where no menu (and so no link) exists.
        st.error(_("Your role ({role}) does not give access to this page. Ask an administrator if you need it.",
                   role=role_label(actor.role)))
        return
    st.error(_("Your role ({role}) does not give access to “{page}”. Ask an administrator if you need it.",
               role=role_label(actor.role), page=_(spec.title)))
    st.page_link(HOME.relative_path, label=_("Back to the home page"), icon=HOME.icon)


def _stop() -> NoReturn:
    st.stop()
    raise AssertionError("unreachable: st.stop() ends the run")  # pragma: no cover


def require_roles(*roles: Role) -> Actor:
    """The signed-in actor if their role is one of ``roles``; otherwise a refusal and the run stops.

    The router already refuses pages a role may not open; this second lock keeps a page safe if it is
    ever reached another way. The services check again (they are the real boundary).
    """
    actor = current_actor()
    _ = translator()
    if actor is None:
        st.warning(_("Sign in to continue."))
        _stop()
    if actor.must_change_password:
        # The router shows the password form instead of the page; this holds if a page is reached otherwise.
        st.warning(_("Choose a new password before you continue."))
        _stop()
    if actor.role not in roles:
        show_refusal(actor)
        _stop()
    return actor
