"""Consensus (issue #4 §8): per candidate, every interviewer's rating and notes, the spread, the agreed rating.

The chair runs it (a chair is an interviewer), or the posting's hiring manager (when the chair has a
conflict with the candidate); the services refuse everyone else and keep the board closed until every
panel member without a conflict has submitted. Individual ratings are never changed by a consensus.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from app_pages import _paging, frame
from app_pages._common import SELECTED_POSTING_KEY
from app_pages._scoring_form import attempt_as, scale_expander
from app_pages._scoring_text import (
    NOT_ASSESSED,
    criterion_heading,
    level_descriptor,
    level_label,
    local_datetime,
    posting_title,
    rating_text,
    show_criterion_text,
    split_choice,
)
from app_pages.frame.auth import FLASH_KEY
from tracker.models import CriterionKind, Justification, Role, ScorecardStatus
from tracker.services import candidates, consensus, panels, postings, rubrics, scoring
from tracker.services.consensus import JUSTIFICATION_WORDS, ConsensusBoard, ConsensusRow
from tracker.services.errors import ConflictError, TrackerError
from tracker.services.postings import PostingSummary
from tracker.services.rubrics import LevelPublic

SPREAD_FLAG = 2  # a spread of two points or more is discussed before agreeing
POSTING_KEY = "consensus_posting"

actor = frame.require_roles(Role.admin, Role.manager, Role.interviewer)
_ = frame.translator()
st.title(_("Consensus"))


def choose_posting() -> PostingSummary | None:
    summaries = frame.service_call(postings.list_postings, actor)
    if summaries is None:
        st.stop()
    if not summaries:
        st.info(_("You do not chair a panel or manage a posting yet, so there is no consensus to record."))
        return None
    by_id = {p.id: p for p in summaries}
    # Remembered across visits (issue #19): Streamlit forgets a widget's value when its page is left,
    # so the choice is kept in the posting shared by the other pages (a plain key, an id only).
    if st.session_state.get(POSTING_KEY) not in by_id:
        remembered = st.session_state.get(SELECTED_POSTING_KEY)
        st.session_state[POSTING_KEY] = remembered if remembered in by_id else next(iter(by_id))
    picked = st.selectbox(
        _("Posting"),
        options=list(by_id),
        format_func=lambda pid: posting_title(by_id[pid].title_en, by_id[pid].title_fr),
        key=POSTING_KEY,
    )
    if picked is not None:
        st.session_state[SELECTED_POSTING_KEY] = picked
    return by_id.get(picked) if picked is not None else None


def may_run_consensus(posting: PostingSummary) -> bool:
    """Say plainly who runs the consensus when the actor does not (the service is the real check)."""
    if actor.is_admin or posting.owner_id == actor.id:
        return True
    panel = frame.service_call(panels.get_panel, actor, posting_id=posting.id)
    if panel is None:
        st.stop()
    if any(member.user_id == actor.id and member.is_chair for member in panel):
        return True
    chairs = ", ".join(frame.escape_markdown(m.display_name) for m in panel if m.is_chair) or "—"
    st.info(_("The chair of this panel ({chairs}) or its hiring manager records the consensus.", chairs=chairs))
    return False


def choose_candidate(posting_id: int) -> int | None:
    """A search box and a picker of at most one page of candidates (issue #19), the current one kept."""
    find_key = f"consensus_find_{posting_id}"
    query = _paging.search_box(find_key, _("Find a candidate"))
    found = frame.service_call(
        candidates.search_candidates, actor, posting_id=posting_id, query=query, page=_paging.requested(find_key)
    )
    if found is None:
        st.stop()
    if not found.total and not query.strip():
        st.info(_("This posting has no candidates yet."))
        return None
    by_id = {c.id: c for c in found.items}
    key = f"consensus_candidate_{posting_id}"
    current = st.session_state.get(key)
    if current is not None and current not in by_id:  # chosen before the search: keep it on offer
        kept = frame.service_call(candidates.get_candidate, actor, candidate_id=current)
        if kept is not None:
            by_id = {kept.id: kept, **by_id}
    if not by_id:
        st.caption(_("No candidate matches this search."))
        return None
    return st.selectbox(
        _("Candidate"),
        options=list(by_id),
        format_func=lambda cid: f"{by_id[cid].label} — {by_id[cid].name}",
        key=key,
    )


def show_ratings(row: ConsensusRow, levels: list[LevelPublic]) -> None:
    for rating in row.ratings:
        line = _("**{name}**: {rating}", name=frame.escape_markdown(rating.interviewer_name),
                 rating=frame.escape_markdown(rating_text(rating.rating, rating.not_assessed, levels)))  # fmt: skip
        if rating.older_version:
            line += " · " + _("given under an older rubric version")
        if rating.reopened_after_peek:
            line += " · " + _("reopened after this member could read colleagues' scorecards")
        st.markdown(line)
        if rating.notes:
            frame.plain_text(rating.notes)
    if row.spread is None:
        st.caption(_("Nobody rated this criterion."))
    elif row.spread >= SPREAD_FLAG:
        st.warning(_("Spread of {spread} points ({low}–{high}): discuss it before agreeing.",
                     spread=row.spread, low=row.low, high=row.high), icon=":material/warning:")  # fmt: skip
    else:
        st.caption(_("Spread: {spread} ({low}–{high})", spread=row.spread, low=row.low, high=row.high))


FEEDBACK_KEY = "consensus_feedback"  # {criterion_id: (kind, Markdown)} from the record callback, shown once


def record_from_form(user_id: int, candidate_id: int, row: ConsensusRow, version: int, key: str) -> None:
    """The form's submit callback: runs before the page, so the board drawn next already shows the result."""
    feedback = st.session_state.setdefault(FEEDBACK_KEY, {})
    number = row.criterion.number
    choice = st.session_state.get(f"{key}_rating")
    rationale = st.session_state.get(f"{key}_rationale") or ""
    if choice is None:
        feedback[row.criterion.id] = ("error", _("Choose a consensus rating, or “not assessed”."))
        return
    rating, not_assessed = split_choice(choice)
    # The rules (rationale, justification, too few ratings) are the service's: its refusal is shown below.
    justification = st.session_state.get(f"{key}_justification") or None
    below_min_reason = st.session_state.get(f"{key}_below_min") or ""
    result = frame.service_call(
        attempt_as, user_id, consensus.record_consensus, write=True, candidate_id=candidate_id,
        criterion_id=row.criterion.id, rating=rating, not_assessed=not_assessed, rationale=rationale,
        expected_version=version, justification=justification, below_min_reason=below_min_reason,
    )  # fmt: skip
    if result is None or result.error is not None:
        error = result.error if result is not None else None
        if isinstance(error, ConflictError):
            text = _("Someone recorded a consensus for this criterion after you opened the page; it is shown now. "
                     "Make your change again if it is still needed.")  # fmt: skip
        elif isinstance(error, TrackerError):
            text = frame.escape_markdown(str(error))
        else:
            text = _("The database cannot be reached right now. Try again in a moment.")
        feedback[row.criterion.id] = ("error", text)
        return
    feedback[row.criterion.id] = ("success", _("Consensus recorded for criterion {number}.", number=number))


def show_feedback(criterion_id: int) -> None:
    kind, text = st.session_state.get(FEEDBACK_KEY, {}).pop(criterion_id, (None, ""))
    # Catalog sentences are trusted Markdown; a service's message was escaped when it was stored.
    if kind == "error":
        # markdown-safe: catalog sentences, or service messages escaped by error_markdown when stored
        st.error(text, icon=":material/error:")
    elif kind == "success":
        # markdown-safe: catalog sentences, or service messages escaped by error_markdown when stored
        st.success(text, icon=":material/check_circle:")


def consensus_form(board: ConsensusBoard, row: ConsensusRow, levels: list[LevelPublic]) -> None:
    existing = row.consensus
    version = existing.version if existing else 0
    options: list[Any] = [level.value for level in levels] + [NOT_ASSESSED]
    labels = {level.value: f"{level.value} · {frame.escape_markdown(level_label(level))}" for level in levels}
    labels[NOT_ASSESSED] = _("Not assessed")
    if existing is not None:
        st.info(_("Consensus recorded: **{rating}** ({when})",
                  rating=frame.escape_markdown(rating_text(existing.rating, existing.not_assessed, levels)),
                  when=local_datetime(existing.decided_at)), icon=":material/handshake:")  # fmt: skip
        if existing.justification is not None:
            st.markdown(_("Justification: **{justification}**", justification=_(JUSTIFICATION_WORDS[existing.justification])))
        if existing.rationale:
            frame.plain_text(existing.rationale)
        if existing.below_min_reason:
            st.caption(_("Agreed with fewer ratings than the minimum, because:"))
            frame.plain_text(existing.below_min_reason)
    current = None
    if existing is not None:
        current = NOT_ASSESSED if existing.not_assessed else existing.rating
    if row.criterion.descriptors:
        with st.expander(_("Rating guide"), icon=":material/menu_book:"):
            for level in levels:
                st.markdown(f"**{labels[level.value]}** — " + frame.escape_markdown(level_descriptor(level, row.criterion)))
    # The version is part of the key: after a new consensus the form starts from the recorded one.
    key = f"consensus_{board.candidate_id}_{row.criterion.id}_{version}"
    with st.form(key):
        st.radio(
            _("Consensus rating for criterion {number}", number=row.criterion.number),
            options,
            index=options.index(current) if current in options else None,
            format_func=lambda value: labels.get(value, str(value)),
            horizontal=True,
            key=f"{key}_rating",
        )
        st.text_area(
            _("Rationale for criterion {number}", number=row.criterion.number),
            value=existing.rationale if existing else "",
            help=_("Required when the consensus differs from a member's rating, when nobody rated the criterion, "
                   "and when an essential criterion is left unmet."),
            key=f"{key}_rationale",
        )  # fmt: skip
        if row.criterion.kind == CriterionKind.essential:
            choices: list[Any] = [None, *Justification]
            st.selectbox(
                _("Justification if criterion {number} is not met", number=row.criterion.number),
                choices,
                index=choices.index(existing.justification) if existing is not None else 0,
                format_func=lambda j: "—" if j is None else _(JUSTIFICATION_WORDS[j]),
                key=f"{key}_justification",
            )
        rated = sum(1 for r in row.ratings if r.rating is not None)
        if rated < row.criterion.min_raters:
            # markdown-safe: a catalog sentence with two counts
            st.text_input(
                _("Reason for agreeing with {n} of the {min_raters} ratings needed", n=rated, min_raters=row.criterion.min_raters),
                value=existing.below_min_reason if existing else "",
                key=f"{key}_below_min",
            )
        st.form_submit_button(
            _("Record consensus for criterion {number}", number=row.criterion.number),
            on_click=record_from_form, args=(actor.id, board.candidate_id, row, version, key),
        )  # fmt: skip
    show_feedback(row.criterion.id)


def reopen_tool(candidate_id: int) -> None:
    """The chair or manager reopens a submitted scorecard (the interviewer gives a reason to resubmit)."""
    cards = frame.service_call(scoring.candidate_scorecards, actor, candidate_id=candidate_id)
    submitted = [c for c in (cards or []) if c.status == ScorecardStatus.submitted]
    if not submitted:
        return
    with st.expander(_("Reopen a submitted scorecard"), icon=":material/lock_open:"):
        by_id = {c.id: c for c in submitted}
        with st.form(f"reopen_{candidate_id}", clear_on_submit=True):
            card_id = st.selectbox(
                _("Scorecard"), options=list(by_id),
                format_func=lambda cid: by_id[cid].interviewer_name, key=f"reopen_card_{candidate_id}",
            )  # fmt: skip
            reason = st.text_input(_("Reason for reopening"), key=f"reopen_reason_{candidate_id}")
            clicked = st.form_submit_button(_("Reopen"))
        if not clicked:
            return
        if not reason.strip():
            st.error(_("Give the reason for reopening; the interviewer sees it."))
            return
        if frame.service_call(scoring.reopen_scorecard, actor, scorecard_id=card_id, reason=reason, write=True):
            st.session_state[FLASH_KEY] = (
                "success",
                _("Scorecard of {name} reopened.", name=frame.escape_markdown(by_id[card_id].interviewer_name)),
            )
            st.rerun()


posting = choose_posting()
if posting is None or not may_run_consensus(posting):
    st.stop()
candidate_id = choose_candidate(posting.id)
if candidate_id is None:
    st.stop()
board = frame.service_call(consensus.consensus_board, actor, candidate_id=candidate_id)
if board is None:
    st.stop()

if not board.ready:
    st.warning(
        _("The consensus opens once every panel member without a conflict of interest has submitted. "
          "Still waiting for: {names}.", names=", ".join(frame.escape_markdown(n) for n in board.waiting_for)),
        icon=":material/hourglass_top:",
    )  # fmt: skip
    reopen_tool(candidate_id)
    st.stop()

rubric = frame.service_call(rubrics.get_rubric, actor, rubric_id=board.rubric_id)
if rubric is None:
    st.stop()
scale_expander(rubric)
agreed = sum(1 for row in board.rows if row.consensus is not None)
st.progress(agreed / len(board.rows) if board.rows else 1.0,
            text=_("{done} of {total} criteria agreed", done=agreed, total=len(board.rows)))  # fmt: skip
for row in board.rows:
    with st.container(border=True, key=f"consensus_box_{row.criterion.id}"):
        st.markdown(f"**{frame.escape_markdown(criterion_heading(row.criterion))}**")
        show_criterion_text(row.criterion)
        show_ratings(row, rubric.levels)
        consensus_form(board, row, rubric.levels)
reopen_tool(candidate_id)
