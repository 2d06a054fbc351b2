"""The whole process in a real browser (issue #4 tests), once in English and once in French.

An administrator uploads a posting (both language files) and gives it to a hiring manager; the manager
adds two candidates and a panel of two with a chair; interviewer 1 declares, rates half the criteria
with notes, **reloads the page** and finds every rating and note, finishes and submits; interviewer 2
scores blind, then sees the colleague's scorecard once theirs is submitted; the chair records the
consensus; the manager opens the results. Accounts are seeded (creating them is the users page's own
test); every other step goes through the UI. Screenshots of each step go to artifacts/screenshots/.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from browser.helpers import UI_TIMEOUT_MS, wait_for_app
from browser.journey_helpers import (
    EXAMPLES,
    SCORE_BOX,
    add_to_multiselect,
    choose_option,
    click_button,
    declare_no_conflict,
    level_labels,
    open_options,
    open_tab,
    rate,
    rate_and_note,
    read_box,
    record_consensus,
    reload_still_signed_in,
    score_box,
    sign_in_at,
    upload_postings,
    wait_until,
)
from factories import DEFAULT_PASSWORD, make_user
from sqlmodel import select

from tracker.i18n import t, tn
from tracker.models import Consensus, Role, Score

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Journey:
    lang: str
    files: tuple[str, ...]
    translation_key: str
    title: str
    candidate_language: str  # as the candidates page offers it
    criteria: int


JOURNEYS = {
    "en": Journey("en", ("en/senior-service-designer.md", "fr/concepteur-de-services-principal.md"),
                  "northwind-senior-service-designer", "Senior Service Designer", "English", 8),
    "fr": Journey("fr", ("en/data-engineer.md", "fr/ingenieur-de-donnees.md"),
                  "northwind-data-engineer", "Ingénieure ou ingénieur de données (Plateforme)", "Français", 7),
}  # fmt: skip
_people = itertools.count(1)


def seed_accounts(seed: Any, lang: str) -> dict[str, Any]:
    n = next(_people)

    def create(session: Any) -> dict[str, Any]:
        people = {
            "admin": make_user(session, role=Role.admin, display_name=f"Avery Admin {lang}{n}"),
            "manager": make_user(session, role=Role.manager, display_name=f"Mo Manager {lang}{n}"),
            "chair": make_user(session, role=Role.interviewer, display_name=f"Chris Chair {lang}{n}"),
            "second": make_user(session, role=Role.interviewer, display_name=f"Sasha Second {lang}{n}"),
        }
        return {name: {"email": u.email, "name": u.display_name, "role": u.role} for name, u in people.items()}

    return seed(create)


class Browsers:
    """One browser context per person, as if each used their own computer: each signs in once."""

    def __init__(self, browser: Any, base_url: str) -> None:
        self.browser, self.base_url = browser, base_url
        self.contexts: dict[str, Any] = {}
        self.pages: dict[str, Any] = {}

    def page_of(self, who: str) -> Any:
        if who not in self.pages:
            context = self.browser.new_context(base_url=self.base_url, viewport={"width": 1280, "height": 900})
            context.set_default_timeout(UI_TIMEOUT_MS)
            self.contexts[who] = context
            self.pages[who] = context.new_page()
        return self.pages[who]

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_whole_process_through_the_browser(browser: Any, app_server: Any, seed: Any, shot: Any, lang: str) -> None:
    browsers = Browsers(browser, app_server.url)
    try:
        run_journey(browsers, seed, shot, JOURNEYS[lang])
    except Exception:
        for who, page in browsers.pages.items():
            shot(page, f"failure-{who}")  # what each browser showed when a step failed
        raise
    finally:
        browsers.close()


def go_to(page: Any, title: str) -> None:
    """Follow the sidebar menu entry (the same browser session: no new sign-in)."""
    page.locator('[data-testid="stSidebar"]').get_by_role("navigation").get_by_role("link", name=title, exact=True).click()
    page.get_by_role("heading", name=title).first.wait_for()
    wait_for_app(page)


def run_journey(browsers: Browsers, seed: Any, shot: Any, journey: Journey) -> None:
    lang = journey.lang
    people = seed_accounts(seed, lang)
    levels = level_labels(lang)

    def saved(note: str) -> bool:
        return seed(lambda s: s.exec(select(Score).where(Score.notes == note)).first() is not None)

    # 1. The administrator uploads the posting (English and French files) and gives it to the manager.
    page = browsers.page_of("admin")
    sign_in_at(page, "/postings", people["admin"]["email"], DEFAULT_PASSWORD, lang=lang)
    upload_postings(page, [EXAMPLES / name for name in journey.files], lang)
    page.get_by_text(journey.translation_key).first.wait_for(state="attached")  # a dataframe cell (canvas + hidden table)
    shot(page, "01-admin-uploaded")
    choose_option(page, t("Posting", lang), f"{journey.title} · {journey.translation_key}")
    manager = people["manager"]
    choose_option(page, t("Owner (hiring manager)", lang), f"{manager['name']} · {manager['email']}")
    click_button(page, "Save the posting", lang)
    page.get_by_text(t("The posting {key} is saved.", lang, key=journey.translation_key)).wait_for()
    shot(page, "02-admin-owner-set")

    # 2. The manager adds two candidates and a panel of two with a chair.
    page = browsers.page_of("manager")
    sign_in_at(page, "/candidates", manager["email"], DEFAULT_PASSWORD, lang=lang)
    for number, name in ((1, f"Jordan Applicant {lang}"), (2, f"Kim Applicant {lang}")):
        if number > 1:
            add = page.get_by_text(t("Add a candidate", lang), exact=True)
            wait_until(lambda add=add: add.count() == 1, "the tabs redrawn once")  # a rerun briefly shows two sets
            add.click()
        page.locator(".st-key-candidates_add_name input").fill(name)
        page.locator(".st-key-candidates_add_email input").fill(f"applicant{number}.{lang}@mail.example")
        if journey.candidate_language != "English":
            open_options(page.locator(".st-key-candidates_add_language").get_by_role("combobox"))
            page.get_by_role("option", name=journey.candidate_language, exact=True).click()
        click_button(page, "Add the candidate", lang)
        page.get_by_text(t("{label} added: {name}.", lang, label=f"Candidate 0{number}", name=name)).wait_for()
    open_tab(page, t("Panel", lang))
    for who in ("chair", "second"):
        add_to_multiselect(page, t("Panel members", lang), people[who]["name"], tab=t("Panel", lang))
    open_tab(page, t("Panel", lang))
    chair_box = page.get_by_role("combobox", name=t("Chair", lang), exact=True)
    wait_until(lambda: chair_box.is_enabled(), "the chair list to offer the members")
    choose_option(page, t("Chair", lang), f"{people['chair']['name']} · {people['chair']['email']} ("
                  f"{t('Interviewer', lang)})")  # fmt: skip
    click_button(page, "Save the panel", lang)
    page.get_by_text(tn("The panel is saved: {n} member.", "The panel is saved: {n} members.", 2, lang)).wait_for()
    shot(page, "03-manager-candidates-and-panel")

    # 3. Interviewer 1 (the chair) declares, rates half the criteria, reloads, finds everything, finishes.
    chair = people["chair"]
    page = browsers.page_of("chair")
    sign_in_at(page, "/scoring", chair["email"], DEFAULT_PASSWORD, lang=lang)
    page.get_by_role("heading", name=f"Candidate 01 — Jordan Applicant {lang}").wait_for()
    declare_no_conflict(page, lang)
    wait_until(lambda: page.locator(SCORE_BOX).count() == journey.criteria, "one box per criterion")
    first_ratings = [levels[2 + i % 2] for i in range(journey.criteria)]  # 3, 4, 3, 4, ...
    half = journey.criteria // 2
    for i in range(half):
        rate_and_note(page, i, first_ratings[i], f"Chair evidence {i + 1} ({lang}) — « exemple »", lang=lang, saved=saved)
    score_box(page, half - 1).scroll_into_view_if_needed()
    shot(page, "04-chair-half-rated")
    reload_still_signed_in(page, lang=lang)  # the session cookie signs the reload in (#18)
    page.locator(SCORE_BOX).first.wait_for()
    for i in range(journey.criteria):
        expected = (first_ratings[i], f"Chair evidence {i + 1} ({lang}) — « exemple »") if i < half else (None, "")
        assert read_box(page, i, levels) == expected, f"criterion {i + 1} after the reload"
    score_box(page, half).scroll_into_view_if_needed()
    shot(page, "05-chair-after-reload")
    for i in range(half, journey.criteria):
        rate_and_note(page, i, first_ratings[i], f"Chair evidence {i + 1} ({lang}) — « exemple »", lang=lang, saved=saved)
    click_button(page, "Submit scorecard", lang)
    page.get_by_text(t("Scorecard for {label} submitted. It is now read-only.", lang, label="Candidate 01")).wait_for()
    wait_until(lambda: page.locator(SCORE_BOX).count() == 0, "the read-only scorecard")
    shot(page, "06-chair-submitted")

    # 4. Interviewer 2 scores blind, submits, and only then sees the chair's scorecard.
    second = people["second"]
    page = browsers.page_of("second")
    sign_in_at(page, "/scoring", second["email"], DEFAULT_PASSWORD, lang=lang)
    declare_no_conflict(page, lang)
    for i in range(journey.criteria):  # 4 everywhere; notes on the first two only (notes are optional)
        if i < 2:
            rate_and_note(page, i, levels[3], f"Second evidence {i + 1} ({lang})", lang=lang, saved=saved)
        else:
            rate(page, i, levels[3], lang=lang)
    assert page.get_by_text("Chair evidence 1", exact=False).count() == 0, "blind until submitted"
    click_button(page, "Submit scorecard", lang)
    # The heading, exactly: get_by_text also matched the "Blind scoring" caption still on screen (the flake).
    page.get_by_role("heading", name=t("Colleagues' scorecards", lang), exact=True).wait_for()
    page.locator('[data-testid="stExpander"] summary').filter(has_text=chair["name"]).click()  # the colleague's
    page.get_by_text(f"Chair evidence 1 ({lang})", exact=False).filter(visible=True).first.wait_for()
    shot(page, "07-second-submitted-sees-colleague")

    # 5. The chair records the consensus, criterion by criterion: the chair's rating, which differs from the
    # second member's 4 on every other criterion, so the board writes its rationale (issue #10).
    page = browsers.page_of("chair")
    go_to(page, t("Consensus", lang))
    boxes = page.locator('[class*="st-key-consensus_box_"]')
    wait_until(lambda: boxes.count() == journey.criteria, "one consensus box per criterion")
    for i in range(journey.criteria):
        record_consensus(page, i, first_ratings[i], lang=lang, rationale=f"Discussed at the debrief ({lang})")
    wait_until(lambda: seed(lambda s: len(s.exec(select(Consensus)).all())) >= journey.criteria, "the consensus rows")
    shot(page, "08-chair-consensus")

    # 6. The manager opens the results.
    page = browsers.page_of("manager")
    go_to(page, t("Results", lang))
    shot(page, "09-manager-results")
