"""My scorecards (issue #4 §7): the queue of candidates to score, the declaration, the scoring form.

Everyone may open it (managers sit on panels too); the services decide per posting and candidate.
The candidate being scored is kept in the URL (``?candidate=<id>``) so a reload, or signing in again
after one, comes back to the same scorecard; its values come back from the database
(see :mod:`app_pages._scoring_form`).
"""

from __future__ import annotations

import streamlit as st

from app_pages import frame
from app_pages._scoring_form import flush_pending, scorecard_fragment
from app_pages._scoring_text import posting_title
from app_pages.frame import focus
from app_pages.frame.auth import FLASH_KEY
from tracker.i18n import N_
from tracker.models import Lang, Role, ScorecardStatus
from tracker.services import scoring
from tracker.services.scoring import QueueItem

CURRENT_KEY = "scoring_candidate"  # the candidate id being scored in this browser session
LAST_QUEUE_KEY = "scoring_last_queue"  # the queue last read, drawn again while the database cannot be reached
QUERY_KEY = "candidate"
NEXT_KEY = "scoring_next"
LANGUAGE_NAMES = {Lang.en: N_("English"), Lang.fr: N_("French")}

actor = frame.require_roles(Role.admin, Role.manager, Role.interviewer)
_ = frame.translator()
st.title(_("My scorecards"))


def status_text(item: QueueItem) -> str:
    if item.has_conflict:
        return _("Conflict of interest declared")
    if not item.declared:
        return _("Declaration needed")
    if item.scorecard_status == ScorecardStatus.submitted:
        return _("Submitted")
    if item.scorecard_status == ScorecardStatus.draft:
        return _("Draft")
    return _("Not started")


def queue_words(queue: list[QueueItem]) -> tuple[dict[int, str], dict[int, str]]:
    """Each candidate's status and posting title, in words, made once per distinct value.

    A queue can hold a 2,000-candidate posting and the page reruns on every click: reading the
    language from the session and the catalog once per row cost more than the database query.
    """
    statuses: dict[tuple[bool, bool, ScorecardStatus | None], str] = {}
    titles: dict[int, str] = {}
    status_of: dict[int, str] = {}
    title_of: dict[int, str] = {}
    for item in queue:
        key = (item.has_conflict, item.declared, item.scorecard_status)
        if key not in statuses:
            statuses[key] = status_text(item)
        if item.posting_id not in titles:
            titles[item.posting_id] = posting_title(item.posting_title_en, item.posting_title_fr)
        status_of[item.candidate_id] = statuses[key]
        title_of[item.candidate_id] = titles[item.posting_id]
    return status_of, title_of


def needs_work(item: QueueItem) -> bool:
    return not item.has_conflict and item.scorecard_status != ScorecardStatus.submitted


def initial_pick(queue: list[QueueItem]) -> int:
    """The URL's candidate when it is in the queue, else the first one still to score."""
    ids = {item.candidate_id for item in queue}
    wanted = st.query_params.get(QUERY_KEY, "")
    if wanted.isdigit() and int(wanted) in ids:
        return int(wanted)
    return next((item.candidate_id for item in queue if needs_work(item)), queue[0].candidate_id)


def next_to_score(queue: list[QueueItem], current: int) -> int | None:
    """The next candidate after ``current`` (wrapping round) that the member can still score: not one
    with a declared conflict of interest, nor one whose scorecard is submitted. None when none is left."""
    ids = [item.candidate_id for item in queue]
    position = ids.index(current)
    for item in queue[position + 1 :] + queue[:position]:
        if needs_work(item):
            return item.candidate_id
    return None


def go_next(user_id: int, card_id: int | None, next_id: int) -> None:
    """Save anything still pending in the form, then move on (a callback: runs before the page)."""
    flush_pending(user_id, card_id)
    st.session_state[CURRENT_KEY] = next_id


def show_queue(queue: list[QueueItem], status_of: dict[int, str], title_of: dict[int, str]) -> None:
    owed = [item for item in queue if not item.has_conflict]
    done = sum(1 for item in owed if item.scorecard_status == ScorecardStatus.submitted)
    st.progress(
        done / len(owed) if owed else 1.0,
        text=_("{done} of {total} scorecards submitted", done=done, total=len(owed)),
    )
    rows = {
        _("Posting"): [title_of[item.candidate_id] for item in queue],
        _("Candidate"): [item.candidate_label for item in queue],
        _("Name"): [item.candidate_name for item in queue],
        _("Status"): [status_of[item.candidate_id] for item in queue],
        _("Rated"): [f"{item.rated} / {item.total}" for item in queue],
    }
    with st.expander(_("Queue"), expanded=len(queue) <= 12, icon=":material/list:"):
        st.dataframe(rows, hide_index=True, width="stretch")


def declaration_form(item: QueueItem) -> None:
    """Before the first score: no conflict of interest, and the assessment language (the candidate's)."""
    label = frame.escape_markdown(item.candidate_label)
    chosen = _(LANGUAGE_NAMES[item.candidate_language])
    st.markdown(_("Before you score **{label}**, make your declaration.", label=label))
    with st.form(f"declaration_{item.candidate_id}"):
        conflict = st.radio(
            _("Conflict of interest"),
            options=[False, True],
            index=None,
            format_func=lambda value: _("I have a conflict of interest with this candidate")
            if value
            else _("I have no conflict of interest with this candidate"),
            key=f"declaration_conflict_{item.candidate_id}",
        )
        language = st.radio(
            _("Language of the assessment"),
            options=[Lang.en, Lang.fr],
            index=[Lang.en, Lang.fr].index(item.candidate_language),
            format_func=lambda code: _(LANGUAGE_NAMES[Lang(code)]),
            horizontal=True,
            key=f"declaration_language_{item.candidate_id}",
        )
        st.caption(_("{label} chose {language} for the assessment.", label=label, language=chosen))
        note = st.text_area(
            _("Note for the hiring manager (only with a conflict of interest)"),
            max_chars=scoring.MAX_REASON,
            key=f"declaration_note_{item.candidate_id}",
        )
        submitted = st.form_submit_button(_("Save my declaration"), type="primary")
    if not submitted:
        return
    if conflict is None:
        st.error(_("Say whether you have a conflict of interest with this candidate."))
        return
    if not conflict and language != item.candidate_language:
        st.error(
            _("{label} chose {language} for the assessment: declare {language}, or tell the hiring manager that "
              "you cannot assess in {language} so they can change the panel.", label=label, language=chosen)
        )  # fmt: skip
        return
    declared = frame.service_call(
        scoring.declare, actor, candidate_id=item.candidate_id, has_conflict=conflict, language=language,
        note=note if conflict else "", write=True,
    )  # fmt: skip
    if declared is None:
        return
    if conflict:
        message = _("Conflict of interest declared: you are off the panel for {label}.", label=label)
        focus.focus_next(focus.BUTTON, _("Next candidate"))
    else:
        if frame.service_call(scoring.open_scorecard, actor, candidate_id=item.candidate_id, write=True) is None:
            return
        message = _("Declaration saved. You can score {label} now.", label=label)
        focus.focus_next(focus.FIRST_RATING)
    st.session_state[FLASH_KEY] = ("success", message)
    st.rerun()


queue = frame.service_call(scoring.my_queue, actor)
if queue is None:
    # The database cannot be reached (issue #22): go on with the queue last read, so that the scoring
    # form below stays drawn with what was typed in it; nothing is saved until the database answers.
    queue = st.session_state.get(LAST_QUEUE_KEY)
    if queue is None:
        st.stop()
else:
    st.session_state[LAST_QUEUE_KEY] = queue
if not queue:
    st.info(_("You have no candidates to score: you are not on a panel yet, or its candidates are not added yet."))
    st.stop()

status_of, title_of = queue_words(queue)
show_queue(queue, status_of, title_of)
by_id = {item.candidate_id: item for item in queue}
order = [item.candidate_id for item in queue]
if st.session_state.get(CURRENT_KEY) not in by_id:
    st.session_state[CURRENT_KEY] = initial_pick(queue)
current = st.session_state[CURRENT_KEY]

# Unkeyed on purpose: its identity follows its labels and index, so a language switch or "Next
# candidate" gives a fresh widget showing CURRENT_KEY, never a stale choice.
picked = st.selectbox(
    _("Candidate to score"),
    options=order,
    index=order.index(current),
    format_func=lambda cid: f"{by_id[cid].candidate_label} — {by_id[cid].candidate_name} · {status_of[cid]}",
)
if picked is not None and picked != current:
    current = st.session_state[CURRENT_KEY] = picked
st.query_params[QUERY_KEY] = str(current)
item = by_id[current]

st.subheader(f"{frame.escape_markdown(item.candidate_label)} — {frame.escape_markdown(item.candidate_name)}")
st.caption(frame.escape_markdown(posting_title(item.posting_title_en, item.posting_title_fr)))

card_id: int | None = None
if item.has_conflict:
    st.warning(
        _("You declared a conflict of interest with {label}, so you are off their panel and do not score them. "
          "The hiring manager can see your declaration.", label=frame.escape_markdown(item.candidate_label)),
        icon=":material/block:",
    )  # fmt: skip
elif not item.declared:
    declaration_form(item)
else:
    card_id = item.scorecard_id
    if card_id is None:
        opened = frame.service_call(scoring.open_scorecard, actor, candidate_id=item.candidate_id, write=True)
        card_id = opened.id if opened is not None else None
    if card_id is not None:
        scorecard_fragment(actor.id, card_id)

next_id = next_to_score(queue, current)
st.button(
    _("Next candidate"),
    key=NEXT_KEY,
    icon=":material/skip_next:",
    disabled=next_id is None,
    on_click=go_next,
    args=(actor.id, card_id, next_id),
)
