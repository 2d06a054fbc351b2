"""``python -m tracker import PATH...``: parse postings and store them, reporting per posting."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from tracker.db import get_engine

_ACTION_LABELS = {
    "created": "created",
    "updated": "updated",
    "new_version": "new rubric version",
    "unchanged": "unchanged",
    "error": "ERROR",
}


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--quiet", is_flag=True, help="Print only the summary and errors.")
def command(paths: tuple[Path, ...], quiet: bool) -> None:
    """Import job postings (files or folders of .md) into the database; importing again changes nothing.

    Exits with status 1 when any posting could not be imported.
    """
    from tracker.services import SYSTEM_ACTOR
    from tracker.services.postings import import_postings

    state: dict[str, Any] = {"bar": None, "done": 0}

    def progress(done: int, total: int, label: str) -> None:
        if state["bar"] is None:
            bar = click.progressbar(length=total, label="Importing postings", file=sys.stderr)
            bar.__enter__()
            state["bar"] = bar
        state["bar"].update(done - state["done"])
        state["done"] = done

    try:
        report = import_postings(get_engine(), SYSTEM_ACTOR, paths=list(paths), progress=progress)
    finally:
        if state["bar"] is not None:
            state["bar"].__exit__(None, None, None)
    for item in report.items:
        if quiet and item.action != "error":
            continue
        label = _ACTION_LABELS.get(item.action, item.action)
        key = item.translation_key or "-"
        if item.action == "error":
            click.echo(f"{label:<19} {key}  {item.path}: {item.error}")
            continue
        version = f" v{item.rubric_version}" if item.rubric_version else ""
        click.echo(f"{label:<19} {key}  {item.criteria_count} criteria{version}  ({item.path})")
        for warning in item.warnings if not quiet else []:
            click.echo(f"{'':<19} warning: {warning}")
    counts = report.counts()
    summary = ", ".join(f"{n} {_ACTION_LABELS[a]}" for a, n in counts.items() if n)
    click.echo(f"{len(report.items)} posting(s): {summary or 'nothing to import'}")
    if report.has_errors:
        raise SystemExit(1)
