"""The scoring form of "My scorecards": one ``st.fragment``, every change saved to the database at once.

Why it is built this way (issue #4 §7, #6 §3, #7 §2):

* **The database is the source of truth for drafts.** Widget values are initialised from it whenever
  their keys are missing, which is exactly what a reload, a reconnection, another browser or a page
  switch (Streamlit drops the widget state of pages it leaves) produce. What comes back is what was
  saved, never a browser's stale copy. When the database moves on under a widget the user has not
  touched (another window saved), the widget takes the new value.
* **Every change is saved in the widget's ``on_change`` callback**, which Streamlit runs before any
  script code, with an optimistic version: a save that meets a newer version (another window or
  device) is refused by the service, and the criterion is reloaded and marked "changed elsewhere".
* **Buttons that navigate flush first.** Streamlit drops an edit still pending in a widget when a run
  ends with ``st.rerun()``/``st.switch_page()``, and forgets widget state on page switches; so "Next
  candidate" and "Submit" call :func:`flush_pending`, which saves every widget value that differs
  from the last value known to be in the database.
* **Cost per rerun does not grow with the database**: a rating click reruns only this fragment, which
  makes one service call (:func:`load_bundle`: the scorecard and its rubric version, by id).

Callbacks never draw (an ``st.error`` in a callback lands at the top of the app, detached from its
criterion): their outcome goes to ``st.session_state`` and the fragment shows it beside the criterion.
The rating and recommendation widgets' keys include the UI language, because Streamlit identifies a
choice by its displayed label: a new language gets fresh widgets initialised from the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlmodel import Session

from app_pages import frame
from app_pages._scoring_text import (
    NOT_ASSESSED,
    RECOMMENDATION_LABELS,
    choice_of,
    criterion_heading,
    level_descriptor,
    level_label,
    local_time,
    moment_text,
    rating_text,
    recommendation_text,
    show_criterion_text,
    split_choice,
)
from app_pages.frame import focus
from app_pages.frame.auth import FLASH_KEY, KEEP_DRAWING_KEY
from app_pages.frame.autosave import SaveResult, autosave_text, flush_all
from tracker.i18n import N_
from tracker.models import Recommendation, ScorecardStatus, utcnow
from tracker.services import rubrics, scoring
from tracker.services.actor import load_actor
from tracker.services.common import MAX_NOTES
from tracker.services.errors import ConflictError, TrackerError
from tracker.services.rubrics import CriterionPublic, RubricView
from tracker.services.scoring import ScorecardView, ScoreView

# {scorecard_id: {"base": {criterion_id: (version, choice, notes)}, "status": {criterion_id: (kind, value)},
#  "overall": (version, recommendation, notes) | None, "overall_status": (kind, value) | None}}
# "base" is what the database holds as far as this session knows: a widget differing from it is unsaved.
SYNC_KEY = "scoring_sync"
# + scorecard id: the last bundle read, to keep the form drawn while the database cannot be reached.
LAST_BUNDLE_PREFIX = "scoring_last_bundle_"
_MISSING = object()


def rating_key(card_id: int, criterion_id: int) -> str:
    return f"score_rating_{frame.current_lang()}_{card_id}_{criterion_id}"


def notes_key(card_id: int, criterion_id: int) -> str:
    return f"score_notes_{card_id}_{criterion_id}"


def recommendation_key(card_id: int) -> str:
    return f"score_recommendation_{frame.current_lang()}_{card_id}"


def overall_key(card_id: int) -> str:
    return f"score_overall_{card_id}"


def reason_key(card_id: int) -> str:
    return f"score_reason_{card_id}"


def submit_key(card_id: int) -> str:
    return f"score_submit_{card_id}"


# --- service calls as the signed-in user, each in one transaction (through frame.service_call) -----


@dataclass(frozen=True)
class ScorecardBundle:
    card: ScorecardView
    rubric: RubricView


def load_bundle(session: Session, user_id: int, *, scorecard_id: int) -> ScorecardBundle:
    """The scorecard with its scores and the rubric version it uses: the one read of a form rerun.

    The actor is reloaded by id (fragment reruns skip the frame), so a deactivated account stops here.
    """
    actor = load_actor(session, user_id)
    card = scoring.get_scorecard(session, actor, scorecard_id=scorecard_id)
    return ScorecardBundle(card, rubrics.get_rubric(session, actor, rubric_id=card.rubric_id))


def run_as(session: Session, user_id: int, fn: Callable[..., Any], /, **kwargs: Any) -> Any:
    return fn(session, load_actor(session, user_id), **kwargs)


@dataclass(frozen=True)
class Attempt:
    value: Any = None
    error: Exception | None = None


def attempt_as(session: Session, user_id: int, fn: Callable[..., Any], /, **kwargs: Any) -> Attempt:
    """``run_as`` for callbacks: a refusal comes back as a value instead of an ``st.error``."""
    try:
        return Attempt(value=fn(session, load_actor(session, user_id), **kwargs))
    except (TrackerError, OperationalError, PoolTimeoutError) as exc:
        session.rollback()
        return Attempt(error=exc)


# --- what this session knows the database holds ------------------------------------------------------


def _sync(card_id: int) -> dict[str, Any]:
    every = st.session_state.setdefault(SYNC_KEY, {})
    return every.setdefault(card_id, {"base": {}, "status": {}, "overall": None, "overall_status": None})


def _put(key: str, value: Any) -> None:
    """Set a widget's value only when it differs: setting it re-sends it to the browser, which would
    overwrite what the user is typing there at that moment."""
    if st.session_state.get(key, _MISSING) != value:
        st.session_state[key] = value


def _take_score(card_id: int, score: ScoreView, status: tuple[str, Any] | None = None) -> None:
    sync = _sync(card_id)
    choice = choice_of(score.rating, score.not_assessed)
    _put(rating_key(card_id, score.criterion_id), choice)
    sync["base"][score.criterion_id] = (score.version, choice, score.notes)
    if status is not None:
        sync["status"][score.criterion_id] = status
    elif score.version and score.updated_at is not None:
        sync["status"][score.criterion_id] = ("saved", score.updated_at)


def _take_overall(card: ScorecardView, status: tuple[str, Any] | None = None) -> None:
    sync = _sync(card.id)
    _put(recommendation_key(card.id), card.recommendation)
    sync["overall"] = (card.version, card.recommendation, card.overall_notes)
    if status is not None:
        sync["overall_status"] = status


def sync_from_db(card: ScorecardView) -> None:
    """Bring the widgets in line with the database before they are drawn (see the module docstring)."""
    sync = _sync(card.id)
    state = st.session_state
    for score in card.scores:
        rk = rating_key(card.id, score.criterion_id)
        base = sync["base"].get(score.criterion_id)
        # A fresh load, or saved elsewhere meanwhile: take the database's values, unless this browser
        # holds a rating that failed to save (its next save meets the newer version and is reloaded).
        # The notes box keeps its own text (see app_pages.frame.autosave); only the base follows.
        fresh = rk not in state or base is None
        if fresh or (base[0] != score.version and state[rk] == base[1]):
            _take_score(card.id, score)
    rec_key = recommendation_key(card.id)
    base = sync["overall"]
    if rec_key not in state or base is None or (base[0] != card.version and state[rec_key] == base[1]):
        _take_overall(card)


# --- saving (widget callbacks and navigation buttons) -------------------------------------------------


def _failure(error: Exception | None) -> tuple[str, str]:
    _ = frame.translator()
    if isinstance(error, TrackerError):
        return ("error", str(error))
    return ("error", _("The database cannot be reached right now. Your text is still here; try again in a moment."))


def save_score(user_id: int, card_id: int, criterion_id: int) -> None:
    """Save one criterion's rating and notes if they differ from what the database holds."""
    state = st.session_state
    rk = rating_key(card_id, criterion_id)
    if rk not in state:
        return
    sync = _sync(card_id)
    base = sync["base"].get(criterion_id)
    choice = state[rk]
    # The notes box saves itself (app_pages.frame.autosave); a rating save keeps the notes the database holds.
    notes = (base[2] if base else "") or ""
    if base is not None and (choice, notes) == (base[1], base[2]):
        return
    rating, not_assessed = split_choice(choice)
    result = frame.service_call(
        attempt_as, user_id, scoring.save_draft_score, write=True, scorecard_id=card_id, criterion_id=criterion_id,
        rating=rating, not_assessed=not_assessed, notes=notes, expected_version=base[0] if base else None,
    )  # fmt: skip
    if result is None:
        sync["status"][criterion_id] = _failure(None)
    elif result.error is None:
        sync["base"][criterion_id] = (result.value.version, choice, notes)
        sync["status"][criterion_id] = ("saved", result.value.saved_at)
    elif isinstance(result.error, ConflictError):
        _reload_after_conflict(user_id, card_id, criterion_id)
    else:
        sync["status"][criterion_id] = _failure(result.error)


def _reload_after_conflict(user_id: int, card_id: int, criterion_id: int | None) -> None:
    fresh = frame.service_call(attempt_as, user_id, scoring.get_scorecard, scorecard_id=card_id)
    if fresh is None or fresh.error is not None:
        return
    card: ScorecardView = fresh.value
    if criterion_id is None:
        _take_overall(card, status=("conflict", utcnow()))
        return
    for score in card.scores:
        if score.criterion_id == criterion_id:
            _take_score(card_id, score, status=("conflict", utcnow()))


def save_overall(user_id: int, card_id: int) -> None:
    state = st.session_state
    rec_key = recommendation_key(card_id)
    if rec_key not in state:
        return
    sync = _sync(card_id)
    base = sync["overall"]
    recommendation = state[rec_key]
    notes = (base[2] if base else "") or ""
    if base is not None and (recommendation, notes) == (base[1], base[2]):
        return
    result = frame.service_call(
        attempt_as, user_id, scoring.save_overall, write=True, scorecard_id=card_id, recommendation=recommendation,
        overall_notes=notes, expected_version=base[0] if base else None,
    )  # fmt: skip
    if result is None:
        sync["overall_status"] = _failure(None)
    elif result.error is None:
        view: ScorecardView = result.value
        sync["overall"] = (view.version, recommendation, notes)
        sync["overall_status"] = ("saved", view.updated_at)
    elif isinstance(result.error, ConflictError):
        _reload_after_conflict(user_id, card_id, None)
    else:
        sync["overall_status"] = _failure(result.error)


# --- the notes boxes (app_pages.frame.autosave): saved while typing, only over the text they started from


def save_notes_only(
    session: Session, user_id: int, *, scorecard_id: int, criterion_id: int, text: str, origin: str | None
) -> SaveResult:
    """Write a criterion's notes when the database still holds ``origin``; keep its rating as it is there.

    One transaction: the read and the conditional write (``expected_version``) of the services, so a
    save from another window between them is refused by the service rather than overwritten.
    """
    actor = load_actor(session, user_id)
    card = scoring.get_scorecard(session, actor, scorecard_id=scorecard_id)
    score = next((s for s in card.scores if s.criterion_id == criterion_id), None)
    if score is None:
        raise ConflictError(N_("This criterion is no longer part of your scorecard; reload the page."))
    if score.notes == text:
        return SaveResult("saved", saved_at=score.updated_at)
    if origin is not None and score.notes != origin:
        return SaveResult("conflict", theirs=score.notes)
    saved = scoring.save_draft_score(
        session, actor, scorecard_id=scorecard_id, criterion_id=criterion_id, rating=score.rating,
        not_assessed=score.not_assessed, notes=text, expected_version=score.version,
    )  # fmt: skip
    return SaveResult("saved", saved_at=saved.saved_at, version=saved.version)


def save_overall_notes_only(
    session: Session, user_id: int, *, scorecard_id: int, text: str, origin: str | None
) -> SaveResult:
    """The overall notes, as :func:`save_notes_only` (the recommendation stays what the database holds)."""
    actor = load_actor(session, user_id)
    card = scoring.get_scorecard(session, actor, scorecard_id=scorecard_id)
    if card.overall_notes == text:
        return SaveResult("saved", saved_at=card.updated_at)
    if origin is not None and card.overall_notes != origin:
        return SaveResult("conflict", theirs=card.overall_notes)
    view = scoring.save_overall(
        session, actor, scorecard_id=scorecard_id, recommendation=card.recommendation, overall_notes=text,
        expected_version=card.version,
    )  # fmt: skip
    return SaveResult("saved", saved_at=view.updated_at, version=view.version)


def _as_result(outcome: Any) -> SaveResult:
    if isinstance(outcome, Attempt) and outcome.error is None:
        return outcome.value
    error = outcome.error if isinstance(outcome, Attempt) else None
    if isinstance(error, ConflictError):
        return SaveResult("error", message=str(error))
    return SaveResult("error", message=_failure(error)[1])


def _notes_saver(user_id: int, card_id: int, criterion_id: int) -> Callable[[str, str | None], SaveResult]:
    def save(text: str, origin: str | None) -> SaveResult:
        outcome = frame.service_call(
            _attempt, save_notes_only, user_id, write=True, scorecard_id=card_id, criterion_id=criterion_id,
            text=text, origin=origin,
        )  # fmt: skip
        result = _as_result(outcome)
        base = _sync(card_id)["base"].get(criterion_id)
        if result.kind == "saved" and result.version is not None and base is not None:
            # The row moved on with our notes and the rating as it was: the next rating save builds on it.
            _sync(card_id)["base"][criterion_id] = (result.version, base[1], text)
        return result

    return save


def _overall_notes_saver(user_id: int, card_id: int) -> Callable[[str, str | None], SaveResult]:
    def save(text: str, origin: str | None) -> SaveResult:
        outcome = frame.service_call(_attempt, save_overall_notes_only, user_id, write=True, scorecard_id=card_id,
                                     text=text, origin=origin)  # fmt: skip
        result = _as_result(outcome)
        base = _sync(card_id)["overall"]
        if result.kind == "saved" and result.version is not None and base is not None:
            _sync(card_id)["overall"] = (result.version, base[1], text)
        return result

    return save


def _attempt(session: Session, fn: Callable[..., Any], user_id: int, /, **kwargs: Any) -> Attempt:
    try:
        return Attempt(value=fn(session, user_id, **kwargs))
    except (TrackerError, OperationalError) as exc:
        session.rollback()
        return Attempt(error=exc)


def flush_pending(user_id: int, card_id: int | None) -> None:
    """Save whatever the widgets hold that the database does not: run before any navigation."""
    flush_all()  # notes boxes whose last send came with this click
    if card_id is None:
        return
    for criterion_id in list(_sync(card_id)["base"]):
        save_score(user_id, card_id, criterion_id)
    save_overall(user_id, card_id)


# --- drawing ------------------------------------------------------------------------------------------


@st.fragment
def scorecard_fragment(user_id: int, scorecard_id: int) -> None:
    """The scorecard: the form while it is a draft, read-only (with colleagues' scorecards) once submitted."""
    frame.touch()
    kept = f"{LAST_BUNDLE_PREFIX}{scorecard_id}"
    bundle = frame.service_call(load_bundle, user_id, scorecard_id=scorecard_id)
    if bundle is None:
        # The database cannot be reached or is locked (a timeout, issue #22): keep the form drawn from
        # the last read, so what the person typed stays on screen; their next save tries again.
        last = st.session_state.get(kept)
        if isinstance(last, ScorecardBundle) and last.card.editable:
            _form(user_id, last)
        return
    st.session_state[kept] = bundle
    st.session_state[KEEP_DRAWING_KEY] = bundle.card.editable
    if bundle.card.editable:
        _form(user_id, bundle)
    else:
        _read_only(user_id, bundle)


def _status_line(status: tuple[str, Any] | None, *, rating_only: bool = False) -> None:
    """The rating's save status (the notes box shows its own, inside the box)."""
    _ = frame.translator()
    if status is None:
        if not rating_only:
            st.caption(_("Nothing saved yet"))
    elif status[0] == "saved":
        st.caption(":material/cloud_done: " + _("Saved at {time}", time=local_time(status[1])))
    elif status[0] == "conflict":
        st.warning(
            _("Changed elsewhere — reloaded: this was saved from another window or device, so it now shows that version."),
            icon=":material/sync_problem:",
        )
    else:
        st.error(_("Not saved: {reason}", reason=frame.escape_markdown(status[1])), icon=":material/error:")


def scale_expander(rubric: RubricView) -> None:
    _ = frame.translator()
    with st.expander(_("Rating scale"), icon=":material/straighten:"):
        for level in rubric.levels:
            st.markdown(
                f"**{level.value} · {frame.escape_markdown(level_label(level))}** — "
                + frame.escape_markdown(level_descriptor(level))
            )


def _form(user_id: int, bundle: ScorecardBundle) -> None:
    _ = frame.translator()
    card, rubric = bundle.card, bundle.rubric
    sync_from_db(card)
    sync = _sync(card.id)
    criteria = {c.id: c for c in rubric.criteria}
    if card.reopened_at is not None:
        st.warning(
            _("The chair reopened your scorecard on {when}. Reason given: {reason}",
              when=moment_text(card.reopened_at), reason=frame.escape_markdown(card.reopen_reason or "")),
            icon=":material/lock_open:",
        )  # fmt: skip
    st.progress(
        card.rated / card.total if card.total else 0.0,
        text=_("Criteria rated: {rated} of {total}", rated=card.rated, total=card.total),
    )
    st.caption(_("Every change is saved as a draft as soon as you make it (notes: while you type)."))
    scale_expander(rubric)
    options: list[Any] = [level.value for level in rubric.levels] + [NOT_ASSESSED]
    labels = {level.value: f"{level.value} · {frame.escape_markdown(level_label(level))}" for level in rubric.levels}
    labels[NOT_ASSESSED] = _("Not assessed")
    for score in card.scores:
        criterion = criteria.get(score.criterion_id)
        if criterion is None:
            continue
        _criterion_box(user_id, card.id, criterion, score, rubric, options, labels, sync["status"].get(criterion.id))
    _overall_box(user_id, card)
    _submit_box(user_id, card)


def _criterion_box(
    user_id: int,
    card_id: int,
    criterion: CriterionPublic,
    score: ScoreView,
    rubric: RubricView,
    options: list[Any],
    labels: dict[Any, str],
    status: tuple[str, Any] | None,
) -> None:
    _ = frame.translator()
    with st.container(border=True, key=f"score_box_{card_id}_{criterion.id}"):
        st.markdown(f"**{frame.escape_markdown(criterion_heading(criterion))}**")
        show_criterion_text(criterion)
        if criterion.descriptors:
            st.caption(_("This criterion has its own rating guide: it is shown under each level."))
        captions = [frame.escape_markdown(level_descriptor(level, criterion)) for level in rubric.levels]
        captions.append(_("No evidence was sought or given for this criterion."))
        # The scale reads top to bottom beside the notes: levels with captions wrap unevenly side by side.
        rating_column, notes_column = st.columns(2, gap="medium")
        rating_column.radio(
            _("Rating for criterion {number}", number=criterion.number),
            options,
            index=None,
            format_func=lambda value: labels.get(value, str(value)),
            captions=captions,
            key=rating_key(card_id, criterion.id),
            on_change=save_score,
            args=(user_id, card_id, criterion.id),
        )
        with notes_column:
            autosave_text(
                key=notes_key(card_id, criterion.id),
                label=_("Evidence notes for criterion {number}", number=criterion.number),
                text=score.notes,
                saved_at=score.updated_at if score.version else None,
                save=_notes_saver(user_id, card_id, criterion.id),
                max_chars=MAX_NOTES,
                height=300,
                placeholder=_("What the candidate said or showed, in your own words."),
                time_format=local_time,
            )
        _status_line(status, rating_only=True)


def _overall_box(user_id: int, card: ScorecardView) -> None:
    _ = frame.translator()
    with st.container(border=True, key=f"score_overall_box_{card.id}"):
        st.markdown("**" + _("Overall") + "**")
        st.selectbox(
            _("Overall recommendation"),
            options=list(Recommendation),
            index=None,
            format_func=lambda value: _(RECOMMENDATION_LABELS[Recommendation(value)]),
            placeholder=_("Not chosen yet"),
            key=recommendation_key(card.id),
            on_change=save_overall,
            args=(user_id, card.id),
        )
        autosave_text(
            key=overall_key(card.id),
            label=_("Overall notes"),
            text=card.overall_notes,
            saved_at=card.updated_at if card.overall_notes else None,
            save=_overall_notes_saver(user_id, card.id),
            max_chars=MAX_NOTES,
            height=110,
            time_format=local_time,
        )
        _status_line(_sync(card.id)["overall_status"], rating_only=True)


def _submit_box(user_id: int, card: ScorecardView) -> None:
    _ = frame.translator()
    st.caption(
        _("Blind scoring: you will see your colleagues' scorecards for this candidate once you have submitted yours.")
    )
    reason = ""
    if card.reopened_at is not None:
        reason = st.text_input(_("Reason for the change (required to submit again)"), key=reason_key(card.id))
    clicked = st.button(
        _("Submit scorecard"), key=submit_key(card.id), type="primary", icon=":material/send:",
        on_click=flush_pending, args=(user_id, card.id),
    )  # fmt: skip
    if not clicked:
        return
    # The bundle was read after the flush above, so it is what the service will check.
    missing = [score for score in card.scores if not score.done]
    if missing:
        numbers = ", ".join(str(score.criterion_number) for score in missing)
        st.error(
            _("Rate these criteria or mark them “not assessed” before submitting: {numbers}.", numbers=numbers),
            icon=":material/rule:",
        )
        return
    if card.reopened_at is not None and not reason.strip():
        st.error(_("Say why you changed your scorecard before submitting it again."))
        return
    submitted = frame.service_call(
        run_as, user_id, scoring.submit_scorecard, write=True, scorecard_id=card.id, reason=reason or None
    )
    if submitted is None:
        return
    st.session_state[FLASH_KEY] = (
        "success",
        _("Scorecard for {label} submitted. It is now read-only.", label=frame.escape_markdown(frame.candidate_label(card.candidate_label))),
    )
    focus.focus_next(focus.BUTTON, _("Next candidate"))
    st.rerun()


def _show_scores(card: ScorecardView, rubric: RubricView) -> None:
    """A scorecard read-only; criteria are matched by lineage in case it used another rubric version."""
    _ = frame.translator()
    by_lineage = {c.lineage: c for c in rubric.criteria}
    for score in card.scores:
        criterion = by_lineage.get(score.lineage)
        with st.container(border=True):
            if criterion is not None:
                st.markdown(f"**{frame.escape_markdown(criterion_heading(criterion))}**")
                show_criterion_text(criterion)
            else:
                st.markdown("**" + _("Criterion {number}", number=score.criterion_number) + "**")
            rating = rating_text(score.rating, score.not_assessed, rubric.levels)
            st.markdown(_("Rating: **{rating}**", rating=frame.escape_markdown(rating)))
            if score.notes:
                frame.plain_text(score.notes)
    st.markdown(
        # markdown-safe: recommendation_text() returns a catalog label
        _("Overall recommendation: **{recommendation}**", recommendation=recommendation_text(card.recommendation))
    )
    if card.overall_notes:
        frame.plain_text(card.overall_notes)


def _read_only(user_id: int, bundle: ScorecardBundle) -> None:
    _ = frame.translator()
    card, rubric = bundle.card, bundle.rubric
    if card.status == ScorecardStatus.submitted and card.submitted_at is not None:
        st.success(
            _("Submitted on {when}. Your scorecard is read-only; ask the chair to reopen it if something must change.",
              when=moment_text(card.submitted_at)),
            icon=":material/lock:",
        )  # fmt: skip
    _show_scores(card, rubric)
    st.subheader(_("Colleagues' scorecards"))
    cards = frame.service_call(run_as, user_id, scoring.candidate_scorecards, candidate_id=card.candidate_id)
    if cards is None:
        return
    others = [c for c in cards if c.interviewer_id != card.interviewer_id and c.status == ScorecardStatus.submitted]
    if not others and all(s.rating is None for s in card.scores):
        # Issue #17: a card that rates nothing opens no colleague's card (the service's rule, said here).
        st.info(
            _("Blind scoring: your scorecard for {candidate} rates no criterion, so it does not open your colleagues' "
              "scorecards; ask the chair or the hiring manager.", candidate=frame.escape_markdown(frame.candidate_label(card.candidate_label)))
        )  # fmt: skip
    elif not others:
        st.info(_("No colleague has submitted a scorecard for this candidate yet."))
    for other in others:
        with st.expander(frame.escape_markdown(other.interviewer_name), icon=":material/person:"):
            _show_scores(other, rubric)
