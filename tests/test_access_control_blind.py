"""The blind-scoring matrix (issues #10 and #17): every read path that can show a rating, a note, a
recommendation or a consensus, tried by every kind of actor at every stage of their own card.

Kinds: an interviewer, the chair, the posting's hiring manager sitting on its own panel (each with a
draft, a submitted card that rates nothing, a submitted card, or a declared conflict), the posting's
manager off the panel, an administrator, an interviewer on no panel. The rule (``blind_scenario``):
nobody but its author ever reads a draft; a panel member reads colleagues' cards and the consensus
only after submitting a card that rates a criterion; off the panel, the manager and admins read
submitted cards. A refusal counts as "sees nothing"; the positive cases make sure the markers do
reach those entitled to them (so the test can fail both ways).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from blind_scenario import (
    CONSENSUS_MARK,
    DRAFT_NOTE,
    WITNESS_NOTE,
    WITNESS_OVERALL,
    Scenario,
    build_scenario,
    scenarios,
    sees_colleagues,
)
from click.testing import CliRunner
from sqlmodel import Session

from tracker import exports
from tracker.cli import cli
from tracker.db import dispose_engines
from tracker.reports import render_feedback, render_record
from tracker.results.calibration import interviewer_calibration
from tracker.results.data import load_merit_frames, load_posting_frames
from tracker.results.merit import merit_view
from tracker.services import TrackerError, audit, consensus, scoring

RATING_SEEN = "RATING-SEEN"  # emitted by a path when it shows any colleague's rating as a number


def _frames_text(s: Session, sc: Scenario) -> str:
    f = load_posting_frames(s, sc.actor, posting_id=sc.posting_id, notes=True)
    scores = f.need("scores")
    others = scores[scores["interviewer_id"].astype(int) != sc.reader.id]
    cards = f.need("scorecards")
    cards = cards[cards["interviewer_id"].astype(int) != sc.reader.id]
    parts = [others.to_csv(), f.consensus.to_csv(), cards[["recommendation", "overall_notes"]].to_csv()]
    if not others.empty:
        parts.append(RATING_SEEN)
    return "\n".join(parts)


def _merit_text(s: Session, sc: Scenario) -> str:
    # A blind reader's own card adds no value (a draft, or nothing rated): any value is a colleague's.
    view = merit_view(load_merit_frames(s, sc.actor, posting_id=sc.posting_id))
    return RATING_SEEN if view.cells["value"].notna().any() else ""


def _calibration_text(s: Session, sc: Scenario) -> str:
    table = interviewer_calibration(load_posting_frames(s, sc.actor, posting_id=sc.posting_id))
    witness = table[table["interviewer"] == "Wendy Witness"]
    return RATING_SEEN if witness["mean_deviation"].notna().any() or (witness["comparisons"] > 0).any() else ""


def _record(s: Session, sc: Scenario) -> str:
    frames = load_posting_frames(s, sc.actor, posting_id=sc.posting_id, candidate_ids=[sc.candidate_id], notes=True)
    return render_record(frames, sc.candidate_id)


def _feedback(s: Session, sc: Scenario) -> str:
    frames = load_posting_frames(s, sc.actor, posting_id=sc.posting_id, candidate_ids=[sc.candidate_id], notes=True)
    return render_feedback(frames, sc.candidate_id)


def _scores_export(s: Session, sc: Scenario) -> str:
    frames = load_posting_frames(s, sc.actor, posting_id=sc.posting_id, notes=True)
    return exports.export_scores(frames, fmt="csv").decode("utf-8-sig")


def _merit_export(s: Session, sc: Scenario) -> str:
    frame = exports.merit_export_frame(merit_view(load_merit_frames(s, sc.actor, posting_id=sc.posting_id)))
    return RATING_SEEN if frame[["C1", "C2", "C3"]].notna().any().any() else ""


def _audit(s: Session, sc: Scenario) -> str:
    events = audit.list_events(s, sc.actor, posting_id=sc.posting_id)
    return json.dumps([[e.action, e.before, e.after] for e in events], default=str)


def _board(s: Session, sc: Scenario) -> str:
    return repr(consensus.consensus_board(s, sc.actor, candidate_id=sc.candidate_id))


def _cards(s: Session, sc: Scenario) -> str:
    views = scoring.candidate_scorecards(s, sc.actor, candidate_id=sc.candidate_id)
    return repr([v for v in views if v.interviewer_id != sc.reader.id])


PATHS: dict[str, Callable[[Session, Scenario], str]] = {
    "scoring.candidate_scorecards": _cards,
    "scoring.get_scorecard (witness's submitted)": lambda s, sc: repr(
        scoring.get_scorecard(s, sc.actor, scorecard_id=sc.witness_card)
    ),
    "scoring.get_scorecard (colleague's draft)": lambda s, sc: repr(
        scoring.get_scorecard(s, sc.actor, scorecard_id=sc.draft_card)
    ),
    "consensus.consensus_board": _board,
    "results frames (load_posting_frames)": _frames_text,
    "merit view (load_merit_frames)": _merit_text,
    "calibration chart data": _calibration_text,
    "report: record of decision": _record,
    "report: feedback summary": _feedback,
    "export: raw scores": _scores_export,
    "export: merit view": _merit_export,
    "audit.list_events": _audit,
}
# The markers each path shows to someone entitled to see colleagues' work (the positive half).
SHOWN_TO_MANAGERS = {
    "scoring.candidate_scorecards": WITNESS_NOTE,
    "scoring.get_scorecard (witness's submitted)": WITNESS_NOTE,
    "results frames (load_posting_frames)": WITNESS_OVERALL,
    "merit view (load_merit_frames)": RATING_SEEN,
    "report: record of decision": WITNESS_NOTE,
    "report: feedback summary": CONSENSUS_MARK,
    "export: raw scores": WITNESS_NOTE,
    "export: merit view": RATING_SEEN,
}
SHOWN_TO_PANEL = {
    "scoring.candidate_scorecards": WITNESS_NOTE,
    "scoring.get_scorecard (witness's submitted)": WITNESS_NOTE,
}
MANAGERS = {"manager_on_panel", "manager_off_panel", "admin"}


def _outcome(engine: Any, sc: Scenario, path: str) -> str:
    with Session(engine) as s:
        try:
            return PATHS[path](s, sc)
        except TrackerError as exc:  # a refusal (permission, blind, not found): nothing shown
            return f"refused: {exc}"
        finally:
            s.rollback()


@pytest.mark.parametrize(("kind", "stage"), scenarios(), ids=[f"{k}-{s or 'off'}" for k, s in scenarios()])
def test_every_read_path_keeps_blind_scoring(engine: Any, kind: str, stage: str | None) -> None:
    sc = build_scenario(engine, kind, stage)
    may_see = sees_colleagues(kind, stage)
    problems = []
    for path in PATHS:
        shown = _outcome(engine, sc, path)
        if DRAFT_NOTE in shown:
            problems.append(f"{path}: shows a colleague's draft")
        leaked = [m for m in (WITNESS_NOTE, WITNESS_OVERALL, CONSENSUS_MARK, RATING_SEEN) if m in shown]
        if not may_see and leaked:
            problems.append(f"{path}: shows {leaked} to a reader who is blind")
        expected = (SHOWN_TO_MANAGERS if kind in MANAGERS else SHOWN_TO_PANEL) if may_see else {}
        if path in expected and expected[path] not in shown:
            problems.append(f"{path}: should show {expected[path]}, shows {shown[:200]!r}")
    assert not problems, f"{kind} at stage {stage}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize(
    ("kind", "stage"), [("manager_on_panel", "draft"), ("manager_on_panel", "submitted"), ("manager_off_panel", None)]
)
def test_the_command_line_keeps_blind_scoring(
    engine: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, stage: str | None
) -> None:
    from dbtools import engine_url

    sc = build_scenario(engine, kind, stage)
    monkeypatch.setenv("TRACKER_DATABASE_URL", engine_url(engine))
    runner = CliRunner()
    try:
        record = tmp_path / "record.html"
        scores = tmp_path / "scores.csv"
        common = ["--posting", str(sc.posting_id), "--as-user", sc.reader.email]
        out1 = runner.invoke(
            cli, ["report", *common, "--candidate", sc.label, "--out", str(record)], catch_exceptions=False
        )
        out2 = runner.invoke(
            cli,
            ["export", *common, "--format", "csv", "--what", "scores", "--out", str(scores)],
            catch_exceptions=False,
        )
    finally:
        dispose_engines()
    assert out1.exit_code == 0 and out2.exit_code == 0, out1.output + out2.output
    text = record.read_text(encoding="utf-8") + scores.read_text(encoding="utf-8-sig")
    assert DRAFT_NOTE not in text
    assert (WITNESS_NOTE in text) is sees_colleagues(kind, stage)
    assert (CONSENSUS_MARK in text) is sees_colleagues(kind, stage)
