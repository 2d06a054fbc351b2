"""Rubric (issue #4 §5): criteria EN/FR side by side, the rating scale, sections, lock. Managers, admins."""

import streamlit as st

from app_pages import frame
from tracker.models import Role

actor = frame.require_roles(Role.admin, Role.manager)
_ = frame.translator()
st.title(_("Rubric"))
st.info(_("This page is being built."))
