"""Take the README's screenshots from the demo data (`make screenshots`).

Starts a throwaway database with the demo loaded, a real `streamlit run` on loopback and Debian's
Chromium, then signs in as the demo accounts and saves PNGs under docs/screenshots/. Run it after a
change to a page the README shows, and look at the pictures before committing them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
TIMEOUT_MS = 60_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare_database(directory: Path) -> str:
    url = f"sqlite:///{directory / 'demo.sqlite3'}"
    env = {**os.environ, "TRACKER_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "tracker", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, "-m", "tracker", "demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return url


def _settle(page: object) -> None:
    """Wait for Streamlit to finish the rerun and for skeletons to be replaced by content."""
    page.wait_for_selector('[data-testid="stApp"]', state="attached")  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=TIMEOUT_MS,
    )
    page.wait_for_timeout(2500)  # type: ignore[attr-defined]


def _choose(page: object, label: str, option_text: str) -> None:
    """Pick the option containing ``option_text`` in the selectbox labelled ``label``."""
    page.get_by_label(label, exact=True).click()  # type: ignore[attr-defined]
    page.get_by_role("option").filter(has_text=option_text).first.click()  # type: ignore[attr-defined]
    _settle(page)


def _sign_in(page: object, url: str, email: str, password: str, lang: str) -> None:
    """Open ``url`` (a deep link) and sign in: the page asked for opens after signing in."""
    from tracker.i18n import t

    page.goto(url)  # type: ignore[attr-defined]
    _settle(page)
    page.get_by_role("textbox", name=t("E-mail", lang), exact=True).fill(email)  # type: ignore[attr-defined]
    page.get_by_role("textbox", name=t("Password", lang), exact=True).fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name=t("Sign in", lang), exact=True).click()  # type: ignore[attr-defined]
    page.get_by_role("button", name=t("Sign out", lang)).wait_for(timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
    _settle(page)


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = _prepare_database(Path(tmp))
        port = _free_port()
        env = {**os.environ, "TRACKER_DATABASE_URL": url, "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(240):
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2):
                        break
                except OSError:
                    time.sleep(0.25)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                from tracker.demo import DEMO_ACCOUNTS
                from tracker.i18n import t

                password_of = {a.email: a.password for a in DEMO_ACCOUNTS}

                designer = {"en": "Senior Service Designer", "fr": "Concepteur"}
                shots = [
                    ("scoring-en.png", "chair@northwind.example", password_of["chair@northwind.example"], "en", "/scoring",
                     [(t("Candidate to score", "en"), "Geneviève")], "Criterion 1"),
                    ("consensus-fr.png", "chair@northwind.example", password_of["chair@northwind.example"], "fr", "/consensus",
                     [(t("Posting", "fr"), designer["fr"]), (t("Candidate", "fr"), "Amélie")], None),
                    ("results-en.png", "manager@northwind.example", password_of["manager@northwind.example"], "en", "/results",
                     [(t("Posting", "en"), designer["en"])], None),
                    ("rubric-fr.png", "manager@northwind.example", password_of["manager@northwind.example"], "fr", "/rubric", [], None),
                ]  # fmt: skip
                for name, email, password, lang, path, choices, scroll_to in shots:
                    context = browser.new_context(viewport={"width": 1400, "height": 1000})
                    page = context.new_page()
                    _sign_in(page, f"{base}{path}?lang={lang}", email, password, lang)
                    for label, option in choices:
                        try:
                            _choose(page, label, option)
                        except Exception as exc:  # a screenshot of the default view beats none
                            print(f"{name}: could not choose {option!r} in {label!r}: {exc}")
                    if scroll_to:
                        page.get_by_text(scroll_to).first.evaluate("e => e.scrollIntoView({block: 'start'})")
                        page.wait_for_timeout(500)
                    page.screenshot(path=str(OUT / name))
                    print(f"wrote {OUT / name}")
                    context.close()
                browser.close()
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=15)


if __name__ == "__main__":
    main()
