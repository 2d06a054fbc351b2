"""Results (issue #5): merit view, panel agreement, interviewer calibration, completeness, charts,
candidate documents and exports of one posting. The posting's hiring manager and administrators only.

Three locks: the router does not run this page for an interviewer, :func:`frame.require_roles` refuses
anyone else who reaches it, and every load goes through ``require_results_access`` in the services
(so a manager sees only the postings they own). One view is computed per run — the one picked in the
segmented control — and its figures are cached (see :mod:`app_pages._results_data`), which keeps a
2,000-candidate posting's rerun well under a second.
"""

import streamlit as st

from app_pages import _common as common
from app_pages import _results_data as data
from app_pages import _results_files, _results_merit, _results_views, frame
from app_pages._results_text import VIEWS
from tracker.models import Role
from tracker.results.data import latest_change
from tracker.services import postings

QUERY_KEY = "posting"
VIEW_KEY = "results_view"
POSTING_KEY = "results_posting"

actor = frame.require_roles(Role.admin, Role.manager)
_ = frame.translator()
st.title(_("Results"))

summaries = frame.service_call(postings.list_postings, actor)
if summaries is None:
    st.stop()
mine = common.managed_postings(actor, summaries)
if not mine:
    st.info(_("You do not own a posting yet: results appear here for the postings you manage."))
    st.stop()

# The posting shared with the other hiring pages, or the one a link (or a reload) names: ?posting=<id>.
# Labels are computed here, in this run's language, so the selectbox's format_func is a plain lookup.
labels = {s.id: f"{common.posting_title(s)} · {s.translation_key}" for s in mine}
wanted = st.query_params.get(QUERY_KEY, "")
if st.session_state.get(POSTING_KEY) not in labels:
    remembered = int(wanted) if wanted.isdigit() else st.session_state.get(common.SELECTED_POSTING_KEY)
    st.session_state[POSTING_KEY] = remembered if remembered in labels else next(iter(labels))
top = st.columns([4, 2, 1], vertical_alignment="bottom")
posting_id = top[0].selectbox(_("Posting"), list(labels), key=POSTING_KEY, format_func=labels.__getitem__)
st.session_state[common.SELECTED_POSTING_KEY] = posting_id
st.query_params[QUERY_KEY] = str(posting_id)
anonymised = top[1].toggle(
    _("Anonymised"), key="results_anonymised",
    help=_("Show candidates' labels (“Candidate 07”) instead of their names, here and in the exports."),
)  # fmt: skip
top[2].button(
    _("Refresh"), key="results_refresh", on_click=data.clear, icon=":material/refresh:",
    help=_("Figures follow every saved change from your next click on; refresh to recompute them now."),
)  # fmt: skip

view = st.segmented_control(
    _("View"), list(VIEWS), key=VIEW_KEY, default="merit", required=True,
    format_func=lambda key: _(VIEWS[key]), label_visibility="collapsed",
)  # fmt: skip
# The posting's revision is part of every cache key: figures are recomputed once a write has committed.
changed = frame.service_call(latest_change, actor, posting_id=posting_id)
if changed is None:
    st.stop()
scope = data.Scope.of(actor, posting_id, anonymised=anonymised, changed=changed)
if view == "agreement":
    _results_views.show_agreement(actor, scope)
elif view == "calibration":
    _results_views.show_calibration(actor, scope)
elif view == "completeness":
    _results_views.show_completeness(actor, scope)
elif view == "charts":
    _results_views.show_charts(actor, scope)
elif view == "files":
    _results_files.show(actor, scope)
else:
    _results_merit.show(actor, scope)
