"""Access control in a real browser (issue #6 §5): typed URLs, not only the menu.

An interviewer who types ``/results``, ``/audit-log`` or any other staff page's address signs in and
lands on a refusal that shows nothing of the page: no candidate, no note, no export button. A deep
link naming another posting's candidate opens the interviewer's own queue instead. (The same checks
without a browser, page by page, are in tests/test_access_control_ui.py.)
"""

from __future__ import annotations

from typing import Any

import pytest
from browser.helpers import wait_for_app
from browser.journey_helpers import sign_in_at
from factories import DEFAULT_PASSWORD, make_candidate, make_panel, make_posting, make_scorecard, make_user

from tracker.models import Role, ScorecardStatus

pytestmark = pytest.mark.browser

PLANTED_NAME = "Xavierina Confidential"
PLANTED_NOTE = "Strictly panel only evidence"
OTHER_NAME = "Yolanda Otherposting"


def seed_process(session: Any) -> dict[str, Any]:
    manager = make_user(session, role=Role.manager)
    chair = make_user(session, role=Role.interviewer)
    member = make_user(session, role=Role.interviewer)
    other_chair = make_user(session, role=Role.interviewer)
    posting = make_posting(session, owner=manager, criteria=2)
    other = make_posting(session, owner=manager, criteria=2)
    candidate = make_candidate(session, posting=posting, name=PLANTED_NAME)
    other_candidate = make_candidate(session, posting=other, name=OTHER_NAME)
    make_panel(session, posting=posting, members=[chair, member], chair=chair)
    make_panel(session, posting=other, members=[other_chair], chair=other_chair)
    make_scorecard(session, candidate=candidate, interviewer=chair, ratings=[4, 4], notes=PLANTED_NOTE, status=ScorecardStatus.submitted)
    return {"member": member.email, "other_candidate": other_candidate.id, "posting": posting.id}


@pytest.mark.parametrize("path", ["/results", "/audit-log", "/postings", "/rubric", "/candidates", "/users"])
def test_an_interviewer_typing_a_staff_address_gets_a_refusal_and_no_data(page: Any, seed: Any, shot: Any, path: str) -> None:
    ids = seed(seed_process)
    sign_in_at(page, f"{path}?posting={ids['posting']}", ids["member"], DEFAULT_PASSWORD)
    page.get_by_text("Access refused").first.wait_for()
    wait_for_app(page)
    html = page.content()
    assert PLANTED_NAME not in html and PLANTED_NOTE not in html
    assert page.locator('[data-testid="stDownloadButton"]').count() == 0
    assert page.locator('[data-testid="stDataFrame"]').count() == 0
    shot(page, f"refused{path.replace('/', '-')}")


def test_a_deep_link_to_another_postings_candidate_opens_only_the_own_queue(page: Any, seed: Any, shot: Any) -> None:
    ids = seed(seed_process)
    sign_in_at(page, f"/scoring?candidate={ids['other_candidate']}", ids["member"], DEFAULT_PASSWORD)
    page.get_by_text(PLANTED_NAME, exact=False).first.wait_for()  # the member's own candidate
    wait_for_app(page)
    assert OTHER_NAME not in page.content()
    assert PLANTED_NOTE not in page.content()  # the chair's notes: blind until the member submits
    shot(page, "own-queue-only")
