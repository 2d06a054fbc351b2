"""Results (issue #5): merit view, agreement, calibration, reports and exports. Managers, admins."""

import streamlit as st

from app_pages import frame
from tracker.models import Role

actor = frame.require_roles(Role.admin, Role.manager)
_ = frame.translator()
st.title(_("Results"))
st.info(_("This page is being built."))
