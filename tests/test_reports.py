"""Record of decision and feedback summary: complete, escaped, printable, bilingual, and discreet."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
from test_results_frames import INTERVIEWERS, NA, crit, make_frames

from tracker.reports import ReportError, render, render_feedback, render_record, report_filename
from tracker.results.data import PostingFrames

SCRIPT = "<script>alert('x')</script>"
NOW = datetime(2026, 4, 1, 15, 30, tzinfo=UTC)


def frames_for_reports(**overrides) -> PostingFrames:
    frames = make_frames(
        [crit(11, 1, text_en=f"Analyse data {SCRIPT}", text_fr="Analyser des données"), crit(12, 2, min_raters=3),
         crit(13, 3, "asset")],
        [
            {"candidate_id": 1, "label": "Candidate 01", "label_number": 1, "name": f"Dana {SCRIPT} Lee",
             "language": "fr", "status": "active", "decision": "qualified", "decision_rationale": f"Meets all {SCRIPT}",
             "decided_by": "Morgan Manager", "decided_at": "2026-03-20 10:00:00"},
            {"candidate_id": 2, "label": "Candidate 02", "label_number": 2, "name": "Other Applicant",
             "language": "en", "status": "active", "decision": None, "decision_rationale": None,
             "decided_by": None, "decided_at": None},
        ],
        {(1, 1): {11: 4, 12: 3, 13: 5}, (1, 2): {11: 2, 12: NA, 13: 4}, (2, 1): {11: 1, 12: 1, 13: 1},
         (2, 2): {11: 5, 12: 5, 13: 5}},
        [(1, 11, 3, f"Agreed after the example {SCRIPT}"), (2, 11, 2, "Other candidate's rationale")],
        notes={(1, 1, 11): f"Described a pipeline {SCRIPT}", (1, 2, 11): "Little evidence of testing"},
        pending={(1, 3): "conflict"},
        panel=[1, 2, 3],
        **overrides,
    )  # fmt: skip
    return frames


@pytest.fixture
def frames() -> PostingFrames:
    return frames_for_reports()


def test_record_escapes_every_untrusted_text(frames) -> None:
    html = render_record(frames, 1, now=NOW)
    assert "<script>" not in html
    assert html.count("&lt;script&gt;") >= 5  # name, criterion, notes, consensus rationale, decision rationale


def test_record_holds_everything_the_file_needs(frames) -> None:
    html = render_record(frames, 1, now=NOW)
    for expected in [
        "Record of decision", "Data Analyst", "northwind-analyst", "Candidate 01",
        "Avery Tremblay, board chair", "Blake Singh", "Casey Roy",  # the board, with declarations
        "Described a pipeline", "Little evidence of testing",  # every interviewer's notes
        "Not assessed",  # Blake's C2
        "Agreed after the example", "Recorded by Avery Tremblay on March 3, 2026, at 4:00 a.m. (Eastern Time)",  # consensus and rationale
        "✓", "Met", "No verdict yet", "fewer ratings than the minimum of 3",  # verdicts
        "Asset (no pass mark)",
        "Qualified", "Recorded by Morgan Manager on March 20, 2026, at 6:00 a.m. (Eastern Time)",  # decision
        "Withdrawn for a conflict of interest",  # Casey's declared conflict
        "Document produced on April 1, 2026, at 11:30 a.m. (Eastern Time).",
        "@media print",
    ]:  # fmt: skip
        assert expected in html, expected
    assert '<html lang="en">' in html


def test_record_never_mentions_another_candidate(frames) -> None:
    html = render_record(frames, 1, now=NOW)
    assert "Other Applicant" not in html and "Candidate 02" not in html and "Other candidate" not in html


def test_record_marks_ratings_given_under_an_older_rubric_and_keeps_removed_criteria() -> None:
    frames = make_frames(
        [crit(21, 1, lineage="L1", version=1), crit(22, 2, lineage="LX", version=1, text_en="Removed criterion"),
         crit(31, 1, lineage="L1", version=2)],
        1,
        {(1, 1): {21: 4, 22: 5}, (1, 2): {31: 3}},
        current_version=2,
    )  # fmt: skip
    html = render_record(frames, 1, now=NOW)
    assert "given under rubric version 1" in html
    assert "Ratings on criteria no longer in the current rubric" in html and "Removed criterion" in html


def test_record_in_french(frames) -> None:
    html = render_record(frames, 1, lang="fr", now=NOW)
    assert '<html lang="fr">' in html
    for expected in ["Compte rendu de décision", "Analyser des données", "Satisfait", "Qualifiée",
                     "Critères essentiels\u00a0:", "Non évalué", "français"]:  # fmt: skip
        assert expected in html, expected


def test_feedback_names_no_board_member_and_no_other_candidate(frames) -> None:
    for lang in ("en", "fr"):
        html = render_feedback(frames, 1, lang=lang, now=NOW)
        for name in [*INTERVIEWERS.values(), "Morgan Manager", "Other Applicant", "Candidate 02", "Other candidate"]:
            assert name not in html, (lang, name)
        assert "Little evidence" not in html and "Described a pipeline" not in html  # no individual notes


def test_feedback_gives_each_verdict_and_the_boards_reasons(frames) -> None:
    html = render_feedback(frames, 1, now=NOW)
    assert "Feedback summary" in html
    assert "Met" in html and "No verdict yet" in html and "Asset (no pass mark)" in html
    assert "Agreed after the example &lt;script&gt;" in html
    assert "<script>" not in html


def test_a_missed_essential_shows_in_the_summary() -> None:
    frames = make_frames([crit(11, 1)], 1, {(1, 1): {11: 1}, (1, 2): {11: 2}})
    html = render_feedback(frames, 1, now=NOW)
    assert "Does not meet every essential criterion" in html and "✗" in html


def test_the_record_needs_the_notes(frames) -> None:
    without_notes = PostingFrames(
        frames.posting, frames.candidates, frames.criteria, frames.consensus,
        scores=frames.scores.drop(columns="notes"), scorecards=frames.scorecards,
        declarations=frames.declarations, panel=frames.panel,
    )  # fmt: skip
    with pytest.raises(ReportError, match="notes=True"):
        render_record(without_notes, 1)
    assert "Met" in render_feedback(without_notes, 1)  # the feedback summary does not print notes


@pytest.mark.parametrize("kind", ["record", "feedback"])
def test_unknown_candidates_and_kinds_are_refused(frames, kind) -> None:
    with pytest.raises(ReportError, match="Candidate 99"):
        render(frames, 99, kind=kind)
    with pytest.raises(ReportError, match="Unknown report kind"):
        render(frames, 1, kind="letter")


def test_file_names_carry_no_personal_information(frames) -> None:
    # The label in the file's language (issue #21 §2).
    assert report_filename(frames, 1, kind="record", lang="fr") == "northwind-analyst-candidature-01-record-fr.html"
    assert report_filename(frames, 1, kind="record", lang="en") == "northwind-analyst-candidate-01-record-en.html"


def test_a_candidate_without_any_rating_still_gets_a_record() -> None:
    frames = make_frames([crit(11, 1)], 1, {}, panel=[1])
    html = render_record(frames, 1, now=NOW)
    assert "No submitted rating." in html and "No consensus recorded." in html and "No decision recorded yet." in html
    assert pd.isna(frames.candidates["decision"].iloc[0])
