"""Two replicas on one PostgreSQL behind deploy/haproxy (issue #22, item 5): a tab's every request sticks to
one replica, and a killed replica costs the person neither the sign-in nor the note being typed.

The deployment runs as an operator would run it (docs/operations.md, "Several replicas"):

1. ``python -m tracker db upgrade`` once, as a one-shot step, on an empty database;
2. two replicas, ``streamlit run serve.py`` (same code, same ``server.cookieSecret``, same database);
3. ``deploy/haproxy/tracker.cfg`` as shipped, with only the ports, the replicas' addresses and a
   self-signed certificate rewritten, HAProxy in the foreground.

Then one browser tab, through the proxy only: sign in, upload a candidate CSV, download the audit log as
CSV, open a scorecard, type a note at a person's pace, ``kill -9`` the replica holding the tab while the
note is half typed (the part typed since the last save exists only in the browser), keep typing. The
tab must come back signed in on the other replica (the #18 session cookie), the whole note must be in
the database and in the box (the #18 autosave), then the killed replica comes back and the same tab
uploads and downloads again (the failback: the affinity cookie was rewritten, so the WebSocket and the
uploads stay together on the replica that took over). HAProxy's log shows which replica answered each
request; ``pg_stat_activity`` shows the connections each replica holds (docs/operations.md quotes them).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from browser.conftest import ARTIFACTS, IN_CI, PROJECT_ROOT, AppServer, _stop, _wait_healthy, free_port
from browser.helpers import UI_TIMEOUT_MS, wait_for_app
from browser.journey_helpers import (
    declare_no_conflict,
    level_labels,
    notes_box,
    open_tab,
    rate,
    sign_in_at,
    wait_until,
)
from factories import DEFAULT_PASSWORD, make_panel, make_posting, make_user
from playwright.sync_api import Error as PlaywrightError
from sqlmodel import select

from tracker.i18n import t
from tracker.models import Candidate, Role, Score

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.slow]

HAPROXY_CFG = PROJECT_ROOT / "deploy" / "haproxy" / "tracker.cfg"
SYSTEMD = PROJECT_ROOT / "deploy" / "systemd"
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
COOKIE_SECRET = "failover-test-" + "0123456789abcdef" * 2  # one secret for every replica, as the guide says
TYPING_DELAY_MS = 100  # ≈ 10 characters a second
# HAProxy's httplog line; over HTTP/2 the request line carries the absolute URI.
LOG_LINE = re.compile(r"tracker_replicas/(?P<server>\w+) .*?\"(?P<method>[A-Z]+) (?:https?://[^/\s]+)?(?P<path>/\S*)")


def _unavailable(reason: str) -> None:
    message = f"Failover test cannot run: {reason}"
    if IN_CI:
        pytest.fail(message + " (CI=true: a missing HAProxy is a failure, not a skip)")
    warnings.warn(message, stacklevel=2)
    pytest.skip(message)


def unit_command(unit: str, key: str, port: int | None = None) -> list[str]:
    """The ``key=`` command line of ``deploy/systemd/<unit>``, with this machine's Python and port."""
    lines = [line for line in (SYSTEMD / unit).read_text(encoding="utf-8").splitlines() if line.startswith(key + "=")]
    assert len(lines) == 1, f"deploy/systemd/{unit} should have one {key}= line"
    command = shlex.split(lines[0].split("=", 1)[1].replace("%i", str(port)))
    assert command[0] == "/opt/tracker/.venv/bin/python", command
    return [sys.executable, *command[1:]]


@dataclass
class Replica:
    """One ``streamlit run serve.py`` on a fixed port; :meth:`kill` is ``kill -9``, :meth:`start` brings it back."""

    name: str
    database_url: str
    port: int = field(default_factory=free_port)
    server: AppServer | None = None
    starts: int = 0

    def launch(self) -> None:
        self.starts += 1
        ARTIFACTS.mkdir(exist_ok=True)
        log_path = ARTIFACTS / f"replica-{self.name}-{self.port}-{self.starts}.log"
        env = {
            **os.environ,
            # application_name tells the replicas' connections apart in pg_stat_activity.
            "TRACKER_DATABASE_URL": f"{self.database_url}?application_name=tracker-{self.name}",
            "STREAMLIT_SERVER_COOKIE_SECRET": COOKIE_SECRET,
            "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
            "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        }
        # The unit's readiness check, then its start command (deploy/systemd/tracker@.service).
        ready = subprocess.run(unit_command("tracker@.service", "ExecStartPre", self.port), cwd=PROJECT_ROOT,
                               env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
        assert ready.returncode == 0, ready.stdout + ready.stderr
        command = unit_command("tracker@.service", "ExecStart", self.port)
        with log_path.open("wb") as log:
            process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)  # fmt: skip
        self.server = AppServer(f"http://127.0.0.1:{self.port}", process, log_path)

    def wait_healthy(self) -> None:
        assert self.server is not None
        _wait_healthy(self.server)

    def kill(self) -> None:
        """``kill -9`` of the replica's whole process group: no goodbye to the browser, nothing flushed."""
        assert self.server is not None
        os.killpg(self.server.process.pid, signal.SIGKILL)
        self.server.process.wait(timeout=15)
        self.server = None

    def stop(self) -> None:
        if self.server is not None:
            _stop(self.server.process)
            self.server = None


@dataclass
class Deployment:
    database_url: str
    dsn: str
    database: str
    replicas: dict[str, Replica]
    https_port: int
    stats_socket: Path
    log_path: Path

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def routed(self) -> list[tuple[str, str, str]]:
        """(replica, method, path) of every request HAProxy has logged so far."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return [(m["server"], m["method"], m["path"]) for m in LOG_LINE.finditer(text)]

    def server_states(self) -> dict[str, str]:
        """Each replica's state as HAProxy sees it (UP, DOWN, …), from its stats socket."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(str(self.stats_socket))
            sock.sendall(b"show stat\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        states: dict[str, str] = {}
        for line in data.decode().splitlines():
            cells = line.split(",")
            if len(cells) > 17 and cells[0] == "tracker_replicas" and cells[1] in self.replicas:
                states[cells[1]] = cells[17]
        return states

    def wait_state(self, name: str, state: str, timeout_s: float = 30) -> None:
        wait_until(lambda: self.server_states().get(name, "").startswith(state), f"HAProxy to see {name} {state}",
                   timeout_s)  # fmt: skip

    def connections(self) -> dict[str, int]:
        """Connections each replica holds on the database right now (pg_stat_activity by application_name)."""
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT application_name, count(*) FROM pg_stat_activity WHERE datname = %s "
                "AND application_name LIKE 'tracker-%%' GROUP BY application_name",
                (self.database,),
            ).fetchall()
        return {str(name).removeprefix("tracker-"): int(count) for name, count in rows}


def render_haproxy(ports: dict[str, int], http_port: int, https_port: int, folder: Path) -> str:
    """deploy/haproxy/tracker.cfg with this machine's ports, replicas and certificate, plus a stats socket."""
    cfg = HAPROXY_CFG.read_text(encoding="utf-8")
    replacements = {
        "    bind :80\n": f"    bind 127.0.0.1:{http_port}\n",
        "    bind :443 ssl crt /etc/haproxy/certs/tracker.pem": f"    bind 127.0.0.1:{https_port} ssl crt {folder / 'tracker.pem'}",
        "server a 127.0.0.1:8501 cookie a": f"server a 127.0.0.1:{ports['a']} cookie a",
        "server b 127.0.0.1:8502 cookie b": f"server b 127.0.0.1:{ports['b']} cookie b",
        "    maxconn 4000\n": f"    maxconn 4000\n    stats socket {folder / 'haproxy.sock'} level admin\n",
        # The test's checks run every 0.5 s so that a failback is seen within a second.
        "check inter 2s fall 2 rise 2": "check inter 500ms fall 2 rise 2",
    }
    for old, new in replacements.items():
        assert old in cfg, f"deploy/haproxy/tracker.cfg no longer contains {old!r}: update this test"
        cfg = cfg.replace(old, new)
    return cfg


@pytest.fixture(scope="module")
def deployment(pg_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    if not Path(HAPROXY).exists():
        _unavailable("haproxy is missing (apt-get install -y haproxy; scripts/ensure-system-deps.sh does it)")
    database = f"failover_{os.getpid()}"
    pg_server.execute(f"CREATE DATABASE {database}")
    url = pg_server.url(database)
    env = {**os.environ, "TRACKER_DATABASE_URL": url}
    # 1. The migration, once, as its own step, before any replica starts.
    # Before it, a replica's readiness check refuses to start it, with the sentence saying why.
    unready = subprocess.run(unit_command("tracker@.service", "ExecStartPre", 0), cwd=PROJECT_ROOT, env=env,
                             capture_output=True, text=True, timeout=60)  # fmt: skip
    assert unready.returncode == 1 and "python -m tracker db upgrade" in unready.stdout + unready.stderr
    migrated = subprocess.run(unit_command("tracker-migrate.service", "ExecStart"), cwd=PROJECT_ROOT, env=env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
    assert migrated.returncode == 0, migrated.stderr
    # 2. Two replicas, started together.
    replicas = {name: Replica(name, url) for name in ("a", "b")}
    folder = tmp_path_factory.mktemp("haproxy")
    proxy: subprocess.Popen[bytes] | None = None
    try:
        for replica in replicas.values():
            replica.launch()
        for replica in replicas.values():
            replica.wait_healthy()
        # 3. HAProxy in front, with a self-signed certificate (certificate and key in one file).
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
             "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
            check=True, capture_output=True,
        )  # fmt: skip
        (folder / "tracker.pem").write_bytes((folder / "cert.pem").read_bytes() + (folder / "key.pem").read_bytes())
        http_port, https_port = free_port(), free_port()
        cfg_path = folder / "haproxy.cfg"
        cfg_path.write_text(render_haproxy({n: r.port for n, r in replicas.items()}, http_port, https_port, folder),
                            encoding="utf-8")  # fmt: skip
        checked = subprocess.run([HAPROXY, "-c", "-f", str(cfg_path)], capture_output=True, text=True)
        assert checked.returncode == 0, (
            f"haproxy -c refused deploy/haproxy/tracker.cfg:\n{checked.stdout}{checked.stderr}"
        )
        log_path = ARTIFACTS / f"haproxy-{https_port}.log"
        with log_path.open("wb") as log:
            proxy = subprocess.Popen([HAPROXY, "-db", "-f", str(cfg_path)], stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)  # fmt: skip
        deployed = Deployment(url, pg_server.dsn(database), database, replicas, https_port, folder / "haproxy.sock",
                              log_path)  # fmt: skip
        wait_until(lambda: (folder / "haproxy.sock").exists(), "HAProxy's stats socket", 20)
        for name in replicas:
            deployed.wait_state(name, "UP")
        yield deployed
    finally:
        if proxy is not None and proxy.poll() is None:
            os.killpg(proxy.pid, signal.SIGTERM)
            proxy.wait(timeout=15)
        for replica in replicas.values():
            replica.stop()
        from tracker.db import dispose_engines

        dispose_engines()
        pg_server.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def _seed(deployment: Deployment) -> tuple[str, int]:
    """A hiring manager who owns a posting and sits on its panel (so one person uploads, scores, exports)."""
    from tracker.db import get_engine, write_session

    with write_session(get_engine(deployment.database_url)) as session:
        manager = make_user(session, role=Role.manager, display_name="Robin Failover")
        posting = make_posting(session, owner=manager, criteria=2)
        make_panel(session, posting=posting, members=[manager])
        return manager.email, posting.id or 0


def _read(deployment: Deployment, fn: Any) -> Any:
    from tracker.db import get_engine, read_session

    with read_session(get_engine(deployment.database_url)) as session:
        return fn(session)


def _candidates(deployment: Deployment, posting_id: int) -> dict[str, int]:
    return _read(
        deployment,
        lambda s: {row.email: row.id for row in s.exec(select(Candidate).where(Candidate.posting_id == posting_id))},
    )


def _notes(deployment: Deployment) -> list[str]:
    return _read(deployment, lambda s: [row.notes for row in s.exec(select(Score)).all()])


def _replica_cookie(page: Any) -> str:
    values = [c["value"] for c in page.context.cookies() if c["name"] == "tracker_replica"]
    assert len(values) == 1, page.context.cookies()
    return str(values[0])


def _upload_candidates(page: Any, csv_path: Path, count: int) -> None:
    open_tab(page, t("Import from a CSV file", "en"))
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(csv_path))
    import_label = t("Import {n} candidates", "en", n=count) if count > 1 else t("Import {n} candidate", "en", n=count)
    button = page.get_by_role("button", name=import_label, exact=True)
    wait_until(lambda: _tab_shows(page, button), f"the {import_label!r} button (the preview)", 30)
    button.click()
    wait_for_app(page)
    message = t("{n} candidates imported.", "en", n=count) if count > 1 else t("{n} candidate imported.", "en", n=count)
    page.get_by_text(message).wait_for()


def _tab_shows(page: Any, button: Any) -> bool:
    """The rerun after an upload may draw the first tab again: reopen the CSV tab until the preview shows."""
    wait_for_app(page)
    if button.count() and button.is_visible():
        return True
    with contextlib.suppress(PlaywrightError):  # a rerun drew the tabs twice for a moment: look again
        open_tab(page, t("Import from a CSV file", "en"))
    return False


def _download(page: Any, button: str) -> bytes:
    """Click a download button and read the file; a click racing a rerun can cancel it: click again."""
    for _attempt in range(3):
        wait_for_app(page)
        with page.expect_download(timeout=UI_TIMEOUT_MS) as info:
            page.get_by_role("button", name=button).click()
        try:
            return Path(info.value.path()).read_bytes()
        except PlaywrightError as exc:
            if "canceled" not in str(exc):
                raise
    raise AssertionError(f"the download {button!r} was canceled three times")


def _go(page: Any, title: str) -> None:
    """Follow the sidebar menu entry: the same tab, the same WebSocket (no new Streamlit session)."""
    menu = page.locator('[data-testid="stSidebar"]').get_by_role("navigation")
    menu.get_by_role("link", name=t(title, "en"), exact=True).click()
    page.get_by_role("heading", name=t(title, "en")).first.wait_for()
    wait_for_app(page)


def _new_visitor_replica(deployment: Deployment) -> str:
    """The replica HAProxy gives a browser that has no affinity cookie yet (a new visitor)."""
    context = ssl._create_unverified_context()  # the test's own self-signed certificate
    connection = http.client.HTTPSConnection("127.0.0.1", deployment.https_port, context=context, timeout=10)
    connection.request("GET", "/_stcore/health")
    response = connection.getresponse()
    response.read()
    assert response.getheader("x-frame-options") == "DENY"
    assert response.getheader("content-security-policy") == "frame-ancestors 'none'"
    assert (response.getheader("strict-transport-security") or "").startswith("max-age=31536000")
    cookie = response.getheader("set-cookie") or ""
    match = re.search(r"tracker_replica=(\w+)", cookie)
    assert match, cookie
    assert "httponly" in cookie.lower() and "secure" in cookie.lower(), cookie
    return match.group(1)


def test_a_killed_replica_costs_neither_the_sign_in_nor_the_note_and_its_return_breaks_no_upload(
    browser: Any, deployment: Deployment, tmp_path: Path, shot: Any
) -> None:
    started = time.monotonic()
    email, posting_id = _seed(deployment)
    labels = level_labels("en")
    connections: list[dict[str, int]] = [deployment.connections()]
    # New visitors are spread over both replicas (round robin on the first request).
    assert {_new_visitor_replica(deployment) for _ in range(4)} == {"a", "b"}

    context = browser.new_context(base_url=deployment.url, ignore_https_errors=True, locale="en-CA",
                                  viewport={"width": 1280, "height": 900})  # fmt: skip
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    try:
        sockets: list[str] = []
        page.on("websocket", lambda ws: sockets.append(ws.url))
        sign_in_at(page, "/candidates", email, DEFAULT_PASSWORD)
        wait_until(lambda: any(c["name"] == "tracker_session" for c in context.cookies()), "the session cookie", 20)
        session_cookie = next(c for c in context.cookies() if c["name"] == "tracker_session")
        assert session_cookie["httpOnly"] and session_cookie["secure"] and session_cookie["sameSite"] == "Strict"
        holder = _replica_cookie(page)
        other = "b" if holder == "a" else "a"

        # Upload a candidate CSV and download an export, through the proxy.
        first_csv = tmp_path / "candidates.csv"
        first_csv.write_text("name,email,language\nAvery Upload,avery@example.com,en\nBlake Upload,blake@example.com,fr\n",
                             encoding="utf-8")  # fmt: skip
        _upload_candidates(page, first_csv, 2)
        imported = _candidates(deployment, posting_id)
        assert set(imported) == {"avery@example.com", "blake@example.com"}
        _go(page, "Audit log")
        audit_csv = _download(page, t("Download these events (CSV)", "en")).decode("utf-8-sig")
        assert "candidate" in audit_csv and email in audit_csv

        # Score: declare, rate, and type a note, saved while typing.
        page.goto(f"/scoring?candidate={imported['avery@example.com']}")
        wait_for_app(page)
        declare_no_conflict(page, "en")
        rate(page, 0, labels[3], lang="en")
        shot(page, "01-scoring-before-kill")
        box = notes_box(page, 0)
        box.click()
        saved_part, unsaved_part, after_part = (
            "Walked through the outage review.",
            " Named the fix",
            " and who owns it.",
        )
        box.press_sequentially(saved_part, delay=TYPING_DELAY_MS)
        wait_until(lambda: saved_part in _notes(deployment), "the first sentence in the database", 60)
        connections.append(deployment.connections())
        assert _replica_cookie(page) == holder, "the tab stayed on its replica"

        # Mid-typing: kill the replica that holds the tab while the last words exist only in the browser.
        box.press_sequentially(unsaved_part, delay=TYPING_DELAY_MS)
        deployment.replicas[holder].kill()
        killed_at = time.monotonic()
        assert saved_part + unsaved_part not in _notes(deployment), "the words typed before the kill were not saved yet"
        box.press_sequentially(after_part, delay=TYPING_DELAY_MS)
        expected = saved_part + unsaved_part + after_part
        wait_until(lambda: expected in _notes(deployment), "the whole note in the database after the failover", 60)
        restored_s = time.monotonic() - killed_at

        # Still signed in, on the other replica, the note in the box, nothing typed dropped.
        page.get_by_role("button", name=t("Sign out", "en"), exact=True).wait_for()
        assert page.get_by_role("button", name=t("Sign in", "en"), exact=True).count() == 0
        assert notes_box(page, 0).input_value() == expected
        assert _replica_cookie(page) == other, "HAProxy rewrote the affinity cookie to the replica that took over"
        assert len(sockets) >= 2, sockets  # the WebSocket reconnected
        shot(page, "02-after-failover")
        connections.append(deployment.connections())

        # A reload on the surviving replica: still signed in, same note.
        page.reload()
        wait_for_app(page)
        page.get_by_role("button", name=t("Sign out", "en"), exact=True).wait_for()
        assert notes_box(page, 0).input_value() == expected

        # Failback: the killed replica comes back; the same tab uploads and downloads again.
        deployment.replicas[holder].launch()
        deployment.replicas[holder].wait_healthy()
        deployment.wait_state(holder, "UP")
        routed_before = len(deployment.routed())
        _go(page, "Candidates and panels")
        second_csv = tmp_path / "more.csv"
        second_csv.write_text("name,email,language\nCasey Return,casey@example.com,en\n", encoding="utf-8")
        _upload_candidates(page, second_csv, 1)
        assert "casey@example.com" in _candidates(deployment, posting_id)
        open_tab(page, t("Import from a CSV file", "en"))
        template = _download(page, t("Download a CSV template", "en")).decode("utf-8")
        assert template.startswith("name,email,language")
        assert _replica_cookie(page) == other, "the tab stays where its WebSocket is"
        assert {_new_visitor_replica(deployment) for _ in range(4)} == {"a", "b"}, "new visitors reach both again"
        connections.append(deployment.connections())
        shot(page, "03-after-failback")
    except BaseException:
        shot(page, "99-failure")
        raise
    finally:
        context.close()

    # Every upload and download went to the replica holding the tab at the time (HAProxy's log).
    routed = deployment.routed()
    uploads = [
        (server, i) for i, (server, method, path) in enumerate(routed) if path.startswith("/_stcore/upload_file")
    ]
    downloads = [(server, i) for i, (server, method, path) in enumerate(routed) if path.startswith("/media/")]
    assert uploads and downloads, routed
    assert all(server == (other if i >= routed_before else holder) for server, i in uploads), uploads
    assert all(server == (other if i >= routed_before else holder) for server, i in downloads), downloads
    streams = [server for server, _, path in routed if path.startswith("/_stcore/stream")]
    assert holder in streams and other in streams, streams

    # Connections per replica: bounded by the pool (10 kept + 20 overflow).
    most = {name: max(c.get(name, 0) for c in connections) for name in ("a", "b")}
    assert all(count <= 30 for count in most.values()), connections
    print(f"\nfailover: note restored {restored_s:.1f} s after the kill; connections per replica {connections}; "
          f"whole test {time.monotonic() - started:.1f} s")  # fmt: skip
