"""Sign in: the tracker's own accounts (the embedded default) and, when configured, single sign-on.

Single sign-on is on when ``.streamlit/secrets.toml`` has an ``[auth]`` section (see
docs/operations.md, "Single sign-on (OpenID Connect)"): ``st.login`` sends the user to the
organisation's provider, and on return the identity is mapped to an active tracker account by
``accounts.actor_for_sso``: only a verified e-mail from a configured issuer, linked at the first sign-in
to the provider's issuer + subject (docs/security.md, "Single sign-on"). Password sign-in stays available below it for accounts that have a
password (the first administrator, a break-glass account).

The router shows this instead of any page while nobody is signed in, and
:func:`show_password_change` instead of any page while the signed-in user still has a password someone
else chose (the first administrator's one-time password, an administrator's reset): whatever URL they
type, they choose their own password first, and the page they asked for opens afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st
from sqlmodel import Session

from app_pages import frame
from app_pages.frame import session_cookie
from app_pages.frame.auth import FLASH_KEY, SSO_PAUSED_KEY
from tracker.services import accounts
from tracker.services.actor import Actor
from tracker.services.errors import AuthenticationError
from tracker.sso import configured_issuers

FORM_KEY = "sign_in_form"
EMAIL_KEY = "sign_in_email"
PASSWORD_KEY = "sign_in_password"
SSO_BUTTON_KEY = "sign_in_sso"
SSO_CONTINUE_KEY = "sign_in_sso_continue"
SSO_LOGOUT_KEY = "sign_in_sso_logout"
CHANGE_FORM_KEY = "password_change_form"
CURRENT_PASSWORD_KEY = "password_change_current"
NEW_PASSWORD_KEY = "password_change_new"
REPEAT_PASSWORD_KEY = "password_change_repeat"


def sso_providers() -> list[str | None]:
    """Providers configured in ``[auth]``: ``None`` for the default one, else each named sub-section."""
    try:
        auth = st.secrets.get("auth")
    except Exception:  # no secrets.toml at all (StreamlitSecretNotFoundError): password sign-in only
        return []
    if not auth:
        return []
    providers: list[str | None] = [None] if "client_id" in auth else []
    providers.extend(name for name, value in auth.items() if isinstance(value, Mapping) and "client_id" in value)
    return providers


def sso_identity() -> dict[str, Any] | None:
    """The signed-in identity's claims from the provider (``st.user``), or None."""
    info = st.user.to_dict()
    return info if info.get("is_logged_in") and info.get("email") else None


def sso_issuers() -> list[str]:
    """The issuers the configured providers stand for (tracker.sso)."""
    try:
        auth = st.secrets.get("auth")
    except Exception:  # no secrets.toml at all
        auth = None
    return configured_issuers(auth)


def show() -> None:
    _ = frame.translator()
    st.title(_("Candidate assessment tracker"))
    st.caption(_("Sign in to score candidates, review rubrics and follow selection processes."))
    providers = sso_providers()
    if providers:
        _single_sign_on(providers)
        with st.expander(_("Sign in with a tracker password")):
            _password_form()
    else:
        _password_form()


def _password_form() -> None:
    _ = frame.translator()
    with st.form(FORM_KEY, clear_on_submit=True):
        email = st.text_input(_("E-mail"), key=EMAIL_KEY, autocomplete="username")
        password = st.text_input(_("Password"), type="password", key=PASSWORD_KEY, autocomplete="current-password")
        submitted = st.form_submit_button(_("Sign in"), type="primary")
    if not submitted:
        return
    actor = frame.service_call(
        accounts.authenticate,
        email=email,
        password=password,
        write=True,
        messages={
            AuthenticationError: _(
                "Sign-in failed: the e-mail or the password is wrong, or the account is locked for "
                "15 minutes after 5 failed attempts, or it is deactivated (ask an administrator)."
            )
        },
    )
    if actor is not None:
        frame.sign_in_actor(actor, via="password")
        st.rerun()


def _single_sign_on(providers: list[str | None]) -> None:
    _ = frame.translator()
    identity = sso_identity()
    if identity is None:
        for provider in providers:
            label = _("Sign in with your organisation's account") if provider is None else _(
                "Sign in with {provider}", provider=provider
            )
            # markdown-safe: provider names come from the operator's secrets.toml, not from a person or a file
            if st.button(label, key=f"{SSO_BUTTON_KEY}_{provider or 'default'}", type="primary"):
                st.login(provider)  # None = the [auth] section's own provider
        return
    email = str(identity["email"])
    # After a sign-out or a timeout in this browser session, wait to be asked before signing in again.
    if st.session_state.get(SSO_PAUSED_KEY) and not st.button(
        _("Continue as {email}", email=frame.escape_markdown(email)), key=SSO_CONTINUE_KEY, type="primary"
    ):
        _sso_logout_button()
        return
    actor = frame.service_call(
        accounts.actor_for_sso,
        claims=identity,
        issuers=sso_issuers(),
        write=True,  # the service's refusal says why: no account, not verified, another issuer, deactivated
    )
    if actor is None:
        _sso_logout_button()
        return
    frame.sign_in_actor(actor, via="sso")
    st.rerun()


def _sso_logout_button() -> None:
    _ = frame.translator()
    if st.button(_("Sign out of single sign-on"), key=SSO_LOGOUT_KEY):
        st.logout()


def _change_own_password(session: Session, actor: Actor, *, current_password: str, password: str) -> bool:
    """The service returns nothing; True tells the form that it ran."""
    accounts.set_password(session, actor, user_id=actor.id or 0, password=password, current_password=current_password)
    return True


def show_password_change(actor: Actor) -> None:
    """The only thing a user whose password must be changed sees, whatever page they asked for."""
    _ = frame.translator()
    st.title(_("Choose a new password"))
    st.info(
        _("Your password was set by an administrator, or is the one-time password of a new installation. "
          "Choose your own password to continue; the page you asked for opens afterwards.")
    )
    rule = _(
        "At least {length} characters, not a common password, and without your name or e-mail address.",
        length=accounts.MIN_PASSWORD_LENGTH,
    )
    with st.form(CHANGE_FORM_KEY, clear_on_submit=True):
        current = st.text_input(
            _("Current password"), type="password", key=CURRENT_PASSWORD_KEY, autocomplete="current-password",
            max_chars=accounts.MAX_PASSWORD_LENGTH,
        )
        new = st.text_input(
            _("New password"), type="password", key=NEW_PASSWORD_KEY, autocomplete="new-password",
            max_chars=accounts.MAX_PASSWORD_LENGTH, help=rule,
        )
        repeat = st.text_input(
            _("New password again"), type="password", key=REPEAT_PASSWORD_KEY, autocomplete="new-password",
            max_chars=accounts.MAX_PASSWORD_LENGTH,
        )
        st.caption(rule)
        submitted = st.form_submit_button(_("Change my password"), type="primary")
    if not submitted:
        return
    if new != repeat:
        st.error(_("The two new passwords differ; type the same new password twice."))
        return
    if frame.service_call(_change_own_password, actor, current_password=current, password=new, write=True):
        session_cookie.renew(actor)  # other browsers are signed out; this one stays (issue #18)
        st.session_state[FLASH_KEY] = ("success", _("Your password is changed."))
        st.rerun()
