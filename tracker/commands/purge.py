"""``python -m tracker purge --closed-before DATE``: the retention purge of candidates' personal data."""

from __future__ import annotations

from datetime import datetime

import click

from tracker.db import get_engine, read_session, write_session


@click.command()
@click.option("--closed-before", required=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="YYYY-MM-DD")
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def command(closed_before: datetime, dry_run: bool, yes: bool) -> None:
    """Delete candidates' personal information for postings closed before a date.

    Postings and rubrics stay; the audit trail keeps its events with candidates' labels only.
    """
    from tracker.services import SYSTEM_ACTOR, TrackerError
    from tracker.services.privacy import purge_closed_postings

    day = closed_before.date()
    try:
        with read_session(get_engine()) as session:
            preview = purge_closed_postings(session, SYSTEM_ACTOR, closed_before=day, dry_run=True)
    except TrackerError as exc:
        raise click.ClickException(str(exc)) from exc
    for p in preview.postings:
        click.echo(f"{p.translation_key}  closed {p.closed_on}  {p.candidates} candidate(s)")
    if not preview.postings:
        click.echo(f"No posting closed before {day} holds candidates; nothing to purge.")
        return
    if dry_run:
        click.echo(f"Dry run: {preview.candidates} candidate(s) in {len(preview.postings)} posting(s) would be deleted.")
        return
    if not yes:
        click.confirm(f"Delete {preview.candidates} candidate(s) and everything personal about them?", abort=True)
    with write_session(get_engine()) as session:
        report = purge_closed_postings(session, SYSTEM_ACTOR, closed_before=day, dry_run=False)
    click.echo(f"Deleted {report.candidates} candidate(s) from {len(report.postings)} posting(s).")
