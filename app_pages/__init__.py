"""The dashboard's pages (UI only: every rule lives in ``tracker.services``).

Each page is a script run by ``streamlit_app.py`` through ``st.navigation``; the shared frame
(sign-in, language, guard, service calls, safe rendering) is :mod:`app_pages.frame`.
"""
