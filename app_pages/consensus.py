"""Consensus (issue #4 §8): per candidate, every rating and the agreed one. Panel chairs (interviewers) and managers."""

import streamlit as st

from app_pages import frame
from tracker.models import Role

actor = frame.require_roles(Role.admin, Role.manager, Role.interviewer)
_ = frame.translator()
st.title(_("Consensus"))
st.info(_("This page is being built."))
