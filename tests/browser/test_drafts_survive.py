"""Drafts survive (issue #6 §3): a half-filled scorecard, a reload, a server restart: every rating and note is back.

The test runs its own Streamlit server (on the session's database) so that restarting it does not
disturb the server the other browser tests share. Restarting keeps the port, as an operator's
restart would, so the interviewer simply reloads the same address.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from browser.conftest import ARTIFACTS, PROJECT_ROOT, AppServer, _stop, _wait_healthy, free_port
from browser.helpers import open_page
from browser.journey_helpers import level_labels, rate_and_note, read_box, reload_still_signed_in, sign_in_at
from factories import DEFAULT_PASSWORD, make_declaration, make_panel, make_posting, make_user
from sqlmodel import select

from tracker.models import Role, Score

pytestmark = pytest.mark.browser


class RestartableServer:
    """``streamlit run`` on a fixed free port that :meth:`restart` stops (by PID) and starts again."""

    def __init__(self, database_url: str) -> None:
        self.port = free_port()
        self.database_url = database_url
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: AppServer | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        ARTIFACTS.mkdir(exist_ok=True)
        log_path = ARTIFACTS / f"streamlit-{self.port}-restart{self.starts}.log"
        env = {
            **os.environ,
            "TRACKER_DATABASE_URL": self.database_url,
            "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
            "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        }
        command = [
            sys.executable, "-m", "streamlit", "run", "serve.py",
            "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(self.port),
        ]  # fmt: skip
        with log_path.open("wb") as log:
            process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)  # fmt: skip
        self.server = AppServer(self.url, process, log_path)
        _wait_healthy(self.server)

    def stop(self) -> None:
        if self.server is not None:
            _stop(self.server.process)
            self.server = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def own_server(browser_db: str) -> Iterator[RestartableServer]:
    server = RestartableServer(browser_db)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_page(browser: Any, own_server: RestartableServer) -> Iterator[Any]:
    with open_page(browser, own_server.url) as page:
        yield page


def test_half_filled_scorecard_survives_a_reload_and_a_server_restart(
    own_server: RestartableServer, own_page: Any, seed: Any, shot: Any
) -> None:
    def setup(session: Any) -> tuple[str, int]:
        manager = make_user(session, role=Role.manager)
        interviewer = make_user(session, role=Role.interviewer, display_name="Dana Drafts")
        posting = make_posting(session, owner=manager, criteria=4)
        from factories import make_candidate

        candidate = make_candidate(session, posting=posting, name="Robin Restart")
        make_panel(session, posting=posting, members=[interviewer])
        make_declaration(session, candidate=candidate, user=interviewer)
        return interviewer.email, candidate.id or 0

    email, candidate_id = seed(setup)
    page = own_page
    labels = level_labels("en")
    typed = {0: (labels[3], "Drafts survive: led a service redesign 🙂"), 1: (labels[5], "Ligne 2 — «notes» <b>as typed</b>")}

    def saved(note: str) -> bool:
        return seed(lambda s: s.exec(select(Score).where(Score.notes == note)).first() is not None)

    sign_in_at(page, f"/scoring?candidate={candidate_id}", email, DEFAULT_PASSWORD)
    page.get_by_role("heading", name="Candidate 01 — Robin Restart").wait_for()
    for index, (label, note) in typed.items():
        rate_and_note(page, index, label, note, lang="en", saved=saved)
    shot(page, "01-half-filled")

    def expect_everything_back() -> None:
        for index, (label, note) in typed.items():
            assert read_box(page, index, labels) == (label, note)
        for index in (2, 3):
            assert read_box(page, index, labels) == (None, "")

    reload_still_signed_in(page)
    page.get_by_role("heading", name="Candidate 01 — Robin Restart").wait_for()
    expect_everything_back()
    shot(page, "02-after-reload")

    own_server.restart()
    reload_still_signed_in(page)
    page.get_by_role("heading", name="Candidate 01 — Robin Restart").wait_for()
    assert f"candidate={candidate_id}" in page.url
    expect_everything_back()
    shot(page, "03-after-server-restart")
