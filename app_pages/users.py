"""Users: accounts, roles, passwords, unlocking. Administrators only."""

import streamlit as st

from app_pages import frame
from tracker.models import Role

actor = frame.require_roles(Role.admin)
_ = frame.translator()
st.title(_("Users"))
st.info(_("This page is being built."))
