"""Outstanding work (issue #4 §10): what each interviewer still owes; per posting for its managers.

Everyone sees their own debts (managers sit on panels too). Hiring managers and administrators also
pick one of the postings they manage and see which scorecards are missing or still drafts, and for
how long. The services decide who may see a posting's table.
"""

from __future__ import annotations

import streamlit as st

from app_pages import frame
from app_pages._scoring_text import OWED_STATUS_LABELS, age_text, local_datetime, posting_title
from app_pages.frame.registry import page_spec
from tracker.models import Role
from tracker.services import outstanding, postings

actor = frame.require_roles(Role.admin, Role.manager, Role.interviewer)
_ = frame.translator()
st.title(_("Outstanding work"))
SCORING = page_spec("scoring")


def status_text(status: str) -> str:
    return _(OWED_STATUS_LABELS.get(status, status))


def my_debts() -> None:
    st.subheader(_("What I still owe"))
    owed = frame.service_call(outstanding.owed_by_me, actor)
    if owed is None:
        return
    if not owed:
        st.success(_("Nothing outstanding: every scorecard you owe is submitted."), icon=":material/task_alt:")
        return
    missing = sum(1 for item in owed if item.status == outstanding.MISSING)
    st.markdown(
        _.ngettext("You owe {n} scorecard", "You owe {n} scorecards", len(owed))
        + " "
        + _("(not started: {missing}; drafts: {drafts}).", missing=missing, drafts=len(owed) - missing)
    )
    st.dataframe(
        [
            {
                _("Posting"): posting_title(item.posting_title_en, item.posting_title_fr),
                _("Candidate"): frame.candidate_label(item.candidate_label),
                _("Status"): status_text(item.status),
                _("Since"): local_datetime(item.since),
                _("Waiting for"): age_text(item.since),
            }
            for item in owed
        ],
        hide_index=True,
        width="stretch",
    )
    for item in owed:
        st.page_link(
            SCORING.relative_path,
            label=_("Score {label} ({posting})", label=frame.candidate_label(item.candidate_label),
                    posting=frame.escape_markdown(posting_title(item.posting_title_en, item.posting_title_fr))),
            icon=SCORING.icon,
            query_params={"candidate": str(item.candidate_id)},
        )  # fmt: skip


def posting_debts() -> None:
    st.subheader(_("Per posting"))
    summaries = frame.service_call(postings.list_postings, actor)
    if summaries is None:
        return
    managed = [p for p in summaries if actor.is_admin or p.owner_id == actor.id]
    if not managed:
        st.info(_("You do not manage a posting yet."))
        return
    by_id = {p.id: p for p in managed}
    posting_id = st.selectbox(
        _("Posting"),
        options=list(by_id),
        format_func=lambda pid: posting_title(by_id[pid].title_en, by_id[pid].title_fr),
        key="outstanding_posting",
    )
    rows = frame.service_call(outstanding.outstanding_for_posting, actor, posting_id=posting_id)
    if rows is None:
        return
    if not rows:
        st.success(_("Every panel member has submitted every scorecard of this posting."), icon=":material/task_alt:")
        return
    missing = sum(1 for row in rows if row.status == outstanding.MISSING)
    st.markdown(_("Missing: {missing}; still drafts: {drafts}; the oldest first.", missing=missing,
                  drafts=len(rows) - missing))  # fmt: skip
    st.dataframe(
        [
            {
                _("Interviewer"): row.interviewer_name,
                _("Candidate"): frame.candidate_label(row.candidate_label),
                _("Status"): status_text(row.status),
                _("Since"): local_datetime(row.since),
                _("Waiting for"): age_text(row.since),
            }
            for row in rows
        ],
        hide_index=True,
        width="stretch",
    )


# Administrators never sit on panels (the panels service refuses them), so they owe nothing themselves.
if actor.role != Role.admin:
    my_debts()
if actor.role in (Role.admin, Role.manager):
    posting_debts()
