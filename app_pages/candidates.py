"""Candidates and panels (issue #4 §6): candidates, CSV import, interviewers and a chair. Managers, admins."""

import streamlit as st

from app_pages import frame
from tracker.models import Role

actor = frame.require_roles(Role.admin, Role.manager)
_ = frame.translator()
st.title(_("Candidates and panels"))
st.info(_("This page is being built."))
