"""Stay signed in across reloads, new tabs and server restarts (issue #18): the cookie plumbing.

The rules (token, hashing, expiry, what ends a session) are in :mod:`tracker.services.sessions`;
this module only moves the token between the browser and the services:

* **Setting the cookie.** Streamlit talks to the browser over a WebSocket, which cannot set a
  cookie, and a cookie set by page JavaScript could not be HttpOnly. So ``serve.py`` runs the app as
  ``st.App(..., routes=cookie_routes())``: after a password sign-in the page receives a one-use
  hand-off code (never the token) and POSTs it, same-origin, to ``/api/session``; that route swaps
  it for the token and answers with ``Set-Cookie: tracker_session=…; HttpOnly; SameSite=Strict;
  Path=/`` (``Secure`` when the request came over TLS). The token is never in a URL, on the page
  or in a log (the access log shows the path only).
* **Reading it.** ``st.context.cookies`` is taken once when the WebSocket connects, which is
  exactly when a reload, a new tab or a reconnection to a restarted server starts a new Streamlit
  session: :func:`restore_or_check` then resumes the sign-in from the cookie.
* **Every action** of a tab signed in this way checks its session row (one indexed read), so a
  sign-out in another tab, the idle timeout, a password or role change or a deactivation signs
  this tab out at its next click, fragment reruns included (through ``frame.touch``).
* **Signing out** ends the row and asks the browser to drop the cookie (``/api/session/clear``).

Single sign-on keeps its own flow (``st.login``'s cookie): no token is made for it.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta
from typing import Any

import streamlit as st
from sqlalchemy.exc import OperationalError

from app_pages.frame.lang import translator
from tracker.db import DatabaseUnavailableError, get_engine, read_session, write_session
from tracker.services import sessions
from tracker.services.actor import Actor
from tracker.services.errors import AuthenticationError, TrackerError

COOKIE_NAME = "tracker_session"
ROUTE = "/api/session"
CLEAR_ROUTE = "/api/session/clear"
SESSION_ID_KEY = "auth_session_id"  # the sign_in_session row this Streamlit session runs under
HANDOFF_KEY = "auth_session_handoff"  # (code, time.time()) until the page has sent it
CLEAR_KEY = "auth_session_clear"  # ask the browser to drop the cookie on the next run
TRIED_KEY = "auth_session_tried"  # the cookie was tried once in this Streamlit session (no retry per click)
HANDOFF_EMIT_SECONDS = 20.0

log = logging.getLogger(__name__)


def _idle() -> timedelta:
    from app_pages.frame.auth import session_timeout_minutes

    return timedelta(minutes=session_timeout_minutes())


# --- the Streamlit side ---------------------------------------------------------------------------------


def remember(actor: Actor) -> None:
    """After a password sign-in: open a session row and hand its code to the browser on the next run."""
    try:
        with write_session(get_engine()) as session:
            started = sessions.start_session(session, actor)
    except (TrackerError, DatabaseUnavailableError, OperationalError):
        log.exception("could not start a remembered session; this tab stays signed in without one")
        return
    st.session_state[SESSION_ID_KEY] = started.session_id
    st.session_state[HANDOFF_KEY] = (started.handoff_code, time.time())


def forget(reason: str) -> None:
    """Before a sign-out: end this tab's session row (everywhere) and drop the cookie on the next run."""
    session_id = st.session_state.get(SESSION_ID_KEY)
    if not isinstance(session_id, int):
        return
    from app_pages.frame.auth import signed_in_user_id
    from tracker.services.actor import load_actor

    try:
        with write_session(get_engine()) as session:
            user_id = signed_in_user_id()
            actor: Actor | None = None
            if user_id is not None:
                try:
                    actor = load_actor(session, user_id)
                except TrackerError:
                    actor = None
            sessions.end_session(session, session_id=session_id, reason=reason, actor=actor)
    except (DatabaseUnavailableError, OperationalError):
        log.exception("could not end the remembered session")


def renew(actor: Actor) -> None:
    """After changing one's own password: every other session ends, this tab carries on with a new one."""
    if isinstance(st.session_state.get(SESSION_ID_KEY), int):
        forget("password_changed")
        remember(actor)


def after_sign_out() -> None:
    """Called once the session state is cleared: the next run asks the browser to drop the cookie."""
    st.session_state[CLEAR_KEY] = True
    st.session_state[TRIED_KEY] = True  # this connection's cookie (read at connect) is the old one


def _cookie() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE_NAME)
    except Exception:  # no browser context (AppTest, bare script run)
        return None
    return value if isinstance(value, str) and value else None


def restore_or_check() -> None:
    """Router, before anything else: resume a sign-in from the cookie, or check this tab's session."""
    from app_pages.frame.auth import FLASH_KEY, USER_ID_KEY, sign_in_actor

    _ = translator()
    if st.session_state.get(USER_ID_KEY) is not None:
        check_current()
        return
    token = _cookie()
    if token is None or st.session_state.get(TRIED_KEY):
        return
    st.session_state[TRIED_KEY] = True
    try:
        with write_session(get_engine()) as session:
            resumed = sessions.resume_session(session, token=token, idle=_idle())
    except sessions.SessionEnded as ended:
        st.session_state[CLEAR_KEY] = True
        if ended.reason == "idle":
            st.session_state[FLASH_KEY] = (
                "warning",
                _("You were signed out after a while without activity. Sign in again to continue."),
            )
        return
    except AuthenticationError:  # unknown, forged or malformed: the sign-in form, and drop the cookie
        st.session_state[CLEAR_KEY] = True
        return
    except (DatabaseUnavailableError, OperationalError):
        log.exception("cannot resume the remembered session")
        st.session_state.pop(TRIED_KEY, None)  # try again at the next click
        return
    sign_in_actor(resumed.actor, via="password", remember=False)
    st.session_state[SESSION_ID_KEY] = resumed.session_id
    st.session_state[TRIED_KEY] = True


def check_current() -> bool:
    """Is this tab's session still open? Signs the tab out (and says why) when it is not."""
    session_id = st.session_state.get(SESSION_ID_KEY)
    if not isinstance(session_id, int):
        return True
    try:
        with read_session(get_engine()) as session:
            resumed = sessions.check_session(session, session_id=session_id, idle=_idle())
        if resumed.touch_due:
            with write_session(get_engine()) as session:
                sessions.touch_session(session, session_id=session_id)
    except AuthenticationError as exc:
        from app_pages.frame.auth import sign_out

        _ = translator()
        reason = getattr(exc, "reason", "")
        messages = {
            "sign_out": _("You signed out in another tab or window. Sign in again to continue."),
            "idle": _("You were signed out after a while without activity. Sign in again to continue."),
            "role_changed": _("Your role was changed by an administrator. Sign in again to continue."),
            "password_changed": _("Your password was changed. Sign in again to continue."),
            "deactivated": _("Your account is no longer active. Ask an administrator if this is a mistake."),
        }
        st.session_state.pop(SESSION_ID_KEY, None)
        sign_out(messages.get(reason, _("Your session has ended. Sign in again to continue.")), kind="warning")
        return False
    except (DatabaseUnavailableError, OperationalError):
        log.exception("cannot check the remembered session")
    return True


def emit_browser_steps() -> None:
    """Send the hand-off code to the cookie route, or drop the cookie, from the page (no visible output)."""
    handoff = st.session_state.get(HANDOFF_KEY)
    script = ""
    if isinstance(handoff, tuple):
        code, since = handoff
        if time.time() - since > HANDOFF_EMIT_SECONDS:
            st.session_state.pop(HANDOFF_KEY, None)
        else:
            script = _post(ROUTE, {"code": code})
    elif st.session_state.pop(CLEAR_KEY, False):
        script = _post(CLEAR_ROUTE, {})
    if script:
        st.html(f"<script>{script}</script>", unsafe_allow_javascript=True, width=1)


def _post(path: str, body: dict[str, Any]) -> str:
    # json.dumps of a URL-safe code and a fixed path: nothing a person typed reaches this script.
    return (
        f"fetch(window.location.origin + {json.dumps(path)}, {{method: 'POST', credentials: 'same-origin', "
        f"headers: {{'Content-Type': 'application/json'}}, body: {json.dumps(json.dumps(body))}}});"
    )


# --- the HTTP side (routes mounted by serve.py) ----------------------------------------------------------


def _same_origin(request: Any) -> bool:
    """Refuse cross-site POSTs (login CSRF: a stranger's code would sign this browser in as them)."""
    origin = request.headers.get("origin")
    host = request.headers.get("host")
    if not origin or not host:
        return False
    return origin.split("://", 1)[-1] == host


def cookie_routes() -> list[Any]:
    """The two Starlette routes ``serve.py`` mounts beside Streamlit's own."""
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    def redeem(code: str) -> str:
        with write_session(get_engine()) as session:
            return sessions.redeem_handoff(session, code=code)

    async def set_cookie(request: Request) -> Response:
        if not _same_origin(request):
            return JSONResponse({"ok": False}, status_code=403)
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"ok": False}, status_code=400)
        code = body.get("code") if isinstance(body, dict) else None
        if not isinstance(code, str):
            return JSONResponse({"ok": False}, status_code=400)
        try:
            token = await run_in_threadpool(redeem, code)
        except AuthenticationError:
            return JSONResponse({"ok": False}, status_code=401)
        response = JSONResponse({"ok": True})
        response.set_cookie(
            COOKIE_NAME, token, max_age=int(sessions.SESSION_LIFETIME.total_seconds()), path="/",
            secure=request.url.scheme == "https", httponly=True, samesite="strict",
        )  # fmt: skip
        response.headers["Cache-Control"] = "no-store"
        return response

    async def clear_cookie(request: Request) -> Response:
        if not _same_origin(request):
            return JSONResponse({"ok": False}, status_code=403)
        response = JSONResponse({"ok": True})
        response.delete_cookie(COOKIE_NAME, path="/", secure=request.url.scheme == "https", httponly=True,
                               samesite="strict")  # fmt: skip
        return response

    return [Route(ROUTE, set_cookie, methods=["POST"]), Route(CLEAR_ROUTE, clear_cookie, methods=["POST"])]
