"""A French chart in a real Chromium writes its numbers with a decimal comma (issue #21 §4, acceptance).

Three panel members rate one candidate 5, 3 and 4 (mean « 4,0* », deviations ±1,5), so the merit
heatmap's cells carry decimals written in Python and the calibration chart's axis carries decimal ticks
written by Vega with the French number locale (``config.locale``) the chart sends. Both are read from the
SVG Streamlit's Vega-Lite component draws; no text of a chart may hold a decimal point.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser.helpers import UI_TIMEOUT_MS, sign_in, wait_for_app
from factories import DEFAULT_PASSWORD, make_candidate, make_panel, make_posting, make_scorecard, make_user

from tracker.models import Role, ScorecardStatus

pytestmark = pytest.mark.browser

FRENCH_DECIMAL = re.compile(r"^[-−+]?\d+,\d+\*?$")
DECIMAL_POINT = re.compile(r"\d\.\d")
CHART_TEXTS = """(selector) => Array.from(document.querySelectorAll(selector))
    .map((node) => node.textContent.trim()).filter((text) => text.length > 0)"""


def _seed(session: Any) -> tuple[str, int]:
    manager = make_user(session, role=Role.manager, display_name="Martine Graphique")
    panel = [make_user(session, role=Role.interviewer, display_name=f"Évaluatrice {n}") for n in (1, 2, 3)]
    posting = make_posting(session, owner=manager, criteria=1)
    make_panel(session, posting=posting, members=panel)
    candidate = make_candidate(session, posting=posting)
    for member, rating in zip(panel, (5, 3, 4), strict=True):
        make_scorecard(session, candidate=candidate, interviewer=member, ratings=[rating],
                       status=ScorecardStatus.submitted)  # fmt: skip
    return manager.email, int(posting.id or 0)


def _texts(page: Any, chart: str) -> list[str]:
    selector = f'[data-testid="stVegaLiteChart"] {chart} svg text'
    page.wait_for_function(f"() => document.querySelectorAll({selector!r}).length > 0", timeout=UI_TIMEOUT_MS)
    return list(page.evaluate(CHART_TEXTS, selector))


def test_the_french_charts_write_decimal_commas(page: Any, seed: Any, shot: Any) -> None:
    email, posting_id = seed(_seed)
    sign_in(page, email, DEFAULT_PASSWORD, lang="fr")
    page.get_by_text("Bienvenue, Martine Graphique.").wait_for()
    page.goto(f"/results?lang=fr&posting={posting_id}")
    wait_for_app(page)
    page.get_by_role("radio", name="Graphiques", exact=True).click()
    wait_for_app(page)
    page.locator('[data-testid="stVegaLiteChart"] svg text').first.wait_for(timeout=UI_TIMEOUT_MS)
    texts = _texts(page, "")
    shot(page, "french-charts")
    decimals = [t for t in texts if FRENCH_DECIMAL.match(t)]
    assert "4,0* ✓" in texts, texts  # the heatmap cell: the mean of 5, 3 and 4, written in Python
    # The calibration axis: ticks such as « -1,5 » / « 0,5 », written by Vega with the French locale.
    assert len(decimals) >= 2, texts
    assert not [t for t in texts if DECIMAL_POINT.search(t)], texts
    # Streamlit's English main menu (Print, Record a screencast, "Made with Streamlit") is not offered (#21 §7).
    assert page.locator('[data-testid="stMainMenu"]').count() == 0
