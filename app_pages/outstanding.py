"""Outstanding work (issue #4 §10): what each interviewer still owes; per posting for managers. Everyone."""

import streamlit as st

from app_pages import frame
from tracker.models import Role

actor = frame.require_roles(Role.admin, Role.manager, Role.interviewer)
_ = frame.translator()
st.title(_("Outstanding work"))
st.info(_("This page is being built."))
