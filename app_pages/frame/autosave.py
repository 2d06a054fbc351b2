"""One text box for every note that must never be lost: saved while the person types (issue #18).

Why a custom component (Streamlit components v1, a plain ``autosave_text/index.html``, no npm build):
``st.text_area`` sends its value only when the box loses focus (or on Ctrl+Enter), so a note typed
for minutes and left in the box was in the browser only. A component keeps the text in the browser
while the person types and sends it after :data:`IDLE_MS` without typing and at least every
:data:`MAX_WAIT_MS` while typing, on blur and when the tab is hidden. Each send is one rerun (of the
page's fragment when the box sits in one), not one per keystroke; the component is not re-created
by a rerun, so the caret, the scroll and the focus stay, and characters typed while a save travels
stay in the box (they go with the next send).

The protocol is stateless on the server so that a reconnect or a server restart loses nothing: each
send carries the text, the ``origin`` text it was typed over (the last text the server confirmed) and
a sequence number; the server saves when the database still holds ``origin`` and answers with the
sequence it handled (``ack``). The box re-sends until acknowledged. A send that leaves before the
previous one is acknowledged carries the older origin, so it also lists the texts the box sent
meanwhile (``sent``); the server adds the text it last saved for the box in this session, and the
database holding any of those is the box's own save, not a conflict. When the database holds something
else (another window saved meanwhile), nothing is written: the box keeps the person's text and shows
the other text beside it with "Keep my text" / "Use the other text" — both texts stay on screen and
nothing is overwritten silently.

The caller gives a ``save`` function that talks to the tracker services (see :class:`SaveResult`);
this module never touches the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import streamlit as st
import streamlit.components.v1 as components

from app_pages.frame.lang import current_lang, translator

IDLE_MS = 800  # a pause this long saves ("about a second"; leaves room for the save itself)
MAX_WAIT_MS = 5000  # while typing, at least this often
RETRY_MS = 3000  # a send not acknowledged within this is sent again
_STATE_PREFIX = "autosave__"
# The text this session last saved for a box: a send typed over an older origin while that save was in
# flight (two sends a moment apart) finds the database holding this session's own text, not someone else's.
_MINE_PREFIX = "autosave_mine__"
_SAVERS_KEY = "autosave__savers"  # key → (save, max_chars) of every box drawn in this session

_component = components.declare_component("autosave_text", path=str(Path(__file__).parent / "autosave_text"))


@dataclass(frozen=True)
class SaveResult:
    """What a ``save(text, origin)`` call reports.

    * ``saved``: the database now holds ``text`` (``saved_at`` = when);
    * ``conflict``: the database held ``theirs`` instead of ``origin`` (saved elsewhere); nothing written;
    * ``error``: refused or unreachable (``message`` says why, in the user's language); nothing written.
    """

    kind: str
    saved_at: datetime | None = None
    theirs: str | None = None
    message: str = ""
    version: int | None = None  # the row's new version, for the caller's own bookkeeping


@dataclass
class _Outcome:
    session: str
    seq: int
    result: SaveResult
    text: str


def _pending(key: str) -> dict[str, Any] | None:
    value = st.session_state.get(key)
    if not isinstance(value, dict):
        return None
    if not isinstance(value.get("seq"), int) or not isinstance(value.get("text"), str):
        return None
    if not isinstance(value.get("session"), str):
        return None
    origin = value.get("origin")
    if origin is not None and not isinstance(origin, str):
        return None
    return value


def process(key: str, save: Callable[[str, str | None], SaveResult], max_chars: int) -> bool:
    """Handle the box's latest send once (a rerun shows the same value again: the sequence guards it)."""
    value = _pending(key)
    if value is None:
        return False
    outcome: _Outcome | None = st.session_state.get(_STATE_PREFIX + key)
    if outcome is not None and (outcome.session, outcome.seq) == (value["session"], value["seq"]):
        return False
    text = value["text"][:max_chars]
    # The texts this box itself put in the database: the ones it lists as sent since its last
    # acknowledgement (``sent``, from the browser: survives a server restart) and the one this server
    # session last saved for it. A send that leaves before the previous one is answered carries the
    # older origin, so the database holding one of these is the box's own earlier save, not another
    # window's (issue #18: a false conflict lost every send after the first when two were in flight).
    own = {t for t in value.get("sent") or [] if isinstance(t, str)}
    mine: str | None = st.session_state.get(_MINE_PREFIX + key)
    if mine is not None:
        own.add(mine)
    own |= {t.strip() for t in own}  # services store some texts stripped: a pause after a space is no conflict
    try:
        result = save(text, value.get("origin"))
        if result.kind == "conflict" and result.theirs is not None and result.theirs in own:
            result = save(text, result.theirs)  # over our own earlier send: not a conflict
    except Exception as exc:  # a save must never break the page; the box keeps the text and retries
        import logging

        logging.getLogger(__name__).exception("autosave failed")
        _ = translator()
        result = SaveResult(
            "error",
            message=_("The database cannot be reached right now. Your text is still here; try again in a moment."),
        )
        del exc
    st.session_state[_STATE_PREFIX + key] = _Outcome(value["session"], value["seq"], result, text)
    if result.kind == "saved":
        st.session_state[_MINE_PREFIX + key] = text
    return True


def latest_text(key: str) -> str | None:
    """The text the box sent last (None when it has sent nothing in this session): a "Record" button
    reads it after :func:`flush_all`, since the box's text never sits in a widget value of its own."""
    value = _pending(key)
    return value["text"] if value is not None else None


def flush_all() -> None:
    """Save what any box sent that is not handled yet: the router runs this before every page, and
    navigation buttons in their callbacks, because a run that shows another page (or another
    candidate) never draws the box whose last send came with that very click."""
    savers: dict[str, tuple[Callable[[str, str | None], SaveResult], int]] = st.session_state.get(_SAVERS_KEY, {})
    for key, (save, max_chars) in list(savers.items()):
        process(key, save, max_chars)


def autosave_text(
    *,
    key: str,
    label: str,
    text: str,
    saved_at: datetime | None,
    save: Callable[[str, str | None], SaveResult],
    max_chars: int,
    height: int = 160,
    help: str | None = None,
    placeholder: str = "",
    time_format: Callable[[datetime], str] = lambda moment: moment.strftime("%H:%M:%S"),
) -> None:
    """Draw the box for ``text`` (what the database holds) and save what the person types through ``save``.

    ``save(text, origin)`` must write ``text`` only when the database still holds ``origin`` (the text
    the person typed over; ``None`` = not known, e.g. the box's first send after a restart with no
    origin), and report a :class:`SaveResult`.
    """
    _ = translator()
    st.session_state.setdefault(_SAVERS_KEY, {})[key] = (save, max_chars)
    just_saved = process(key, save, max_chars)
    outcome: _Outcome | None = st.session_state.get(_STATE_PREFIX + key)
    status_kind = "saved" if saved_at is not None else "none"
    status = _("Saved at {time}", time=time_format(saved_at)) if saved_at is not None else _("Nothing saved yet")
    conflict: str | None = None
    saved_text = text
    if outcome is not None:
        result = outcome.result
        if result.kind == "saved":
            status_kind = "saved"
            moment = result.saved_at or saved_at
            status = _("Saved at {time}", time=time_format(moment)) if moment is not None else status
            saved_text = outcome.text
            if just_saved or text == outcome.text.strip():
                # The caller read ``text`` before this save, or the database holds ours as the service
                # stored it (stripped): the box keeps the text as typed (a trailing space stays).
                text = outcome.text
        elif result.kind == "conflict":
            status_kind = "conflict"
            conflict = result.theirs if result.theirs is not None else ""
            status = _("Not saved: this text was changed in another window or device meanwhile.")
        else:
            status_kind = "error"
            status = _("Not saved: {reason}", reason=result.message)
    _component(
        key=key,
        default=None,
        box_id=key,
        label=label,
        help=help or "",
        placeholder=placeholder,
        text=text,
        saved_text=saved_text,
        max_chars=max_chars,
        height=height,
        lang=current_lang(),
        status=status,
        status_kind=status_kind,
        conflict=conflict,
        ack=outcome.seq if outcome is not None else 0,
        ack_session=outcome.session if outcome is not None else None,
        idle_ms=IDLE_MS,
        max_wait_ms=MAX_WAIT_MS,
        retry_ms=RETRY_MS,
        words={
            "unsaved": _("Unsaved changes: saving when you pause…"),
            "saving": _("Saving…"),
            "conflict": _(
                "Changed in another window or device meanwhile. Its text is below; yours is still in the box."
            ),
            "keep": _("Keep my text"),
            "take": _("Use the other text"),
            "taken": _("The other text is in the box now."),
        },
    )
