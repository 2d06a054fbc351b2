"""Fuzzing the candidate CSV import (issue #6 §4).

Properties: whatever the bytes, the checker returns rows and line-numbered errors and never raises;
nothing it accepts could run as a spreadsheet formula, hold a NUL or exceed a field's limit; a valid
file round-trips exactly; and the import through the service is all or nothing — the database gains
every previewed row or none, and any refusal is a ``ValidationError``.

Budget: ``TRACKER_FUZZ_EXAMPLES`` examples per property (default 40; ``make fuzz``: 5000). The import
property, which writes a database, uses a tenth of it.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import select

from tracker.db import read_session, write_session
from tracker.formula import FORMULA_PREFIXES, looks_like_formula
from tracker.models import Candidate, Lang
from tracker.services import ValidationError, candidates
from tracker.services.candidates import MAX_EMAIL, MAX_NAME, parse_candidates_csv

EXAMPLES = int(os.environ.get("TRACKER_FUZZ_EXAMPLES", "40"))
pytestmark = pytest.mark.fuzz
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
IMPORT_FUZZ = settings(max_examples=max(5, EXAMPLES // 10), deadline=None, suppress_health_check=list(HealthCheck))

HEADERS = ["name", "email", "language", "nom", "courriel", "langue", "Name", " E-mail ", "phone", "", "name ", "=cmd"]
CELLS = [
    "Ana Lima", "ana@mail.example", "fr", "en", "", " ", "=1+1", "+1", "-1", "@x", "\t=1", "\r=1", "a\x00b", '"', '""',
    ",", ";", "\n", "é", "👩🏽‍💻", "مريم", "x" * 400, "ANA@MAIL.EXAMPLE", "bo@mail.example", "not-mail", "français",
]
_emails = itertools.count()


def to_csv(rows: list[list[str]], delimiter: str = ",", quoting: int = csv.QUOTE_MINIMAL) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n", quoting=quoting).writerows(rows)
    return buffer.getvalue()


cell = st.one_of(st.sampled_from(CELLS), st.text(max_size=30))
csv_text = st.builds(
    lambda header, rows, delimiter: to_csv([header, *rows], delimiter),
    st.lists(st.sampled_from(HEADERS), min_size=1, max_size=4),
    st.lists(st.lists(cell, min_size=0, max_size=5), max_size=8),
    st.sampled_from([",", ";"]),
)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"])
any_bytes = st.one_of(
    st.binary(max_size=2_000),
    st.builds(lambda t, enc: t.encode(enc, errors="replace"), csv_text, encodings),
)


@FUZZ
@given(any_bytes)
def test_any_bytes_give_rows_and_line_numbered_errors_never_an_exception(data: bytes) -> None:
    preview = parse_candidates_csv(data, {})
    assert preview.rows or preview.errors
    for row in preview.rows:
        for value in (row.name, row.email):
            assert value and value == value.strip()
            assert not value.startswith(FORMULA_PREFIXES), value
            assert "\x00" not in value
        assert len(row.name) <= MAX_NAME and len(row.email) <= MAX_EMAIL and "@" in row.email
        assert row.language in (Lang.en, Lang.fr)
        assert row.line >= 2
    assert len({r.email for r in preview.rows}) == len(preview.rows)  # no duplicate gets through
    for error in preview.errors:
        assert error.line >= 0 and str(error).strip() and "Traceback" not in str(error)


name_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\x00"), min_size=1, max_size=60
).map(str.strip).filter(lambda n: n and not looks_like_formula(n))


@st.composite
def valid_file(draw: st.DrawFn) -> tuple[bytes, list[tuple[str, str, Lang]]]:
    people = draw(st.lists(st.tuples(name_text, st.sampled_from(["en", "fr", "English", "français", ""])), min_size=1, max_size=12))
    rows = [(name, f"person{next(_emails)}@mail.example", lang) for name, lang in people]
    delimiter = draw(st.sampled_from([",", ";"]))
    header = draw(st.sampled_from([["name", "email", "language"], ["nom", "courriel", "langue"], ["Name", "E-mail", "Language"]]))
    data = to_csv([header, *[list(r) for r in rows]], delimiter).encode(draw(st.sampled_from(["utf-8", "utf-8-sig"])))
    expected = [(n, e, Lang.fr if lang.lower() in {"fr", "français"} else Lang.en) for n, e, lang in rows]
    return data, expected


@FUZZ
@given(valid_file())
def test_a_valid_file_round_trips_exactly(case: tuple[bytes, list[tuple[str, str, Lang]]]) -> None:
    data, expected = case
    first_line = data.decode("utf-8-sig").splitlines()[0]
    assume(first_line.count(";") != first_line.count(",") or ";" not in first_line)  # delimiter detection is by header
    preview = parse_candidates_csv(data, {})
    assert preview.errors == []
    assert [(r.name, r.email, r.language) for r in preview.rows] == expected


@FUZZ
@given(st.sampled_from(FORMULA_PREFIXES), st.text(max_size=20), st.sampled_from(["", " ", "  "]))
def test_a_formula_name_is_always_refused(prefix: str, rest: str, spaces: str) -> None:
    name = f"{spaces}{prefix}{rest}"
    data = to_csv([["name", "email"], [name, "safe@mail.example"]], quoting=csv.QUOTE_ALL).encode()
    preview = parse_candidates_csv(data, {})
    assert all(not r.name.startswith(FORMULA_PREFIXES) for r in preview.rows)
    if name.strip()[:1] in {"=", "+", "-", "@"} and "\x00" not in name:
        assert preview.rows == [] and any("formula" in str(e) for e in preview.errors), preview


@pytest.fixture(scope="module")
def csv_world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from factories import build_world

    from tracker.db import make_engine
    from tracker.migrations import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('fuzzcsv') / 'fuzz.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    world = build_world(engine, candidates=1)
    yield engine, world
    engine.dispose()


@IMPORT_FUZZ
@given(st.one_of(any_bytes, valid_file().map(lambda case: case[0])))
def test_the_import_is_all_or_nothing(csv_world: Any, data: bytes) -> None:
    engine, world = csv_world
    manager = world.actor("manager")

    def stored() -> int:
        with read_session(engine) as s:
            return int(s.exec(select(func.count()).select_from(Candidate)).one())

    before = stored()
    with read_session(engine) as s:
        preview = candidates.preview_candidates_csv(s, manager, posting_id=world.posting.id, data=data)
    try:
        with write_session(engine) as s:
            added = candidates.import_candidates_csv(s, manager, posting_id=world.posting.id, data=data)
    except ValidationError as exc:
        assert preview.errors and exc.problems
        assert stored() == before
        return
    assert preview.errors == []
    assert len(added) == len(preview.rows) and stored() == before + len(added)
