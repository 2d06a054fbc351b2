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
import time
from collections.abc import Iterator
from typing import Any

import pytest
from app_helpers import assert_no_exception, new_app, signed_in, switch_to
from factories import make_candidate, make_panel, make_posting, make_scorecard
from sqlalchemy.engine import Engine
from sqlmodel import select

from app_pages._common import SELECTED_POSTING_KEY
from app_pages._results_text import VIEWS
from app_pages.frame.auth import LAST_SEEN_KEY, USER_ID_KEY
from app_pages.frame.registry import PAGES
from tracker.db import write_session
from tracker.demo import DEMO_ACCOUNTS, load_demo
from tracker.models import ScorecardStatus, User
from tracker.services.actor import Actor
from tracker.services.postings import import_postings

pytest_plugins = ["app_helpers"]

VIEW_KEY = "results_view"
ENGLISH_LABEL = re.compile(r"\bCandidate\b")  # case-sensitive: « personne candidate » is French
FORBIDDEN = re.compile(
    r"\bCandidate\b|\bUTC\b|\bn/a\b|No YAML front matter|was found|no assessment, qualifications"
)
# A count and its noun that disagree: « 1 brouillons », « 0 candidatures », « 2 candidature ».
_NOUNS = r"(candidature|brouillon|fiche|critère|cote|membre|offre|événement|personne|version|déclaration)"
WRONG_PLURAL = re.compile(rf"(?<![\d,.])[01]\*{{0,2}}\s{_NOUNS}s\b|(?<![\d,.])([2-9]|\d{{2,}})\*{{0,2}}\s{_NOUNS}\b(?!s)")
DECIMAL_POINT = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])")  # « 0.41 »; a French number is « 0,41 »
# No front matter, no criteria list: its import raises warnings, stored and shown on the rubric page.
WARNED_POSTING = b"Just a paragraph of text with no headings and no lists.\n"
DECLARED_ENGLISH = ('<div lang="en">', '<p class="tracker-other-lang" lang="en">')
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


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


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
        # An editable table's numbers stay typed (they are edited); its number columns use the browser's
        # locale ("localized" format): only its text cells are words of ours.
        editable = table.editing_mode != "read_only"
        found.extend(
            str(v) for column in frame.columns for v in frame[column].tolist() if not (editable and _is_number(v))
        )
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


def english_in(strings: list[str]) -> list[str]:
    """What a French page must not show: English words, UTC, « n/a », a decimal point, a wrong plural."""
    # (A widget's column configuration is JSON sent to the browser, not words: skipped.)
    # An element that declares English (the feedback summary of a candidate who chose English, a text with
    # no French yet) is English on purpose and says so to screen readers (WCAG 3.1.2): not a slip.
    return [
        s for s in strings
        if not s.startswith(DECLARED_ENGLISH)
        and (FORBIDDEN.search(s) or WRONG_PLURAL.search(s) or (DECIMAL_POINT.search(s) and not s.startswith("{")))
    ]  # fmt: skip


def test_the_sweep_patterns_catch_what_they_are_for() -> None:
    assert english_in(["1 brouillons"]) and english_in(["**0** candidatures"]) and english_in(["2 candidature"])
    assert english_in(["Cote : n/a"]) and english_in(["moyenne 3.5"]) and english_in(["14:00 UTC"])
    assert not english_in(["2 candidatures", "1 candidature sur 3", "Brouillons : 1", "3,5", "10 001"])
    assert not english_in(['<div lang="en"><h1>Feedback summary</h1> Candidate 01</div>'])


def _on_posting(user_id: int, posting_id: int, page: str) -> Any:
    at = new_app(lang="fr")
    at.session_state[USER_ID_KEY] = user_id
    at.session_state[LAST_SEEN_KEY] = time.time()
    at.session_state[SELECTED_POSTING_KEY] = posting_id
    at.run()
    return switch_to(at, page)


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
                english = english_in(strings)
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


@pytest.mark.parametrize("count", [0, 1, 2])
def test_every_page_in_french_with_0_1_and_2_of_everything(app_engine: Engine, demo: dict[str, int], count: int) -> None:
    """A posting with ``count`` candidates, each with ``count`` submitted scorecards (the chair's, a member's)."""
    with write_session(app_engine) as session:
        people = {email: session.get(User, demo[email]) for email in demo if "@" in email}
        manager, chair, member = (people[f"{who}@northwind.example"] for who in ("manager", "chair", "elodie"))
        posting = make_posting(session, owner=manager, title_en=f"Count {count}", title_fr=f"Compte {count}")
        make_panel(session, posting=posting, members=[chair, member], chair=chair)
        for _ in range(count):
            candidate = make_candidate(session, posting=posting)
            for interviewer in [chair, member][:count]:
                make_scorecard(session, candidate=candidate, interviewer=interviewer, ratings=[3, 4, 4],
                               status=ScorecardStatus.submitted)  # fmt: skip
        posting_id = int(posting.id or 0)
    runs = 0
    for email in ("manager@northwind.example", "chair@northwind.example", "admin@northwind.example"):
        account = next(a for a in DEMO_ACCOUNTS if a.email == email)
        for spec in PAGES:
            if account.role not in spec.roles:
                continue
            at = _on_posting(demo[email], posting_id, spec.key)
            assert_no_exception(at)
            views = list(VIEWS) if spec.key == "results" else [None]
            for view in views:
                if view is not None:
                    at.session_state[VIEW_KEY] = view
                    at.run()
                    assert_no_exception(at)
                english = english_in(page_strings(at))
                assert not english, f"{email} {spec.key} {view or ''} (count {count}): {english[:5]}"
                runs += 1
    assert runs >= 15
