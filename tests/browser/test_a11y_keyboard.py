"""Keyboard-only journeys in Chromium (issue #14): no mouse, only Tab, Shift+Tab, Enter, Space, arrows and typing.

An interviewer signs in, declares, rates every criterion, writes notes and submits; the chair records
the consensus; a hiring manager records a decision (the candidates page's Decisions tab, reached with
the arrow keys) and downloads an export from the results page, in English and in French. Every Tab stop
must show a visible focus indicator (:class:`browser.keyboard.Keyboard` checks each one, inside the
autosaved notes boxes' frames too), and the order is logical: each criterion's rating, then its notes,
criteria top to bottom, the submit button last; the decision's candidate, outcome, rationale, then its
button. Every step waits for the app's own confirmation (the database row, a flash message, a focused
heading), never a time.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser.helpers import wait_for_app
from browser.journey_helpers import wait_until
from browser.keyboard import Keyboard, choose_option, focused, named, wait_for_framed_box
from factories import (
    DEFAULT_PASSWORD,
    criteria_of,
    make_candidate,
    make_consensus,
    make_panel,
    make_posting,
    make_scorecard,
    make_user,
    rubric_of,
)
from sqlmodel import select

from tracker.i18n import t
from tracker.models import Consensus, Decision, DecisionOutcome, Role, Score, Scorecard, ScorecardStatus

pytestmark = pytest.mark.browser
CRITERIA = 3


def seed_process(session: Any) -> dict[str, Any]:
    """A posting whose chair has submitted a scorecard (all 3s) and whose second member has not started."""
    manager = make_user(session, role=Role.manager, display_name="Keyla Keyboard")
    chair = make_user(session, role=Role.interviewer, display_name="Tabitha Chair")
    member = make_user(session, role=Role.interviewer, display_name="Enzo Member")
    posting = make_posting(
        session, owner=manager, criteria=CRITERIA, title_en="Keyboard Analyst", title_fr="Analyste clavier"
    )
    make_panel(session, posting=posting, members=[chair, member], chair=chair)
    candidate = make_candidate(session, posting=posting, name="Quentin Keys")
    make_scorecard(
        session, candidate=candidate, interviewer=chair, ratings=[3] * CRITERIA, status=ScorecardStatus.submitted
    )
    return {"manager": manager.email, "chair": chair.email, "member": member.email, "member_id": member.id,
            "candidate_id": candidate.id, "candidate": f"{candidate.label} — {candidate.name}"}  # fmt: skip


def keyboard_sign_in(kb: Keyboard, path: str, email: str, lang: str = "en") -> None:
    kb.page.goto(f"{path}?lang={lang}")
    kb.page.get_by_role("textbox", name=t("E-mail", lang), exact=True).wait_for()
    wait_for_app(kb.page)
    kb.tab_to(named(t("E-mail", lang), tag="input"), "the e-mail field")
    kb.type(email)
    kb.tab_to(named(t("Password", lang), tag="input"), "the password field")
    kb.type(DEFAULT_PASSWORD)
    kb.press("Enter")
    kb.page.get_by_role("button", name=t("Sign in", lang), exact=True).wait_for(state="detached")
    wait_for_app(kb.page)
    # The app moves focus to the new page's heading (app_pages/frame/focus.py) a moment after the run:
    # wait for it, or it lands in the middle of the next Tab presses.
    kb.page.wait_for_function("() => document.activeElement && document.activeElement.tagName === 'H1'")


def is_radio(label: str) -> Any:
    return lambda f: f.tag == "input" and f.type == "radio" and f.name == label


def test_an_interviewer_declares_rates_writes_notes_and_submits_with_the_keyboard_only(
    browser: Any, app_server: Any, seed: Any
) -> None:
    people = seed(seed_process)
    context = browser.new_context(base_url=app_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    try:
        kb = Keyboard(context.new_page())
        keyboard_sign_in(kb, "/scoring", people["member"])
        page = kb.page
        page.get_by_role("heading", name=people["candidate"]).wait_for()

        # The declaration: the radio group is entered with Tab, an option chosen with Space.
        kb.tab_to(is_radio(t("I have no conflict of interest with this candidate", "en")), "the declaration")
        kb.press("Space")
        kb.tab_to(named(t("Save my declaration", "en"), tag="button"), "the declaration's button")
        kb.press("Enter")
        page.locator('[class*="st-key-score_box_"]').nth(CRITERIA - 1).wait_for()
        wait_for_app(page)
        for number in range(1, CRITERIA + 1):  # the notes boxes are frames, drawn after the run ends
            wait_for_framed_box(page, t("Evidence notes for criterion {number}", "en", number=number))

        # Each criterion: Tab into its rating (the first level), arrows to choose, Tab to its notes, type, Tab out.
        def saved(number: int, note: str) -> bool:
            def check(s: Any) -> bool:
                rows = s.exec(
                    select(Score).join(Scorecard).where(Scorecard.interviewer_id == people["member_id"])
                ).all()
                return any(r.notes == note and r.rating == 3 for r in rows) and len(rows) >= number

            return bool(seed(check))

        def rows_now() -> list[tuple[int | None, str]]:
            return seed(lambda s: [(r.rating, r.notes) for r in s.exec(select(Score).join(Scorecard).where(
                Scorecard.interviewer_id == people["member_id"])).all()])  # fmt: skip

        for number in range(1, CRITERIA + 1):
            here = focused(page)  # leaving the previous notes with Tab already lands on this rating
            if not (here and here.tag == "input" and here.type == "radio"):
                kb.tab_to(lambda f: f.tag == "input" and f.type == "radio", f"the rating of criterion {number}")
            kb.press("ArrowDown")  # 1 → 2, each move selects (and autosaves)
            wait_for_app(page)
            focus = kb.press("ArrowDown")  # 2 → 3
            assert focus is not None and focus.checked and focus.name.startswith("3 · "), focus
            wait_for_app(page)
            # Logical order: the very next Tab stop after a criterion's rating is its own notes.
            notes = kb.press("Tab")
            assert notes is not None and notes.name == t(
                "Evidence notes for criterion {number}", "en", number=number
            ), notes
            note = f"Keyboard evidence {number}: clear example, measured outcome."
            kb.type(note)
            kb.press("Tab")  # a text area sends its value when it loses focus
            wait_until(
                lambda n=number, text=note: saved(n, text),
                f"criterion {number}'s rating and note in the database: {rows_now()}",
            )
            wait_for_app(page)

        kb.tab_to(named(t("Submit scorecard", "en"), tag="button", exact=False), "the submit button")
        kb.press("Enter")
        page.get_by_role("status").filter(
            has_text=t("Scorecard for {label} submitted. It is now read-only.", "en", label="Candidate 01")
        ).wait_for()
        page.get_by_role("heading", name=t("Colleagues' scorecards", "en"), exact=True).wait_for()
        assert seed(lambda s: s.exec(select(Scorecard).where(Scorecard.interviewer_id == people["member_id"])).one().status
                    ) == ScorecardStatus.submitted  # fmt: skip

        # 2. The chair records the consensus, criterion by criterion, in a second browser.
        chair = Keyboard(
            browser.new_context(base_url=app_server.url, viewport={"width": 1280, "height": 900}).new_page()
        )
        try:
            chair.page.context.set_default_timeout(30_000)
            keyboard_sign_in(chair, "/consensus", people["chair"])
            chair.page.get_by_role("heading", name=t("Consensus", "en")).first.wait_for()
            for number in range(1, CRITERIA + 1):
                # Shift+Tab back from the rationale (past its help button) into the rating group, then arrows to 3.
                chair.tab_to(named(t("Rationale for criterion {number}", "en", number=number), tag="textarea"),
                             f"the rationale of criterion {number}")  # fmt: skip
                focus = chair.tab_to(
                    lambda f: f.type == "radio", f"the consensus rating of criterion {number}", backwards=True
                )
                for _ in range(6):  # arrows move through the levels, selecting as they go
                    if focus is not None and focus.checked and focus.name.startswith("3 · "):
                        break
                    focus = chair.press("ArrowRight")
                assert focus is not None and focus.checked and focus.name.startswith("3 · "), focus
                chair.tab_to(named(t("Record consensus for criterion {number}", "en", number=number), tag="button"),
                             f"the record button of criterion {number}")  # fmt: skip
                chair.press("Enter")
                chair.page.get_by_role("status").filter(
                    has_text=t("Consensus recorded for criterion {number}.", "en", number=number)
                ).wait_for()
                wait_for_app(chair.page)
            wait_until(lambda: seed(lambda s: len(s.exec(select(Consensus).where(
                Consensus.candidate_id == people["candidate_id"])).all())) == CRITERIA, "the consensus rows")  # fmt: skip
        finally:
            chair.page.context.close()

    finally:
        context.close()


def seed_ready_for_decision(session: Any) -> dict[str, Any]:
    """A posting whose panel has submitted and whose chair has recorded consensus (3 on every essential)."""
    manager = make_user(session, role=Role.manager, display_name="Maxime Manager")
    chair = make_user(session, role=Role.interviewer, display_name="Tabitha Chair")
    member = make_user(session, role=Role.interviewer, display_name="Enzo Member")
    posting = make_posting(
        session, owner=manager, criteria=CRITERIA, title_en="Decision Analyst", title_fr="Analyste décision"
    )
    make_panel(session, posting=posting, members=[chair, member], chair=chair)
    candidate = make_candidate(session, posting=posting, name="Dana Decided")
    for person in (chair, member):
        make_scorecard(
            session, candidate=candidate, interviewer=person, ratings=[3] * CRITERIA, status=ScorecardStatus.submitted
        )
    for criterion in criteria_of(session, rubric_of(session, posting)):
        make_consensus(session, candidate=candidate, criterion=criterion, rating=3, rationale="Agreed.", by=chair)
    return {"manager": manager.email, "candidate_id": candidate.id, "label": candidate.label}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_manager_records_a_decision_and_downloads_an_export_with_the_keyboard_only(
    browser: Any, app_server: Any, seed: Any, lang: str
) -> None:
    people = seed(seed_ready_for_decision)
    context = browser.new_context(
        base_url=app_server.url, viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(30_000)
    try:
        kb = Keyboard(context.new_page())
        page = kb.page
        keyboard_sign_in(kb, "/candidates", people["manager"], lang)
        page.get_by_role("heading", name=t("Candidates and panels", lang), exact=True).wait_for()

        # The tabs: one Tab stop (the selected tab); the arrow keys move to "Decisions" and show its panel.
        focus = kb.tab_to(lambda f: f.role == "tab", "the tabs")
        assert focus.name == t("Candidates", lang), focus
        for _ in range(3):  # Candidates → Import from a CSV file → Panel → Decisions
            focus = kb.press("ArrowRight")
        assert focus is not None and focus.role == "tab" and focus.name == t("Decisions", lang), focus
        # Wait until the form is drawn. Streamlit loads each kind of widget's code the first time a page
        # shows one (Selectbox.js, TextArea.js): just after a page opens on a fresh browser, its lists and
        # text boxes appear up to a second or more after the run has ended, while buttons and links (in the
        # main bundle) are there at once; Tab pressed in that moment passes them (docs/accessibility.md).
        panel = page.get_by_role("tabpanel")
        panel.get_by_role("combobox", name=t("Outcome", lang), exact=True).wait_for()
        wait_for_framed_box(page, t("Rationale", lang))  # an autosaved box (#18): a frame, drawn after the run
        panel.get_by_role("button", name=t("Record the decision", lang), exact=True).wait_for()

        # Logical order inside the tab: the candidate, the outcome, the rationale, then the button.
        first = len(kb.stops)
        kb.tab_to(named(t("Outcome", lang), tag="input"), "the outcome list")
        choose_option(kb, t("Qualified", lang))
        kb.tab_to(named(t("Rationale", lang), tag="textarea"), "the rationale")
        rationale = "Meets every essential criterion at the consensus."
        kb.type(rationale)
        kb.tab_to(named(t("Record the decision", lang), tag="button"), "the record button")
        names = [stop.name for stop in kb.stops[first:]]
        order = [t("Candidate", lang), t("Outcome", lang), t("Rationale", lang), t("Record the decision", lang)]
        assert all(name in names for name in order), names
        assert [names.index(name) for name in order] == sorted(names.index(name) for name in order), names
        kb.press("Enter")
        page.get_by_role("status").filter(
            has_text=t("Decision recorded for {label}.", lang, label=people["label"])
        ).wait_for()
        decision = seed(lambda s: s.exec(select(Decision).where(Decision.candidate_id == people["candidate_id"])).one())
        assert (decision.outcome, decision.rationale) == (DecisionOutcome.qualified, rationale)
        wait_for_app(page)

        # The results page through the menu, its "Reports and exports" view, and a download.
        kb.tab_to(named(t("Results", lang), tag="a", exact=False), "the menu's Results link")
        kb.press("Enter")
        page.get_by_role("heading", name=t("Results", lang), exact=True).wait_for()
        page.wait_for_function("() => document.activeElement && document.activeElement.tagName === 'H1'")
        wait_for_app(page)
        # The views are a radio group: Tab enters it on the chosen view, the arrows move, Space chooses.
        view = kb.tab_to(lambda f: f.role == "radio", "the results page's views")
        assert view.name == t("Merit", lang) and view.checked, view
        for _ in range(5):  # Merit → Agreement → Calibration → Completeness → Charts → Reports and exports
            focus = kb.press("ArrowRight")
        assert focus is not None and focus.name == t("Reports and exports", lang), focus
        kb.press("Space")
        page.get_by_role("radio", name=t("Reports and exports", lang), exact=True, checked=True).wait_for()
        export = t("Merit view (CSV)", lang)
        page.get_by_role("button", name=export).wait_for()
        wait_for_app(page)
        kb.tab_to(named(export, tag="button", exact=False), "the merit view's CSV export")
        with page.expect_download() as download:
            kb.press("Enter")
        assert re.search(r"-merit.*\.csv$", download.value.suggested_filename), download.value.suggested_filename
        with open(download.value.path(), encoding="utf-8-sig") as exported:
            assert "Dana Decided" in exported.read()
    finally:
        context.close()
