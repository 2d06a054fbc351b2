"""The sidebar every page shares: the menu, language switch, who is signed in, sign out.

It also carries the page script of :mod:`app_pages.frame.a11y` (the page's ``lang``, the menu's list
semantics), signed in or not.
"""

from __future__ import annotations

import streamlit as st

from app_pages.frame.a11y import page_script, show_menu
from app_pages.frame.auth import VIA_KEY, sign_out
from app_pages.frame.lang import language_switch, role_label, translator
from app_pages.frame.registry import Navigation
from app_pages.frame.render import escape_markdown
from tracker.services.actor import Actor

SIGN_OUT_KEY = "sidebar_sign_out"


def show_sidebar(actor: Actor | None, navigation: Navigation | None = None) -> None:
    """``navigation`` is the menu to draw: None while signed out or before a forced password change."""
    with st.sidebar:
        sections = show_menu(navigation) if navigation is not None else []
        page_script(sections)
        language_switch()
        if actor is None:
            return
        _ = translator()
        st.markdown(
            _("Signed in as **{name}**", name=escape_markdown(actor.display_name))
            + "  \n"
            + escape_markdown(f"{actor.email} · {role_label(actor.role)}")
        )
        if st.button(_("Sign out"), key=SIGN_OUT_KEY, icon=":material/logout:"):
            via_sso = st.session_state.get(VIA_KEY) == "sso"
            sign_out(_("You are signed out."))
            if via_sso:
                # Ends the identity-provider cookie too; Streamlit starts a new session afterwards.
                st.logout()
            st.rerun()
