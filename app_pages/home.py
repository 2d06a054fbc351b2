"""Home: who is signed in and the pages their role opens. Everyone."""

import streamlit as st

from app_pages import frame
from tracker.models import Role

actor = frame.require_roles(Role.admin, Role.manager, Role.interviewer)
_ = frame.translator()
st.title(_("Candidate assessment tracker"))
st.markdown(_("Welcome, **{name}**.", name=frame.escape_markdown(actor.display_name)))
st.caption(_("You are signed in as: {role}.", role=frame.role_label(actor.role)))
for spec in frame.visible_pages(actor.role):
    if spec.key != "home":
        st.page_link(spec.relative_path, label=_(spec.title), icon=spec.icon)
