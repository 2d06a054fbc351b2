"""``python -m tracker user``: add and list accounts, remove single-sign-on links (run as the operator)."""

from __future__ import annotations

import sys

import click

from tracker.db import get_engine, read_session, write_session
from tracker.models import Role


def _read_password() -> str:
    """Prompted with hidden input on a terminal; otherwise the first line of stdin. Never echoed."""
    if sys.stdin.isatty():
        return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


@click.group()
def command() -> None:
    """Manage user accounts."""


@command.command("add")
@click.option("--email", required=True, help="Sign-in e-mail.")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]), help="What the user may do.")
@click.option("--name", "display_name", required=True, help="Name shown in the app.")
@click.option("--no-password", is_flag=True, help="Single sign-on only: no password is set.")
@click.option(
    "--temporary/--permanent", default=True, show_default=True,
    help="A temporary password must be changed at the first sign-in (the operator typed it, not the user).",
)
def add(email: str, role: str, display_name: str, no_password: bool, temporary: bool) -> None:
    """Create an account. The password is prompted (hidden) or read from stdin."""
    from tracker.services import SYSTEM_ACTOR, TrackerError
    from tracker.services.accounts import create_user

    password = None if no_password else _read_password()
    try:
        with write_session(get_engine()) as session:
            user = create_user(
                session, SYSTEM_ACTOR, email=email, display_name=display_name, role=role, password=password,
                must_change_password=temporary and password is not None,
            )
    except TrackerError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")


@command.command("set-password")
@click.option("--email", required=True)
def set_password_cmd(email: str) -> None:
    """Set a user's password (prompted or from stdin); they must change it at next sign-in."""
    from sqlalchemy import func
    from sqlmodel import select

    from tracker.models import User
    from tracker.services import SYSTEM_ACTOR, TrackerError
    from tracker.services.accounts import set_password

    password = _read_password()
    try:
        with write_session(get_engine()) as session:
            user = session.exec(select(User).where(func.lower(User.email) == email.strip().lower())).first()
            if user is None:
                raise click.ClickException(f"No user has the e-mail {email}.")
            set_password(session, SYSTEM_ACTOR, user_id=user.id or 0, password=password)
    except TrackerError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Password set for {email}; it must be changed at next sign-in.")


@command.command("list")
def list_cmd() -> None:
    """List accounts (never passwords)."""
    from tracker.services import SYSTEM_ACTOR
    from tracker.services.accounts import list_users

    with read_session(get_engine()) as session:
        users = list_users(session, SYSTEM_ACTOR)
    for u in users:
        state = "active" if u.active else "deactivated"
        click.echo(f"{u.id:>4}  {u.role.value:<12} {u.email:<40} {u.display_name}  ({state})")
    click.echo(f"{len(users)} user(s)")


@command.command("unlink-sso")
@click.option("--email", required=True, help="The account's e-mail in the tracker.")
def unlink_sso_cmd(email: str) -> None:
    """Remove an account's single-sign-on links (audited); its next verified sign-in links it again."""
    from sqlalchemy import func
    from sqlmodel import select

    from tracker.models import User
    from tracker.services import SYSTEM_ACTOR, TrackerError
    from tracker.services.accounts import normalise_email, remove_sso_links

    try:
        with write_session(get_engine()) as session:
            user = session.exec(select(User).where(func.lower(User.email) == normalise_email(email))).first()
            if user is None:
                raise click.ClickException(f"No user has the e-mail {email}.")
            removed = remove_sso_links(session, SYSTEM_ACTOR, user_id=user.id or 0)
    except TrackerError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Removed {removed} single-sign-on link(s) of {email}.")
