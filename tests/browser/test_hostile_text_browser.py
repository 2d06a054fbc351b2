"""The hostile-text sweep in Chromium (issue #17, item 1): the payload of tests/hostile_text.py in every
person- and file-written field, every page each role can open, in English and French, on one shared
server in one browser.

The payload points its image and links at a tiny HTTP server on 127.0.0.1 (the "author's server"):
after the whole walk it must have received **no request at all**, and no page may hold an ``<img>`` or
``<a>`` leading to it or to the phishing host, nor a Streamlit colour directive from the payload.
Before: a posting title with ``![x](http://…)`` was fetched by every interviewer opening *My scorecards*,
and ``[Session expired, sign in again](https://…)`` was a live link on *Outstanding work*.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from browser.helpers import UI_TIMEOUT_MS, wait_for_app
from browser.journey_helpers import sign_in_at
from factories import DEFAULT_PASSWORD
from hostile_text import PHISH_HOST, Seeded, seed_everywhere

pytestmark = pytest.mark.browser

ROLES = ("admin", "manager", "chair", "member", "conflicted")

# Run in the page: everything a payload could have turned into a live element.
LIVE_ELEMENTS = """([probe, phish]) => {
  const bad = [];
  for (const img of document.querySelectorAll('img')) {
    if (img.src.includes(probe) || img.src.includes(phish)) bad.push('img ' + img.src);
  }
  for (const a of document.querySelectorAll('a')) {
    const href = a.getAttribute('href') || '';
    if (href.includes(probe) || href.includes(phish) || href.startsWith('mailto:')) bad.push('a ' + href);
  }
  for (const el of document.querySelectorAll('.stMarkdownColoredText, [data-testid="stMarkdownContainer"] b[style]')) {
    bad.push('styled ' + el.outerHTML.slice(0, 120));
  }
  for (const el of document.querySelectorAll('[data-testid="stMarkdownContainer"] .katex')) {
    bad.push('math ' + el.textContent.slice(0, 60));
  }
  return bad;
}"""


class _Probe(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def probe() -> Iterator[tuple[str, list[str]]]:
    """The payload's host: a local HTTP server that records every request it gets."""
    _Probe.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Probe)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", _Probe.hits
    finally:
        server.shutdown()
        server.server_close()


def _visit_every_page(page: Any, seeded: Seeded, where: str) -> list[str]:
    """Open each page of the menu in turn (client-side, same session); returns the live elements found."""
    found: list[str] = []
    nav = page.locator('.st-key-frame_menu a')
    nav.first.wait_for()
    hrefs = [nav.nth(i).get_attribute("href") or "" for i in range(nav.count())]
    assert len(hrefs) >= 3, hrefs
    for href in hrefs:
        page.locator(f'.st-key-frame_menu a[href="{href}"]').click()
        wait_for_app(page)
        page.locator('[data-testid="stMainBlockContainer"] h1').first.wait_for()
        found += [f"{where} {href}: {item}" for item in page.evaluate(LIVE_ELEMENTS, [seeded.host, PHISH_HOST])]
    return found


def test_no_payload_becomes_a_live_element_or_a_request_on_any_page(
    browser: Any, app_server: Any, seed: Any, probe: tuple[str, list[str]], shot: Any
) -> None:
    host, hits = probe
    seeded: Seeded = seed(lambda session: seed_everywhere(session, host))
    found: list[str] = []
    shown = 0
    for lang in ("en", "fr"):
        for role in ROLES:
            context = browser.new_context(base_url=app_server.url, viewport={"width": 1280, "height": 900})
            context.set_default_timeout(UI_TIMEOUT_MS)
            try:
                page = context.new_page()
                sign_in_at(page, "/", seeded.emails[role], DEFAULT_PASSWORD, lang=lang)
                found += _visit_every_page(page, seeded, f"{role}/{lang}")
                if role in {"chair", "member"}:  # the scorecard the issue names: title caption, criteria, notes
                    sign_in_at(page, f"/scoring?candidate={seeded.candidate}", seeded.emails[role], DEFAULT_PASSWORD,
                               lang=lang)  # fmt: skip
                    found += [f"{role}/{lang} scoring: {b}" for b in page.evaluate(LIVE_ELEMENTS, [host, PHISH_HOST])]
                    shown += page.get_by_text("Session expired", exact=False).count()
                    if lang == "en" and role == "chair":
                        shot(page, "scoring-chair")
            finally:
                context.close()
    assert found == []
    assert shown > 0, "the payload was never on screen: the sweep would prove nothing"
    assert hits == [], f"the payload's host was contacted: {hits}"
