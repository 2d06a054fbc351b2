"""Fuzzing the posting parser and the import with mutated real-looking postings (issue #6 §4).

``tests/test_parsing_properties.py`` generates postings from a grammar; this file starts from real
shapes instead — the project's example postings and the hostile snippets people actually paste — and
mutates them byte by byte and line by line. Properties: the parser either returns a posting or raises
``PostingError`` (one sentence naming the file), never anything else, quickly, deterministically; and
an import of any mutant either stores a whole posting or reports an error, leaving the database
consistent.

Budget: ``TRACKER_FUZZ_EXAMPLES`` examples per property (default 40 so ``make test`` stays short;
``make fuzz`` runs 5000). The import property uses a tenth of it (each example writes a database).
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import select

from tracker.db import read_session
from tracker.models import Criterion, Posting, PostingSource, Rubric
from tracker.parsing import ParsedPosting, PostingError, parse_bytes
from tracker.services import SYSTEM_ACTOR
from tracker.services.postings import import_postings

EXAMPLES = int(os.environ.get("TRACKER_FUZZ_EXAMPLES", "40"))
pytestmark = pytest.mark.fuzz
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
IMPORT_FUZZ = settings(max_examples=max(5, EXAMPLES // 10), deadline=None, suppress_health_check=list(HealthCheck))
# A parse of a file under the 1 MiB limit must never take long, whatever the bytes (no quadratic blow-up).
SLOW_PARSE_S = 10.0

EXAMPLE_DIR = Path(__file__).resolve().parent.parent / "examples" / "postings"
SEEDS = [p.read_bytes() for p in sorted(EXAMPLE_DIR.rglob("*.md"))] or [
    b"---\ntitle: Designer\ntranslationKey: northwind-designer\n---\n\n## How we will assess you\n\n- Experience\n- Knowledge\n"
]

SNIPPETS = [
    b"---\n", b"---", b"\n---\n", b"&a", b"*a", b"&anchor [1, 2]", b"<<: *a", b"!!python/object:os.system", b"!!binary aGk=",
    b"{{", b"}}", b"[[[[[[[[", b"]]]]", b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xc3\x28", b"\xe2\x80\xae",
    b"<script>alert(1)</script>", b'<img src=x onerror="alert(1)">', b"<!--", b"-->", b"<details><summary>",
    b"\n## How we will assess you\n", b"\n**Assets:**\n", b"\n* ", b"\n- ", b"\n1. ", b"\n    - ", b"\t", b"\r", b"\r\n",
    b"&nbsp;", b"&#0;", b"&#x10FFFF;", b"`", b"```\n", b"|a|b|\n|-|-|\n", b"> ", b"[x](javascript:alert(1))",
    "é".encode(), "🇨🇦".encode(), "مريم".encode(), b"=HYPERLINK(1)", b"title: [", b"title: '", b'"', b"\\",
]


@st.composite
def mutated_posting(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "byte", "dup-line", "drop-line", "swap-lines", "truncate"]))
        if not data:
            data.extend(draw(st.sampled_from(SNIPPETS)))
            continue
        at = draw(st.integers(0, len(data)))
        if op == "insert":
            data[at:at] = draw(st.sampled_from(SNIPPETS))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "replace":
            data[at : at + draw(st.integers(1, 16))] = draw(st.sampled_from(SNIPPETS))
        elif op == "byte":
            data[min(at, len(data) - 1)] = draw(st.integers(0, 255))
        else:
            lines = bytes(data).split(b"\n")
            i = min(at * len(lines) // (len(data) + 1), len(lines) - 1)
            j = draw(st.integers(0, len(lines) - 1))
            if op == "dup-line":
                lines.insert(i, lines[i])
            elif op == "drop-line":
                del lines[i]
            elif op == "swap-lines":
                lines[i], lines[j] = lines[j], lines[i]
            else:
                lines = lines[: max(1, i)]
            data = bytearray(b"\n".join(lines))
    return bytes(data)


def parse_or_refuse(data: bytes, path: str = "mutant.md") -> ParsedPosting | PostingError:
    try:
        return parse_bytes(data, path=path)
    except PostingError as exc:
        return exc


@FUZZ
@given(mutated_posting())
def test_a_mutated_posting_parses_or_is_refused_with_one_sentence(data: bytes) -> None:
    start = time.perf_counter()
    outcome = parse_or_refuse(data)
    assert time.perf_counter() - start < SLOW_PARSE_S
    if isinstance(outcome, PostingError):
        message = str(outcome)
        assert "mutant.md" in message and message.strip() and "\n" not in message.strip()
        assert "Traceback" not in message
        return
    assert outcome.content_hash == hashlib.sha256(data).hexdigest()
    assert outcome.lang in {"en", "fr"}
    assert "\x00" not in outcome.text and all("\x00" not in c.text for c in outcome.criteria)
    assert all(c.text.strip() == c.text and c.text for c in outcome.criteria)
    assert [c.number for c in outcome.criteria] == list(range(1, len(outcome.criteria) + 1))
    assert all(c.kind in {"essential", "asset"} for c in outcome.criteria)
    assert all("<script" not in c.text.lower() and "onerror=" not in c.text.lower() for c in outcome.criteria)


@FUZZ
@given(mutated_posting())
def test_parsing_is_deterministic(data: bytes) -> None:
    first, second = parse_or_refuse(data), parse_or_refuse(data)
    if isinstance(first, PostingError):
        assert isinstance(second, PostingError) and str(first) == str(second)
    else:
        assert isinstance(second, ParsedPosting)
        assert [(c.kind, c.text, c.line) for c in first.criteria] == [(c.kind, c.text, c.line) for c in second.criteria]
        assert (first.title, first.lang, first.translation_key) == (second.title, second.lang, second.translation_key)


def _consistent(engine: Any) -> None:
    """Every stored posting is whole: a source per language, one current rubric, criteria numbered 1..n."""
    with read_session(engine) as s:
        for posting in s.exec(select(Posting)).all():
            assert s.exec(select(func.count()).select_from(PostingSource).where(PostingSource.posting_id == posting.id)).one() >= 1
            rubric = s.exec(select(Rubric).where(Rubric.posting_id == posting.id).order_by(Rubric.version_number.desc())).first()
            assert rubric is not None
            numbers = s.exec(select(Criterion.number).where(Criterion.rubric_id == rubric.id).order_by(Criterion.number)).all()
            assert list(numbers) == list(range(1, len(numbers) + 1))


@pytest.fixture(scope="module")
def fuzz_engine(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from tracker.db import make_engine
    from tracker.migrations import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@IMPORT_FUZZ
@given(st.lists(mutated_posting(), min_size=1, max_size=3))
def test_importing_mutants_stores_whole_postings_or_reports_errors(fuzz_engine: Any, files: list[bytes]) -> None:
    named = [(f"fuzz-{hashlib.sha256(d).hexdigest()[:12]}-{i}.md", d) for i, d in enumerate(files)]
    report = import_postings(fuzz_engine, SYSTEM_ACTOR, files=named)
    assert report.items, "every file is accounted for"
    for item in report.items:
        assert item.action in {"created", "updated", "new_version", "unchanged", "error"}
        if item.action == "error":
            assert item.error and "Traceback" not in item.error
        else:
            assert item.posting_id is not None
    _consistent(fuzz_engine)
