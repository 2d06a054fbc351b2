"""The server entry point: ``streamlit run serve.py`` (``make run``, the browser tests).

``streamlit_app.py`` is the dashboard; this wraps it in ``st.App`` so that the two small routes
that set and clear the "stay signed in" cookie (HttpOnly, so only a server route can set it) run
beside Streamlit's own (see ``app_pages/frame/session_cookie.py``). ``streamlit run
streamlit_app.py`` still works, without "stay signed in".
"""

import streamlit as st

from app_pages.frame.session_cookie import cookie_routes

app = st.App("streamlit_app.py", routes=cookie_routes())
