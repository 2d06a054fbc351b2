"""The accessibility sweep (issue #14): axe-core on every page, for every role, in English and French.

One Chromium and the shared server; one browser context per person, signed in once, then every page
of their menu visited in one loop, in English then (the sidebar's language switch) in French. States:

* **with data**: a posting with submitted scorecards, drafts, consensus, a decision and a criterion
  that has no French text (the fallback), seen by its administrator, hiring manager, chair and a member;
* **empty**: a hiring manager who owns nothing and an interviewer on no panel;
* **a dialog open**: the candidates page's "delete personal information" dialog;
* **an error shown**: a failed sign-in, and the declaration form sent without an answer;
* each tab of the candidates and rubric pages and each view of the results page.

Every state must report 0 violations of wcag2a, wcag2aa, wcag21a and wcag21aa. The counts per state
are written to ``artifacts/a11y-report.json`` (docs/accessibility.md quotes them).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from browser.a11y import audit, axe_source, describe
from browser.conftest import ARTIFACTS
from browser.helpers import UI_TIMEOUT_MS, fill, wait_for_app
from browser.journey_helpers import open_tab
from factories import (
    DEFAULT_PASSWORD,
    criteria_of,
    criterion_dict,
    make_candidate,
    make_consensus,
    make_panel,
    make_posting,
    make_scorecard,
    make_user,
    rubric_of,
)

from app_pages._results_text import VIEWS
from app_pages.frame.registry import visible_pages
from tracker.i18n import t
from tracker.models import CriterionKind, Decision, DecisionOutcome, Lang, Role, ScorecardStatus

pytestmark = pytest.mark.browser

CANDIDATE_TABS = ("Candidates", "Import from a CSV file", "Panel", "Decisions")
RUBRIC_TABS = ("Criteria", "Rating scale", "Rating guide", "Sections of the posting", "Source posting", "Versions")


def seed_world(session: Any) -> dict[str, str]:
    """A posting in progress and two people with nothing yet; returns role name → e-mail."""
    people = {
        "admin": make_user(session, role=Role.admin, display_name="Rowan Auditor"),
        "manager": make_user(session, role=Role.manager, display_name="Tess Lavallée"),
        "chair": make_user(session, role=Role.interviewer, display_name="Idris Chairperson"),
        "member": make_user(session, role=Role.interviewer, display_name="Noor Panelist"),
        "empty_manager": make_user(session, role=Role.manager, display_name="Eli Newmanager"),
        "empty_interviewer": make_user(session, role=Role.interviewer, display_name="Uma Newinterviewer"),
    }
    criteria = [criterion_dict(i) for i in range(3)]
    criteria[2]["text_fr"] = ""  # shown in English in the French UI: the fallback carries lang="en"
    criteria.append(criterion_dict(3, kind=CriterionKind.asset))
    posting = make_posting(session, owner=people["manager"], criteria=criteria, title_en="Accessibility Lead",
                           title_fr="Responsable de l'accessibilité")  # fmt: skip
    make_panel(session, posting=posting, members=[people["chair"], people["member"]], chair=people["chair"])
    first = make_candidate(session, posting=posting, name="Aiyana Brightwater")
    second = make_candidate(session, posting=posting, name="Benoît Charbonneau", language=Lang.fr)
    make_candidate(session, posting=posting, name="Chidi Okonkwo")  # nobody has declared yet
    for candidate, ratings in ((first, [4, 3, 5, 2]), (second, [3, 3, 4, None])):
        make_scorecard(session, candidate=candidate, interviewer=people["chair"], ratings=ratings,
                       status=ScorecardStatus.submitted)  # fmt: skip
        make_scorecard(session, candidate=candidate, interviewer=people["member"], ratings=[r and max(1, r - 1) for r in ratings],
                       status=ScorecardStatus.submitted if candidate is first else ScorecardStatus.draft)  # fmt: skip
    for criterion, rating in zip(criteria_of(session, rubric_of(session, posting)), [4, 3, 4, 2], strict=True):
        make_consensus(session, candidate=first, criterion=criterion, rating=rating, rationale="Agreed after discussion.",
                       by=people["chair"])  # fmt: skip
    session.add(Decision(candidate_id=first.id, outcome=DecisionOutcome.qualified, rationale="Meets every essential.",
                         decided_by_id=people["manager"].id))  # fmt: skip
    session.flush()
    return {name: user.email for name, user in people.items()}


@dataclass
class Sweep:
    """Every audited state and what axe found there."""

    found: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    page_langs: dict[str, str] = field(default_factory=dict)  # state -> <html lang> seen there
    seconds: float = 0.0

    def check(self, page: Any, state: str) -> None:
        settle(page)
        self.found[state] = audit(page)
        self.page_langs[state] = page.evaluate("() => document.documentElement.lang")

    def failures(self) -> dict[str, list[dict[str, Any]]]:
        return {state: v for state, v in self.found.items() if v}

    def counts(self) -> dict[str, int]:
        return {state: sum(len(v["nodes"]) for v in found) for state, found in self.found.items()}


def settle(page: Any) -> None:
    """Wait until the rerun is over: Streamlit fades stale elements out while it runs (a false contrast failure)."""
    wait_for_app(page)
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')", timeout=UI_TIMEOUT_MS)
    page.wait_for_timeout(200)  # fade-in transitions of the elements just drawn
    wait_for_app(page)


def go_to(page: Any, title: str, url_path: str) -> None:
    """Follow the menu entry ``title`` (the same browser session: no new sign-in) and wait for its page."""
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name=title, exact=True).click()
    page.wait_for_function("(path) => location.pathname.replace(/^\\//, '') === path", arg=url_path)
    wait_for_app(page)
    page.locator('[data-testid="stMain"] h1').first.wait_for()


def switch_language(page: Any, lang: str) -> None:
    page.locator('[data-testid="stSidebar"]').get_by_text(lang.upper(), exact=True).click()
    wait_for_app(page)
    page.wait_for_function("(lang) => new URLSearchParams(location.search).get('lang') === lang", arg=lang)


def sign_in(page: Any, email: str, lang: str) -> None:
    page.goto(f"/?lang={lang}")
    page.get_by_role("textbox", name=t("E-mail", lang), exact=True).wait_for()
    fill(page, t("E-mail", lang), email)
    fill(page, t("Password", lang), DEFAULT_PASSWORD)
    page.get_by_role("button", name=t("Sign in", lang), exact=True).click()
    page.get_by_role("button", name=t("Sign in", lang), exact=True).wait_for(state="detached")
    wait_for_app(page)


def sweep_signed_out(page: Any, sweep: Sweep) -> None:
    for lang in ("en", "fr"):
        page.goto(f"/?lang={lang}")
        page.get_by_role("textbox", name=t("E-mail", lang), exact=True).wait_for()
        sweep.check(page, f"signed-out/{lang}/sign-in")
        fill(page, t("E-mail", lang), "nobody@northwind.example")
        fill(page, t("Password", lang), "not-the-password")
        page.get_by_role("button", name=t("Sign in", lang), exact=True).click()
        page.get_by_role("alert").first.wait_for()
        sweep.check(page, f"signed-out/{lang}/sign-in-error")


def sweep_person(
    page: Any, sweep: Sweep, who: str, role: Role, extras: dict[str, Callable[[Any, str, str], None]]
) -> None:
    """Every page of ``role``'s menu, in English then French, plus the extra states of some pages."""
    for lang in ("en", "fr"):
        if lang != "en":
            switch_language(page, lang)
        for spec in visible_pages(role):
            title = t(spec.title, lang)
            go_to(page, title, "" if spec.key == "home" else spec.url_path)
            state = f"{who}/{lang}/{spec.key}"
            sweep.check(page, state)
            if who == "chair" and spec.key == "consensus" and lang == "fr":
                # The criterion with no French text is shown in English, in an element saying so (WCAG 3.1.2).
                fallback = page.locator('p.tracker-other-lang[lang="en"]').filter(
                    has_text="Ability to analyse user research"
                )
                assert fallback.count() >= 1, "the fallback criterion carries lang=en"
            if spec.key in extras:
                extras[spec.key](page, lang, state)


def test_every_page_for_every_role_in_english_and_french_has_no_wcag_violation(
    browser: Any, app_server: Any, seed: Any
) -> None:
    axe_source()  # skip (or fail in CI) before anything starts when axe-core is not installed
    started = time.monotonic()
    emails = seed(seed_world)
    sweep = Sweep()

    def tabs(names: tuple[str, ...]) -> Callable[[Any, str, str], None]:
        def visit(page: Any, lang: str, state: str) -> None:
            for name in names[1:]:
                open_tab(page, t(name, lang))
                sweep.check(page, f"{state}/tab:{name}")
            open_tab(page, t(names[0], lang))

        return visit

    def candidates(page: Any, lang: str, state: str) -> None:
        tabs(CANDIDATE_TABS)(page, lang, state)
        page.get_by_role("button", name=t("Delete this candidate's personal information…", lang)).click()
        dialog = page.get_by_role("dialog")
        dialog.wait_for()
        sweep.check(page, f"{state}/dialog:delete")
        dialog.get_by_role("button", name=t("Cancel", lang), exact=True).click()
        dialog.wait_for(state="detached")
        wait_for_app(page)

    def results(page: Any, lang: str, state: str) -> None:
        for key, msgid in VIEWS.items():
            if key == "merit":
                continue
            page.get_by_role("radio", name=t(msgid, lang), exact=True).click()
            wait_for_app(page)
            sweep.check(page, f"{state}/view:{key}")
        page.get_by_role("radio", name=t(VIEWS["merit"], lang), exact=True).click()
        wait_for_app(page)

    def member_scoring(page: Any, lang: str, state: str) -> None:
        """The member's third candidate needs a declaration: send it empty to see the error."""
        box = page.get_by_role("combobox", name=t("Candidate to score", lang), exact=True)
        box.click()
        page.get_by_role("option").filter(has_text="Candidate 03").first.click()
        wait_for_app(page)
        page.get_by_role("button", name=t("Save my declaration", lang), exact=True).click()
        page.get_by_text(t("Say whether you have a conflict of interest with this candidate.", lang)).wait_for()
        sweep.check(page, f"{state}/declaration-error")

    staff_extras = {"candidates": candidates, "rubric": tabs(RUBRIC_TABS), "results": results}
    people: list[tuple[str, Role, dict[str, Callable[[Any, str, str], None]]]] = [
        ("admin", Role.admin, {}),
        ("manager", Role.manager, staff_extras),
        ("chair", Role.interviewer, {}),
        ("member", Role.interviewer, {"scoring": member_scoring}),
        ("empty_manager", Role.manager, {}),
        ("empty_interviewer", Role.interviewer, {}),
    ]
    context = browser.new_context(base_url=app_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(UI_TIMEOUT_MS)
    try:
        page = context.new_page()
        sweep_signed_out(page, sweep)
        context.close()
        for who, role, extras in people:
            context = browser.new_context(base_url=app_server.url, viewport={"width": 1280, "height": 900})
            context.set_default_timeout(UI_TIMEOUT_MS)
            page = context.new_page()
            sign_in(page, emails[who], "en")
            sweep_person(page, sweep, who, role, extras)
            context.close()
    finally:
        context.close()
        sweep.seconds = time.monotonic() - started
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "a11y-report.json").write_text(
            json.dumps({"seconds": round(sweep.seconds, 1), "states": len(sweep.found), "counts": sweep.counts(),
                        "violations": sweep.found}, indent=2, ensure_ascii=False),
            encoding="utf-8",
        )  # fmt: skip
    wrong_lang = {state: seen for state, seen in sweep.page_langs.items() if seen != state.split("/")[1]}
    assert not wrong_lang, f"<html lang> differs from the UI language: {wrong_lang}"
    failures = sweep.failures()
    assert not failures, f"{len(failures)} of {len(sweep.found)} states have WCAG violations:\n" + "\n".join(
        f"{state}:\n{describe(v)}" for state, v in failures.items()
    )


_OVERFLOWING_TEXT = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('[data-testid="stMain"] :is(p, li, label, h1, h2, h3, button, textarea, input)')) {
    if (el.closest('[data-testid="stDataFrame"]')) continue;  // a data table may scroll in two dimensions (1.4.10)
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.left < -1 || r.right > width + 1) out.push(`${el.tagName} ${Math.round(r.left)}..${Math.round(r.right)}: ${(el.innerText || el.value || '').slice(0, 60)}`);
  }
  return {width, scrollWidth: document.documentElement.scrollWidth, out};
}"""


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_scoring_page_reflows_at_320_css_pixels(browser: Any, app_server: Any, seed: Any, lang: str) -> None:
    """WCAG 1.4.10: at 320 CSS px (1280 px at 400 % zoom) no text needs horizontal scrolling."""
    emails = seed(seed_world)
    context = browser.new_context(base_url=app_server.url, viewport={"width": 320, "height": 720})
    context.set_default_timeout(UI_TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(f"/scoring?lang={lang}")  # the member's first candidate to score is a draft scorecard
        page.get_by_role("textbox", name=t("E-mail", lang), exact=True).wait_for()
        sign_in_here(page, emails["member"], lang)
        page.locator('[class*="st-key-score_box_"]').first.wait_for()
        settle(page)
        result = page.evaluate(_OVERFLOWING_TEXT)
        assert result["width"] <= 320
        assert result["scrollWidth"] <= result["width"], f"the page scrolls sideways: {result}"
        assert not result["out"], f"text outside the 320 px viewport: {result['out'][:10]}"
    finally:
        context.close()


def sign_in_here(page: Any, email: str, lang: str) -> None:
    """Sign in on the form shown at the current URL (a deep link keeps its page)."""
    fill(page, t("E-mail", lang), email)
    fill(page, t("Password", lang), DEFAULT_PASSWORD)
    page.get_by_role("button", name=t("Sign in", lang), exact=True).click()
    page.get_by_role("button", name=t("Sign in", lang), exact=True).wait_for(state="detached")
    wait_for_app(page)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_record_of_decision_and_feedback_summary_pass_axe(browser: Any, lang: str) -> None:
    """The printable documents (tracker/reports): headings, table headers, their language, 0 violations."""
    from test_reports import NOW, frames_for_reports

    from tracker.reports import render_feedback, render_record

    axe_source()
    frames = frames_for_reports()
    frames.criteria.loc[frames.criteria["criterion_id"] == 12, "text_fr"] = ""  # shown in English in French
    other = "en" if lang == "fr" else None
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        for kind, html in (("record", render_record(frames, 1, lang=lang, now=NOW)),
                           ("feedback", render_feedback(frames, 1, lang=lang, now=NOW))):  # fmt: skip
            page.set_content(html)
            assert page.evaluate("() => document.documentElement.lang") == lang
            assert page.locator("h1").count() == 1 and page.locator("h2, h3").count() >= 1, f"{kind}: headings"
            if kind == "record":
                assert page.locator('th[scope="col"]').count() >= 4, "the record's tables have column headers"
            if other:
                assert page.locator(f'h3 span[lang="{other}"]').count() == 1, f"{kind}: the fallback criterion's lang"
            else:
                assert page.locator("h3 span[lang]").count() == 0
            violations = audit(page)
            assert not violations, f"{kind} ({lang}):\n{describe(violations)}"
    finally:
        context.close()
