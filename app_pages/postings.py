"""Postings (issue #4 §4): upload or import postings, the per-file report, each posting's state. Admins, managers."""

import streamlit as st

from app_pages import frame
from tracker.models import Role

actor = frame.require_roles(Role.admin, Role.manager)
_ = frame.translator()
st.title(_("Postings"))
st.info(_("This page is being built."))
