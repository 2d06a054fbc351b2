"""Hostile candidate CSV files (issue #6 §4): refused whole, every problem named by line, nothing written.

Through the service the Candidates page calls (``import_candidates_csv``: all or nothing), on SQLite and
PostgreSQL. Formula payloads are refused rather than rewritten, so what is stored is what was typed and
the manager learns the file carries something a spreadsheet would run; the exports neutralise formulas
again for anything that reaches a spreadsheet another way (tests/test_exports.py).
"""

from __future__ import annotations

import codecs
from typing import Any

import pytest
from factories import World, build_world, make_candidate
from sqlalchemy import text
from sqlmodel import SQLModel

from tracker.db import read_session, write_session
from tracker.models import Candidate
from tracker.services import ValidationError, candidates

GOOD = "name,email,language\nAna Lima,ana.lima@mail.example,fr\nBo Tran,bo.tran@mail.example,en\n"


def row_counts(engine: Any) -> dict[str, int]:
    with read_session(engine) as s:
        return {t: int(s.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one()) for t in SQLModel.metadata.tables}


# (id, file bytes, fragments every one of which must be in the message, line numbers that must be named)
CASES: list[tuple[str, bytes, tuple[str, ...]]] = [
    ("missing-email-column", b"name\nAna Lima\n", ("lacks the column(s) email",)),
    ("missing-both-columns", b"prenom;langue\nAna;fr\n", ("lacks the column(s) name, email", "Unknown column(s) 'prenom'")),
    ("extra-column", b"name,email,phone\nAna Lima,ana@mail.example,555-0100\n", ("Unknown column(s) 'phone'",)),
    ("repeated-column", b"name,email,email\nAna Lima,ana@mail.example,ana@mail.example\n", ("appear twice",)),
    ("duplicate-email-in-file", b"name,email\nAna Lima,ana@mail.example\nAnn Lima,ANA@mail.example\n", ("Line 3", "already on line 2")),
    ("duplicate-email-on-posting", b"name,email\nNew Person,taken@mail.example\n", ("Line 2", "already uses the e-mail taken@mail.example")),
    ("utf-16-with-bom", codecs.BOM_UTF16_LE + GOOD.encode("utf-16-le"), ("UTF-16", "CSV UTF-8")),
    ("utf-16-without-bom", GOOD.encode("utf-16-le"), ("NUL bytes",)),
    ("latin-1", "name,email\nAndré Côté,andre@mail.example\n".encode("latin-1"), ("Line 2", "not UTF-8")),
    ("nul-byte", b"name,email\nAna\x00Lima,ana@mail.example\n", ("Line 2", "NUL")),
    ("formula-equals", b'name,email\n"=HYPERLINK(""http://evil.example"",""x"")",ana@mail.example\n', ("Line 2", "formula")),
    ("formula-plus", b"name,email\n+1+cmd|' /C calc'!A0,ana@mail.example\n", ("Line 2", "formula")),
    ("formula-minus", b"name,email\n-2+3+cmd|' /C calc'!A0,ana@mail.example\n", ("Line 2", "formula")),
    ("formula-at", b"name,email\n@SUM(1+1)*cmd|' /C calc'!A0,ana@mail.example\n", ("Line 2", "formula")),
    ("formula-tab", b'name,email\n"\t=1+1",ana@mail.example\n', ("Line 2", "formula")),
    ("formula-after-spaces", b'name,email\n"   =1+1",ana@mail.example\n', ("Line 2", "formula")),
    ("formula-in-email", b"name,email\nAna Lima,=1+1@mail.example\n", ("Line 2", "not an e-mail address")),
    ("bad-email", b"name,email\nAna Lima,not-an-address\n", ("Line 2", "not an e-mail address")),
    ("bad-language", b"name,email,language\nAna Lima,ana@mail.example,klingon\n", ("Line 2", "not an official language")),
    ("wrong-field-count", b"name,email\nAna Lima,ana@mail.example,extra\n", ("Line 2", "3 fields")),
    ("broken-quotes", b'name,email\n"Ana Lima,ana@mail.example\nBo,bo@mail.example\n', ("cannot be read as CSV",)),
    ("name-too-long", b"name,email\n" + b"A" * 5000 + b",ana@mail.example\n", ("Line 2", "300")),
    ("header-only", b"name,email\n", ("no candidates",)),
    ("empty", b"", ("empty",)),
    ("binary", b"\x89PNG\r\n\x1a\n" + bytes(range(1, 256)) * 10, ("not UTF-8",)),
    ("too-big", b"name,email\n" + b"Ana Lima,ana@mail.example\n" * 170_000, ("split it into files under 4 MB",)),
    ("too-many-rows", b"name,email\n" + b"".join(b"P%d,p%d@mail.example\n" % (i, i) for i in range(10_001)), ("more than 10,000",)),
    ("one-bad-row-among-good", GOOD.encode() + b"=evil(),evil@mail.example,en\n", ("Line 4", "formula")),
]


@pytest.fixture
def world(engine: Any) -> World:
    world = build_world(engine, candidates=1)
    with write_session(engine) as s:
        make_candidate(s, posting=world.posting, name="Taken Already", email="taken@mail.example")
    return world


@pytest.mark.parametrize(("data", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_csv_is_refused_whole_with_every_problem_named(engine: Any, world: World, data: bytes, fragments: tuple[str, ...]) -> None:
    manager = world.actor("manager")
    before = row_counts(engine)
    with read_session(engine) as s:
        preview = candidates.preview_candidates_csv(s, manager, posting_id=world.posting.id, data=data)
    assert preview.errors, "the preview must show the problems before anything is imported"
    with pytest.raises(ValidationError) as refused, write_session(engine) as s:
        candidates.import_candidates_csv(s, manager, posting_id=world.posting.id, data=data)
    message = " ".join(str(p) for p in refused.value.problems)
    for fragment in fragments:
        assert fragment in message, message
    assert str(refused.value).startswith("Nothing was imported")
    assert row_counts(engine) == before


def test_every_bad_row_is_listed_not_only_the_first(engine: Any, world: World) -> None:
    data = b"name,email\n=a(),a@mail.example\nGood Person,good@mail.example\n+b,b@mail.example\nC,not-mail\n"
    with pytest.raises(ValidationError) as refused, write_session(engine) as s:
        candidates.import_candidates_csv(s, world.actor("manager"), posting_id=world.posting.id, data=data)
    lines = sorted({int(str(p).split(":")[0].removeprefix("Line ")) for p in refused.value.problems})
    assert lines == [2, 4, 5]


def test_unicode_names_are_imported_exactly(engine: Any, world: World) -> None:
    names = ["Zoë Nguyễn 👩🏽‍💻", "مريم الحسيني", "שרה כהן", "Łukasz Żółć", "O'Brien-Smith, Jr."]
    rows = "".join(f'"{n}",person{i}@mail.example\n' for i, n in enumerate(names))
    data = codecs.BOM_UTF8 + ("name,email\n" + rows).encode()
    with write_session(engine) as s:
        added = candidates.import_candidates_csv(s, world.actor("manager"), posting_id=world.posting.id, data=data)
    assert [c.name for c in added] == names
    with read_session(engine) as s:
        stored = {c.email: c.name for c in s.exec(Candidate.__table__.select()).all()}  # type: ignore[attr-defined]
    assert [stored[f"person{i}@mail.example"] for i in range(len(names))] == names
