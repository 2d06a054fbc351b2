"""Every page at 10,000 applications (issue #19), timed in real Chromium against a real server.

The scenario: one posting with 10,000 candidates (``--quick``: 2,000), 2,000 of them (``--quick``:
300) scored and submitted by two panel members on 7 criteria, plus a small second posting the chair
also sits on (so that "the posting is remembered" means something). It is seeded **through the
services**: users and the posting with the test factories, the panel with ``panels.set_panel``, the
candidates with ``candidates.import_candidates_csv`` from one CSV file (timed), every scorecard with
``scoring.declare``/``open_scorecard``/``save_draft_score``/``save_overall``/``submit_scorecard``.

Figures, each printed beside its goal:

* **CSV import** of the whole file (parse, checks, inserts, audit events) against a raw
  ``executemany`` of the same rows into the same ``candidate`` table (another posting), same file,
  same run: goal ≤ 10×;
* **pages in Chromium** (Playwright, Debian's ``/usr/bin/chromium``), a ``streamlit run serve.py``
  server on the seeded database: Outstanding work (chair), Candidates (manager), My scorecards and
  finding a candidate in its picker (chair), Consensus (chair), and the two XLSX downloads of the
  results page (manager), each on its first visit and on a revisit (median of the revisits): goal ≤ 1 s
  (downloads ≤ 2 s). A visit is a click on the menu link until the page's own content is drawn and
  Streamlit's status widget stops showing "Running";
* **consensus remembers the posting**: chosen on one visit, still chosen on the next;
* **server memory**: the server's resident set size (``/proc/<pid>/status`` ``VmRSS``, the whole
  process group) after each of five walks of those pages by two browser sessions (chair, manager):
  goal ≤ 400 MiB after the walks and growth from the first walk to the last < 10 %.

Run alone: ``python bench/volume.py [--quick] [--postgres]``; ``bench/run.py`` calls :func:`run`.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, figure, format_figure, median

sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "browser"))

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
PAGE_GOAL_S = 1.0
DOWNLOAD_GOAL_S = 2.0
IMPORT_GOAL = 10.0
RSS_GOAL_MIB = 400.0
RSS_GROWTH_GOAL = 0.10
WALKS = 5
UI_TIMEOUT_MS = 120_000


@dataclass(frozen=True)
class Scenario:
    candidates: int
    scored: int
    criteria: int = 7
    revisits: int = 3


FULL = Scenario(candidates=10_000, scored=2_000)
QUICK = Scenario(candidates=2_000, scored=300, revisits=2)


@dataclass
class Seeded:
    url: str
    posting_id: int
    small_posting_id: int
    chair_email: str
    manager_email: str
    import_s: float
    raw_s: float
    seed_s: float
    notes: list[str] = field(default_factory=list)


def candidates_csv(n: int, *, prefix: str = "") -> bytes:
    rows = ["name,email,language"]
    rows += [f"Personne {prefix}{i:05d} Tremblay,p{prefix}{i}@mail.example,{'fr' if i % 3 == 0 else 'en'}" for i in range(n)]
    return ("\n".join(rows) + "\n").encode("utf-8")


def _raw_executemany(url: str, posting_id: int, data: bytes) -> float:
    """The least an import of these rows could cost: split the CSV, one ``executemany``, commit."""
    import csv
    import io

    from tracker.models import utcnow

    now = utcnow().isoformat(sep=" ")
    started = time.perf_counter()
    reader = csv.reader(io.StringIO(data.decode("utf-8")))
    next(reader)
    values = [(posting_id, i + 1, f"Candidate {i + 1:02d}", name, email.lower(), lang, "active", now, now, 1)
              for i, (name, email, lang) in enumerate(reader)]  # fmt: skip
    sql = ("INSERT INTO candidate (posting_id, label_number, label, name, email, language, status, created_at, "
           "updated_at, version) VALUES ({})")  # fmt: skip
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql.format(", ".join("?" * 10)), values)
        conn.execute("COMMIT")
        conn.close()
    else:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            conn.cursor().executemany(sql.format(", ".join(["%s"] * 10)), values)
    return time.perf_counter() - started


def seed(url: str, scenario: Scenario) -> Seeded:
    """The scenario's database, through the services (see the module docstring)."""
    from factories import criteria_of, make_posting, make_user, rubric_of

    from tracker.db import get_engine, write_session
    from tracker.models import Role
    from tracker.services import candidates, panels, scoring
    from tracker.services.actor import Actor

    engine = get_engine(url)
    started = time.perf_counter()
    with write_session(engine) as s:
        manager = make_user(s, role=Role.manager, email="volume.manager@northwind.example", display_name="Morgan Manager")
        chair = make_user(s, role=Role.interviewer, email="volume.chair@northwind.example", display_name="Charlie Chair")
        member = make_user(s, role=Role.interviewer, email="volume.member@northwind.example", display_name="Mika Member")
        big = make_posting(s, owner=manager, criteria=scenario.criteria - 2, assets=2, title_en="Data Analyst (volume)",
                           title_fr="Analyste de données (volume)")  # fmt: skip
        small = make_posting(s, owner=manager, criteria=3, title_en="Service Designer (small)",
                             title_fr="Concepteur de services (petit)")  # fmt: skip
        blank = make_posting(s, owner=manager, criteria=3, title_en="Raw baseline", title_fr="Référence brute")
        ids = {"manager": manager.id, "chair": chair.id, "member": member.id}
        big_id, small_id, blank_id = big.id or 0, small.id or 0, blank.id or 0
        criteria = [c.id for c in criteria_of(s, rubric_of(s, big))]
        actors = {name: Actor.from_user(u) for name, u in (("manager", manager), ("chair", chair), ("member", member))}
    with write_session(engine) as s:
        for posting_id in (big_id, small_id):
            panels.set_panel(s, actors["manager"], posting_id=posting_id, member_ids=[ids["chair"], ids["member"]],
                             chair_id=ids["chair"])  # fmt: skip
    data = candidates_csv(scenario.candidates)
    with write_session(engine) as s:
        t0 = time.perf_counter()
        imported = candidates.import_candidates_csv(s, actors["manager"], posting_id=big_id, data=data)
    import_s = time.perf_counter() - t0  # the commit included
    raw_s = _raw_executemany(url, blank_id, data)
    with write_session(engine) as s:
        candidates.import_candidates_csv(s, actors["manager"], posting_id=small_id, data=candidates_csv(20, prefix="s"))
    scored = imported[: scenario.scored]
    for start in range(0, len(scored), 100):
        with write_session(engine) as s:
            for person in scored[start : start + 100]:
                for who in ("chair", "member"):
                    actor = actors[who]
                    scoring.declare(s, actor, candidate_id=person.id, has_conflict=False, language=person.language)
                    card = scoring.open_scorecard(s, actor, candidate_id=person.id)
                    for n, criterion_id in enumerate(criteria):
                        scoring.save_draft_score(s, actor, scorecard_id=card.id, criterion_id=criterion_id,
                                                 rating=1 + (person.id * (n + 1) + len(who)) % 5,
                                                 notes=f"Evidence for criterion {n + 1}.")  # fmt: skip
                    scoring.save_overall(s, actor, scorecard_id=card.id, recommendation="yes", overall_notes="Solid.")
                    scoring.submit_scorecard(s, actor, scorecard_id=card.id)
    return Seeded(url, big_id, small_id, "volume.chair@northwind.example", "volume.manager@northwind.example",
                  import_s, raw_s, time.perf_counter() - started)  # fmt: skip


# --- the server and the browser --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(url: str, folder: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    env = {**os.environ, "TRACKER_DATABASE_URL": url, "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}  # fmt: skip
    command = [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port)]  # fmt: skip
    log = (folder / f"streamlit-{port}.log").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.25)
        else:
            raise RuntimeError(f"streamlit did not start: {(folder / f'streamlit-{port}.log').read_text()[-2000:]}")
        yield base, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        log.close()


def rss_mib(pid: int) -> float:
    """Resident memory of the server process (VmRSS), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _wait_idle(page: Any) -> None:
    from helpers import wait_for_app

    wait_for_app(page)


def sign_in(browser: Any, base: str, email: str) -> Any:
    from factories import DEFAULT_PASSWORD

    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900}, locale="en-CA",
                                  accept_downloads=True)  # fmt: skip
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    page.goto("/?lang=en")
    page.get_by_role("textbox", name="E-mail", exact=True).fill(email)
    page.get_by_role("textbox", name="Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("button", name="Sign out", exact=True).wait_for()
    _wait_idle(page)
    return page


def visit(page: Any, title: str, ready: Callable[[Any], None]) -> float:
    """Click the menu link ``title``; seconds until its h1 and its own content are drawn and the run ends."""
    started = time.perf_counter()
    page.get_by_role("link", name=title, exact=True).first.click()
    page.get_by_role("heading", name=title, level=1).wait_for()
    ready(page)
    _wait_idle(page)
    return time.perf_counter() - started


def _text(snippet: str) -> Callable[[Any], None]:
    return lambda page: page.get_by_text(snippet).first.wait_for()


def find_in_picker(page: Any, typed: str, expect: str) -> float:
    """My scorecards: type a label in the search box (Enter) until the picker offers that candidate."""
    box = page.get_by_role("textbox", name="Find a candidate", exact=True)
    started = time.perf_counter()
    box.fill(typed)
    box.press("Enter")
    page.get_by_text("Rows 1–1 of 1").first.wait_for(state="attached")  # in the (closed) Queue expander
    _wait_idle(page)
    page.get_by_text(expect).first.wait_for()
    return time.perf_counter() - started


def download(page: Any, button: str) -> float:
    started = time.perf_counter()
    with page.expect_download(timeout=UI_TIMEOUT_MS) as info:
        page.get_by_role("button", name=button, exact=True).click()
    info.value.path()  # the whole file has arrived
    return time.perf_counter() - started


def open_exports(page: Any) -> None:
    page.get_by_text("Reports and exports", exact=True).first.click()
    page.get_by_role("button", name="Merit view (XLSX)", exact=True).wait_for()
    _wait_idle(page)


def choose_posting(page: Any, title: str) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    box = page.get_by_role("combobox", name="Posting").first
    option = page.get_by_role("option", name=title).first
    for _attempt in range(5):
        # The page's focus script may move the focus once the run ends, closing a list just opened: retry.
        box.click()
        try:
            option.wait_for(timeout=5_000)
            option.click(timeout=5_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            _wait_idle(page)
    _wait_idle(page)
    if not posting_chosen(page, title):
        page.screenshot(path=str(ROOT / "artifacts" / "volume-choose-posting.png"), full_page=True)
        raise RuntimeError(f"the posting {title!r} could not be chosen (artifacts/volume-choose-posting.png)")


def posting_chosen(page: Any, title: str) -> bool:
    """The page's posting list shows ``title`` as its value (the combobox's input holds it)."""
    return page.get_by_role("combobox", name="Posting").first.input_value() == title


def measure_pages(seeded: Seeded, scenario: Scenario, folder: Path, label: str) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    out: list[dict[str, Any]] = []
    timings: dict[str, list[float]] = {}
    remembered: bool | None = None
    rss: list[float] = []
    with server(seeded.url, folder) as (base, process), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            chair = sign_in(browser, base, seeded.chair_email)
            manager = sign_in(browser, base, seeded.manager_email)
            pick = f"Candidate {min(scenario.candidates, 1500):02d}"
            for walk in range(max(WALKS, scenario.revisits + 1)):
                def add(name: str, seconds: float) -> None:
                    timings.setdefault(name, []).append(seconds)

                add("Outstanding work (chair)", visit(chair, "Outstanding work", _text("Rows 1–25 of")))
                add("Candidates (manager)", visit(manager, "Candidates and panels", _text("Rows 1–50 of")))
                add("My scorecards (chair)", visit(chair, "My scorecards", _text("Candidate to score")))
                add("My scorecards: find a candidate (chair)", find_in_picker(chair, pick.replace("Candidate", "Candidature"), pick))
                add("Consensus (chair)", visit(chair, "Consensus", _text("Find a candidate")))
                if walk == 0:
                    choose_posting(chair, "Service Designer (small)")
                    visit(chair, "Outstanding work", _text("Rows 1–25 of"))
                    visit(chair, "Consensus", _text("Find a candidate"))
                    remembered = posting_chosen(chair, "Service Designer (small)")
                    choose_posting(chair, "Data Analyst (volume)")
                visit(manager, "Results", _text("Reports and exports"))
                open_exports(manager)
                add("Results: merit XLSX download (manager)", download(manager, "Merit view (XLSX)"))
                add("Results: scores XLSX download (manager)", download(manager, "Raw scores (XLSX)"))
                rss.append(rss_mib(process.pid))
                print(f"    walk {walk + 1}: server RSS {rss[-1]:.0f} MiB", flush=True)
        finally:
            browser.close()
    for name, values in timings.items():
        goal_s = DOWNLOAD_GOAL_S if "download" in name else PAGE_GOAL_S
        goal = f"<= {goal_s:g} s"
        revisits = values[1 : 1 + scenario.revisits] if len(values) > 1 else values
        out.append(figure(f"volume.{label}.{name}: first visit", values[0], "s", goal=goal, limit=goal_s, absolute=True))
        out.append(figure(f"volume.{label}.{name}: revisit (median of {len(revisits)})", median(revisits), "s", goal=goal,
                          limit=goal_s, absolute=True))  # fmt: skip
    out.append(figure(f"volume.{label}.consensus remembers the posting", 1.0 if remembered else 0.0, "yes",
                      goal="== 1 (yes)", limit=1.0, absolute=True, higher_is_better=True))  # fmt: skip
    out.append(figure(f"volume.{label}.server RSS after {len(rss)} walks (2 sessions)", rss[-1], "MiB",
                      goal=f"<= {RSS_GOAL_MIB:g} MiB", limit=RSS_GOAL_MIB, absolute=True))  # fmt: skip
    growth = (rss[-1] - rss[0]) / rss[0]
    out.append(figure(f"volume.{label}.server RSS growth, walk 1 to {len(rss)}", growth * 100, "%",
                      goal=f"< {RSS_GROWTH_GOAL * 100:g} %", limit=RSS_GROWTH_GOAL * 100, absolute=True))  # fmt: skip
    return out


def import_figures(seeded: Seeded, scenario: Scenario, label: str) -> list[dict[str, Any]]:
    return [
        figure(f"volume.{label}.CSV import of {scenario.candidates:,} candidates", seeded.import_s, "s",
               baseline=seeded.raw_s, goal=f"<= {IMPORT_GOAL:g}x raw executemany", limit=IMPORT_GOAL,
               note="import_candidates_csv (parse, checks, inserts, audit) vs raw executemany of the same rows"),
        figure(f"volume.{label}.seeding through the services ({scenario.scored:,} × 2 scorecards)", seeded.seed_s, "s"),
    ]  # fmt: skip


def run_on(url: str, scenario: Scenario, folder: Path, label: str) -> list[dict[str, Any]]:
    from tracker.db import dispose_engines

    seeded = seed(url, scenario)
    dispose_engines()
    figures = import_figures(seeded, scenario, label)
    for fig in figures:
        print("  " + format_figure(fig), flush=True)
    if not CHROMIUM.exists():
        figures.append(figure(f"volume.{label}.pages in Chromium", None, "s", note=f"{CHROMIUM} is missing"))
        return figures
    pages = measure_pages(seeded, scenario, folder, label)
    for fig in pages:
        print("  " + format_figure(fig), flush=True)
    return figures + pages


def run(quick: bool = False, postgres: bool = True) -> list[dict[str, Any]]:
    from datagen import migrate

    scenario = QUICK if quick else FULL
    figures: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="tracker-volume-") as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'volume.sqlite3'}"
        migrate(url)
        figures += run_on(url, scenario, folder, "SQLite")
        if postgres:
            figures += _postgres(scenario, folder)
    return figures


def _postgres(scenario: Scenario, folder: Path) -> list[dict[str, Any]]:
    from common import unavailable
    from datagen import migrate
    from pg_server import PostgresUnavailable

    from tracker.db import dispose_engines

    try:
        from run import start_durable_server

        pg = start_durable_server()
    except (PostgresUnavailable, OSError) as exc:
        return [unavailable("volume.PostgreSQL", "s", f"skipped: {exc}")]
    try:
        pg.execute("CREATE DATABASE volume")
        url = pg.url("volume")
        migrate(url)
        return run_on(url, scenario, folder, "PostgreSQL")
    finally:
        dispose_engines()
        pg.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")
    for fig in run(quick=args.quick, postgres=not args.no_postgres):
        print(format_figure(fig))
    return 0


if __name__ == "__main__":
    sys.exit(main())
