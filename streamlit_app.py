"""The dashboard's entry point (``streamlit run streamlit_app.py``): a router and the shared frame only.

Each run: page config → language → idle timeout → reload the signed-in actor by id → register the
pages for that actor's role → shared sidebar → the selected page, or the sign-in form when signed
out, or the "choose a new password" form while the actor's password must be changed (no menu either),
or a refusal when the role may not open the page. Pages live in ``app_pages/``; the frame they
share in ``app_pages/frame/``.
"""

import streamlit as st

from app_pages import frame, sign_in
from app_pages.frame import focus, session_cookie
from app_pages.frame.autosave import flush_all
from app_pages.frame.lang import sync_lang_query_param
from app_pages.frame.sidebar import show_sidebar
from tracker.logs import configure_logging

configure_logging()  # once per process: later reruns find the handler in place

_ = frame.translator()
st.set_page_config(page_title=_("Candidate assessment tracker"), page_icon=":material/fact_check:", layout="wide")
sync_lang_query_param()
session_cookie.restore_or_check()  # stay signed in across reloads and restarts (issue #18)
frame.enforce_timeout()
actor = frame.current_actor()
navigation = frame.build_navigation(actor)
# Always "hidden": the sidebar draws the menu itself, with list semantics (app_pages/frame/a11y.py).
page = st.navigation(navigation.sections, position="hidden")
show_sidebar(actor, navigation if actor and not actor.must_change_password else None)
# One container, always drawn, holds what only some runs draw (a flash, the cookie's and the focus's
# scripts): without it, the page's elements move up or down by one from one run to the next, and the
# browser redraws them from scratch (the candidates page's tabs went back to the first tab on a rerun).
frame_slot = st.container()
with frame_slot:
    frame.show_flash()
    session_cookie.emit_browser_steps()

if actor is None:
    sign_in.show()
elif actor.must_change_password:
    sign_in.show_password_change(actor)
elif navigation.spec_for(page).allows(actor.role):
    flush_all()  # a note box's last words, sent with the click that left its page (issue #18)
    with frame_slot:
        focus.apply(page.url_path)  # focus: the page's h1 after navigation, or the control a page asked for
    page.run()
else:
    frame.show_refusal(actor, navigation.spec_for(page))
