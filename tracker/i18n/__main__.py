"""``python -m tracker.i18n check|update``: see :mod:`tracker.i18n.catalog`."""

from __future__ import annotations

import sys

import click

from tracker.i18n.catalog import check_catalogs, update_catalogs


@click.group()
def main() -> None:
    """Maintain the English and French message catalogs."""


@main.command()
def check() -> None:
    """List msgids missing, untranslated, fuzzy or unused; exit 1 when there is any."""
    problems = check_catalogs().problems
    for line in problems:
        click.echo(line)
    if problems:
        sys.exit(1)
    click.echo("Both catalogs have every message used in the code, translated.")


@main.command()
def update() -> None:
    """Add new msgids to both catalogs (French left empty for a translator)."""
    added = update_catalogs()
    for lang, ids in sorted(added.items()):
        click.echo(f"{lang}: added {len(ids)} message(s)")
    for line in check_catalogs().problems:
        click.echo(line)


if __name__ == "__main__":
    main()
