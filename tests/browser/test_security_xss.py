"""Hostile text on the pages tests/browser/test_xss.py does not open (issue #6 §4).

test_xss.py covers the scoring, consensus, postings, rubric (with the posting's source), candidates and
outstanding pages. The administrator's pages remain: the audit log (whose table shows changes with
the names they carried), the users list (display names) and the results (the merit table). The same
payloads, which would set ``window.__xss`` or open a dialog, must do neither there.
"""

from __future__ import annotations

from typing import Any

import pytest
from browser.journey_helpers import sign_in_at
from browser.test_xss import IMG, SCRIPT, assert_nothing_ran, seed_hostile_posting
from factories import DEFAULT_PASSWORD, make_user
from sqlmodel import select

from tracker.models import Candidate, Role
from tracker.services import candidates
from tracker.services.actor import Actor

pytestmark = pytest.mark.browser


def seed_with_trail(session: Any) -> dict[str, Any]:
    ids = seed_hostile_posting(session)
    admin = make_user(session, role=Role.admin, display_name=f"Admin {SCRIPT}")
    manager = session.exec(select(type(admin)).where(type(admin).email == ids["manager"])).one()
    candidate = session.get(Candidate, ids["candidate"])
    # Through the service, so the audit trail records the hostile name in its before/after.
    candidates.update_candidate(session, Actor.from_user(manager), candidate_id=candidate.id, expected_version=candidate.version,
                                name=f"Samantha {SCRIPT} {IMG}")  # fmt: skip
    return {**ids, "admin": admin.email}


@pytest.mark.parametrize("path", ["/audit-log", "/users", "/results"])
def test_hostile_text_on_the_administrators_pages_is_shown_as_text(page: Any, seed: Any, shot: Any, path: str) -> None:
    ids = seed(seed_with_trail)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in_at(page, f"{path}?posting={ids['posting']}", ids["admin"], DEFAULT_PASSWORD)
    page.locator('[data-testid="stMainBlockContainer"] h1').first.wait_for()
    assert_nothing_ran(page, dialogs)
    shot(page, f"hostile{path.replace('/', '-')}")
