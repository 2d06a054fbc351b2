"""``python -m tracker demo [--if-empty] [--accounts]``: load the fictional Northwind demo (see tracker/demo.py)."""

from __future__ import annotations

import click
from sqlalchemy.exc import OperationalError

from tracker.db import get_engine

PUBLIC_PASSWORDS_NOTE = (
    "These passwords are public (docs/user-guide.md). They exist only in a database created by the demo loader; "
    "never load the demo into a database with real data."
)


def _echo_accounts() -> None:
    from tracker.demo import accounts_table

    for line in accounts_table():
        click.echo(line)
    click.echo(PUBLIC_PASSWORDS_NOTE)


@click.command()
@click.option("--if-empty", is_flag=True, help="Load only into an empty database; otherwise do nothing (used by `make run`).")
@click.option("--accounts", "only_accounts", is_flag=True, help="Only print the demo accounts and passwords; load nothing.")
def command(if_empty: bool, only_accounts: bool) -> None:
    """Load a fictional selection process (two bilingual postings, candidates, a panel, scorecards) with demo accounts.

    The demo goes only into an empty database: one with no posting and no account except a first
    administrator who has never signed in. Everything is created through the services, so the audit
    log shows who did what.
    """
    if only_accounts:
        _echo_accounts()
        return
    from tracker.db import read_session
    from tracker.demo import DemoRefusedError, load_demo, why_not_empty

    engine = get_engine()
    try:
        with read_session(engine) as session:
            reason = why_not_empty(session)
        if reason is not None and if_empty:
            click.echo(f"Demo not loaded: the database is not empty ({reason}).")
            return
        summary = load_demo(engine)
    except DemoRefusedError as exc:
        if if_empty:  # another process loaded it a moment ago (replicas starting together): nothing to do
            click.echo("Demo not loaded: the database is not empty (another process filled it just now).")
            return
        raise click.ClickException(str(exc)) from exc
    except OperationalError as exc:
        raise click.ClickException(
            f"The database is not ready ({exc.orig}); run `python -m tracker db upgrade` first."
        ) from exc
    click.echo(
        f"Demo loaded: {len(summary.postings)} postings, {summary.candidates} candidates, "
        f"{summary.submitted} submitted scorecards, {summary.drafts} drafts, {summary.consensus} consensus ratings, "
        f"{summary.decisions} decision."
    )
    click.echo("")
    _echo_accounts()
