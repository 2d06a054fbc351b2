"""``python -m tracker report``: print-ready records of decision and feedback summaries (HTML).

One candidate to a file (``--candidate LABEL_OR_ID --out FILE``), or every candidate of the posting to
a folder (``--out FOLDER`` without ``--candidate``). Runs as the operator unless ``--as-user EMAIL``
is given, in which case that user's permissions apply (a manager sees only postings they own).
"""

from __future__ import annotations

from pathlib import Path

import click

from tracker.db import get_engine, read_session, write_session


@click.command()
@click.option("--posting", "posting_ref", required=True, help="The posting's translation key or id.")
@click.option("--candidate", "candidate_ref", help="A candidate label (\"Candidate 07\") or id; omit for all.")
@click.option("--kind", type=click.Choice(["record", "feedback"]), default="record", show_default=True,
              help="record: the record of decision; feedback: the summary for the informal discussion.")
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True)
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="The HTML file (one candidate) or the folder (all candidates).")
@click.option("--as-user", "as_user", help="Act as this user (their permissions apply) instead of the operator.")
def command(posting_ref: str, candidate_ref: str | None, kind: str, lang: str, out: Path, as_user: str | None) -> None:
    """Write a candidate's record of decision or feedback summary as printable HTML."""
    from tracker.reports import ReportError, render, report_filename
    from tracker.results.data import load_posting_frames
    from tracker.results.lookup import actor_for, resolve_candidate, resolve_posting
    from tracker.services import TrackerError, audit

    try:
        with read_session(get_engine()) as session:
            actor = actor_for(session, as_user)
            posting_id = resolve_posting(session, posting_ref)
            ids = None if candidate_ref is None else [resolve_candidate(session, posting_id, candidate_ref)]
            frames = load_posting_frames(session, actor, posting_id=posting_id, candidate_ids=ids, notes=True)
        candidates = frames.candidates["candidate_id"].astype(int).tolist()
        labels = frames.candidates["label"].astype(str).tolist()
        # Reading candidates' personal information is an audit event (issue #10): who, what, which labels, when.
        with write_session(get_engine()) as session:
            audit.record_access(
                session, actor, action=f"report.{kind}", posting_id=posting_id, candidate_labels=labels,
                what={"kind": kind, "lang": lang, "via": "cli"},
            )  # fmt: skip
        if candidate_ref is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(render(frames, candidates[0], kind=kind, lang=lang), encoding="utf-8")
            click.echo(f"Wrote {out}")
            return
        if out.exists() and not out.is_dir():
            raise click.UsageError(f"{out} is a file: without --candidate, --out must be a folder.")
        out.mkdir(parents=True, exist_ok=True)
        for candidate_id in candidates:
            path = out / report_filename(frames, candidate_id, kind=kind, lang=lang)
            path.write_text(render(frames, candidate_id, kind=kind, lang=lang), encoding="utf-8")
        click.echo(f"Wrote {len(candidates)} {kind} file(s) to {out}")
    except (TrackerError, ReportError) as exc:
        raise click.ClickException(str(exc)) from exc
