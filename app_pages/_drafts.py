"""Long texts written before a "Record" click, saved while typing as drafts (issue #18).

A consensus rationale or a decision's rationale and override reason is the board's or the manager's
record only once recorded; until then it is the author's draft, kept in the database by
:mod:`tracker.services.drafts` through the same autosave box as evidence notes
(:mod:`app_pages.frame.autosave`): saved after a pause and at least every 5 s, "Saved at …", a
conflict with the author's other window keeps both texts. The box shows the draft when there is one,
else the recorded text. The "Record" callback flushes the box's last send (:func:`flushed_text`),
records, then deletes the draft (:func:`discard`).

Why the database rather than the browser's storage alone: a draft in ``sessionStorage`` dies with the
tab and never reaches another device; a row survives a closed tab, a crash and a server restart.
"""

from __future__ import annotations

from collections.abc import Callable

from app_pages import frame
from app_pages._scoring_form import Attempt, attempt_as
from app_pages._scoring_text import local_time
from app_pages.frame.autosave import SaveResult, autosave_text, flush_all, latest_text
from tracker.services import drafts
from tracker.services.common import MAX_NOTES
from tracker.services.errors import TrackerError


def _saver(user_id: int, candidate_id: int, kind: str, subject_id: int) -> Callable[[str, str | None], SaveResult]:
    def save(text: str, origin: str | None) -> SaveResult:
        outcome = frame.service_call(
            attempt_as, user_id, drafts.save_text_draft, write=True, candidate_id=candidate_id, kind=kind,
            subject_id=subject_id, text=text, origin=origin,
        )  # fmt: skip
        _ = frame.translator()
        if isinstance(outcome, Attempt) and outcome.error is None:
            saved: drafts.DraftSaved = outcome.value
            return SaveResult(saved.kind, saved_at=saved.saved_at, theirs=saved.theirs)
        error = outcome.error if isinstance(outcome, Attempt) else None
        if isinstance(error, TrackerError):
            return SaveResult("error", message=frame.message_text(error.message))
        return SaveResult(
            "error",
            message=_("The database cannot be reached right now. Your text is still here; try again in a moment."),
        )

    return save


def draft_box(
    *,
    key: str,
    label: str,
    user_id: int,
    candidate_id: int,
    kind: str,
    subject_id: int = 0,
    recorded: str,
    help: str | None = None,
    height: int = 110,
) -> None:
    """The autosaved box for one draft; ``recorded`` is the text on record (shown when there is no draft)."""
    draft = frame.service_call(
        attempt_as, user_id, drafts.get_text_draft, candidate_id=candidate_id, kind=kind, subject_id=subject_id
    )
    view = draft.value if isinstance(draft, Attempt) and draft.error is None else None
    autosave_text(
        key=key,
        label=label,
        text=view.text if view is not None else recorded,
        saved_at=view.updated_at if view is not None else None,
        save=_saver(user_id, candidate_id, kind, subject_id),
        max_chars=MAX_NOTES,
        height=height,
        help=help,
        time_format=local_time,
    )


def flushed_text(user_id: int, key: str, *, candidate_id: int, kind: str, subject_id: int = 0, recorded: str) -> str:
    """What the box holds, for a "Record" callback: its last send saved first, then that text (or the
    draft, or the recorded text when the box never sent anything)."""
    flush_all()
    sent = latest_text(key)
    if sent is not None:
        return sent
    draft = frame.service_call(
        attempt_as, user_id, drafts.get_text_draft, candidate_id=candidate_id, kind=kind, subject_id=subject_id
    )
    view = draft.value if isinstance(draft, Attempt) and draft.error is None else None
    return view.text if view is not None else recorded


def discard(user_id: int, *, candidate_id: int, kind: str, subject_id: int = 0) -> None:
    """The text is recorded: its draft goes (the recorded text is what the box shows next)."""
    frame.service_call(
        attempt_as, user_id, drafts.discard_text_draft, write=True, candidate_id=candidate_id, kind=kind,
        subject_id=subject_id,
    )  # fmt: skip
