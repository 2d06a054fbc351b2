"""Steps of the panel journeys in a real browser: sign in at a deep link, declare, rate, write notes, read back.

Labels come from the catalog (``t(msgid, lang)``), so the same steps drive the English and the French
journeys. Every step waits for the app to confirm what it did (a "Saved at" line, a flash message),
never for a fixed time, so the journeys stay fast on an idle machine and correct on a busy one.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from browser.helpers import UI_TIMEOUT_MS, fill, wait_for_app
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tracker.i18n import t

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = PROJECT_ROOT / "examples" / "postings"
SCORE_BOX = '[class*="st-key-score_box_"]'


def sign_in_at(page: Any, path: str, email: str, password: str, *, lang: str = "en") -> None:
    """Open ``path`` in a browser without a session cookie (the sign-in form), sign in, land on ``path``.

    The cookie of an earlier sign-in would sign the typed URL in by itself (issue #18); tests that check
    that use ``reload_still_signed_in``.
    """
    separator = "&" if "?" in path else "?"
    page.context.clear_cookies()
    page.goto(f"{path}{separator}lang={lang}")
    page.get_by_role("textbox", name=t("E-mail", lang), exact=True).wait_for()
    fill(page, t("E-mail", lang), email)
    fill(page, t("Password", lang), password)
    page.get_by_role("button", name=t("Sign in", lang), exact=True).click()
    page.get_by_role("button", name=t("Sign in", lang), exact=True).wait_for(state="detached")
    wait_for_app(page)


def reload_still_signed_in(page: Any, *, lang: str = "en") -> None:
    """A reload starts a new Streamlit session; the session cookie signs it in again (issue #18)."""
    page.reload()
    wait_for_app(page)
    page.get_by_role("button", name=t("Sign out", lang), exact=True).wait_for()
    assert page.get_by_role("button", name=t("Sign in", lang), exact=True).count() == 0


def click_button(page: Any, msgid: str, lang: str, **kwargs: Any) -> None:
    page.get_by_role("button", name=t(msgid, lang, **kwargs), exact=True).click()
    wait_for_app(page)


def choose_option(page: Any, widget_label: str, option_text: str) -> None:
    """Pick ``option_text`` in the Streamlit selectbox labelled ``widget_label``, and check it took.

    A pick made while a rerun redraws the widget (a selectbox that changes what the page shows) is
    lost, so the choice is verified and made again when needed.
    """
    for _ in range(5):
        wait_for_app(page)
        box = page.get_by_role("combobox", name=widget_label, exact=True)
        if box.input_value() == option_text:
            time.sleep(0.3)  # still the same after the rerun settles?
            wait_for_app(page)
            if box.input_value() == option_text:
                return
            continue
        try:
            open_options(box)
            box.fill(option_text)  # long lists are virtualised: filter so the option is drawn
            page.get_by_role("option", name=option_text, exact=True).first.click(timeout=5_000)
        except (PlaywrightTimeoutError, AssertionError):
            page.keyboard.press("Escape")
    raise AssertionError(f"could not choose {option_text!r} in {widget_label!r}")


def open_options(combobox: Any) -> None:
    """Open a selectbox's or multiselect's list of options.

    A click on the text field usually opens it, but not always right after a rerun; the arrow key
    then does (the keyboard way a user would open it).
    """
    if combobox.get_attribute("aria-expanded") == "true":
        return
    combobox.click()
    for _ in range(20):
        if combobox.get_attribute("aria-expanded") == "true":
            return
        combobox.press("ArrowDown")
        time.sleep(0.1)
    raise AssertionError("the list of options did not open")


def declare_no_conflict(page: Any, lang: str) -> None:
    page.get_by_text(t("I have no conflict of interest with this candidate", lang), exact=True).click()
    click_button(page, "Save my declaration", lang)
    page.locator(SCORE_BOX).first.wait_for()


def _saved_pattern(lang: str) -> re.Pattern[str]:
    return re.compile(re.escape(t("Saved at {time}", lang)).replace(re.escape("{time}"), r"\d\d:\d\d:\d\d"))


def score_box(page: Any, index: int) -> Any:
    return page.locator(SCORE_BOX).nth(index)


def wait_until(check: Callable[[], bool], what: str, timeout_s: float = UI_TIMEOUT_MS / 1000) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def rate(page: Any, index: int, level_label: str, *, lang: str) -> None:
    """Rate criterion ``index`` (0-based) and wait for its "saved at" line."""
    box = score_box(page, index)
    box.get_by_text(level_label, exact=True).click()
    box.get_by_text(_saved_pattern(lang)).wait_for()
    wait_for_app(page)


def rate_and_note(page: Any, index: int, level_label: str, note: str, *, lang: str, saved: Callable[[str], bool]) -> None:
    """Rate criterion ``index`` (0-based), write its evidence notes, and wait until the database has them.

    ``saved(note)`` tells whether the note is in the database: the journey checks "saved at once" for real.
    """
    box = score_box(page, index)
    box.get_by_text(level_label, exact=True).click()
    box.get_by_text(_saved_pattern(lang)).wait_for()
    notes = notes_box(page, index)
    notes.fill(note)  # saved after a pause in typing (app_pages.frame.autosave), without leaving the box
    wait_until(lambda: saved(note), f"the note {note!r} to reach the database")
    wait_for_app(page)


def read_box(page: Any, index: int, level_labels: list[str]) -> tuple[str | None, str]:
    """(checked level label or None, notes) of criterion ``index`` as the browser shows them."""
    box = score_box(page, index)
    checked = [label for label in level_labels if box.get_by_role("radio", name=label, exact=True).is_checked()]
    return (checked[0] if checked else None), notes_box(page, index).input_value()


def notes_box(page: Any, index: int) -> Any:
    """The evidence-notes text box of criterion ``index``: it lives in the autosave component's frame."""
    return score_box(page, index).frame_locator("iframe").get_by_role("textbox")


def level_labels(lang: str) -> list[str]:
    """The default 1-5 scale as the rating control shows it, plus "not assessed"."""
    from tracker.services.rubric_rows import DEFAULT_LEVELS

    return [f"{level['value']} · {level['label_' + lang]}" for level in DEFAULT_LEVELS] + [t("Not assessed", lang)]


def upload_postings(page: Any, files: list[Path], lang: str) -> None:
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([str(f) for f in files])
    page.get_by_role("button", name=t("Import the uploaded files", lang), exact=True).wait_for()
    page.wait_for_function(
        "(label) => [...document.querySelectorAll('button')].some(b => b.innerText.trim() === label && !b.disabled)",
        arg=t("Import the uploaded files", lang),
    )
    click_button(page, "Import the uploaded files", lang)
    page.get_by_text(t("Report of the last import", lang)).wait_for()


def open_tab(page: Any, name: str) -> None:
    """Select a tab; a rerun finishing at that moment can redraw the tabs, so check and retry."""
    tab = page.get_by_role("tab", name=name, exact=True)
    for _ in range(50):
        wait_for_app(page)
        if tab.count() == 1:  # while a rerun redraws the tabs, the old set is still there too
            if tab.get_attribute("aria-selected") == "true":
                return
            tab.click()
        time.sleep(0.2)
    raise AssertionError(f"the tab {name!r} did not open")


def add_to_multiselect(page: Any, label: str, typed: str, tab: str | None = None) -> None:
    """Add the option matching ``typed`` to the multiselect ``label``; retried if a rerun redraws the page.

    The list stays open after a pick and hides the rest of the page from the accessibility tree, and
    the multiselect sends its value when the list closes: so type, Enter, Escape, then check the chip.
    """
    for _ in range(5):
        if tab is not None:
            open_tab(page, tab)
        wait_for_app(page)
        widget = page.locator('[data-testid="stMultiSelect"]').filter(has=page.get_by_role("combobox", name=label, exact=True))
        if widget.get_by_text(typed, exact=False).count():
            return
        box = widget.get_by_role("combobox")
        try:
            box.click(timeout=5_000)
            box.fill(typed, timeout=5_000)
            page.get_by_role("option").filter(has_text=typed).first.wait_for(timeout=5_000)
            box.press("Enter", timeout=5_000)
        except PlaywrightTimeoutError:
            pass
        page.keyboard.press("Escape")
        wait_for_app(page)
        time.sleep(0.3)
    raise AssertionError(f"could not add {typed!r} to {label!r}")


def record_consensus(page: Any, index: int, level_label: str, *, lang: str, rationale: str = "") -> None:
    """Choose the consensus level of criterion ``index`` (with a rationale when given) and record it;
    retried if a rerun redrew the form."""
    number = index + 1
    for _ in range(3):
        wait_for_app(page)
        box = page.locator('[class*="st-key-consensus_box_"]').nth(index)
        box.get_by_role("radiogroup").get_by_text(level_label, exact=True).click()
        radio = box.get_by_role("radio", name=level_label, exact=True)
        if not radio.is_checked():
            continue
        if rationale:
            box.get_by_role("textbox", name=t("Rationale for criterion {number}", lang, number=number)).fill(rationale)
        box.get_by_role("button", name=t("Record consensus for criterion {number}", lang, number=number)).click()
        try:
            page.get_by_text(t("Consensus recorded for criterion {number}.", lang, number=number)).wait_for(timeout=10_000)
        except PlaywrightTimeoutError:
            continue
        wait_for_app(page)
        return
    raise AssertionError(f"could not record the consensus of criterion {number}")
