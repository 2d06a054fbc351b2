"""Audit log (issue #4 §9): filterable; admins see everything, managers their own postings."""

import streamlit as st

from app_pages import frame
from tracker.models import Role

actor = frame.require_roles(Role.admin, Role.manager)
_ = frame.translator()
st.title(_("Audit log"))
st.info(_("This page is being built."))
