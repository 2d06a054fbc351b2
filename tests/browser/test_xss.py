"""Hostile text is shown as text, never run (issue #4 §11, #6 §4), checked in a real browser.

A posting whose criteria, title and source carry ``<script>`` and ``<img onerror>``, a candidate whose
name does too, and evidence notes with the same: every page that shows them is opened, and the
payloads, which would set ``window.__xss`` and open a dialog, must do neither.
"""

from __future__ import annotations

from typing import Any

import pytest
from browser.helpers import wait_for_app
from browser.journey_helpers import SCORE_BOX, sign_in_at
from factories import (
    DEFAULT_PASSWORD,
    criterion_dict,
    make_candidate,
    make_declaration,
    make_panel,
    make_posting,
    make_scorecard,
    make_user,
)

from tracker.models import Lang, PostingSource, Role, ScorecardStatus

pytestmark = pytest.mark.browser

SCRIPT = "<script>window.__xss = 1; alert('script ran')</script>"
IMG = '<img src="x" onerror="window.__xss = 2; alert(\'onerror ran\')">'
PAYLOADS = (SCRIPT, IMG)


def seed_hostile_posting(session: Any) -> dict[str, Any]:
    manager = make_user(session, role=Role.manager, display_name=f"Manager {IMG}")
    chair = make_user(session, role=Role.interviewer, display_name=f"Chair {SCRIPT}")
    member = make_user(session, role=Role.interviewer)
    posting = make_posting(
        session, owner=manager, title_en=f"Analyst {SCRIPT}", title_fr=f"Analyste {IMG}",
        criteria=[criterion_dict(0, text_en=f"Knows HTML {SCRIPT}", text_fr=f"Connaît le HTML {SCRIPT}"),
                  criterion_dict(1, text_en=f"Reads images {IMG}", text_fr=f"Lit les images {IMG}")],
    )  # fmt: skip
    session.add(PostingSource(posting_id=posting.id or 0, lang=Lang.en, path="hostile.md", content_hash="0" * 64,
                              content=f"# Analyst\n\n{SCRIPT}\n\n{IMG}\n\n[click](javascript:alert(3))\n"))  # fmt: skip
    candidate = make_candidate(session, posting=posting, name=f"Sam {IMG}")
    make_panel(session, posting=posting, members=[chair, member], chair=chair)
    make_declaration(session, candidate=candidate, user=chair)
    for user in (chair, member):
        make_scorecard(session, candidate=candidate, interviewer=user, ratings=[3, 4], notes=f"Note {SCRIPT} {IMG}",
                       status=ScorecardStatus.submitted)  # fmt: skip
    return {"manager": manager.email, "chair": chair.email, "posting": posting.id, "candidate": candidate.id}


def assert_nothing_ran(page: Any, dialogs: list[str]) -> None:
    wait_for_app(page)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert dialogs == []
    assert page.locator("img[onerror]").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert not page.evaluate("[...document.scripts].some(s => s.textContent.includes('__xss'))")


def test_hostile_posting_text_names_and_notes_are_shown_as_text(page: Any, seed: Any, shot: Any) -> None:
    ids = seed(seed_hostile_posting)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # The chair's submitted scorecard: criteria, notes, and the colleague's notes after submitting.
    sign_in_at(page, f"/scoring?candidate={ids['candidate']}", ids["chair"], DEFAULT_PASSWORD)
    for text in (f"Knows HTML {SCRIPT}", f"Reads images {IMG}", f"Note {SCRIPT} {IMG}", f"Sam {IMG}"):
        page.get_by_text(text).filter(visible=True).first.wait_for()  # shown, as text
    assert page.locator(SCORE_BOX).count() == 0, "submitted: read-only"
    assert_nothing_ran(page, dialogs)
    shot(page, "01-scoring")

    sign_in_at(page, "/consensus", ids["chair"], DEFAULT_PASSWORD)  # a typed URL: a new session
    page.get_by_text(f"Note {SCRIPT} {IMG}").filter(visible=True).first.wait_for()
    assert_nothing_ran(page, dialogs)
    shot(page, "02-consensus")

    # The manager's pages show the posting's title, criteria and source (rendered Markdown).
    for path in ("/postings", "/rubric", "/candidates", "/outstanding"):
        sign_in_at(page, path, ids["manager"], DEFAULT_PASSWORD)
        page.locator('[data-testid="stMainBlockContainer"] h1').first.wait_for()
        assert_nothing_ran(page, dialogs)
    shot(page, "03-outstanding")
