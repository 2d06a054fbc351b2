"""Hostile input (issue #6 §4): each refused with a clear message and nothing else changed.

Postings go in through both doors, ``python -m tracker import`` and the upload service the Postings
page calls (``import_postings(files=...)``), on SQLite and on PostgreSQL, and after each refusal every
table has exactly the rows it had before. Text that people type (names, notes, reasons, rationales,
criteria, labels) is stored exactly as typed — emoji, right-to-left text — up to each field's limit,
and refused with a sentence naming the limit beyond it. NUL characters are refused everywhere with the
same message on both databases (PostgreSQL cannot store NUL in text, so refusing is the only behaviour
that is the same on both).

Decisions recorded here and in docs/security.md: a UTF-16 posting *with* a byte-order mark is not
hostile — the mark makes the encoding unambiguous, so the parser decodes it (docs/parsing.md) and it
imports exactly like its UTF-8 twin; UTF-16 without the mark and Latin-1 are refused. HTML and
JavaScript in a posting are text: the parser keeps the words and drops the tags from criteria, the
source is stored byte for byte, and the browser tests prove nothing runs (tests/browser/test_xss.py).
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from dbtools import engine_url
from factories import World, build_world, criteria_of, make_declaration, make_scorecard, rubric_of
from sqlalchemy import text
from sqlmodel import Session, SQLModel, select

from tracker.cli import cli
from tracker.db import dispose_engines, read_session, write_session
from tracker.models import (
    Candidate,
    Consensus,
    Criterion,
    Decision,
    Declaration,
    PostingSource,
    RatingLevel,
    Role,
    Score,
    Scorecard,
    ScorecardStatus,
    User,
)
from tracker.services import (
    SYSTEM_ACTOR,
    AuthenticationError,
    ValidationError,
    accounts,
    audit,
    candidates,
    consensus,
    decisions,
    rubrics,
    scoring,
)
from tracker.services.postings import import_postings
from tracker.services.rubrics import CriterionEdit, LevelEdit

GOOD_POSTING = """---
title: Accessibility Specialist
translationKey: northwind-accessibility
---

Northwind Digital Service makes its services work for everyone.

## How we will assess you

- Experience auditing digital services against WCAG 2.1
- Knowledge of assistive technologies such as screen readers
- Ability to explain accessibility findings in plain language

## Assets

- Expérience de travail dans les deux langues officielles
"""

ALIAS_BOMB = """---
title: Bomb
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
---

## How we will assess you

- Patience
"""


def fifty_megabytes() -> bytes:
    line = b"- Experience with very long postings that nobody should ever have to read\n"
    head = b"---\ntitle: Huge\n---\n\n## How we will assess you\n\n"
    return head + line * (50 * 1024 * 1024 // len(line) + 1)


# (id, file name, bytes, a fragment of the expected message)
HOSTILE_FILES: list[tuple[str, str, Callable[[], bytes], str]] = [
    ("yaml-alias-bomb", "bomb.md", lambda: ALIAS_BOMB.encode(), "alias bomb"),
    ("yaml-deep-nesting", "deep.md", lambda: ("---\nx: " + "[" * 200 + "]" * 200 + "\n---\n\n- a\n").encode(), "nested deeper"),
    ("yaml-python-tag", "tag.md", lambda: b"---\ntitle: !!python/object/apply:os.system ['echo pwned']\n---\n\n- a\n", "remove the tag"),
    ("fifty-megabytes", "huge.md", fifty_megabytes, "over the 1,048,576-byte limit"),
    ("binary", "photo.md", lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40, "binary file"),
    ("utf-16-without-bom", "utf16.md", lambda: GOOD_POSTING.encode("utf-16-le"), "binary file"),
    ("latin-1", "latin1.md", lambda: GOOD_POSTING.encode("latin-1"), "not valid UTF-8"),
    ("front-matter-list", "list.md", lambda: b"---\n- title\n- another\n---\n\n- a\n", "is a list, not a mapping"),
    ("front-matter-string", "string.md", lambda: b"---\njust a sentence\n---\n\n- a\n", "is a string, not a mapping"),
    ("unclosed-front-matter", "open.md", lambda: b"---\ntitle: x\n\n- a\n", "never closes it"),
    ("nul-in-text", "nul.md", lambda: GOOD_POSTING.encode().replace(b"plain", b"pl\x00ain"), "NUL"),
    ("empty", "empty.md", lambda: b"   \n\n", "is empty"),
]


def row_counts(session: Session) -> dict[str, int]:
    return {
        name: int(session.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one())
        for name in SQLModel.metadata.tables
    }


def counts(engine: Any) -> dict[str, int]:
    with read_session(engine) as s:
        return row_counts(s)


@pytest.fixture
def cli_db(engine: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The command line pointed at the test's database (SQLite file or PostgreSQL)."""
    monkeypatch.setenv("TRACKER_DATABASE_URL", engine_url(engine))
    yield engine
    dispose_engines()


# --- postings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "message"), [c[1:] for c in HOSTILE_FILES], ids=[c[0] for c in HOSTILE_FILES])
def test_hostile_posting_uploaded_is_refused_and_changes_nothing(engine: Any, name: str, data: Callable[[], bytes], message: str) -> None:
    build_world(engine)
    before = counts(engine)
    report = import_postings(engine, SYSTEM_ACTOR, files=[(name, data())])
    assert [item.action for item in report.items] == ["error"]
    error = report.items[0].error or ""
    assert message in error and name in error, error
    assert len(error) < 400 and "\n" not in error  # one sentence, not a dump
    assert counts(engine) == before


@pytest.mark.parametrize(("name", "data", "message"), [c[1:] for c in HOSTILE_FILES], ids=[c[0] for c in HOSTILE_FILES])
def test_hostile_posting_imported_from_the_command_line_is_refused_and_changes_nothing(
    cli_db: Any, tmp_path: Path, name: str, data: Callable[[], bytes], message: str
) -> None:
    build_world(cli_db)
    (tmp_path / name).write_bytes(data())
    (tmp_path / "good.md").write_text(GOOD_POSTING, encoding="utf-8")
    before = counts(cli_db)
    result = CliRunner().invoke(cli, ["import", str(tmp_path / name)], catch_exceptions=False)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert counts(cli_db) == before
    # The same command with a good file next to the bad one imports the good one only.
    result = CliRunner().invoke(cli, ["import", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 1 and "1 created" in result.output and "1 ERROR" in result.output
    after = counts(cli_db)
    assert after["posting"] == before["posting"] + 1
    assert after["postingsource"] == before["postingsource"] + 1


def test_utf16_with_a_byte_order_mark_imports_exactly_like_utf8(engine: Any) -> None:
    utf8 = import_postings(engine, SYSTEM_ACTOR, files=[("utf8.md", GOOD_POSTING.encode())]).items[0]
    data = codecs.BOM_UTF16_LE + GOOD_POSTING.replace("northwind-accessibility", "northwind-accessibility-16").encode("utf-16-le")
    utf16 = import_postings(engine, SYSTEM_ACTOR, files=[("utf16.md", data)]).items[0]
    assert (utf8.action, utf16.action) == ("created", "created")
    with read_session(engine) as s:
        texts = {
            item.posting_id: [c.text_en for c in rubrics.current_rubric(s, SYSTEM_ACTOR, posting_id=item.posting_id).criteria]
            for item in (utf8, utf16)
        }
    assert texts[utf8.posting_id] == texts[utf16.posting_id]
    assert "Expérience de travail dans les deux langues officielles" in texts[utf16.posting_id]


HTML_POSTING = """---
title: "Analyst <script>alert('title')</script>"
translationKey: northwind-html
---

<script>alert('body')</script>

## How we will assess you

- Experience with <script>alert('criterion')</script> accessible services
- Knowledge of <img src=x onerror="alert('img')"> plain language
- Ability to use [links](javascript:alert('link')) wisely
- =HYPERLINK("http://evil.example","click") in spreadsheets
"""


def test_html_and_javascript_in_a_posting_are_stored_as_text(engine: Any) -> None:
    item = import_postings(engine, SYSTEM_ACTOR, files=[("html.md", HTML_POSTING.encode())]).items[0]
    assert item.action == "created", item.error
    with read_session(engine) as s:
        source = s.exec(select(PostingSource.content)).one()
        criteria = [c.text_en for c in s.exec(select(Criterion).order_by(Criterion.number)).all()]
    assert source == HTML_POSTING  # the source is kept byte for byte; pages render it safely
    assert criteria[0] == "Experience with alert('criterion') accessible services"  # words kept, tags dropped
    assert all("<" not in c and "onerror" not in c for c in criteria)
    # A formula-looking criterion is kept as written; exports neutralise it (tests/test_exports.py).
    assert criteria[3].startswith("=HYPERLINK")


# --- text people type ----------------------------------------------------------------------------

EMOJI = "Zoë 👩🏽‍💻 Nguyễn 🇨🇦 ✅ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢"
RTL = "مريم الحسيني \u202eevil.exe\u202c שלום עולם"
LONG = "Évaluation très détaillée. " * 370 + "x" * 10  # exactly 10,000 characters
NUL = "before\x00after"
assert len(LONG) == 10_000


@dataclass(frozen=True)
class Field:
    """A typed field: how to write ``value`` through its service, and how to read back what was stored."""

    name: str
    limit: int
    write: Callable[[Session, World, dict[str, int], str], Any]
    read: Callable[[Session, World, dict[str, int]], str]


def _prepare(engine: Any) -> tuple[World, dict[str, int]]:
    """A posting with a candidate the chair is scoring, one both submitted, and a fresh one."""
    world = build_world(engine, criteria=2, candidates=3)
    with write_session(engine) as s:
        c0, c1, c2 = (s.get(Candidate, c.id) for c in world.candidates)
        make_declaration(s, candidate=c0, user=world.chair)
        draft = make_scorecard(s, candidate=c0, interviewer=world.chair, ratings=[3, 3], declare=False)
        submitted = make_scorecard(s, candidate=c1, interviewer=world.chair, ratings=[3, 4], status=ScorecardStatus.submitted)
        make_scorecard(s, candidate=c1, interviewer=world.member, ratings=[4, 4], status=ScorecardStatus.submitted)
        criterion = criteria_of(s, rubric_of(s, world.posting))[0]
        draft_rubric = rubric_of(s, world.other_posting)  # nobody scored it yet: it can be edited in place
        ids = {
            "draft": draft.id, "submitted": submitted.id, "c0": c0.id, "c1": c1.id, "c2": c2.id,
            "criterion": criterion.id, "rubric": draft_rubric.id, "rubric_version": draft_rubric.version,
        }  # fmt: skip
    return world, ids  # type: ignore[return-value]


def _candidate_version(s: Session, cid: int) -> int:
    return s.get(Candidate, cid).version  # type: ignore[union-attr]


FIELDS = [
    Field(
        "candidate name (add)", 300,
        lambda s, w, i, v: candidates.add_candidate(s, w.actor("manager"), posting_id=w.posting.id, name=v, email="typed@mail.example"),
        lambda s, w, i: s.exec(select(Candidate.name).where(Candidate.email == "typed@mail.example")).one(),
    ),
    Field(
        "candidate name (edit)", 300,
        lambda s, w, i, v: candidates.update_candidate(s, w.actor("manager"), candidate_id=i["c2"], expected_version=_candidate_version(s, i["c2"]), name=v),
        lambda s, w, i: s.get(Candidate, i["c2"]).name,
    ),
    Field(
        "evidence notes", 10_000,
        lambda s, w, i, v: scoring.save_draft_score(s, w.actor("chair"), scorecard_id=i["draft"], criterion_id=i["criterion"], rating=4, notes=v),
        lambda s, w, i: s.exec(select(Score.notes).where(Score.scorecard_id == i["draft"], Score.criterion_id == i["criterion"])).one(),
    ),
    Field(
        "overall notes", 10_000,
        lambda s, w, i, v: scoring.save_overall(s, w.actor("chair"), scorecard_id=i["draft"], recommendation="yes", overall_notes=v),
        lambda s, w, i: s.get(Scorecard, i["draft"]).overall_notes,
    ),
    Field(
        "conflict note", 2_000,
        lambda s, w, i, v: scoring.declare(s, w.actor("member"), candidate_id=i["c2"], has_conflict=True, language="en", note=v),
        lambda s, w, i: s.exec(select(Declaration.conflict_note).where(Declaration.candidate_id == i["c2"])).one(),
    ),
    Field(
        "reason for reopening", 2_000,
        lambda s, w, i, v: scoring.reopen_scorecard(s, w.actor("manager"), scorecard_id=i["submitted"], reason=v),
        lambda s, w, i: s.get(Scorecard, i["submitted"]).reopen_reason,
    ),
    Field(
        "consensus rationale", 10_000,
        lambda s, w, i, v: consensus.record_consensus(s, w.actor("chair"), candidate_id=i["c1"], criterion_id=i["criterion"], rating=3, rationale=v),
        lambda s, w, i: s.exec(select(Consensus.rationale)).one(),
    ),
    Field(
        "decision rationale", 10_000,
        lambda s, w, i, v: decisions.record_decision(s, w.actor("manager"), candidate_id=i["c1"], outcome="qualified", rationale=v),
        lambda s, w, i: s.exec(select(Decision.rationale)).one(),
    ),
    Field(
        "user display name (create)", 200,
        lambda s, w, i, v: accounts.create_user(s, w.actor("admin"), email="typed.user@northwind.example", display_name=v, role=Role.interviewer),
        lambda s, w, i: s.exec(select(User.display_name).where(User.email == "typed.user@northwind.example")).one(),
    ),
    Field(
        "user display name (edit)", 200,
        lambda s, w, i, v: accounts.update_user(s, w.actor("admin"), user_id=w.outsider.id, display_name=v),
        lambda s, w, i: s.get(User, w.outsider.id).display_name,
    ),
    Field(
        "criterion text", 4_000,
        lambda s, w, i, v: rubrics.save_criteria(
            s, w.actor("other_manager"), rubric_id=i["rubric"], expected_version=i["rubric_version"],
            criteria=[CriterionEdit(kind="essential", text_en=v, text_fr="Critère")],
        ),
        lambda s, w, i: s.exec(select(Criterion.text_en).where(Criterion.text_fr == "Critère")).one(),
    ),
    Field(
        "rating level label", 100,
        lambda s, w, i, v: rubrics.save_scale(
            s, w.actor("other_manager"), rubric_id=i["rubric"], expected_version=i["rubric_version"],
            levels=[LevelEdit(1, v, "Un"), *[LevelEdit(n, f"L{n}", f"N{n}") for n in range(2, 6)]],
        ),
        lambda s, w, i: s.exec(select(RatingLevel.label_en).where(RatingLevel.label_fr == "Un")).one(),
    ),
]
VALUES = [("emoji", EMOJI), ("right-to-left", RTL), ("10000-characters", LONG), ("nul", NUL)]


@pytest.fixture
def draft_rubric_world(engine: Any) -> tuple[World, dict[str, int]]:
    return _prepare(engine)


@pytest.mark.parametrize("value_id", [v[0] for v in VALUES])
@pytest.mark.parametrize("field", FIELDS, ids=[f.name for f in FIELDS])
def test_typed_text_is_stored_exactly_or_refused_with_the_limit(
    engine: Any, draft_rubric_world: tuple[World, dict[str, int]], field: Field, value_id: str
) -> None:
    world, ids = draft_rubric_world
    value = dict(VALUES)[value_id]
    before = counts(engine)
    refuse = "\x00" in value or len(value) > field.limit
    if refuse:
        with pytest.raises(ValidationError) as refused, write_session(engine) as s:
            field.write(s, world, ids, value)
        message = str(refused.value)
        assert ("NUL" in message) if "\x00" in value else (f"{field.limit:,}" in message), message
        assert counts(engine) == before
        return
    with write_session(engine) as s:
        field.write(s, world, ids, value)
    with read_session(engine) as s:
        assert field.read(s, world, ids) == value


def test_nul_in_an_email_is_refused_on_every_path(engine: Any) -> None:
    """Sign-in, account creation, candidates and the audit filter: a NUL is a refusal, never a database error."""
    world = build_world(engine)
    before = counts(engine)
    with pytest.raises(AuthenticationError), write_session(engine) as s:
        accounts.authenticate(s, email=f"{world.chair.email}\x00", password="whatever-it-is")
    with pytest.raises(AuthenticationError), write_session(engine) as s:
        accounts.authenticate(s, email=world.chair.email, password="pass\x00word-long")
    with pytest.raises(ValidationError), write_session(engine) as s:
        accounts.create_user(s, world.actor("admin"), email="nul\x00@northwind.example", display_name="Nul", role="interviewer")
    with pytest.raises(ValidationError), write_session(engine) as s:
        candidates.add_candidate(s, world.actor("manager"), posting_id=world.posting.id, name="Nul", email="nul\x00@mail.example")
    with pytest.raises(ValidationError, match="NUL"), read_session(engine) as s:
        audit.list_events(s, world.actor("admin"), actor_email="\x00")
    after = counts(engine)
    assert {k: v for k, v in after.items() if k != "audit_event"} == {k: v for k, v in before.items() if k != "audit_event"}
    assert after["audit_event"] - before["audit_event"] <= 1  # the failed sign-in with a wrong password is logged


def test_very_long_email_and_password_are_refused_with_a_sentence(engine: Any) -> None:
    world = build_world(engine)
    before = counts(engine)
    with pytest.raises(ValidationError, match="e-mail"), write_session(engine) as s:
        accounts.create_user(s, world.actor("admin"), email="a" * 400 + "@northwind.example", display_name="Long", role="interviewer")
    with pytest.raises(ValidationError, match="at most 1024"), write_session(engine) as s:
        accounts.create_user(s, world.actor("admin"), email="long@northwind.example", display_name="Long", role="interviewer", password="p" * 5000)
    with pytest.raises(AuthenticationError), write_session(engine) as s:
        accounts.authenticate(s, email="x" * 100_000, password="y" * 100_000)
    assert counts(engine) == before

