"""Every page in French, for every demo role (issue #21 acceptance): no English candidate label.

The demo (two postings, scorecards submitted, drafted and not started, a conflict declared, a
decision) is loaded into the app's database, then each page the role may open is run in French and
every string the page sends to the browser — titles, Markdown, captions, alerts, widget labels and
options, table cells — is read. « Candidate 07 » must appear nowhere (the label is « Candidature 07 »),
nor « UTC » (pages show the organisation's zone, named), nor an English parser or import warning (a
posting whose import raised warnings is added to the demo for that).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from app_helpers import assert_no_exception, signed_in
from sqlalchemy.engine import Engine
from sqlmodel import select

from app_pages._results_text import VIEWS
from app_pages.frame.registry import PAGES
from tracker.db import write_session
from tracker.demo import DEMO_ACCOUNTS, load_demo
from tracker.models import User
from tracker.services.actor import Actor
from tracker.services.postings import import_postings

pytest_plugins = ["app_helpers"]

VIEW_KEY = "results_view"
ENGLISH_LABEL = re.compile(r"\bCandidate\b")  # case-sensitive: « personne candidate » is French
FORBIDDEN = re.compile(r"\bCandidate\b|\bUTC\b|No YAML front matter|was found|no assessment, qualifications")
DECIMAL_POINT = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])")  # « 0.41 »; a French number is « 0,41 »
# No front matter, no criteria list: its import raises warnings, stored and shown on the rubric page.
WARNED_POSTING = b"Just a paragraph of text with no headings and no lists.\n"
FRENCH_LABEL = re.compile(r"\bCandidature \d{2}\b")


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def _proto_strings(message: Any) -> Iterator[str]:
    for _field, value in message.ListFields():
        items = value if (hasattr(value, "__iter__") and not isinstance(value, str | bytes)) else [value]
        for item in items:
            if isinstance(item, str):
                yield item
            elif hasattr(item, "ListFields"):
                yield from _proto_strings(item)


def page_strings(at: Any) -> list[str]:
    """Every string of the run's elements, table cells and column names included."""
    found: list[str] = []
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "")
        # Tables are read below as cells; a chart's proto is its Vega-Lite spec (JSON, not words).
        if proto is not None and hasattr(proto, "ListFields") and kind != "arrow_data_frame" and "vega" not in kind:
            found.extend(_proto_strings(proto))
    for table in at.dataframe:
        frame = table.value
        found.extend(str(c) for c in frame.columns)
        found.extend(str(v) for column in frame.columns for v in frame[column].tolist())
    return found


@pytest.fixture
def demo(app_engine: Engine) -> dict[str, int]:
    load_demo(app_engine)
    with write_session(app_engine) as session:
        ids = {a.email: session.exec(select(User.id).where(User.email == a.email)).one() for a in DEMO_ACCOUNTS}
        manager = Actor.from_user(session.get(User, ids["manager@northwind.example"]))
    report = import_postings(app_engine, manager, files=[("warned.md", WARNED_POSTING)])
    assert report.items[0].warnings
    return {**ids, "warned": int(report.items[0].posting_id or 0)}


def test_the_english_label_pattern_catches_it_and_spares_french() -> None:
    assert ENGLISH_LABEL.search("Évaluer Candidate 02 (Concepteur)")
    assert not ENGLISH_LABEL.search("la personne candidate a choisi le français; Candidature 02")


def test_every_page_in_french_names_candidates_and_times_in_french(demo: dict[str, int]) -> None:
    french_labels = 0
    pages = 0
    for account in DEMO_ACCOUNTS:
        for spec in PAGES:
            if account.role not in spec.roles:
                continue
            at = signed_in(demo[account.email], lang="fr", page=spec.key)
            runs = [(spec.key, at)]
            assert_no_exception(at)
            if spec.key == "results":
                for view in VIEWS:
                    at.session_state[VIEW_KEY] = view
                    at.run()
                    assert_no_exception(at)
                    runs.append((f"results/{view}", at))
            for where, run in runs:
                strings = page_strings(run)
                # (A widget's column configuration is JSON sent to the browser, not words: skipped.)
                english = [
                    s for s in strings if FORBIDDEN.search(s) or (DECIMAL_POINT.search(s) and not s.startswith("{"))
                ]
                assert not english, f"{account.email} {where}: {english[:5]}"
                french_labels += sum(bool(FRENCH_LABEL.search(s)) for s in strings)
                pages += 1
    assert pages >= 20
    assert french_labels > 20, "no French label was shown anywhere: the sweep would prove nothing"


def test_the_warned_postings_rubric_page_shows_its_warnings_in_french(demo: dict[str, int]) -> None:
    at = signed_in(demo["manager@northwind.example"], lang="fr", page="rubric")
    at.selectbox(key="rubric_posting").set_value(demo["warned"]).run()
    assert_no_exception(at)
    warnings = [w.value for w in at.warning]
    assert any("en\\-tête YAML" in w or "en-tête YAML" in w for w in warnings), warnings
    assert not [s for s in page_strings(at) if FORBIDDEN.search(s)]
