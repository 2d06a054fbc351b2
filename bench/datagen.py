"""Synthetic data for the benchmarks: posting files and whole databases, made from ``examples/postings``.

Two kinds of data:

* **posting files** (:func:`write_posting_files`): bilingual pairs derived from the example postings,
  each with its own title, ``translationKey``, ``leverId`` and criteria (rotated within their section
  and reworded with a qualifier), so an import creates one posting per pair and nothing is "unchanged";
* **databases** (:func:`populate`, :func:`build_sqlite`): users, postings with their sources, locked
  rubrics, panels, candidates, declarations, submitted and draft scorecards with their scores,
  consensus, decisions and the audit trail a real process leaves (one event per saved score), written
  with bulk inserts (``connection.execute(insert(table), rows)``, i.e. executemany) in chunks.

Every database has the same two postings the figures look at, whatever its size:

* the **scoring posting** (20 candidates, panel of 3): the bench interviewer sits only on this panel,
  has submitted 10 scorecards, is halfway through a draft for the 11th (the one the scoring page opens)
  and has declared for the rest; so the scoring page does the same work on the small and the large
  database, and any difference is the cost of the database's size;
* the **merit posting** (2,000 candidates on the large sizes), owned by the bench manager.

Everything is fictional (Northwind Digital Service); names are made from short lists.
"""

from __future__ import annotations

import enum
import json
import operator
import random
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from common import ROOT
from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection, Engine

from tracker.models import (
    AuditEvent,
    AuditPersonalData,
    Candidate,
    Consensus,
    Criterion,
    Decision,
    Declaration,
    PanelMember,
    Posting,
    PostingSource,
    RatingLevel,
    Rubric,
    Score,
    Scorecard,
    User,
    utcnow,
)
from tracker.services.rubric_rows import DEFAULT_LEVELS

EXAMPLES = ROOT / "examples" / "postings"
CHUNK = 20_000  # rows per executemany: bounded memory, and still ~all of the bulk speed

QUALIFIERS = (
    ("", ""),
    (" in a public-sector setting", " dans un contexte de secteur public"),
    (" with partner departments", " avec des ministères partenaires"),
    (" at the scale of a national service", " à l’échelle d’un service national"),
    (" under tight deadlines", " dans des délais serrés"),
    (" in a bilingual team", " au sein d’une équipe bilingue"),
    (" for users with disabilities", " pour des personnes en situation de handicap"),
    (" in an agile delivery team", " dans une équipe de livraison agile"),
)
FIRST_NAMES = (
    "Amélie", "Jonah", "Priya", "Mathieu", "Aisha", "Noah", "Chloé", "Ravi", "Émile", "Sofia", "Liam", "Nadia",
    "Olivier", "Mei", "Gabriel", "Fatima", "Lucas", "Inès", "Samuel", "Yara", "Thomas", "Léa", "Kwame", "Zoé",
)  # fmt: skip
LAST_NAMES = (
    "Tremblay", "Nguyen", "Singh", "Gagnon", "Okafor", "Roy", "Chen", "Côté", "Haddad", "Bouchard", "Morin",
    "Kowalski", "Lavoie", "Fortin", "Osei", "Pelletier", "Ahmed", "Bélanger", "Leblanc", "Martin",
)  # fmt: skip
NOTES = (
    "Described leading a migration of a service to the cloud, with measured results.",
    "Gave a structured example: situation, actions, outcome; answers were concrete.",
    "Answer stayed general; no example of their own work was given.",
    "Strong example about explaining a trade-off to a non-technical audience.",
    "Referred to a team project; their own contribution was hard to tell apart.",
    "A clear, well-organised answer with two relevant examples from the last year.",
    "Exemple précis, avec le contexte, les actions et les résultats obtenus.",
    "Réponse générale, sans exemple tiré de son propre travail.",
)


# --- posting files ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """One example posting in one language: its text and where its criteria are."""

    lang: str
    text: str
    key: str
    criteria_lines: tuple[tuple[int, ...], ...]  # 0-based line numbers, grouped by section


@lru_cache(maxsize=1)
def example_templates() -> tuple[tuple[Template, Template], ...]:
    """The example postings as (EN, FR) pairs, with their criteria located by the project's parser."""
    from tracker.parsing import parse_paths

    run = parse_paths([EXAMPLES])
    if run.errors or not run.postings:
        raise RuntimeError(f"bench: cannot use {EXAMPLES} as templates: {run.errors or 'no postings'}")
    by_key: dict[str, dict[str, Template]] = {}
    for posting in run.postings:
        groups: dict[str, list[int]] = {}
        for criterion in posting.criteria:
            groups.setdefault(criterion.section, []).append(criterion.line - 1)
        template = Template(
            posting.lang, posting.text, str(posting.translation_key), tuple(tuple(g) for g in groups.values())
        )
        by_key.setdefault(template.key, {})[posting.lang] = template
    pairs = tuple((t["en"], t["fr"]) for _, t in sorted(by_key.items()) if "en" in t and "fr" in t)
    if not pairs:
        raise RuntimeError(f"bench: {EXAMPLES} holds no English/French pair to build postings from")
    return pairs


def variant_text(template: Template, number: int) -> str:
    """The template as posting ``number``: new title, key and Lever id; criteria rotated and reworded."""
    lines = template.text.splitlines()
    qualifier = QUALIFIERS[number % len(QUALIFIERS)][0 if template.lang == "en" else 1]
    for group in template.criteria_lines:
        bullets = [lines[i] for i in group]
        shift = number % len(bullets)
        bullets = bullets[shift:] + bullets[:shift]
        for i, bullet in zip(group, bullets, strict=True):
            lines[i] = bullet.rstrip() + qualifier
    suffix = f"{number:05d}"
    out = "\n".join(lines) + "\n"
    out = re.sub(r"^title: '(.*)'$", lambda m: f"title: '{m.group(1)} — {suffix}'", out, count=1, flags=re.M)
    out = re.sub(r"^translationKey: .*$", f"translationKey: {template.key}-{suffix}", out, count=1, flags=re.M)
    lever = uuid.uuid5(uuid.NAMESPACE_URL, f"northwind-bench/{template.key}/{number}")
    return re.sub(r"^leverId: .*$", f"leverId: {lever}", out, count=1, flags=re.M)


def write_posting_files(directory: Path, count: int) -> list[Path]:
    """Write ``count`` posting files (``count // 2`` bilingual pairs, plus one English file if odd)."""
    pairs = example_templates()
    (directory / "en").mkdir(parents=True, exist_ok=True)
    (directory / "fr").mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for number in range(count):
        pair = pairs[(number // 2) % len(pairs)]
        template = pair[number % 2]
        path = directory / template.lang / f"posting-{number // 2:05d}.{template.lang}.md"
        path.write_text(variant_text(template, number // 2), encoding="utf-8")
        paths.append(path)
    return paths


# --- databases -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    """How big a generated database is. Counts are totals over the whole database."""

    name: str
    postings: int
    candidates: int
    merit_candidates: int = 0  # 0: the scoring posting is also the merit posting
    scoring_candidates: int = 20
    panel: int = 3  # interviewers per panel
    criteria: tuple[int, int] = (7, 10)  # criteria per rubric, inclusive range (2 of them assets)
    interviewers: int = 0  # pool size; 0 = enough for each to sit on about ten panels
    submitted: float = 0.88  # share of seats with a submitted scorecard
    draft: float = 0.08  # share with a draft (half rated); the rest not started
    audit: bool = True  # one audit event (and personal payload) per saved score
    interviewer_panels: int = 1  # panels the bench interviewer sits on (their queue's postings)
    seed: int = 7

    def scaled(self, **changes: Any) -> Size:
        return replace(self, **changes)


SMALL = Size("small", postings=1, candidates=20)
LARGE = Size("large", postings=200, candidates=20_000, merit_candidates=2_000)
# --quick: the same shape, a fifth of the candidates; the merit posting keeps its 2,000 candidates.
QUICK_LARGE = Size("large (quick)", postings=20, candidates=4_000, merit_candidates=2_000)
# The smoke test's sizes (tests/test_bench_smoke.py): every code path, in seconds.
TINY_SMALL = Size("tiny small", postings=1, candidates=6, scoring_candidates=6, criteria=(3, 4))
TINY = Size("tiny", postings=3, candidates=30, merit_candidates=8, scoring_candidates=6, criteria=(3, 4))


@dataclass(frozen=True)
class Dataset:
    """What the figures need to know about a generated database."""

    url: str
    size: Size
    admin_id: int
    manager_id: int
    interviewer_id: int  # the bench interviewer: on the scoring posting's panel only
    scoring_posting_id: int
    scoring_candidate_id: int  # the candidate whose draft the scoring page opens
    scoring_card_id: int  # the bench interviewer's draft scorecard for that candidate
    scoring_criterion_ids: tuple[int, ...]
    merit_posting_id: int
    merit_candidates: int
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def describe(self) -> str:
        c = self.counts
        return (
            f"{self.size.name}: {c.get('posting', 0):,} postings, {c.get('candidate', 0):,} candidates, "
            f"{c.get('scorecard', 0):,} scorecards, {c.get('score', 0):,} scores, "
            f"{c.get('audit_event', 0):,} audit events (built in {self.seconds:.1f} s)"
        )


class _Ids:
    """Explicit primary keys continuing each table's current maximum: no RETURNING round trips."""

    def __init__(self, conn: Connection) -> None:
        self._next: dict[str, int] = {}
        self._conn = conn

    def take(self, table: Any, n: int) -> range:
        name = table.name
        if name not in self._next:
            self._next[name] = int(self._conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1
        start = self._next[name]
        self._next[name] = start + n
        return range(start, start + n)


def _bulk(conn: Connection, model: Any, rows: Iterable[dict[str, Any]]) -> int:
    """Raw ``executemany`` (SQLite) or ``COPY`` (PostgreSQL) in chunks, values adapted once per column kind.

    SQLAlchemy's per-value bind processing cost more than SQLite's own inserts (5 s of 11 s for the
    quick database); the driver-level executemany writes the same values the ORM would: SQLite
    datetimes as SQLAlchemy's ``YYYY-MM-DD HH:MM:SS.ffffff`` text, dates as ISO text, enums by name.
    Every row of one call has the keys of the first.
    """
    table = model.__table__
    sqlite = conn.dialect.name == "sqlite"
    total = 0
    statement = ""
    getter: Callable[[dict[str, Any]], tuple[Any, ...]] | None = None
    chunk: list[tuple[Any, ...]] = []
    names = ""

    def write(rows_: list[tuple[Any, ...]]) -> None:
        if sqlite:
            conn.exec_driver_sql(statement, rows_)
            return
        # PostgreSQL: COPY, its bulk path (executemany is ~10x slower here, one round trip per row).
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for values in rows_:
                copy.write_row(values)

    for row in rows:
        if getter is None:
            defaults = _column_defaults(table, set(row))
            columns = [*row, *defaults]
            names = ", ".join(f'"{c}"' for c in columns)
            statement = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" for _ in columns)})'
            getter = _row_getter(row, defaults, sqlite)
        chunk.append(getter(row))
        if len(chunk) >= CHUNK:
            write(chunk)
            total += len(chunk)
            chunk = []
    if chunk:
        write(chunk)
        total += len(chunk)
    return total


def _row_getter(
    first: dict[str, Any], defaults: dict[str, Any], sqlite: bool
) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A function from a row dict to its parameter tuple. Only the columns whose first value is a
    datetime, a date or an enum pay for a conversion (on SQLite; psycopg adapts them itself)."""
    keys = list(first)
    fixed = tuple(_adapt(v, sqlite) for v in defaults.values())
    slow = [i for i, k in enumerate(keys) if _adapt(first[k], sqlite) is not first[k]]

    def pick(row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(row[k] for k in keys)

    if len(keys) > 1:
        pick = operator.itemgetter(*keys)  # type: ignore[assignment]  (the fast path for tuples)
    if not slow:
        return lambda row: pick(row) + fixed

    def convert(row: dict[str, Any]) -> tuple[Any, ...]:
        values = list(pick(row))
        for i in slow:
            values[i] = _adapt(values[i], sqlite)
        return (*values, *fixed)

    return convert


def _column_defaults(table: Any, given: set[str]) -> dict[str, Any]:
    """The model's Python-side defaults (``version = 1``, ``created_at = utcnow()``…) for the columns
    the rows leave out: raw SQL does not apply them, and most of these columns are NOT NULL."""
    out: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if column.name in given or default is None or column.primary_key:
            continue
        if default.is_scalar:
            out[column.name] = default.arg
        elif default.is_callable:
            out[column.name] = default.arg(None)
    return out


_SQLITE_DATETIMES: dict[datetime, str] = {}


def _adapt(value: Any, sqlite: bool) -> Any:
    if isinstance(value, enum.Enum):
        return value.name
    if sqlite and isinstance(value, datetime):
        text_value = _SQLITE_DATETIMES.get(value)
        if text_value is None:
            text_value = _SQLITE_DATETIMES[value] = value.strftime("%Y-%m-%d %H:%M:%S.%f")
        return text_value
    if sqlite and isinstance(value, date):
        return value.isoformat()
    return value


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _criteria_pool() -> list[tuple[str, str, str]]:
    """(kind, English text, French text) of every example criterion, paired by position."""
    from tracker.parsing import parse_bytes

    pool: list[tuple[str, str, str]] = []
    for en, fr in example_templates():
        c_en = parse_bytes(en.text.encode(), path="en.md").criteria
        c_fr = parse_bytes(fr.text.encode(), path="fr.md").criteria
        pool.extend((a.kind, a.text, b.text) for a, b in zip(c_en, c_fr, strict=False))
    return pool


def populate(engine: Engine, size: Size) -> Dataset:
    """Fill an empty, migrated database with ``size``'s data (one transaction); return what was made."""
    started = time.perf_counter()
    rng = random.Random(size.seed)
    now = utcnow()
    pool = _criteria_pool()
    templates = example_templates()
    postings_n = max(1, size.postings)
    merit_separate = size.merit_candidates > 0 and postings_n >= 2
    other_postings = postings_n - 1 - (1 if merit_separate else 0)
    rest = size.candidates - size.scoring_candidates - (size.merit_candidates if merit_separate else 0)
    if rest < 0 or (other_postings == 0 and rest > 0) or (other_postings > 0 and rest < other_postings):
        raise ValueError(f"{size}: the candidate total does not fit the postings")
    per_posting = [size.scoring_candidates] + ([size.merit_candidates] if merit_separate else [])
    per_posting += _split(rest, other_postings) if other_postings else []
    pool_size = size.interviewers or max(size.panel + 3, postings_n * size.panel // 10)

    with engine.begin() as conn:
        ids = _Ids(conn)
        # Users: one admin, the bench manager, other managers, the bench interviewer and a pool.
        managers_n = max(1, postings_n // 25)
        user_ids = ids.take(User.__table__, 2 + managers_n + 1 + pool_size)
        admin_id, manager_id = user_ids[0], user_ids[1]
        other_managers = list(user_ids[2 : 2 + managers_n])
        interviewer_id = user_ids[2 + managers_n]
        pool_ids = list(user_ids[3 + managers_n :])
        names = {uid: f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for uid in user_ids}

        def user_row(uid: int, role: str, email: str) -> dict[str, Any]:
            return {"id": uid, "email": email, "display_name": names[uid], "role": role, "created_at": now}

        users = [user_row(admin_id, "admin", "bench.admin@northwind.example"),
                 user_row(manager_id, "manager", "bench.manager@northwind.example"),
                 user_row(interviewer_id, "interviewer", "bench.interviewer@northwind.example")]  # fmt: skip
        users += [user_row(u, "manager", f"manager{i}@northwind.example") for i, u in enumerate(other_managers)]
        users += [user_row(u, "interviewer", f"panel{i}@northwind.example") for i, u in enumerate(pool_ids)]
        _bulk(conn, User, users)

        posting_ids = list(ids.take(Posting.__table__, postings_n))
        scoring_posting_id = posting_ids[0]
        merit_posting_id = posting_ids[1] if merit_separate else scoring_posting_id
        postings, sources, rubrics, levels, criteria, panels = [], [], [], [], [], []
        rubric_ids = ids.take(Rubric.__table__, postings_n)
        criteria_of: dict[int, list[tuple[int, bool]]] = {}  # posting -> [(criterion id, is asset)]
        lineage_of: dict[int, str] = {}  # criterion id -> lineage (consensus rows are keyed by it)
        panel_of: dict[int, list[int]] = {}
        # The bench interviewer chairs the scoring posting's panel and sits on the next
        # ``interviewer_panels - 1`` postings' panels (never the merit posting's).
        extra_panels = {p for p in posting_ids if p not in (scoring_posting_id, merit_posting_id)}
        extra_panels = set(sorted(extra_panels)[: size.interviewer_panels - 1])
        for index, pid in enumerate(posting_ids):
            en, fr = templates[index % len(templates)]
            key = "bench-scoring" if index == 0 else ("bench-merit" if pid == merit_posting_id else f"bench-{index:05d}")
            en_text, fr_text = variant_text(en, index), variant_text(fr, index)
            title_en = re.search(r"^title: '(.*)'$", en_text, re.M)
            title_fr = re.search(r"^title: '(.*)'$", fr_text, re.M)
            owner = manager_id if pid in (scoring_posting_id, merit_posting_id) else other_managers[index % managers_n]
            postings.append({
                "id": pid, "translation_key": key, "title_en": title_en.group(1) if title_en else key,
                "title_fr": title_fr.group(1) if title_fr else key, "owner_id": owner, "archived": False,
                "opened_on": (now - timedelta(days=30 + index)).date(), "created_at": now, "updated_at": now,
            })  # fmt: skip
            for lang, body in (("en", en_text), ("fr", fr_text)):
                sources.append({
                    "posting_id": pid, "lang": lang, "path": f"{key}.{lang}.md", "content": body,
                    "content_hash": uuid.uuid5(uuid.NAMESPACE_URL, f"{key}/{lang}").hex * 2, "imported_at": now,
                })  # fmt: skip
            rid = rubric_ids[index]
            rubrics.append({"id": rid, "posting_id": pid, "version_number": 1, "status": "locked",
                            "created_at": now, "locked_at": now})  # fmt: skip
            levels += [{**level, "rubric_id": rid} for level in DEFAULT_LEVELS]
            k = rng.randint(*size.criteria)
            crit_ids = ids.take(Criterion.__table__, k)
            start = rng.randrange(len(pool))
            criteria_of[pid] = []
            for number, cid in enumerate(crit_ids, start=1):
                _, text_en, text_fr = pool[(start + number) % len(pool)]
                asset = number > k - 2
                q_en, q_fr = QUALIFIERS[(index + number) % len(QUALIFIERS)]
                lineage_of[cid] = str(uuid.UUID(int=rng.getrandbits(128)))
                criteria.append({
                    "id": cid, "rubric_id": rid, "lineage": lineage_of[cid],
                    "number": number, "kind": "asset" if asset else "essential", "text_en": text_en + q_en,
                    "text_fr": text_fr + q_fr, "weight": 1.0 if asset else float(1 + number % 3), "pass_mark": 3,
                    "min_raters": 2,
                })  # fmt: skip
                criteria_of[pid].append((cid, asset))
            if index == 0 or pid in extra_panels:
                members = [interviewer_id, *rng.sample(pool_ids, size.panel - 1)]
            else:
                members = rng.sample(pool_ids, size.panel)
            panel_of[pid] = members
            panels += [{"posting_id": pid, "user_id": u, "is_chair": i == 0, "added_at": now}
                       for i, u in enumerate(members)]  # fmt: skip
        _bulk(conn, Posting, postings)
        _bulk(conn, PostingSource, sources)
        _bulk(conn, Rubric, rubrics)
        _bulk(conn, RatingLevel, levels)
        _bulk(conn, Criterion, criteria)
        _bulk(conn, PanelMember, panels)
        del postings, sources, rubrics, levels, criteria, panels

        # Candidates, and per panel seat: declaration, scorecard, scores (and their audit events).
        candidate_ids = ids.take(Candidate.__table__, sum(per_posting))
        candidates_of: dict[int, list[int]] = {}
        cursor = 0
        for pid, n in zip(posting_ids, per_posting, strict=True):
            candidates_of[pid] = list(candidate_ids[cursor : cursor + n])
            cursor += n

        def candidate_rows() -> Iterator[dict[str, Any]]:
            for pid in posting_ids:
                for number, cid in enumerate(candidates_of[pid], start=1):
                    yield {
                        "id": cid, "posting_id": pid, "label_number": number, "label": f"Candidate {number:02d}",
                        "name": f"{FIRST_NAMES[cid % len(FIRST_NAMES)]} {LAST_NAMES[(cid // 7) % len(LAST_NAMES)]}",
                        "email": f"applicant{cid}@example.org", "language": "fr" if cid % 3 == 0 else "en",
                        "status": "active", "created_at": now, "updated_at": now,
                    }  # fmt: skip

        _bulk(conn, Candidate, candidate_rows())

        declarations: list[dict[str, Any]] = []
        cards: list[dict[str, Any]] = []
        scores: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        personal: list[dict[str, Any]] = []
        consensus: list[dict[str, Any]] = []
        decisions: list[dict[str, Any]] = []
        bias = {u: rng.uniform(-0.6, 0.6) for u in [interviewer_id, *pool_ids]}
        scoring_card_id = scoring_candidate_id = 0

        def flush(final: bool = False) -> None:
            # In dependency order, all lists at once: a score never goes in before its scorecard.
            pending = ((Declaration, declarations), (Scorecard, cards), (Score, scores), (AuditEvent, events),
                       (AuditPersonalData, personal), (Consensus, consensus), (Decision, decisions))  # fmt: skip
            if not final and all(len(rows) < CHUNK for _, rows in pending):
                return
            for model, rows in pending:
                if rows:
                    _bulk(conn, model, rows)
                    rows.clear()

        card_ids = iter(ids.take(Scorecard.__table__, sum(len(candidates_of[p]) * len(panel_of[p]) for p in posting_ids)))
        max_scores = sum(len(candidates_of[p]) * len(panel_of[p]) * len(criteria_of[p]) for p in posting_ids)
        score_ids = iter(ids.take(Score.__table__, max_scores))
        event_ids = iter(ids.take(AuditEvent.__table__, max_scores))
        for pid, rid in zip(posting_ids, rubric_ids, strict=True):
            crits = criteria_of[pid]
            for number, cid in enumerate(candidates_of[pid], start=1):
                ability = rng.uniform(1.4, 4.8)
                label = f"Candidate {number:02d}"
                all_submitted = True
                for seat, uid in enumerate(panel_of[pid]):
                    if pid == scoring_posting_id and uid == interviewer_id:
                        # The bench interviewer: the first half submitted, a half-done draft, then declared only.
                        half = len(candidates_of[pid]) // 2
                        status = "submitted" if number <= half else ("draft" if number == half + 1 else None)
                    else:
                        roll = rng.random()
                        status = "submitted" if roll < size.submitted else ("draft" if roll < size.submitted + size.draft else None)
                    declared = status is not None or (pid == scoring_posting_id and uid == interviewer_id) or rng.random() < 0.5
                    if declared:
                        declarations.append({"candidate_id": cid, "user_id": uid, "has_conflict": False,
                                             "language": "fr" if cid % 3 == 0 else "en", "declared_at": now})  # fmt: skip
                    if status is None:
                        all_submitted = False
                        continue
                    card_id = next(card_ids)
                    opened = now - timedelta(hours=rng.randint(4, 400))
                    cards.append({
                        "id": card_id, "candidate_id": cid, "interviewer_id": uid, "rubric_id": rid,
                        "status": status, "created_at": opened,
                        "updated_at": now, "submitted_at": now if status == "submitted" else None,
                        "recommendation": "yes" if status == "submitted" and ability >= 3 else None,
                        "overall_notes": "",
                    })  # fmt: skip
                    if pid == scoring_posting_id and uid == interviewer_id and status == "draft":
                        scoring_card_id, scoring_candidate_id = card_id, cid
                    rated = crits if status == "submitted" else crits[: len(crits) // 2]
                    all_submitted &= status == "submitted"
                    for crit_id, _asset in rated:
                        not_assessed = rng.random() < 0.03
                        rating = None if not_assessed else max(1, min(5, round(ability + bias[uid] + rng.gauss(0, 0.7))))
                        score_id = next(score_ids)
                        note = NOTES[(score_id + seat) % len(NOTES)]
                        scores.append({"id": score_id, "scorecard_id": card_id, "criterion_id": crit_id, "rating": rating,
                                       "not_assessed": not_assessed, "notes": note, "updated_at": now})  # fmt: skip
                        if size.audit:
                            event_id = next(event_ids)
                            events.append({
                                "id": event_id, "at": opened, "actor_id": uid, "action": "score.save_draft",
                                "entity_type": "score", "entity_id": score_id, "posting_id": pid, "candidate_label": label,
                            })  # fmt: skip
                            personal.append({"audit_event_id": event_id, "candidate_id": cid, "after_json": json.dumps(
                                {"scorecard_id": card_id, "criterion_id": crit_id, "rating": rating, "notes": note})})  # fmt: skip
                # Half of the fully scored candidates went through consensus; most of those have a decision.
                if all_submitted and pid != scoring_posting_id and rng.random() < 0.5:
                    consensus += [{"candidate_id": cid, "criterion_id": crit_id, "lineage": lineage_of[crit_id],
                                   "rating": max(1, min(5, round(ability))),
                                   "not_assessed": False, "rationale": "Agreed at the board's debrief.",
                                   "decided_by_id": panel_of[pid][0], "decided_at": now} for crit_id, _ in crits]  # fmt: skip
                    if rng.random() < 0.7:
                        decisions.append({"candidate_id": cid, "outcome": "qualified" if ability >= 3 else "not_qualified",
                                          "rationale": "Met the essential criteria." if ability >= 3 else "Did not meet them.",
                                          "decided_by_id": manager_id, "decided_at": now})  # fmt: skip
            flush()
        flush(final=True)
    if engine.dialect.name == "postgresql":
        _reset_sequences(engine)
    with engine.connect() as conn:
        counts = {
            name: int(conn.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one())
            for name in ("posting", "candidate", "scorecard", "score", "audit_event", "consensus", "decision", "user")
        }
    scoring_criteria = tuple(cid for cid, _ in criteria_of[scoring_posting_id])
    return Dataset(
        url=engine.url.render_as_string(hide_password=False), size=size, admin_id=admin_id, manager_id=manager_id,
        interviewer_id=interviewer_id, scoring_posting_id=scoring_posting_id, scoring_candidate_id=scoring_candidate_id,
        scoring_card_id=scoring_card_id, scoring_criterion_ids=scoring_criteria, merit_posting_id=merit_posting_id,
        merit_candidates=len(candidates_of[merit_posting_id]), counts=counts, seconds=time.perf_counter() - started,
    )  # fmt: skip


def _reset_sequences(engine: Engine) -> None:
    """Explicit ids leave PostgreSQL's sequences behind: move them past the rows, and refresh statistics
    as autovacuum would on a database that grew over months."""
    tables = ("user", "posting", "postingsource", "rubric", "rating_level", "criterion", "panel_member", "candidate",
              "declaration", "scorecard", "score", "consensus", "decision", "audit_event")  # fmt: skip
    with engine.begin() as conn:
        for name in tables:
            conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM \"{name}\"), false)"
            ))  # fmt: skip
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))


def copy_into(dataset: Dataset, engine: Engine) -> Dataset:
    """The same rows as ``dataset`` (a generated SQLite file) in another migrated, empty database.

    Used for PostgreSQL: the two databases are then identical, and copying (``COPY`` from the SQLite
    rows) is several times faster than generating the rows again in Python.
    """
    import sqlite3

    from sqlmodel import SQLModel

    started = time.perf_counter()
    source = sqlite3.connect(dataset.url.removeprefix("sqlite:///"))
    postgres = engine.dialect.name == "postgresql"
    try:
        with engine.begin() as conn:
            if postgres:  # SQLite holds UTC wall-clock text: read it as UTC whatever the server's zone
                conn.exec_driver_sql("SET LOCAL TIME ZONE 'UTC'")
            for table in SQLModel.metadata.sorted_tables:
                names = [c.name for c in table.columns]
                quoted = ", ".join(f'"{n}"' for n in names)
                cursor = source.execute(f'SELECT {quoted} FROM "{table.name}"')
                while rows := cursor.fetchmany(CHUNK):
                    if postgres:
                        raw = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
                        with raw.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                            for row in rows:
                                copy.write_row(row)
                    else:
                        marks = ", ".join("?" for _ in names)
                        conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks})', rows)
    finally:
        source.close()
    if postgres:
        _reset_sequences(engine)
    url = engine.url.render_as_string(hide_password=False)
    return replace(dataset, url=url, seconds=time.perf_counter() - started)


def migrate(url: str) -> None:
    """Create the schema through the project's Alembic migrations, as production does."""
    import logging

    from tracker.migrations import upgrade

    logging.getLogger("alembic").setLevel(logging.WARNING)
    upgrade(url)


def build_sqlite(path: Path, size: Size) -> Dataset:
    """A new migrated SQLite file at ``path`` holding ``size``'s data."""
    from tracker.db import make_engine

    if path.exists():
        path.unlink()
    url = f"sqlite:///{path}"
    migrate(url)
    engine = make_engine(url)
    try:
        return populate(engine, size)
    finally:
        engine.dispose()


class DatabaseCache:
    """Generated databases, built once per run and shared by every figure that needs them."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._built: dict[str, Dataset] = {}

    def sqlite(self, size: Size) -> Dataset:
        key = f"sqlite:{size}"
        if key not in self._built:
            name = re.sub(r"[^a-z0-9]+", "-", size.name.lower()).strip("-")
            self._built[key] = build_sqlite(self.directory / f"{name}-{len(self._built)}.sqlite3", size)
        return self._built[key]

    def remember(self, key: str, dataset: Dataset) -> None:
        self._built[key] = dataset

    def get(self, key: str) -> Dataset | None:
        return self._built.get(key)
