"""Audit log (issue #4 §9): every recorded change, filterable by posting, action, person and dates, with a
CSV download. Administrators see everything; a manager sees the events of the postings they own.

Read-only by design: this page offers no way to change or delete an event, and the service has none.
"""

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from app_pages import _common as common
from app_pages import frame
from tracker import exports, timefmt
from tracker.i18n import N_
from tracker.labels import relabel
from tracker.models import Role
from tracker.services import audit, postings

ACTION_FAMILIES = {
    "account.": N_("Sign-ins and lockouts"),
    "user.": N_("User accounts"),
    "posting.": N_("Postings"),
    "rubric.": N_("Rubrics"),
    "panel.": N_("Panels"),
    "candidate.": N_("Candidates"),
    "declaration.": N_("Declarations"),
    "scorecard.": N_("Scorecards"),
    "score.": N_("Draft scores"),
    "consensus.": N_("Consensus"),
    "decision.": N_("Decisions"),
}
LIMITS = (100, 500, 1000, 5000)
DETAILS_IN_TABLE = 300  # characters of before/after shown per row; the CSV has all of it

actor = frame.require_roles(Role.admin, Role.manager)
_ = frame.translator()
st.title(_("Audit log"))
st.caption(
    _("Every change made through the tracker is recorded here: who, what and when. The log is append-only: nobody, "
      "administrators included, can change or delete an entry. Candidates appear only by their label.")
)
if actor.role == Role.manager:
    st.caption(_("You see the events of the postings you own."))

summaries = frame.service_call(postings.list_postings, actor)
if summaries is None:
    st.stop()
keys = {s.id: s.translation_key for s in summaries}
choosable = {s.id: s for s in common.managed_postings(actor, summaries)}

top = st.columns([3, 2, 2])
posting_id = top[0].selectbox(
    _("Posting"), [None, *choosable], key="audit_posting",
    format_func=lambda pid: _("All postings") if pid is None else f"{common.posting_title(choosable[pid])} · {keys[pid]}",
)
family = top[1].selectbox(
    _("Kind of action"), [None, *ACTION_FAMILIES], key="audit_action",
    format_func=lambda a: _("All actions") if a is None else common.label(ACTION_FAMILIES, a),
)
typed_action = top[2].text_input(
    _("Action name starts with"), key="audit_action_name", placeholder="rubric.lock",
    help=_("For one precise action; when filled, it replaces the kind of action."),
)
bottom = st.columns([3, 2, 2])
who = bottom[2].text_input(_("Person's e-mail contains"), key="audit_actor")
today = timefmt.local(datetime.now(UTC)).date()  # the organisation's day, as the table shows it
period = bottom[0].date_input(_("Between"), value=(today - timedelta(days=30), today), key="audit_period", format="YYYY-MM-DD")
limit = bottom[1].selectbox(_("At most"), LIMITS, index=1, key="audit_limit")

# While the second date of the range is being picked the widget returns one date: use it for both ends.
picked = list(period) if isinstance(period, tuple | list) else [period]
start = picked[0] if picked else None
end = picked[-1] if picked else None
# Days in the organisation's zone (TRACKER_TIMEZONE), the zone the table's times are shown in (#21 §4).
since = datetime.combine(start, time.min, timefmt.org_zone()) if start else None
until = datetime.combine(end + timedelta(days=1), time.min, timefmt.org_zone()) if end else None

events = frame.service_call(
    audit.list_events, actor, posting_id=posting_id, action=typed_action.strip() or family,
    actor_email=who.strip() or None, since=since, until=until, limit=limit,
)
if events is None:
    st.stop()


def details(before: Any, after: Any) -> str:
    if before is None and after is None:
        return ""
    parts = {}
    if before is not None:
        parts["before"] = before
    if after is not None:
        parts["after"] = after
    return json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)


rows = {
    _("When"): [common.format_moment(e.at) for e in events],
    _("Who"): [e.actor_email or "—" for e in events],
    _("Action"): [e.action for e in events],
    _("Entity"): [f"{e.entity_type} {e.entity_id}" if e.entity_id is not None else e.entity_type for e in events],
    _("Posting"): [keys.get(e.posting_id, str(e.posting_id)) if e.posting_id is not None else "" for e in events],
    _("Candidate"): [frame.candidate_label(e.candidate_label) for e in events],
    _("Reason"): [relabel(e.reason or "", frame.current_lang()) for e in events],
}
full = pd.DataFrame({**rows, _("Details"): [_("(withheld: a colleague's draft, or blind scoring)") if e.withheld else relabel(details(e.before, e.after), frame.current_lang()) for e in events]})
shown = pd.DataFrame(
    {**rows, _("Details"): [d if len(d) <= DETAILS_IN_TABLE else d[: DETAILS_IN_TABLE - 1] + "…" for d in full[_("Details")]]}
)

st.markdown(_.ngettext("**{n}** event", "**{n}** events", len(events)))
if len(events) == limit:
    # markdown-safe: limit is a number
    st.caption(_("Only the newest {limit} events are shown; narrow the filters to see older ones.", limit=limit))
st.dataframe(shown, hide_index=True)
st.download_button(
    _("Download these events (CSV)"), exports.to_csv_bytes(full), file_name=f"audit-log-{today.isoformat()}.csv",
    mime="text/csv", key="audit_download", icon=":material/download:", disabled=not events,
    help=_("Cells that a spreadsheet would run as a formula are prefixed with an apostrophe."),
)
