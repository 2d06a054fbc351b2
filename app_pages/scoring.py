"""My scorecards (issue #4 §7): the interviewer's queue and scoring form. Everyone: managers and admins sit on panels too."""

import streamlit as st

from app_pages import frame
from tracker.models import Role

actor = frame.require_roles(Role.admin, Role.manager, Role.interviewer)
_ = frame.translator()
st.title(_("My scorecards"))
st.info(_("This page is being built."))
