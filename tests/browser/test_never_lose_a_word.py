"""Never lose a word (issue #18), in Chromium: notes saved while typing, signed in across reloads and restarts.

* A note typed at a person's pace (≈ 10 characters/s), left in the box, is in the database once the
  person pauses: the tab is closed 2 s after the last keystroke without leaving the box.
* A new tab and a reload are still signed in (the session cookie), on the same scorecard, note intact.
* A server restart in the middle of typing loses nothing and needs no new sign-in.
* Signing out in one tab signs the other out at its next action; an expired or a forged token, and a
  token whose session ended, show the sign-in form.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from browser.conftest import AppServer
from browser.helpers import UI_TIMEOUT_MS, open_page, wait_for_app
from browser.journey_helpers import level_labels, notes_box, reload_still_signed_in, score_box, sign_in_at, wait_until
from browser.test_drafts_survive import RestartableServer
from factories import DEFAULT_PASSWORD, make_candidate, make_declaration, make_panel, make_posting, make_user
from sqlmodel import select

from tracker.i18n import t
from tracker.models import Role, Score, SignInSession, utcnow
from tracker.services import sessions
from tracker.services.actor import Actor

pytestmark = pytest.mark.browser

TYPING_DELAY_MS = 100  # ≈ 10 characters a second


@pytest.fixture
def restartable(browser_db: str) -> Iterator[RestartableServer]:
    server = RestartableServer(browser_db)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _interviewer_with_candidate(seed: Callable[..., Any], name: str) -> tuple[str, int]:
    def setup(session: Any) -> tuple[str, int]:
        manager = make_user(session, role=Role.manager)
        interviewer = make_user(session, role=Role.interviewer)
        posting = make_posting(session, owner=manager, criteria=2)
        candidate = make_candidate(session, posting=posting, name=name)
        make_candidate(session, posting=posting, name=name + " Second")
        make_panel(session, posting=posting, members=[interviewer])
        make_declaration(session, candidate=candidate, user=interviewer)
        return interviewer.email, candidate.id or 0

    return seed(setup)


def _notes_in_db(seed: Callable[..., Any], email: str) -> list[str]:
    def read(session: Any) -> list[str]:
        from tracker.models import Scorecard, User

        user = session.exec(select(User).where(User.email == email)).one()
        rows = session.exec(
            select(Score).join(Scorecard, Scorecard.id == Score.scorecard_id).where(Scorecard.interviewer_id == user.id)
        ).all()
        return [row.notes for row in rows]

    return seed(read)


def _sign_in_form_shown(page: Any) -> bool:
    return page.get_by_role("button", name=t("Sign in", "en"), exact=True).count() > 0


def test_a_note_typed_and_left_in_the_box_survives_closing_the_tab_a_reload_and_a_restart(
    browser: Any, restartable: RestartableServer, seed: Callable[..., Any], shot: Any
) -> None:
    email, candidate_id = _interviewer_with_candidate(seed, "Morgan Typing")
    first = "Explained the rollback plan step by step."
    with open_page(browser, restartable.url) as page:
        context = page.context
        sign_in_at(page, f"/scoring?candidate={candidate_id}", email, DEFAULT_PASSWORD)
        box = notes_box(page, 0)
        box.click()
        box.press_sequentially(first, delay=TYPING_DELAY_MS)
        time.sleep(2)  # idle, still in the box
        page.close()  # the tab, without leaving the box
        wait_until(lambda: first in _notes_in_db(seed, email), "the note in the database after the tab closed", 10)

        tab = context.new_page()  # a new tab of the same browser: still signed in, same scorecard
        tab.goto(f"/scoring?candidate={candidate_id}")
        wait_for_app(tab)
        tab.get_by_role("button", name=t("Sign out", "en"), exact=True).wait_for()
        assert notes_box(tab, 0).input_value() == first
        reload_still_signed_in(tab)
        assert f"candidate={candidate_id}" in tab.url
        assert notes_box(tab, 0).input_value() == first

        # Restart the server in the middle of typing: what was typed before and after is kept.
        box = notes_box(tab, 0)
        box.click()
        box.press("End")
        before, after = " Then tested it", " on a copy."
        box.press_sequentially(before, delay=TYPING_DELAY_MS)
        restartable.restart()
        box.press_sequentially(after, delay=TYPING_DELAY_MS)
        expected = first + before + after
        wait_until(lambda: expected in _notes_in_db(seed, email), "the note typed across the restart", 30)
        assert box.input_value() == expected, "nothing typed was dropped by the reconnect"
        assert not _sign_in_form_shown(tab)
        reload_still_signed_in(tab)
        assert notes_box(tab, 0).input_value() == expected
        shot(tab, "01-after-restart")


def test_sign_out_in_one_tab_signs_the_other_out_at_its_next_action(
    browser: Any, app_server: AppServer, seed: Callable[..., Any]
) -> None:
    email, candidate_id = _interviewer_with_candidate(seed, "Sasha Twotabs")
    with open_page(browser, app_server.url) as page:
        sign_in_at(page, f"/scoring?candidate={candidate_id}", email, DEFAULT_PASSWORD)
        other = page.context.new_page()
        other.goto(f"/scoring?candidate={candidate_id}")
        wait_for_app(other)
        other.get_by_role("button", name=t("Sign out", "en"), exact=True).wait_for()

        page.get_by_role("button", name=t("Sign out", "en"), exact=True).click()
        page.get_by_role("button", name=t("Sign in", "en"), exact=True).wait_for()

        # The other tab's next action (a rating click: a fragment rerun) shows the sign-in form.
        score_box(other, 0).get_by_text(level_labels("en")[2], exact=True).click()
        other.get_by_role("button", name=t("Sign in", "en"), exact=True).wait_for(timeout=UI_TIMEOUT_MS)
        other.get_by_text(t("You signed out in another tab or window. Sign in again to continue.", "en")).wait_for()
        reasons = seed(lambda s: [r.revoked_reason for r in s.exec(select(SignInSession)).all()])
        assert "sign_out" in reasons


def _token_for(seed: Callable[..., Any], email: str, *, expired: bool = False) -> str:
    def make(session: Any) -> str:
        from tracker.models import User

        user = session.exec(select(User).where(User.email == email)).one()
        started = sessions.start_session(session, Actor.from_user(user))
        token = sessions.redeem_handoff(session, code=started.handoff_code)
        if expired:
            row = session.get(SignInSession, started.session_id)
            row.expires_at = utcnow() - timedelta(minutes=1)
            session.add(row)
        return token

    return seed(make)


@pytest.mark.parametrize("kind", ["valid", "expired", "forged"])
def test_a_session_cookie_signs_in_only_while_its_token_is_valid(
    browser: Any, app_server: AppServer, seed: Callable[..., Any], kind: str
) -> None:
    email = seed(lambda s: make_user(s, role=Role.interviewer).email)
    token = "forged-" + "x" * 36 if kind == "forged" else _token_for(seed, email, expired=kind == "expired")
    with open_page(browser, app_server.url) as page:
        page.context.add_cookies([{"name": "tracker_session", "value": token, "url": app_server.url}])
        page.goto("/")
        wait_for_app(page)
        if kind == "valid":
            page.get_by_role("button", name=t("Sign out", "en"), exact=True).wait_for()
        else:
            page.get_by_role("button", name=t("Sign in", "en"), exact=True).wait_for()
            # The browser is told to drop the useless cookie.
            wait_until(lambda: not [c for c in page.context.cookies() if c["name"] == "tracker_session"],
                       "the cookie to be cleared", 15)  # fmt: skip


def _focused(page: Any) -> str:
    return str(
        page.evaluate(
            "() => { const e = document.activeElement; return e.tagName + '|' + (e.type || '') + '|' + e.innerText; }"
        )
    )


def test_focus_moves_to_the_next_control_after_a_declaration_and_a_submit_and_to_h1_after_navigation(
    browser: Any, app_server: AppServer, seed: Callable[..., Any]
) -> None:
    def setup(session: Any) -> tuple[str, int]:
        manager = make_user(session, role=Role.manager)
        interviewer = make_user(session, role=Role.interviewer)
        posting = make_posting(session, owner=manager, criteria=2)
        first = make_candidate(session, posting=posting, name="Kim Focus")
        make_candidate(session, posting=posting, name="Lee Focus")
        make_panel(session, posting=posting, members=[interviewer])
        return interviewer.email, first.id or 0

    email, candidate_id = seed(setup)
    labels = level_labels("en")
    with open_page(browser, app_server.url) as page:
        sign_in_at(page, f"/scoring?candidate={candidate_id}", email, DEFAULT_PASSWORD)
        page.get_by_text(t("I have no conflict of interest with this candidate", "en"), exact=True).click()
        page.get_by_role("button", name=t("Save my declaration", "en"), exact=True).click()
        wait_until(lambda: _focused(page).startswith("INPUT|radio"), "the focus on the first rating", 20)
        for index in (0, 1):
            score_box(page, index).get_by_text(labels[3], exact=True).click()
            wait_for_app(page)
        wait_until(lambda: seed(lambda s: len([x for x in s.exec(select(Score)).all() if x.rating == 4])) >= 2,
                   "both ratings saved", 20)  # fmt: skip
        page.get_by_role("button", name=t("Submit scorecard", "en"), exact=True).click()
        wait_until(lambda: t("Next candidate", "en") in _focused(page), "the focus on “Next candidate”", 20)
        page.get_by_role("link", name=t("Outstanding work", "en")).first.click()
        wait_until(lambda: _focused(page).startswith("H1"), "the focus on the new page's heading", 20)


def test_a_consensus_rationale_typed_and_left_in_the_box_is_kept_as_a_draft_across_closing_the_tab(
    browser: Any, app_server: AppServer, seed: Callable[..., Any]
) -> None:
    """The other long texts (issue #18 item 1): the chair's rationale, typed at a person's pace and never
    left, is in the database (the chair's draft) 2 s after the last keystroke, and a new tab shows it."""
    from factories import make_scorecard

    from tracker.models import ScorecardStatus, TextDraft

    def setup(session: Any) -> tuple[str, int]:
        manager = make_user(session, role=Role.manager)
        chair = make_user(session, role=Role.interviewer)
        member = make_user(session, role=Role.interviewer)
        posting = make_posting(session, owner=manager, criteria=2)
        candidate = make_candidate(session, posting=posting, name="Robin Rationale")
        make_panel(session, posting=posting, members=[chair, member], chair=chair)
        for user, ratings in ((chair, [3, 4]), (member, [4, 2])):
            make_scorecard(
                session, candidate=candidate, interviewer=user, ratings=ratings, status=ScorecardStatus.submitted
            )
        return chair.email, candidate.id or 0

    email, candidate_id = seed(setup)
    label = t("Rationale for criterion {number}", "en", number=1)
    text = "Agreed on 3 after the debrief."

    def drafts_now() -> list[str]:
        return seed(
            lambda s: [d.text for d in s.exec(select(TextDraft).where(TextDraft.candidate_id == candidate_id)).all()]
        )

    with open_page(browser, app_server.url) as page:
        sign_in_at(page, "/consensus", email, DEFAULT_PASSWORD)
        area = (
            page.locator('[class*="st-key-consensus_box_"]')
            .first.frame_locator("iframe")
            .get_by_role("textbox", name=label)
        )
        area.click()
        area.press_sequentially(text, delay=TYPING_DELAY_MS)
        time.sleep(2)  # idle, still in the box
        context = page.context
        page.close()
        wait_until(lambda: text in drafts_now(), "the rationale draft in the database after the tab closed", 10)
        tab = context.new_page()
        tab.goto("/consensus")
        wait_for_app(tab)
        again = (
            tab.locator('[class*="st-key-consensus_box_"]')
            .first.frame_locator("iframe")
            .get_by_role("textbox", name=label)
        )
        again.wait_for()
        assert again.input_value() == text
