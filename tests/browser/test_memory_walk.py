"""Per-session memory stays bounded (issue #19): the pages walked 5 times, the server's RSS flat.

Two signed-in sessions (a panel chair and the hiring manager) walk every page that grows with
applications, on a posting of a few hundred candidates seeded through the services and the CSV import
(``bench/volume.py``'s own seeding, at a small size). One warm-up walk loads every page's code and fills
the caches (the engine, the catalogs, the results of one posting revision); then five walks follow, and
the server's resident memory after the last may not exceed the one after the first by 10 % or more.
Anything a rerun keeps (a queue in ``st.session_state``, a cache without ``max_entries``, rows copied per
visit) grows with every walk and fails this test. The server is this test's own, on its own database,
so the other browser tests' sessions do not count.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser.conftest import ARTIFACTS, PROJECT_ROOT, AppServer, _stop, _wait_healthy, free_port
from browser.helpers import wait_for_app
from factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser

BENCH = PROJECT_ROOT / "bench"
WALKS = 5
GROWTH_LIMIT = 0.10
CANDIDATES = 400
SCORED = 15


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for process {pid}")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Any:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    from volume import Scenario, seed

    from tracker.db import dispose_engines
    from tracker.migrations import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('memory') / 'tracker.sqlite3'}"
    upgrade(url)
    data = seed(url, Scenario(candidates=CANDIDATES, scored=SCORED, revisits=1))
    dispose_engines()
    return data


@pytest.fixture(scope="module")
def own_server(seeded: Any) -> Iterator[AppServer]:
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / f"streamlit-{port}-memory.log"
    env = {
        **os.environ,
        "TRACKER_DATABASE_URL": seeded.url,
        "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    command = [
        sys.executable, "-m", "streamlit", "run", "serve.py",
        "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)  # fmt: skip
    server = AppServer(f"http://127.0.0.1:{port}", process, log_path)
    try:
        _wait_healthy(server)
        yield server
    finally:
        _stop(process)


def _signed_in(browser: Any, base: str, email: str) -> Any:
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900}, locale="en-CA")
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto("/?lang=en")
    page.get_by_role("textbox", name="E-mail", exact=True).fill(email)
    page.get_by_role("textbox", name="Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("button", name="Sign out", exact=True).wait_for()
    wait_for_app(page)
    return page


def _visit(page: Any, title: str, ready: str, heading: str | None = None) -> None:
    page.get_by_role("link", name=title, exact=True).first.click()
    page.get_by_role("heading", name=heading or title, level=1).wait_for()
    page.get_by_text(ready).first.wait_for()
    wait_for_app(page)


def test_five_walks_of_every_page_leave_the_server_memory_flat(browser: Any, own_server: AppServer,
                                                              seeded: Any) -> None:  # fmt: skip
    chair = _signed_in(browser, own_server.url, seeded.chair_email)
    manager = _signed_in(browser, own_server.url, seeded.manager_email)
    steps: list[tuple[Any, str, str, str | None]] = [
        (chair, "Outstanding work", "Rows 1–25 of", None),
        (manager, "Candidates and panels", "Rows 1–50 of", None),
        (chair, "My scorecards", "Candidate to score", None),
        (chair, "Consensus", "Find a candidate", None),
        (manager, "Results", "Reports and exports", None),
        (manager, "Outstanding work", "Per posting", None),
        (chair, "Home", "What to do next", "Candidate assessment tracker"),
    ]

    def walk() -> float:
        for page, title, ready, heading in steps:
            _visit(page, title, ready, heading)
        return rss_mib(own_server.process.pid)

    walk()  # the first visit of each page loads its code and fills the caches: not growth
    after = [walk() for _ in range(WALKS)]
    growth = (after[-1] - after[0]) / after[0]
    print(f"server RSS after each walk (MiB): {[round(m) for m in after]}: {growth:+.1%}")
    assert growth < GROWTH_LIMIT, f"server RSS after each walk (MiB): {[round(m) for m in after]}: +{growth:.1%}"
