"""The hostile-text sweep in AppTest (issue #17, item 1): the payload of tests/hostile_text.py in every
person- and file-written field, every page for every role, in English and in French.

For each element Streamlit renders as Markdown, the strings it renders (body, label, help, radio
options and captions, metric values, tab and expander labels) must not contain the payload's syntax
un-neutralised; ``st.html`` blocks (posting bodies, rendered on purpose) must hold no ``<img>``, ``<a>``
or ``style``. Widget *values* (a text area holding a note) and table cells are plain text and are not
Markdown, so they are not inspected here; the Chromium sweep checks the final page as a whole.
The exports and reports are part of the sweep: the payload stays plain text in them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from app_helpers import assert_no_exception, signed_in
from factories import rubric_of
from hostile_text import PHISH_HOST, assert_payload_inert_in_text, forbidden, payload, seed_everywhere
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import select

from app_pages._results_text import VIEWS
from app_pages.frame.registry import PAGES
from tracker.db import write_session
from tracker.models import Role, User

pytest_plugins = ["app_helpers"]

VIEW_KEY = "results_view"  # app_pages/results.py (importing a page runs it)

HOST = "127.0.0.1:9"  # AppTest never fetches anything; the browser sweep runs a real probe host
MARKDOWN_FIELDS = {"body", "label", "help", "captions", "delta", "placeholder"}
OPTION_TYPES = {"radio", "button_group"}  # whose options are Markdown (a selectbox's are plain text)
NOT_MARKDOWN = {"text", "code", "arrow_data_frame", "json", "exception", "empty"}
ROLES = ("admin", "manager", "chair", "member", "conflicted")


def _values(value: Any) -> Iterator[Any]:
    """A field's value, or each item of a repeated field."""
    if isinstance(value, str | bytes) or hasattr(value, "ListFields") or not hasattr(value, "__iter__"):
        yield value
    else:
        yield from value


def _strings(message: Any) -> Iterator[str]:
    for _field, value in message.ListFields():
        for item in _values(value):
            if isinstance(item, str):
                yield item
            elif hasattr(item, "ListFields"):
                yield from _strings(item)


def _markdown_strings(proto: Any, kind: str) -> Iterator[str]:
    for field, value in proto.ListFields():
        if field.name in MARKDOWN_FIELDS or (field.name == "options" and kind in OPTION_TYPES):
            for item in _values(value):
                if isinstance(item, str):
                    yield item
                elif hasattr(item, "ListFields"):
                    yield from _strings(item)


def html_tags(markup: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """The real start tags of an HTML fragment (escaped ``&lt;img`` is text, not a tag)."""
    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Collector().feed(markup)
    return found


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def check_page(at: Any, where: str) -> int:
    """Assert every Markdown-rendered string of the page is inert; returns how many were checked."""
    checked = 0
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "")
        if proto is None or kind in NOT_MARKDOWN:
            continue
        if kind == "html":
            if proto.unsafe_allow_javascript:  # the frame's own fixed scripts (app_helpers.page_html)
                continue
            tags = html_tags(proto.body)
            bad = [t for t in tags if t[0] in {"img", "a", "script", "iframe"} or any(a == "style" for a, _v in t[1])]
            assert not bad, f"{where}: st.html holds {bad}"
            checked += 1
            continue
        for text in _markdown_strings(proto, kind):
            assert_payload_inert_in_text(text, HOST, f"{where} ({kind})")
            checked += 1
    return checked


@pytest.fixture
def seeded(app_engine: Engine) -> dict[str, int]:
    with write_session(app_engine) as session:
        seeded = seed_everywhere(session, HOST)
        ids = {
            role: session.exec(select(User.id).where(User.email == email)).one()
            for role, email in seeded.emails.items()
        }
        rubric_of(session, seeded.posting)
    return {**ids, "posting": seeded.posting, "candidate": seeded.candidate}


ROLE_OF = {"admin": Role.admin, "manager": Role.manager, "chair": Role.interviewer, "member": Role.interviewer,
           "conflicted": Role.interviewer}  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("role", ROLES)
def test_every_page_shows_the_payload_inert(seeded: dict[str, int], role: str, lang: str) -> None:
    checked = 0
    payload_seen = 0
    for spec in PAGES:
        if ROLE_OF[role] not in spec.roles:
            continue
        at = signed_in(seeded[role], lang=lang, page=spec.key)
        assert_no_exception(at)
        checked += check_page(at, f"{role}/{lang}/{spec.key}")
        payload_seen += sum(
            "Session expired" in t for n in _nodes(at._tree) for t in _strings(getattr(n, "proto", None) or _Empty())
        )
        if spec.key == "results":
            for view in VIEWS:
                at.session_state[VIEW_KEY] = view
                at.run()
                assert_no_exception(at)
                checked += check_page(at, f"{role}/{lang}/results/{view}")
    assert checked > 20
    assert payload_seen > 0, "the payload was shown nowhere: the sweep would prove nothing"


class _Empty:
    def ListFields(self) -> list[Any]:
        return []


def test_the_check_catches_an_unescaped_payload() -> None:
    """The sweep's own detector: the raw payload fails it, the escaped one passes."""
    from app_pages.frame.render import escape_markdown

    with pytest.raises(AssertionError):
        assert_payload_inert_in_text(payload(HOST), HOST, "raw")
    assert_payload_inert_in_text(escape_markdown(payload(HOST)), HOST, "escaped")
    assert len(forbidden(HOST)) >= 10


def test_exports_and_reports_keep_the_payload_as_plain_text(app_db: str, seeded: dict[str, int], tmp_path: Any) -> None:
    """CSV and XLSX cells hold the payload as typed (no formula, no markup); the HTML reports escape it."""
    from click.testing import CliRunner

    from tracker.cli import cli

    def run(*args: str) -> None:
        result = CliRunner().invoke(cli, list(args), env={"TRACKER_DATABASE_URL": app_db})
        assert result.exit_code == 0, result.output

    posting = str(seeded["posting"])
    run("export", "--posting", posting, "--format", "csv", "--out", str(tmp_path / "scores.csv"))
    run("export", "--posting", posting, "--format", "xlsx", "--out", str(tmp_path / "scores.xlsx"))
    cells = [
        cell
        for path in tmp_path.glob("*.csv")
        for row in csv.reader(io.StringIO(path.read_text("utf-8-sig")))
        for cell in row
    ]
    assert any("Session expired" in cell for cell in cells)
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    book = load_workbook(tmp_path / "scores.xlsx")
    values = [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any("Session expired" in v for v in values)
    assert not any(v.startswith("=") for v in values)
    for kind in ("record", "feedback"):
        for lang in ("en", "fr"):
            out = tmp_path / f"{kind}-{lang}.html"
            run("report", "--posting", posting, "--candidate", str(seeded["candidate"]), "--kind", kind, "--lang", lang,
                "--out", str(out))  # fmt: skip
            html = out.read_text(encoding="utf-8")
            assert "Session expired" in html  # control characters stay as typed: text to a browser
            tags = html_tags(html)
            assert not [t for t in tags if t[0] in {"img", "script", "iframe"}], (kind, lang)
            assert not [
                t
                for t in tags
                if t[0] == "a" and any(PHISH_HOST in (v or "") or "127.0.0.1" in (v or "") for _a, v in t[1])
            ]
