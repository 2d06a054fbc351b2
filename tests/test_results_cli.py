"""``python -m tracker report`` and ``python -m tracker export`` against a migrated SQLite file."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from factories import build_world, criteria_of, make_consensus, make_scorecard, rubric_of

from tracker.cli import cli
from tracker.db import dispose_engines, write_session
from tracker.models import ScorecardStatus

ROOT = Path(__file__).resolve().parent.parent
SUBMITTED = ScorecardStatus.submitted


@pytest.fixture
def world(sqlite_engine):
    world = build_world(sqlite_engine, criteria=2, candidates=3)
    with write_session(sqlite_engine) as s:
        c1, c2, _ = world.candidates
        crit = criteria_of(s, rubric_of(s, world.posting))
        make_scorecard(s, candidate=c1, interviewer=world.chair, ratings=[4, 3], status=SUBMITTED,
                       notes="=HYPERLINK(\"http://evil.example\")")  # fmt: skip
        make_scorecard(s, candidate=c1, interviewer=world.member, ratings=[5, 2], status=SUBMITTED)
        make_scorecard(s, candidate=c2, interviewer=world.chair, ratings=[2, 2], status=SUBMITTED)
        make_consensus(s, candidate=c1, criterion=crit[0], rating=4, rationale="Agreed", by=world.chair)
    world.url = sqlite_engine.url.render_as_string(hide_password=False)
    yield world
    dispose_engines()


def run(world, *args: str):
    return CliRunner().invoke(cli, list(args), env={"TRACKER_DATABASE_URL": world.url})


def test_report_for_one_candidate_by_label(world, tmp_path) -> None:
    out = tmp_path / "record.html"
    result = run(world, "report", "--posting", world.posting.translation_key, "--candidate", "candidate 1",
                 "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "Record of decision" in html and world.candidates[0].name in html
    assert "Charlie Chair" in html and "Agreed" in html
    assert world.candidates[1].name not in html


def test_feedback_in_french_by_id(world, tmp_path) -> None:
    out = tmp_path / "feedback.html"
    result = run(world, "report", "--posting", str(world.posting.id), "--candidate", str(world.candidates[0].id),
                 "--kind", "feedback", "--lang", "fr", "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "Résumé pour la discussion informelle" in html and "Charlie Chair" not in html


def test_report_for_every_candidate_into_a_folder(world, tmp_path) -> None:
    folder = tmp_path / "records"
    result = run(world, "report", "--posting", world.posting.translation_key, "--out", str(folder))
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in folder.iterdir())
    key = world.posting.translation_key
    assert names == [f"{key}-candidate-0{i}-record-en.html" for i in (1, 2, 3)]
    assert "Wrote 3 record file(s)" in result.output


@pytest.mark.parametrize("who", ["chair", "other_manager"])
def test_acting_as_a_user_applies_their_permissions(world, tmp_path, who) -> None:
    result = run(world, "report", "--posting", world.posting.translation_key, "--candidate", "Candidate 01",
                 "--out", str(tmp_path / "x.html"), "--as-user", getattr(world, who).email)  # fmt: skip
    assert result.exit_code == 1
    assert "Only an administrator or the hiring manager who owns this posting" in result.output
    assert not (tmp_path / "x.html").exists()


def test_acting_as_the_owning_manager_works(world, tmp_path) -> None:
    out = tmp_path / "merit.csv"
    result = run(world, "export", "--posting", world.posting.translation_key, "--format", "csv",
                 "--out", str(out), "--as-user", world.manager.email.upper())  # fmt: skip
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--posting", "no-such-posting"], "No posting has the key or id 'no-such-posting'"),
        (["--candidate", "Candidate 42"], "No candidate of this posting has the label or id 'Candidate 42'"),
        (["--as-user", "nobody@northwind.example"], "No active user has the e-mail"),
    ],
)
def test_clear_errors(world, tmp_path, args, message) -> None:
    base = {"--posting": world.posting.translation_key, "--candidate": "Candidate 01"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    extra = ["--as-user", base.pop("--as-user")] if "--as-user" in base else []
    flat = [x for pair in base.items() for x in pair]
    result = run(world, "report", *flat, *extra, "--out", str(tmp_path / "x.html"))
    assert result.exit_code == 1 and message in result.output


def test_export_merit_csv_and_scores_xlsx(world, tmp_path) -> None:
    merit = tmp_path / "merit.csv"
    result = run(world, "export", "--posting", world.posting.translation_key, "--format", "csv", "--lang", "fr",
                 "--out", str(merit))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert merit.read_bytes().startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(merit, encoding="utf-8-sig")
    assert len(table) == 3 and "Étiquette" in table.columns and "Nom" in table.columns

    scores = tmp_path / "scores.xlsx"
    result = run(world, "export", "--posting", world.posting.translation_key, "--format", "xlsx", "--what", "scores",
                 "--anonymised", "--out", str(scores))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Wrote 6 row(s)" in result.output
    sheet = openpyxl.load_workbook(io.BytesIO(scores.read_bytes())).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    values = [c.value for c in cells]
    # Kept as typed, as text: a string cell with the quote-prefix format, never a formula.
    evil = [c for c in cells if c.value == '=HYPERLINK("http://evil.example")']
    assert evil and all(c.data_type == "s" and c.quotePrefix for c in evil)
    assert not any(c.data_type == "f" for c in cells)
    assert world.candidates[0].name not in values


def test_the_commands_run_as_a_module(world, tmp_path) -> None:
    out = tmp_path / "merit.xlsx"
    env = {**os.environ, "TRACKER_DATABASE_URL": world.url}
    done = subprocess.run(
        [sys.executable, "-m", "tracker", "export", "--posting", world.posting.translation_key, "--format", "xlsx",
         "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert openpyxl.load_workbook(out).sheetnames == ["Merit view", "About"]
