"""deploy/nginx in front of a real app (issue #17, item 7): the headers Streamlit cannot set, TLS with
HSTS, the WebSocket passed through, and a sign-in through it in Chromium.

Before: no ``frame-ancestors``/``X-Frame-Options`` anywhere, so any site could frame the app and trick a
panel member into "Submit scorecard" or "Record decision" (clickjacking).

The shipped ``deploy/nginx/tracker.conf`` is used as it is, with only what a machine changes rewritten:
the listening ports (free ones on 127.0.0.1), the app's address and the certificate (a self-signed one
made for the test). nginx runs in the foreground under a scratch prefix (MACHINE-NOTES), stopped by its
PID at the end.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browser.helpers import UI_TIMEOUT_MS, sign_in
from browser.journey_helpers import notes_box, sign_in_at
from factories import DEFAULT_PASSWORD, make_candidate, make_declaration, make_panel, make_posting, make_user

from tracker.i18n import t
from tracker.models import Role

pytestmark = pytest.mark.browser

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "nginx"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
EXPECTED = {
    "content-security-policy": "frame-ancestors 'none'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def _unavailable(reason: str) -> None:
    message = f"Reverse-proxy test cannot run: {reason}"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message + " (CI=true: a missing nginx is a failure, not a skip)")
    warnings.warn(message, stacklevel=2)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Proxy:
    http_port: int
    https_port: int
    process: subprocess.Popen[bytes]
    folder: Path

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"


def render_site(app_port: int, http_port: int, https_port: int, folder: Path) -> str:
    """deploy/nginx/tracker.conf with this machine's ports, app address and test certificate."""
    site = (DEPLOY / "tracker.conf").read_text(encoding="utf-8")
    replacements = {
        "    listen [::]:80;\n": "",
        "    listen [::]:443 ssl http2;\n": "",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "server 127.0.0.1:8501;": f"server 127.0.0.1:{app_port};",
        "/etc/ssl/tracker/fullchain.pem": str(folder / "cert.pem"),
        "/etc/ssl/tracker/privkey.pem": str(folder / "key.pem"),
        "https://$host$request_uri": f"https://$host:{https_port}$request_uri",
    }
    for old, new in replacements.items():
        assert old in site, f"deploy/nginx/tracker.conf no longer contains {old!r}: update this test"
        site = site.replace(old, new)
    return site


@pytest.fixture(scope="module")
def proxy(app_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    if not Path(NGINX).exists():
        _unavailable("nginx is missing (apt-get install -y nginx; scripts/ensure-system-deps.sh does it)")
    folder = tmp_path_factory.mktemp("nginx")
    (folder / "snippets").mkdir()
    for name in ("security-headers.conf", "hsts.conf"):
        shutil.copy(DEPLOY / name, folder / "snippets" / name)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    app_port = int(app_server.url.rsplit(":", 1)[1])
    http_port, https_port = _free_port(), _free_port()
    (folder / "site.conf").write_text(render_site(app_port, http_port, https_port, folder), encoding="utf-8")
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / "tmp" / sub).mkdir(parents=True)
    (folder / "nginx.conf").write_text(
        "worker_processes 1;\npid nginx.pid;\nevents { worker_connections 256; }\n"
        "http {\n  access_log access.log;\n"
        + "".join(f"  {sub}_temp_path tmp/{sub};\n" for sub in ("proxy", "fastcgi", "uwsgi", "scgi"))
        + "  client_body_temp_path tmp/body;\n  include site.conf;\n}\n",
        encoding="utf-8",
    )
    command = [NGINX, "-p", f"{folder}/", "-e", str(folder / "error.log"), "-c", str(folder / "nginx.conf")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, f"nginx -t refused deploy/nginx/tracker.conf:\n{checked.stderr}"
    process = subprocess.Popen([*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, (folder / "error.log").read_text(errors="replace")
                time.sleep(0.1)
        yield Proxy(http_port, https_port, process, folder)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGQUIT)  # graceful shutdown of master and worker
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _get(port: int, path: str, *, tls: bool) -> http.client.HTTPResponse:
    if tls:
        context = ssl._create_unverified_context()  # the test's own self-signed certificate
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            "127.0.0.1", port, context=context, timeout=10
        )
    else:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    return response


@pytest.mark.parametrize("path", ["/", "/_stcore/health", "/no-such-page", "/static/does-not-exist.js"])
def test_every_answer_carries_the_security_headers_and_hsts_over_tls(proxy: Proxy, path: str) -> None:
    response = _get(proxy.https_port, path, tls=True)
    headers = {k.lower(): v for k, v in response.getheaders()}
    for name, value in EXPECTED.items():
        assert headers.get(name) == value, (path, name, headers)
    assert headers.get("strict-transport-security", "").startswith("max-age=31536000")
    assert [k.lower() for k, _ in response.getheaders()].count("x-frame-options") == 1


COMPONENT = "/component/app_pages.frame.autosave.autosave_text/index.html"


def test_the_apps_own_component_frames_may_be_framed_by_the_app_only(proxy: Proxy) -> None:
    """The notes box (issue #18) is a component frame of the app's own origin: 'self', never another site."""
    response = _get(proxy.https_port, COMPONENT, tls=True)
    headers = {k.lower(): v for k, v in response.getheaders()}
    assert headers["content-security-policy"] == "frame-ancestors 'self'"  # on a 404 too (not registered yet)
    assert headers["x-frame-options"] == "SAMEORIGIN"
    assert headers["x-content-type-options"] == "nosniff"


def test_the_notes_box_works_through_the_proxy(browser: Any, seed: Any, proxy: Proxy) -> None:
    """Before: frame-ancestors 'none' on every answer blanked the notes box's frame behind this proxy."""

    def setup(session: Any) -> tuple[str, int]:
        manager = make_user(session, role=Role.manager)
        interviewer = make_user(session, role=Role.interviewer)
        posting = make_posting(session, owner=manager, criteria=1)
        candidate = make_candidate(session, posting=posting, name="Framed Notes")
        make_panel(session, posting=posting, members=[interviewer])
        make_declaration(session, candidate=candidate, user=interviewer)
        return interviewer.email, candidate.id or 0

    email, candidate_id = seed(setup)
    context = browser.new_context(base_url=proxy.url, ignore_https_errors=True, locale="en-CA")
    context.set_default_timeout(UI_TIMEOUT_MS)
    try:
        page = context.new_page()
        sign_in_at(page, f"/scoring?candidate={candidate_id}", email, DEFAULT_PASSWORD)
        box = notes_box(page, 0)
        box.fill("Typed through nginx.")
        assert box.input_value() == "Typed through nginx."
    finally:
        context.close()


def test_plain_http_only_redirects_to_https_without_hsts(proxy: Proxy) -> None:
    response = _get(proxy.http_port, "/results?posting=1", tls=False)
    headers = {k.lower(): v for k, v in response.getheaders()}
    assert response.status == 301
    assert headers["location"] == f"https://127.0.0.1:{proxy.https_port}/results?posting=1"
    assert headers["x-frame-options"] == "DENY" and "strict-transport-security" not in headers


def test_signing_in_through_the_proxy_works_and_no_site_can_frame_it(browser: Any, seed: Any, proxy: Proxy) -> None:
    """The WebSocket (/_stcore/stream) passes through: without it the sign-in form would never answer."""
    user = seed(lambda s: make_user(s, role=Role.interviewer, display_name="Proxy Person").email)
    context = browser.new_context(base_url=proxy.url, ignore_https_errors=True, locale="en-CA")
    context.set_default_timeout(UI_TIMEOUT_MS)
    try:
        page = context.new_page()
        sockets: list[str] = []
        page.on("websocket", lambda ws: sockets.append(ws.url))
        sign_in(page, user, DEFAULT_PASSWORD)
        page.get_by_text("Proxy Person").first.wait_for()
        # Waited for, not counted at once: the name can be drawn a moment before the sidebar's button
        # (counting at once failed 1 run in 2 on main).
        page.get_by_role("button", name=t("Sign out", "en"), exact=True).wait_for()
        assert any(url.startswith(f"wss://127.0.0.1:{proxy.https_port}/_stcore/stream") for url in sockets), sockets
        # Clickjacking: a page of another origin framing the app gets nothing of it.
        framing = context.new_page()
        framing.set_content(f'<iframe id="victim" src="{proxy.url}/" width="800" height="600"></iframe>')
        framing.wait_for_timeout(1500)
        frame = next(f for f in framing.frames if f != framing.main_frame)
        assert frame.url in {"chrome-error://chromewebdata/", "about:blank"} or not frame.child_frames
        with pytest.raises(Exception):  # noqa: B017 (the blocked frame has no document to query)
            frame.wait_for_selector('[data-testid="stApp"]', timeout=2000)
    finally:
        context.close()
