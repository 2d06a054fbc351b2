"""The sidebar every page shares: language switch, who is signed in, sign out."""

from __future__ import annotations

import streamlit as st

from app_pages.frame.auth import VIA_KEY, sign_out
from app_pages.frame.lang import language_switch, role_label, translator
from app_pages.frame.render import escape_markdown
from tracker.services.actor import Actor

SIGN_OUT_KEY = "sidebar_sign_out"


def show_sidebar(actor: Actor | None) -> None:
    with st.sidebar:
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
