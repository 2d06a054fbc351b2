"""Outstanding work (issue #4 §10): what each interviewer still owes; per posting for its managers.

Everyone sees their own debts (managers sit on panels too). Hiring managers and administrators also
pick one of the postings they manage and see which scorecards are missing or still drafts, and for
how long. The services decide who may see a posting's table. At 10,000 applications (issue #19) the
page shows counts per posting and status, then one page of the items, oldest first.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from app_pages import _paging, frame
from app_pages._scoring_text import OWED_STATUS_LABELS, age_text, local_datetime, posting_title
from app_pages.frame.registry import page_spec
from tracker.models import Role
from tracker.services import outstanding, postings

actor = frame.require_roles(Role.admin, Role.manager, Role.interviewer)
_ = frame.translator()
st.title(_("Outstanding work"))
SCORING = page_spec("scoring")
PAGE_SIZE = 25  # rows (and links) per page of what is owed
MINE, PER_POSTING = "outstanding_mine", "outstanding_per_posting"


def status_text(status: str) -> str:
    return _(OWED_STATUS_LABELS.get(status, status))


def counts_table(overview: outstanding.Overview[Any]) -> None:
    """One row per posting: how many scorecards are owed, by status (the whole list, in counts)."""
    st.dataframe(
        [
            {
                _("Posting"): posting_title(c.posting_title_en, c.posting_title_fr),
                _("Not started"): c.missing,
                _("Draft"): c.drafts,
                _("Total"): c.total,
            }
            for c in overview.counts
        ],
        hide_index=True,
        width="stretch",
    )


def my_debts() -> None:
    st.subheader(_("What I still owe"))
    overview = frame.service_call(outstanding.owed_overview, actor, page=_paging.requested(MINE, PAGE_SIZE))
    if overview is None:
        return
    if not overview.total:
        st.success(_("Nothing outstanding: every scorecard you owe is submitted."), icon=":material/task_alt:")
        return
    st.markdown(
        _.ngettext("You owe {n} scorecard", "You owe {n} scorecards", overview.total)
        + " "
        + _("({missing} not started, {drafts} drafts).", missing=frame.format_number(overview.missing), drafts=frame.format_number(overview.drafts))
    )
    if len(overview.counts) > 1:
        counts_table(overview)
    # One page of what is owed, oldest first: a chair owing 8,000 scorecards gets 25 links, not 8,000 (#19).
    st.dataframe(
        [
            {
                _("Posting"): posting_title(item.posting_title_en, item.posting_title_fr),
                _("Candidate"): item.candidate_label,
                _("Status"): status_text(item.status),
                _("Since"): local_datetime(item.since),
                _("Waiting for"): age_text(item.since),
            }
            for item in overview.page.items
        ],
        hide_index=True,
        width="stretch",
    )
    _paging.pager(MINE, overview.page)
    for item in overview.page.items:
        st.page_link(
            SCORING.relative_path,
            label=_("Score {label} ({posting})", label=item.candidate_label,
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
        on_change=_paging.reset,
        args=(PER_POSTING,),
    )
    overview = frame.service_call(
        outstanding.posting_overview, actor, posting_id=posting_id, page=_paging.requested(PER_POSTING, PAGE_SIZE)
    )
    if overview is None:
        return
    if not overview.total:
        st.success(_("Every panel member has submitted every scorecard of this posting."), icon=":material/task_alt:")
        return
    st.markdown(_("{missing} missing, {drafts} still drafts; the oldest first.", missing=frame.format_number(overview.missing),
                  drafts=frame.format_number(overview.drafts)))  # fmt: skip
    st.dataframe(
        [
            {
                _("Interviewer"): row.interviewer_name,
                _("Candidate"): row.candidate_label,
                _("Status"): status_text(row.status),
                _("Since"): local_datetime(row.since),
                _("Waiting for"): age_text(row.since),
            }
            for row in overview.page.items
        ],
        hide_index=True,
        width="stretch",
    )
    _paging.pager(PER_POSTING, overview.page)


# Administrators never sit on panels (the panels service refuses them), so they owe nothing themselves.
if actor.role != Role.admin:
    my_debts()
if actor.role in (Role.admin, Role.manager):
    posting_debts()
