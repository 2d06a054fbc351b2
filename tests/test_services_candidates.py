"""Candidates: stable labels and the all-or-nothing CSV import with row-level errors."""

from __future__ import annotations

from typing import Any

import pytest
from factories import build_world
from sqlalchemy import func
from sqlmodel import select

from tracker.db import read_session, write_session
from tracker.models import Candidate, CandidateStatus, Lang
from tracker.services import ConflictError, ValidationError, candidates
from tracker.services.candidates import parse_candidates_csv


def test_labels_are_sequential_per_posting(engine: Any) -> None:
    world = build_world(engine, candidates=0)
    with write_session(engine) as s:
        added = [
            candidates.add_candidate(s, world.actor("manager"), posting_id=world.posting.id, name=f"Person {i}", email=f"p{i}@mail.example")
            for i in range(3)
        ]
        other = candidates.add_candidate(s, world.actor("other_manager"), posting_id=world.other_posting.id, name="Q", email="q@mail.example")
    assert [c.label for c in added] == ["Candidate 01", "Candidate 02", "Candidate 03"]
    assert other.label == "Candidate 01"


def test_csv_import_adds_every_row_with_labels_and_languages(engine: Any) -> None:
    world = build_world(engine, candidates=0)
    data = "name,email,language\nÉlise Gagnon,elise@mail.example,fr\nJordan Lee,JORDAN@mail.example,English\nSam Roy,sam@mail.example,\n".encode()
    with write_session(engine) as s:
        added = candidates.import_candidates_csv(s, world.actor("manager"), posting_id=world.posting.id, data=data)
    assert [(c.label, c.name, c.email, c.language) for c in added] == [
        ("Candidate 01", "Élise Gagnon", "elise@mail.example", Lang.fr),
        ("Candidate 02", "Jordan Lee", "jordan@mail.example", Lang.en),
        ("Candidate 03", "Sam Roy", "sam@mail.example", Lang.en),
    ]


def test_csv_with_bom_semicolons_and_french_headers_is_accepted() -> None:
    data = "\ufeffNom;Courriel;Langue\r\nAlex Côté;alex@mail.example;français\r\n".encode()
    preview = parse_candidates_csv(data)
    assert preview.ok and preview.rows[0].language == Lang.fr and preview.rows[0].name == "Alex Côté"


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        (b"name\nAnn,ann@mail.example\n", 1, "lacks the column"),
        (b"name,email,phone\nAnn,ann@mail.example,555\n", 1, "Unknown column"),
        (b"name,email,email\nAnn,a@mail.example,b@mail.example\n", 1, "appear twice"),
        (b"name,email\nAnn,ann@mail.example\nBen,ann@mail.example\n", 3, "already on line 2"),
        (b"name,email\nAnn,ANN@mail.example\nBen,ann@mail.example\n", 3, "already on line 2"),
        (b"name,email\nAnn,not-an-email\n", 2, "not an e-mail"),
        (b"name,email\n,ann@mail.example\n", 2, "empty"),
        (b"name,email\nAnn,ann@mail.example,extra\n", 2, "3 fields"),
        (b"name,email,language\nAnn,ann@mail.example,de\n", 2, "official language"),
        (b"name,email\n=HYPERLINK(\"http://x\"),ann@mail.example\n", 2, "formula"),
        (b"name,email\n+cmd|' /C calc'!A0,ann@mail.example\n", 2, "formula"),
        (b"name,email\n-2+3,ann@mail.example\n", 2, "formula"),
        (b"name,email\n@SUM(A1),ann@mail.example\n", 2, "formula"),
        (b"name,email\nAnn,=ann@mail.example\n", 2, "not an e-mail"),
        (b"name,email\nJos\xe9 Latin,jose@mail.example\n", 2, "not UTF-8"),
        ("name,email\nAnn,ann@mail.example\n".encode("utf-16"), 0, "UTF-16"),
        (b"name,email\nAn\x00n,ann@mail.example\n", 2, "NUL"),
        (b"", 0, "empty"),
        (b"name,email\n", 0, "no candidates"),
        (b"name,email\n\"Ann,ann@mail.example\n", 2, "cannot be read"),
    ],
    ids=[
        "missing-column", "unknown-column", "repeated-column", "duplicate-in-file", "duplicate-case-insensitive",
        "bad-email", "empty-name", "extra-field", "bad-language", "formula-equals", "formula-plus-dde", "formula-minus",
        "formula-at", "formula-in-email", "latin-1", "utf-16", "nul-byte", "empty-file", "header-only", "broken-quote",
    ],
)
def test_csv_problems_are_reported_by_line(data: bytes, line: int, message: str) -> None:
    preview = parse_candidates_csv(data)
    assert not preview.ok
    assert any(e.line == line and message in e.message for e in preview.errors), preview.errors


def test_csv_reports_every_bad_row_not_just_the_first() -> None:
    data = b"name,email\nAnn,bad\nBen,ben@mail.example\n=Evil,evil@mail.example\nCy,also-bad\n"
    preview = parse_candidates_csv(data)
    assert sorted({e.line for e in preview.errors}) == [2, 4, 5]
    assert [r.line for r in preview.rows] == [3]


def test_csv_import_is_all_or_nothing(engine: Any) -> None:
    world = build_world(engine, candidates=0)
    data = b"name,email\nGood One,good@mail.example\nBad One,not-an-email\n"
    with pytest.raises(ValidationError) as info, write_session(engine) as s:
        candidates.import_candidates_csv(s, world.actor("manager"), posting_id=world.posting.id, data=data)
    assert info.value.problems == ["Line 3: “not-an-email” is not an e-mail address; write it as name@example.ca."]
    with read_session(engine) as s:
        assert s.exec(select(func.count()).select_from(Candidate)).one() == 0


def test_csv_refuses_emails_already_on_the_posting(engine: Any) -> None:
    world = build_world(engine, candidates=0)
    with write_session(engine) as s:
        candidates.add_candidate(s, world.actor("manager"), posting_id=world.posting.id, name="Existing", email="dup@mail.example")
    with read_session(engine) as s:
        preview = candidates.preview_candidates_csv(s, world.actor("manager"), posting_id=world.posting.id, data=b"name,email\nX,DUP@mail.example\n")
    assert preview.errors[0].line == 2 and "Candidate 01 already uses" in preview.errors[0].message


def test_update_candidate_checks_versions_and_duplicates(engine: Any) -> None:
    world = build_world(engine, candidates=2)
    manager = world.actor("manager")
    first, second = world.candidates
    with write_session(engine) as s:
        updated = candidates.update_candidate(s, manager, candidate_id=first.id, expected_version=first.version, name="New Name", status="withdrawn")
    assert updated.name == "New Name" and updated.status == CandidateStatus.withdrawn and updated.label == first.label
    with pytest.raises(ConflictError), write_session(engine) as s:
        candidates.update_candidate(s, manager, candidate_id=first.id, expected_version=first.version, name="Stale")
    with pytest.raises(ValidationError, match="already uses"), write_session(engine) as s:
        candidates.update_candidate(s, manager, candidate_id=first.id, expected_version=updated.version, email=second.email)
