"""A real browser against a real server (issue #4 tests): Debian's Chromium driven by Playwright.

* ``browser_db``: a migrated SQLite file for the whole browser session (tests seed their own rows,
  with unique e-mails, through ``seed``).
* ``app_server``: ``streamlit run streamlit_app.py`` on 127.0.0.1 and a free port with that database,
  ready once ``/_stcore/health`` answers; stopped by its PID at the end. Its log is kept under
  ``artifacts/`` and printed when it fails to start.
* ``browser`` / ``page``: Chromium at ``/usr/bin/chromium`` (never a downloaded browser) with the flags
  from MACHINE-NOTES; a fresh context (cookies, storage) per test.
* ``shot(page, "step")``: a screenshot under ``artifacts/screenshots/`` (git-ignored) for people to see.

Without Chromium or Playwright the tests are skipped with a warning; with ``CI=true`` they fail.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browser.helpers import open_page

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM = Path(os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
STARTUP_TIMEOUT_S = 90


def _unavailable(reason: str) -> None:
    message = f"Browser tests cannot run: {reason}"
    if IN_CI:
        pytest.fail(message + " (CI=true: a missing browser is a failure, not a skip)")
    warnings.warn(message, stacklevel=2)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def browser_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    from tracker.migrations import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'tracker.sqlite3'}"
    upgrade(url)
    return url


@pytest.fixture
def seed(browser_db: str) -> Callable[..., Any]:
    """``seed(fn)`` runs ``fn(session)`` in one committed transaction on the server's database."""
    from tracker.db import get_engine, write_session

    def run(fn: Callable[..., Any]) -> Any:
        with write_session(get_engine(browser_db)) as session:
            return fn(session)

    return run


@dataclass
class AppServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path


@pytest.fixture(scope="session")
def app_server(browser_db: str) -> Iterator[AppServer]:
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / f"streamlit-{port}.log"
    env = {
        **os.environ,
        "TRACKER_DATABASE_URL": browser_db,
        "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    command = [
        sys.executable, "-m", "streamlit", "run", "serve.py",
        "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
    ]  # fmt: skip
    with log_path.open("wb") as log:
        # A session of its own, so stopping it also stops anything it started.
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    server = AppServer(f"http://127.0.0.1:{port}", process, log_path)
    try:
        _wait_healthy(server)
        yield server
    finally:
        _stop(process)


def _wait_healthy(server: AppServer) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    log = server.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
    _stop(server.process)
    pytest.fail(f"streamlit did not become healthy at {server.url} within {STARTUP_TIMEOUT_S} s. Log:\n{log}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install -y --no-install-recommends chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"Playwright is not installed ({exc})")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Any, app_server: AppServer) -> Iterator[Any]:
    with open_page(browser, app_server.url) as page:
        yield page


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """``shot(page, "02-home-fr")`` saves ``artifacts/screenshots/<test>-02-home-fr.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test_name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")

    def take(page: Any, step: str) -> Path:
        path = SCREENSHOTS / f"{test_name}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
