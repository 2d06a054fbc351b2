"""Who is signed in, for how long: the only place that writes the session's identity.

``st.session_state`` keeps the user's **id** (never the ``User`` row), how they signed in, and when they
last did something. :func:`current_actor` reloads the actor through ``tracker.services.actor.load_actor``
on every run, so an administrator's change (role, deactivation) applies on the user's next click. The
last actor loaded is kept too, only to go on drawing a page that holds typed text (it sets
``KEEP_DRAWING_KEY``) while the database cannot be reached (issue #22), when no service call can
succeed anyway; every other page stops at the one "cannot be reached" sentence, as before.

Idle timeout: a run that comes more than ``TRACKER_SESSION_TIMEOUT_MINUTES`` (default 30) after the
previous one signs the user out with a message. Scoring drafts are already in the database, so nothing
typed is lost. A page whose widgets live in an ``st.fragment`` (those reruns skip the frame) calls
:func:`touch` inside the fragment so that working in it counts as activity.
"""

from __future__ import annotations

import logging
import os
import time

import streamlit as st

from app_pages.frame.data import DATABASE_ERRORS, database_error_text, engine
from app_pages.frame.lang import LANG_KEY, LANG_WIDGET_KEY, translator
from tracker.db import read_session
from tracker.services.actor import Actor, load_actor
from tracker.services.errors import NotFoundError

USER_ID_KEY = "auth_user_id"
VIA_KEY = "auth_via"  # "password" or "sso"
LAST_SEEN_KEY = "auth_last_seen"  # time.time() of the previous run while signed in
SSO_PAUSED_KEY = "auth_sso_paused"  # after a sign-out/timeout: do not map the SSO identity again unasked
FLASH_KEY = "flash"  # (kind, text) shown once at the top of the next run
LAST_ACTOR_KEY = "auth_last_actor"  # the actor last loaded, used only while the database cannot be reached
# Set by a page that holds typed text worth keeping on screen while the database cannot be reached.
KEEP_DRAWING_KEY = "frame_keep_drawing"
_FALLING_BACK_KEY = "auth_falling_back"
# What survives a sign-out: the language, and the reason for the sign-out.
_KEPT_ON_SIGN_OUT = {LANG_KEY, LANG_WIDGET_KEY, FLASH_KEY, SSO_PAUSED_KEY}

SESSION_TIMEOUT_ENV = "TRACKER_SESSION_TIMEOUT_MINUTES"
DEFAULT_TIMEOUT_MINUTES = 30.0

log = logging.getLogger(__name__)


def session_timeout_minutes() -> float:
    raw = os.environ.get(SESSION_TIMEOUT_ENV, "").strip()
    try:
        minutes = float(raw) if raw else DEFAULT_TIMEOUT_MINUTES
    except ValueError:
        minutes = DEFAULT_TIMEOUT_MINUTES
    return minutes if minutes > 0 else DEFAULT_TIMEOUT_MINUTES


def sign_in_actor(actor: Actor, *, via: str = "password", remember: bool = True) -> None:
    """Start the session for ``actor`` (after the accounts service accepted them).

    A password sign-in is remembered by a session cookie (``session_cookie``, issue #18) unless
    ``remember`` is False (the sign-in was itself restored from that cookie).
    """
    for key in [k for k in st.session_state if k not in _KEPT_ON_SIGN_OUT]:
        del st.session_state[key]
    st.session_state[USER_ID_KEY] = actor.id
    st.session_state[VIA_KEY] = via
    st.session_state[LAST_SEEN_KEY] = time.time()
    st.session_state.pop(SSO_PAUSED_KEY, None)
    if via == "password" and remember:
        from app_pages.frame import session_cookie

        session_cookie.remember(actor)


def sign_out(message: str | None = None, *, kind: str = "info", reason: str = "sign_out") -> None:
    """Forget the user and every page's widget state; keep the language and a message to show.

    A remembered session (cookie) ends too, in every tab (``reason`` is kept with it).
    """
    from app_pages.frame import session_cookie

    session_cookie.forget(reason)
    was_sso = st.session_state.get(VIA_KEY) == "sso"
    for key in [k for k in st.session_state if k not in _KEPT_ON_SIGN_OUT]:
        del st.session_state[key]
    if message:
        st.session_state[FLASH_KEY] = (kind, message)
    if was_sso:
        st.session_state[SSO_PAUSED_KEY] = True
    session_cookie.after_sign_out()


def signed_in_user_id() -> int | None:
    user_id = st.session_state.get(USER_ID_KEY)
    return user_id if isinstance(user_id, int) else None


def current_actor() -> Actor | None:
    """The signed-in user, reloaded by id through the actor service; None when signed out."""
    user_id = signed_in_user_id()
    if user_id is None:
        return None
    try:
        with read_session(engine()) as session:
            actor = load_actor(session, user_id)
        st.session_state[LAST_ACTOR_KEY] = actor
        st.session_state.pop(_FALLING_BACK_KEY, None)
        return actor
    except NotFoundError:
        _ = translator()
        sign_out(_("Your account is no longer active. Ask an administrator if this is a mistake."), kind="warning")
        return None
    except DATABASE_ERRORS as exc:
        text = database_error_text(exc)
        if text is None:
            raise
        log.exception("cannot load the signed-in user")
        last = st.session_state.get(LAST_ACTOR_KEY)
        if st.session_state.get(KEEP_DRAWING_KEY) and isinstance(last, Actor) and last.id == user_id:
            # Issue #22: a page holding typed text (the scoring form) goes on drawing, its own reads failing
            # with their sentence, so the text stays on screen through a lock timeout or an outage. Nothing
            # can be read or written meanwhile: every service call opens the same unreachable database.
            if not st.session_state.get(_FALLING_BACK_KEY):  # said once, not by each of the run's checks
                # markdown-safe: database_error_text gives a catalog sentence
                st.error(text)
            st.session_state[_FALLING_BACK_KEY] = True
            return last
        # markdown-safe: database_error_text gives a catalog sentence
        st.error(text)
        st.stop()


def enforce_timeout(now: float | None = None) -> None:
    """Sign out a session idle for longer than the timeout; otherwise record this run as activity."""
    if signed_in_user_id() is None:
        return
    now = time.time() if now is None else now
    last_seen = st.session_state.get(LAST_SEEN_KEY)
    minutes = session_timeout_minutes()
    if isinstance(last_seen, int | float) and now - last_seen > minutes * 60:
        _ = translator()
        sign_out(
            _("You were signed out after {minutes} minutes without activity. Sign in again to continue.",
              minutes=f"{minutes:g}"),
            kind="warning",
            reason="idle",
        )
        return
    st.session_state[LAST_SEEN_KEY] = now


def touch() -> None:
    """Count a fragment rerun as activity (fragment reruns do not run the frame)."""
    if signed_in_user_id() is not None:
        from app_pages.frame import session_cookie

        if not session_cookie.check_current():  # signed out elsewhere: show the sign-in form now
            st.rerun(scope="app")
        st.session_state[LAST_SEEN_KEY] = time.time()


def show_flash() -> None:
    flash = st.session_state.pop(FLASH_KEY, None)
    if not flash:
        return
    kind, text = flash
    # Flash texts are catalog sentences (trusted Markdown); callers escape any untrusted part they insert.
    {"warning": st.warning, "error": st.error, "success": st.success}.get(kind, st.info)(text)
