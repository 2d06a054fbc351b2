"""Home: who is signed in, what to do next for their role, and links to the pages they may open.

Two service calls at most (what the user owes; the postings they manage), both bounded by the
user's own work rather than by the size of the database.
"""

import streamlit as st

from app_pages import frame
from app_pages.frame.registry import page_spec
from tracker.models import Role
from tracker.services import outstanding, postings
from tracker.services.paging import PageRequest

actor = frame.require_roles(Role.admin, Role.manager, Role.interviewer)
_ = frame.translator()
st.title(_("Candidate assessment tracker"))
st.markdown(_("Welcome, **{name}**.", name=frame.escape_markdown(actor.display_name)))
st.caption(_("You are signed in as: {role}.", role=frame.role_label(actor.role)))


def link(key: str, label: str) -> None:
    spec = page_spec(key)
    st.page_link(spec.relative_path, label=label, icon=spec.icon)


st.subheader(_("What to do next"))

# Administrators never sit on panels, so only the others owe scorecards.
if actor.role != Role.admin:
    # Counts only (issue #19): the items themselves are on Outstanding work, one page at a time.
    overview = frame.service_call(outstanding.owed_overview, actor, page=PageRequest(1, 1))
    owed = None if overview is None else overview.total
    if overview is not None and overview.total:
        st.info(
            _.ngettext("You have {n} scorecard to finish", "You have {n} scorecards to finish", overview.total)
            + " "
            + _("({missing} not started, {drafts} drafts).", missing=frame.format_number(overview.missing), drafts=frame.format_number(overview.drafts)),
            icon=":material/rate_review:",
        )
        link("scoring", _("Continue scoring"))
    elif owed is not None:
        st.success(_("Nothing to score right now."), icon=":material/task_alt:")

if actor.role in (Role.admin, Role.manager):
    summaries = frame.service_call(postings.list_postings, actor)
    managed = [p for p in summaries or [] if actor.is_admin or p.owner_id == actor.id]
    if not managed:
        st.info(_("No posting yet: start by uploading a job posting."), icon=":material/upload_file:")
        link("postings", _("Upload postings"))
    else:
        columns = st.columns(3)
        columns[0].metric(_("Postings"), len(managed))
        columns[1].metric(_("Candidates"), sum(p.candidates for p in managed))
        columns[2].metric(
            _("Scorecards submitted"),
            f"{sum(p.scorecards_submitted for p in managed)} / {sum(p.scorecards_total for p in managed)}",
        )
        link("outstanding", _("See what is still missing"))

st.subheader(_("Pages"))
for spec in frame.visible_pages(actor.role):
    if spec.key != "home":
        st.page_link(spec.relative_path, label=_(spec.title), icon=spec.icon)
