"""Users: accounts, roles, passwords, deactivation, unlocking. Administrators only.

A password the administrator generates is shown once, on the run after it was set, and then only
exists as an argon2id hash; the person must change it at their next sign-in.
"""

import secrets
from datetime import UTC, datetime

import pandas as pd
import streamlit as st
from sqlmodel import Session

from app_pages import _common as common
from app_pages import frame
from tracker.email_address import MAX_EMAIL_LENGTH
from tracker.models import Role
from tracker.services import ConflictError, accounts
from tracker.services.actor import Actor

NEW_PASSWORD_KEY = "users_new_password"  # (email, password): shown once on the next run, then forgotten
GENERATED_PASSWORD_BYTES = 12  # 16 URL-safe characters

actor = frame.require_roles(Role.admin)
_ = frame.translator()
st.title(_("Users"))
CONFLICT = {ConflictError: _("Someone else changed this account after you opened the page. Reload and make your change again.")}


def set_password(session: Session, actor: Actor, *, user_id: int, password: str) -> bool:
    """The service returns nothing; True tells the page that it ran."""
    accounts.set_password(session, actor, user_id=user_id, password=password)
    return True


def is_locked(user: accounts.UserPublic) -> bool:
    until = user.locked_until
    if until is None:
        return False
    return until > datetime.now(UTC)


shown = st.session_state.pop(NEW_PASSWORD_KEY, None)
if shown:
    email, password = shown
    st.success(
        _("One-time password for **{email}**, shown only now. Give it to them through a safe channel; "
          "they must change it when they sign in.", email=frame.escape_markdown(email))
    )
    st.code(password, language=None)

users = frame.service_call(accounts.list_users, actor)
if users is None:
    st.stop()
sso_links: dict[int, list[accounts.SsoLinkPublic]] = {}
for link in frame.service_call(accounts.list_sso_links, actor) or []:
    sso_links.setdefault(link.user_id, []).append(link)

st.dataframe(
    pd.DataFrame(
        {
            _("Name"): [u.display_name for u in users],
            _("E-mail"): [u.email for u in users],
            _("Role"): [frame.role_label(u.role) for u in users],
            _("Account active"): [u.active for u in users],
            _("Locked out"): [is_locked(u) for u in users],
            _("Must change password"): [u.must_change_password for u in users],
            _("Single sign-on linked"): [u.id in sso_links for u in users],
            _("Last sign-in"): [common.format_moment(u.last_login_at) for u in users],
            _("Created on"): [common.format_moment(u.created_at) for u in users],
        }
    ),
    hide_index=True,
)

roles = list(Role)

# --- add ------------------------------------------------------------------------------------------
with st.expander(_("Add a user")):
    with st.form("users_add", clear_on_submit=True):
        email = st.text_input(_("E-mail"), max_chars=MAX_EMAIL_LENGTH, key="users_add_email")
        name = st.text_input(_("Name"), max_chars=accounts.MAX_DISPLAY_NAME, key="users_add_name")
        role = st.selectbox(
            _("Role"), roles, index=roles.index(Role.interviewer), format_func=frame.role_label, key="users_add_role"
        )
        typed = st.text_input(
            _("Initial password"), type="password", max_chars=accounts.MAX_PASSWORD_LENGTH, key="users_add_password",
            help=_("Leave it empty to generate a one-time password, shown once. Either way, the person must change it "
                   "when they first sign in."),
        )
        sso_only = st.checkbox(_("No password: this person signs in only with single sign-on"), key="users_add_sso_only")
        add = st.form_submit_button(_("Add the user"), type="primary", key="users_add_submit")
    if add:
        password = None if sso_only else (typed or secrets.token_urlsafe(GENERATED_PASSWORD_BYTES))
        created = frame.service_call(
            accounts.create_user, actor, email=email, display_name=name, role=role, password=password,
            must_change_password=password is not None, write=True,
        )
        if created is not None:
            if password is not None and not typed:
                st.session_state[NEW_PASSWORD_KEY] = (created.email, password)
            common.flash(_("{email} can now sign in as {role}.", email=frame.escape_markdown(created.email),
                           role=frame.role_label(created.role)))
            st.rerun()

# --- manage ---------------------------------------------------------------------------------------
st.subheader(_("Change an account"))
by_id = {u.id: u for u in users}
chosen_id = st.selectbox(
    _("User"), list(by_id), key="users_choice",
    format_func=lambda uid: f"{by_id[uid].display_name} · {by_id[uid].email}",
)
user = by_id[chosen_id]
if not user.active:
    st.warning(_("This account is deactivated: its owner cannot sign in, and they are not offered for panels."))
if is_locked(user):
    st.warning(_("This account is locked after repeated failed sign-ins, until {moment}.",
                 moment=common.format_moment(user.locked_until)))

edit_key = f"{user.id}_{user.version}"
with st.form(f"users_edit_{edit_key}"):
    new_name = st.text_input(_("Name"), value=user.display_name, max_chars=accounts.MAX_DISPLAY_NAME, key=f"users_edit_name_{edit_key}")
    new_role = st.selectbox(
        _("Role"), roles, index=roles.index(user.role), format_func=frame.role_label, key=f"users_edit_role_{edit_key}"
    )
    save = st.form_submit_button(_("Save the account"), type="primary", key=f"users_edit_submit_{edit_key}")
if save:
    changes = {}
    if new_name != user.display_name:
        changes["display_name"] = new_name
    if new_role != user.role:
        changes["role"] = new_role
    if not changes:
        st.info(_("Nothing to save: no field was changed."))
    else:
        result = frame.service_call(
            accounts.update_user, actor, user_id=user.id, expected_version=user.version, write=True, messages=CONFLICT, **changes
        )
        if result is not None:
            common.flash(_("The account of {email} is saved.", email=frame.escape_markdown(result.email)))
            st.rerun()

left, right = st.columns(2)
if user.active:
    if left.button(_("Deactivate"), key="users_deactivate", icon=":material/person_off:",
                   help=_("The person can no longer sign in; their scorecards and the audit log keep their name.")):
        result = frame.service_call(
            accounts.update_user, actor, user_id=user.id, active=False, expected_version=user.version, write=True, messages=CONFLICT
        )
        if result is not None:
            common.flash(_("{email} is deactivated.", email=frame.escape_markdown(result.email)))
            st.rerun()
elif left.button(_("Reactivate"), key="users_reactivate", icon=":material/person_check:"):
    result = frame.service_call(
        accounts.update_user, actor, user_id=user.id, active=True, expected_version=user.version, write=True, messages=CONFLICT
    )
    if result is not None:
        common.flash(_("{email} is active again.", email=frame.escape_markdown(result.email)))
        st.rerun()
if is_locked(user) and right.button(_("Unlock"), key="users_unlock", icon=":material/lock_open:"):
    result = frame.service_call(accounts.unlock_user, actor, user_id=user.id, write=True)
    if result is not None:
        common.flash(_("{email} is unlocked.", email=frame.escape_markdown(result.email)))
        st.rerun()

for link in sso_links.get(user.id, []):
    st.caption(_("Linked to single sign-on at {issuer} since {moment}.", issuer=frame.escape_markdown(link.issuer),
                 moment=common.format_moment(link.linked_at)))
unlink = sso_links.get(user.id) and st.button(
    _("Remove the single-sign-on link"), key="users_sso_unlink", icon=":material/link_off:",
    help=_("For a person whose identity at the provider changed: their next single sign-on links the account again, "
           "if the provider has verified their e-mail."),
)
if unlink and frame.service_call(accounts.remove_sso_links, actor, user_id=user.id, write=True) is not None:
    common.flash(_("The single-sign-on link of {email} is removed.", email=frame.escape_markdown(user.email)))
    st.rerun()

with st.expander(_("Reset the password")):
    with st.form(f"users_password_{user.id}", clear_on_submit=True):
        new_password = st.text_input(
            _("New password"), type="password", max_chars=accounts.MAX_PASSWORD_LENGTH, key=f"users_reset_password_{user.id}",
            help=_("Leave it empty to generate a one-time password, shown once. The person must change it when they "
                   "next sign in."),
        )
        reset = st.form_submit_button(_("Set the password"), key=f"users_password_submit_{user.id}")
    if reset:
        password = new_password or secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
        if frame.service_call(set_password, actor, user_id=user.id, password=password, write=True):
            if not new_password:
                st.session_state[NEW_PASSWORD_KEY] = (user.email, password)
            common.flash(_("The password of {email} is set; they must change it at their next sign-in.",
                           email=frame.escape_markdown(user.email)))
            st.rerun()
