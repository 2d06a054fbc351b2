"""``python -m tracker parse PATH...``: show the criteria the tracker would read from postings.

No database is involved: this is the command to check a posting before importing it. Exit status 0
when every file parsed, 1 when any file is listed under errors (the others are still printed), 2 for
bad usage (click's own convention).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from tracker.parsing import DEFAULT_MAX_BYTES, ParsedPosting, ParseRun, parse_paths


@click.command(name="parse")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"], case_sensitive=False),
    default="text",
    show_default=True,
    help="text for people, json for programs.",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Refuse files larger than this many bytes.",
)
def command(paths: tuple[str, ...], output_format: str, max_bytes: int) -> None:
    """Parse job postings (Markdown files, or folders searched for *.md) into rubric criteria."""
    try:
        run = parse_paths(paths, max_bytes=max_bytes)
        if output_format.lower() == "json":
            click.echo(json.dumps(run_to_json(run), ensure_ascii=False, indent=2))
        else:
            _echo_text(run)
    except BrokenPipeError:  # `... | head`: the reader left; nothing useful to say
        sys.stderr.close()
        sys.exit(1)
    except Exception as exc:
        click.echo(
            f"Error: parsing stopped because of an internal error ({type(exc).__name__}); please report it.", err=True
        )
        sys.exit(1)
    sys.exit(1 if run.errors else 0)


def run_to_json(run: ParseRun) -> dict[str, Any]:
    """The documented JSON shape (issue 2), plus a summary and each posting's sections."""
    with_criteria = sum(1 for posting in run.postings if posting.criteria)
    return {
        "postings": [_posting_json(posting) for posting in run.postings],
        "pairs": [
            {
                "translation_key": pair.translation_key,
                "en": pair.en,
                "fr": pair.fr,
                "paired": pair.paired,
                "warnings": pair.warnings,
            }
            for pair in run.pairs
        ],
        "errors": [{"path": path, "error": error} for path, error in run.errors],
        "summary": {
            "postings": len(run.postings),
            "with_criteria": with_criteria,
            "criteria": sum(len(posting.criteria) for posting in run.postings),
            "errors": len(run.errors),
        },
    }


def _posting_json(posting: ParsedPosting) -> dict[str, Any]:
    return {
        "path": posting.path,
        "lang": posting.lang,
        "title": posting.title,
        "description": posting.description,
        "translation_key": posting.translation_key,
        "lever_id": posting.lever_id,
        "archived": posting.archived,
        "content_hash": posting.content_hash,
        "criteria": [
            {"number": c.number, "kind": c.kind, "text": c.text, "section": c.section, "line": c.line}
            for c in posting.criteria
        ],
        "sections": [
            {
                "index": s.index,
                "heading": s.heading,
                "level": s.level,
                "role": s.role,
                "line": s.line,
                "items": len(s.items),
            }
            for s in posting.sections
        ],
        "warnings": posting.warnings,
    }


def _echo_text(run: ParseRun) -> None:
    for posting in run.postings:
        archived = ", archived" if posting.archived else ""
        click.echo(f"{posting.path}  [{posting.lang}{archived}]  {posting.title}")
        if posting.translation_key:
            click.echo(f"  translationKey: {posting.translation_key}")
        essential = sum(1 for c in posting.criteria if c.kind == "essential")
        assets = len(posting.criteria) - essential
        click.echo(f"  {len(posting.criteria)} criteria ({essential} essential, {assets} asset)")
        section = None
        for criterion in posting.criteria:
            if criterion.section != section:
                section = criterion.section
                click.echo(f"  under “{section}”:")
            marker = " (asset)" if criterion.kind == "asset" else ""
            click.echo(f"    {criterion.number:>2}. {criterion.text}{marker}  [line {criterion.line}]")
        for warning in posting.warnings:
            click.echo(f"  warning: {warning}")
        click.echo("")
    if run.pairs:
        click.echo("Bilingual pairs:")
        for pair in run.pairs:
            state = "paired" if pair.paired else "not paired"
            click.echo(f"  {pair.translation_key}: {state} (en: {pair.en or '-'}, fr: {pair.fr or '-'})")
            for warning in pair.warnings:
                click.echo(f"    warning: {warning}")
        click.echo("")
    with_criteria = sum(1 for posting in run.postings if posting.criteria)
    click.echo(
        f"{len(run.postings)} postings parsed, {with_criteria} with criteria, "
        f"{len(run.errors)} error{'s' if len(run.errors) != 1 else ''}."
    )
    for path, error in run.errors:
        click.echo(f"error: {error}" if path in error else f"error: {path}: {error}", err=True)
