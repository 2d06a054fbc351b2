"""``python -m tracker export``: the merit view or the raw scores of a posting as CSV or XLSX.

CSV is UTF-8 with a byte-order mark (accents open correctly in Excel); in both formats every text cell a
spreadsheet would run as a formula is neutralised. Runs as the operator unless ``--as-user EMAIL``.
"""

from __future__ import annotations

from pathlib import Path

import click

from tracker.db import get_engine, read_session, write_session


@click.command()
@click.option("--posting", "posting_ref", required=True, help="The posting's translation key or id.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), required=True)
@click.option("--what", type=click.Choice(["merit", "scores"]), default="merit", show_default=True,
              help="merit: the merit view; scores: every submitted individual score with its notes.")
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True, help="Headers and words.")
@click.option("--anonymised", is_flag=True, help="Candidates' labels only, no names.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as-user", "as_user", help="Act as this user (their permissions apply) instead of the operator.")
def command(posting_ref: str, fmt: str, what: str, lang: str, anonymised: bool, out: Path, as_user: str | None) -> None:
    """Export a posting's merit view or raw scores to a CSV or XLSX file."""
    from tracker.exports import export_merit, export_scores
    from tracker.results.data import load_merit_frames, load_posting_frames
    from tracker.results.lookup import actor_for, resolve_posting
    from tracker.results.merit import merit_view
    from tracker.services import TrackerError, audit

    try:
        with read_session(get_engine()) as session:
            actor = actor_for(session, as_user)
            posting_id = resolve_posting(session, posting_ref)
            if what == "merit":
                frames = load_merit_frames(session, actor, posting_id=posting_id)
            else:
                frames = load_posting_frames(session, actor, posting_id=posting_id, notes=True)
    except TrackerError as exc:
        raise click.ClickException(str(exc)) from exc
    if what == "merit":
        data = export_merit(merit_view(frames, anonymised=anonymised, lang=lang), fmt=fmt, lang=lang)
        rows = len(frames.candidates)
    else:
        data = export_scores(frames, fmt=fmt, lang=lang, anonymised=anonymised)
        rows = len(frames.need("scores"))
    with write_session(get_engine()) as session:
        audit.record_access(
            session, actor, action=f"export.{what}", posting_id=posting_id,
            candidate_labels=frames.candidates["label"].astype(str).tolist(),
            what={"format": fmt, "lang": lang, "anonymised": anonymised, "via": "cli"},
        )  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    click.echo(f"Wrote {rows} row(s) to {out}")
