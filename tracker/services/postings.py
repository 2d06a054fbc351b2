"""Postings: import parsed Markdown files into the database, list them, edit dates and owner.

Import is idempotent by content hash: a posting whose files are unchanged is left alone. A changed
posting rewrites its draft rubric in place, or — once the rubric is locked because scoring began —
becomes a new rubric version, so scores already given stay attached to the criteria they rated.
Each bilingual posting is imported in its own transaction: a failure leaves nothing half-imported and
does not stop the others.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from tracker import parsing
from tracker.db import write_session
from tracker.i18n import N_
from tracker.i18n.message import Message
from tracker.models import (
    Candidate,
    Criterion,
    Lang,
    Posting,
    PostingSource,
    Role,
    Rubric,
    RubricStatus,
    Scorecard,
    ScorecardStatus,
    User,
    utcnow,
)
from tracker.services.actor import Actor
from tracker.services.audit import record_event
from tracker.services.common import bump_version, dumps, loads
from tracker.services.errors import NotFoundError, PermissionDeniedError, TrackerError, ValidationError
from tracker.services.permissions import (
    get_posting_or_404,
    is_posting_manager,
    require_posting_manager,
    require_role,
    require_view_posting,
    visible_posting_ids,
)
from tracker.services.rubric_rows import carry_lineage, create_rubric, current_rubric_row, rubric_criteria, write_rubric
from tracker.services.rubrics import RubricView, rubric_view
from tracker.services.server_files import record_refusals, server_files

_UNSET: Any = object()

# Import outcomes per bilingual posting.
ACTIONS = ("created", "updated", "new_version", "unchanged", "error")
LANGS = ("en", "fr")
# Sentences that name a language: one per language, so a translation can word each naturally.
_CLASHING_KEY = {
    "en": N_("{path} and {other} both claim translationKey “{key}” in English; give one of them another translationKey."),
    "fr": N_("{path} and {other} both claim translationKey “{key}” in French; give one of them another translationKey."),
}
_NO_SOURCE = {
    "en": N_("This posting has no English file to take sections from."),
    "fr": N_("This posting has no French file to take sections from."),
}


# The outcome of importing one posting (or one file that failed to parse).
@dataclass
class ImportItem:
    path: str
    translation_key: str | None
    action: str
    criteria_count: int = 0
    sections: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None  # a translatable Message (a str): pages show error.translate(lang)
    posting_id: int | None = None
    rubric_version: int | None = None


@dataclass
class ImportReport:
    items: list[ImportItem] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(item.action == "error" for item in self.items)

    def counts(self) -> dict[str, int]:
        return {action: sum(1 for i in self.items if i.action == action) for action in ACTIONS}


# progress(done, total, label) is called after each posting.
ProgressCallback = Callable[[int, int, str], None]


# A posting as the list shows it.
@dataclass(frozen=True)
class PostingSummary:
    id: int
    translation_key: str
    title_en: str | None
    title_fr: str | None
    owner_id: int | None
    owner_name: str | None
    opened_on: date | None
    closed_on: date | None
    archived: bool
    rubric_id: int | None
    rubric_version: int | None
    rubric_status: RubricStatus | None
    candidates: int
    scorecards_submitted: int
    scorecards_total: int
    version: int


# One language's source file.
@dataclass(frozen=True)
class SourcePublic:
    lang: Lang
    path: str
    content_hash: str
    content: str
    metadata: dict
    warnings: list[str]
    imported_at: datetime


@dataclass(frozen=True)
class PostingDetail:
    id: int
    translation_key: str
    title_en: str | None
    title_fr: str | None
    description_en: str | None
    description_fr: str | None
    lever_id: str | None
    archived: bool
    owner_id: int | None
    owner_name: str | None
    opened_on: date | None
    closed_on: date | None
    created_at: datetime
    updated_at: datetime
    version: int
    sources: list[SourcePublic]


# One section of a source file, for choosing where the criteria come from.
@dataclass(frozen=True)
class SectionInfo:
    index: int
    heading: str
    level: int
    role: str | None
    items: list[str]
    line: int
    used: bool


# --- import --------------------------------------------------------------------------------------


def derived_key(posting: parsing.ParsedPosting) -> str:
    """A stable key for a posting without ``translationKey``: its Lever id, else its file name."""
    if posting.translation_key:
        return str(posting.translation_key).strip()
    if posting.lever_id:
        return f"lever-{str(posting.lever_id).strip()}"
    stem = Path(posting.path).stem
    stem = re.sub(r"[._-](en|fr)$", "", stem, flags=re.IGNORECASE)
    return f"file-{stem}"


def _parse_inputs(
    paths: Iterable[str | Path] | None, files: Iterable[tuple[str, bytes]] | None
) -> tuple[list[parsing.ParsedPosting], list[tuple[str, str]]]:
    postings: list[parsing.ParsedPosting] = []
    errors: list[tuple[str, str]] = []
    if paths:
        run = parsing.parse_paths(list(paths))
        postings.extend(run.postings)
        errors.extend(run.errors)
    for name, data in files or []:
        try:
            postings.append(parsing.parse_bytes(data, path=name))
        except parsing.PostingError as exc:
            errors.append((name, exc.message))
    return postings, errors


def _group(
    postings: list[parsing.ParsedPosting],
) -> tuple[dict[str, dict[str, parsing.ParsedPosting]], list[tuple[str, str | None, str]]]:
    """Bilingual units by key; a key with two files in one language is an error, not a guess."""
    pair_keys: dict[str, str] = {}
    try:
        for pair in parsing.pair_postings(postings):
            for path in (pair.en, pair.fr):
                if path:
                    pair_keys[str(path)] = pair.translation_key
    except Exception:
        pair_keys = {}
    groups: dict[str, dict[str, parsing.ParsedPosting]] = {}
    errors: list[tuple[str, str | None, str]] = []
    clashing: set[str] = set()
    for posting in postings:
        key = (posting.translation_key and str(posting.translation_key).strip()) or pair_keys.get(posting.path) or derived_key(posting)
        lang = posting.lang if posting.lang in LANGS else "en"
        group = groups.setdefault(key, {})
        if lang in group:
            clashing.add(key)
            errors.append((posting.path, key, Message(_CLASHING_KEY[lang], path=posting.path, other=group[lang].path, key=key)))
            continue
        group[lang] = posting
    for key in clashing:
        errors.append(
            (
                " + ".join(p.path for p in groups[key].values()),
                key,
                Message(N_("Posting “{key}” was not imported: see the error above."), key=key),
            )
        )
        del groups[key]
    return groups, errors


def import_postings(
    engine: Engine,
    actor: Actor,
    *,
    paths: list[str | Path] | None = None,
    files: list[tuple[str, bytes]] | None = None,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Parse and store postings; one transaction per bilingual posting. Admins and managers only.

    A manager's new postings are theirs; a posting owned by someone else is reported as an error.
    ``files`` are uploads (name and bytes; managers too). ``paths`` are read from the server's disk and
    pass :func:`tracker.services.server_files.server_files` first: administrators only, below
    ``TRACKER_IMPORT_ROOT``, ``.md``/``.markdown`` only, sizes capped; refusals are reported and audited.
    """
    require_role(actor, Role.admin, Role.manager)
    refused: list[tuple[str, Message]] = []
    if paths:
        if not actor.is_admin:
            message = Message(N_("Only administrators import postings from the server; upload the files instead."))
            record_refusals(engine, actor, [(str(path), message) for path in paths])
            raise PermissionDeniedError(message)
        gate = server_files(actor, list(paths))
        paths, refused = list(gate.files), gate.refusals
        record_refusals(engine, actor, refused)
    postings, parse_errors = _parse_inputs(paths, files)
    report = ImportReport()
    for path, message in refused:
        report.items.append(ImportItem(path=path, translation_key=None, action="error", error=message))
    for path, message in parse_errors:
        report.items.append(ImportItem(path=path, translation_key=None, action="error", error=message))
    groups, group_errors = _group(postings)
    for path, key, message in group_errors:
        report.items.append(ImportItem(path=path, translation_key=key, action="error", error=message))
    total = len(groups)
    for done, (key, group) in enumerate(sorted(groups.items()), start=1):
        label = " + ".join(p.path for p in group.values())
        try:
            with write_session(engine) as session:
                item = _import_one(session, actor, key, group)
        except TrackerError as exc:
            item = ImportItem(path=label, translation_key=key, action="error", error=exc.message)
        except IntegrityError:
            item = ImportItem(
                path=label, translation_key=key, action="error",
                error=Message(
                    N_("Posting “{key}” was being imported by someone else at the same moment; import it again."), key=key
                ),
            )
        except OperationalError as exc:
            item = ImportItem(
                path=label, translation_key=key, action="error",
                error=Message(N_("The database refused the write: {error}"), error=str(exc.orig)),
            )
        report.items.append(item)
        if progress is not None:
            progress(done, total, label)
    return report


def _criteria_rows(
    parsed: dict[str, parsing.ParsedPosting], chosen: dict[str, list[int]]
) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Pair the EN and FR criteria by position into rubric rows; returns rows, sections used, warnings."""
    per_lang: dict[str, list[parsing.ParsedCriterion]] = {}
    warnings: list[str] = []
    for lang, posting in parsed.items():
        criteria = posting.criteria
        indices = chosen.get(lang)
        if indices:
            known = {s.index for s in posting.sections}
            if set(indices) <= known:
                criteria = parsing.criteria_from_sections(posting, indices)
            else:
                warnings.append(
                    f"The sections chosen earlier for the {lang.upper()} rubric no longer exist; "
                    "the parser's choice was used. Check the rubric."
                )
        per_lang[lang] = list(criteria)
    en, fr = per_lang.get("en", []), per_lang.get("fr", [])
    if en and fr and len(en) != len(fr):
        warnings.append(
            f"The English file has {len(en)} criteria and the French file {len(fr)}; they were paired in order. "
            "Check the rubric."
        )
    rows: list[dict[str, Any]] = []
    for i in range(max(len(en), len(fr))):
        c_en = en[i] if i < len(en) else None
        c_fr = fr[i] if i < len(fr) else None
        kind = (c_en or c_fr).kind  # type: ignore[union-attr]
        if c_en and c_fr and c_en.kind != c_fr.kind:
            warnings.append(f"Criterion {i + 1} is {c_en.kind} in English but {c_fr.kind} in French; kept {kind}.")
        rows.append(
            {
                "kind": kind if kind in ("essential", "asset") else "essential",
                "text_en": c_en.text if c_en else "",
                "text_fr": c_fr.text if c_fr else "",
                "section_en": c_en.section if c_en else None,
                "section_fr": c_fr.section if c_fr else None,
                "line_en": c_en.line if c_en else None,
                "line_fr": c_fr.line if c_fr else None,
            }
        )
    sections = sorted({f"{lang}: {c.section}" for lang, cs in per_lang.items() for c in cs if c.section})
    return rows, sections, warnings


_COMPARED = ("kind", "text_en", "text_fr", "section_en", "section_fr")


def _same_criteria(rows: list[dict[str, Any]], previous: list[Criterion]) -> bool:
    if len(rows) != len(previous):
        return False
    return all(
        all(str(row[k] or "") == str(getattr(old, k) or "") for k in _COMPARED)
        for row, old in zip(rows, previous, strict=True)
    )


def _reparse_stored(source: PostingSource) -> parsing.ParsedPosting:
    return parsing.parse_bytes(source.content.encode("utf-8"), path=source.path)


def _import_one(session: Session, actor: Actor, key: str, group: dict[str, parsing.ParsedPosting]) -> ImportItem:
    label = " + ".join(p.path for p in group.values())
    warnings = [f"{p.path}: {w}" for p in group.values() for w in p.warnings]
    posting = session.exec(select(Posting).where(Posting.translation_key == key)).first()
    if posting is not None and not is_posting_manager(actor, posting):
        raise PermissionDeniedError(
            N_("Posting “{key}” already exists and belongs to another hiring manager; ask them or an administrator to import it."),
            key=key,
        )
    sources: dict[str, PostingSource] = {}
    if posting is not None:
        sources = {
            str(s.lang): s for s in session.exec(select(PostingSource).where(PostingSource.posting_id == posting.id)).all()
        }
        if all(lang in sources and sources[lang].content_hash == p.content_hash for lang, p in group.items()):
            rubric = current_rubric_row(session, posting.id or 0)
            count = len(rubric_criteria(session, rubric.id or 0)) if rubric else 0
            return ImportItem(
                path=label, translation_key=key, action="unchanged", criteria_count=count,
                posting_id=posting.id, rubric_version=rubric.version_number if rubric else None,
            )
    # The full bilingual picture: files given now, plus the other language as stored before.
    parsed: dict[str, parsing.ParsedPosting] = dict(group)
    for lang, source in sources.items():
        if lang not in parsed:
            parsed[lang] = _reparse_stored(source)
    rubric = current_rubric_row(session, posting.id or 0) if posting is not None else None
    chosen = loads(rubric.source_sections_json, {}) if rubric is not None else {}
    rows, sections, row_warnings = _criteria_rows(parsed, chosen)
    warnings += row_warnings
    if not rows:
        warnings.append("No criteria were found: choose the sections that hold them on the rubric page.")

    now = utcnow()
    titles = parsed
    values: dict[str, Any] = {
        "title_en": titles["en"].title if "en" in titles else None,
        "title_fr": titles["fr"].title if "fr" in titles else None,
        "description_en": _text_or_none(titles["en"].description) if "en" in titles else None,
        "description_fr": _text_or_none(titles["fr"].description) if "fr" in titles else None,
        "lever_id": next((str(p.lever_id) for p in parsed.values() if p.lever_id), None),
        "archived": any(bool(p.archived) for p in group.values()),
        "updated_at": now,
    }
    before: dict[str, Any] | None = None
    if posting is None:
        posting = Posting(translation_key=key, owner_id=actor.id if actor.role == Role.manager else None, **values)
        session.add(posting)
        session.flush()
        action = "created"
    else:
        before = {"hashes": {lang: s.content_hash for lang, s in sources.items()}, "title_en": posting.title_en, "title_fr": posting.title_fr}
        bump_version(session, Posting, posting.id or 0, posting.version, values, N_("this posting"))
        action = "updated"
    posting_id = posting.id or 0
    for lang, p in group.items():
        source_values = {
            "path": p.path,
            "content_hash": p.content_hash,
            "content": p.text,
            "metadata_json": dumps(_jsonable(p.metadata)),
            "warnings_json": dumps(list(p.warnings)),
            "imported_at": now,
        }
        existing = sources.get(lang)
        if existing is None:
            session.add(PostingSource(posting_id=posting_id, lang=Lang(lang), **source_values))
        else:
            for name, value in source_values.items():
                setattr(existing, name, value)
            session.add(existing)

    if rubric is None:
        rubric = create_rubric(session, posting_id=posting_id, criteria=rows, warnings=warnings)
    else:
        previous = rubric_criteria(session, rubric.id or 0)
        if not _same_criteria(rows, previous):
            rubric, is_new = write_rubric(
                session,
                rubric,
                rubric.version,
                criteria=carry_lineage(rows, previous),
                values={"warnings_json": dumps(warnings)},
            )
            if is_new:
                action = "new_version"
    session.flush()
    record_event(
        session,
        actor,
        action=f"posting.import.{action}",
        entity_type="posting",
        entity_id=posting_id,
        posting_id=posting_id,
        before=before,
        after={
            "hashes": {lang: p.content_hash for lang, p in group.items()},
            "paths": [p.path for p in group.values()],
            "rubric_id": rubric.id,
            "rubric_version": rubric.version_number,
            "criteria": len(rows),
        },
    )
    return ImportItem(
        path=label, translation_key=key, action=action, criteria_count=len(rows), sections=sections,
        warnings=warnings, posting_id=posting_id, rubric_version=rubric.version_number,
    )


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


# --- reading and editing -------------------------------------------------------------------------


def list_postings(session: Session, actor: Actor) -> list[PostingSummary]:
    """Only what the actor may see; counts come from three grouped queries, not one per posting."""
    ids = visible_posting_ids(session, actor)
    if not ids:
        return []
    postings = session.exec(select(Posting).where(col(Posting.id).in_(ids)).order_by(Posting.translation_key)).all()
    owners = {u.id: u.display_name for u in session.exec(select(User).where(col(User.id).in_({p.owner_id for p in postings if p.owner_id}))).all()}
    newest = (
        select(Rubric.posting_id, func.max(Rubric.version_number).label("v"))
        .where(col(Rubric.posting_id).in_(ids))
        .group_by(col(Rubric.posting_id))
        .subquery()
    )
    rubrics = {
        r.posting_id: r
        for r in session.exec(
            select(Rubric).join(newest, (col(Rubric.posting_id) == newest.c.posting_id) & (col(Rubric.version_number) == newest.c.v))
        ).all()
    }
    candidates = dict(
        session.exec(  # type: ignore[call-overload]
            select(Candidate.posting_id, func.count()).where(col(Candidate.posting_id).in_(ids)).group_by(col(Candidate.posting_id))
        ).all()
    )
    submitted_expr = func.count(col(Scorecard.id)).filter(col(Scorecard.status) == ScorecardStatus.submitted)
    cards = {
        pid: (int(total or 0), int(sub or 0))
        for pid, total, sub in session.exec(  # type: ignore[call-overload]
            select(Candidate.posting_id, func.count(col(Scorecard.id)), submitted_expr)
            .join(Scorecard, col(Scorecard.candidate_id) == col(Candidate.id))
            .where(col(Candidate.posting_id).in_(ids))
            .group_by(col(Candidate.posting_id))
        ).all()
    }
    summaries = []
    for p in postings:
        rubric = rubrics.get(p.id or 0)
        total, submitted = cards.get(p.id or 0, (0, 0))
        summaries.append(
            PostingSummary(
                id=p.id or 0, translation_key=p.translation_key, title_en=p.title_en, title_fr=p.title_fr,
                owner_id=p.owner_id, owner_name=owners.get(p.owner_id), opened_on=p.opened_on, closed_on=p.closed_on,
                archived=p.archived, rubric_id=rubric.id if rubric else None,
                rubric_version=rubric.version_number if rubric else None,
                rubric_status=RubricStatus(rubric.status) if rubric else None,
                candidates=int(candidates.get(p.id, 0)), scorecards_submitted=submitted, scorecards_total=total,
                version=p.version,
            )
        )
    return summaries


def _detail(session: Session, posting: Posting) -> PostingDetail:
    owner = session.get(User, posting.owner_id) if posting.owner_id else None
    sources = session.exec(select(PostingSource).where(PostingSource.posting_id == posting.id).order_by(PostingSource.lang)).all()
    return PostingDetail(
        id=posting.id or 0, translation_key=posting.translation_key, title_en=posting.title_en, title_fr=posting.title_fr,
        description_en=posting.description_en, description_fr=posting.description_fr, lever_id=posting.lever_id,
        archived=posting.archived, owner_id=posting.owner_id, owner_name=owner.display_name if owner else None,
        opened_on=posting.opened_on, closed_on=posting.closed_on, created_at=posting.created_at,
        updated_at=posting.updated_at, version=posting.version,
        sources=[
            SourcePublic(
                lang=Lang(s.lang), path=s.path, content_hash=s.content_hash, content=s.content,
                metadata=loads(s.metadata_json, {}), warnings=loads(s.warnings_json, []), imported_at=s.imported_at,
            )
            for s in sources
        ],
    )


def get_posting(session: Session, actor: Actor, *, posting_id: int) -> PostingDetail:
    posting = require_view_posting(session, actor, posting_id)
    return _detail(session, posting)


def update_posting(
    session: Session,
    actor: Actor,
    *,
    posting_id: int,
    expected_version: int,
    opened_on: date | None = _UNSET,
    closed_on: date | None = _UNSET,
    owner_id: int | None = _UNSET,
    archived: bool = _UNSET,
) -> PostingDetail:
    """Dates and archiving: admin or owning manager. Changing the owner: admins only."""
    posting = require_posting_manager(session, actor, posting_id)
    values: dict[str, Any] = {}
    if opened_on is not _UNSET:
        values["opened_on"] = opened_on
    if closed_on is not _UNSET:
        values["closed_on"] = closed_on
    if archived is not _UNSET:
        values["archived"] = bool(archived)
    if owner_id is not _UNSET:
        require_role(actor, Role.admin)
        if owner_id is not None:
            owner = session.get(User, owner_id)
            if owner is None or not owner.active or owner.role != Role.manager:
                raise ValidationError(N_("The owner of a posting must be an active hiring manager account."))
        values["owner_id"] = owner_id
    start = values.get("opened_on", posting.opened_on)
    end = values.get("closed_on", posting.closed_on)
    if start and end and end < start:
        raise ValidationError(
            N_("The closing date {end} is before the opening date {start}; correct one of them."), end=end, start=start
        )
    before = {k: getattr(posting, k) for k in values}
    bump_version(session, Posting, posting_id, expected_version, {**values, "updated_at": utcnow()}, N_("this posting"))
    record_event(session, actor, action="posting.update", entity_type="posting", entity_id=posting_id, posting_id=posting_id, before=before, after=values)
    session.expire_all()
    return _detail(session, get_posting_or_404(session, posting_id))


def _parsed_sources(session: Session, posting_id: int) -> dict[str, parsing.ParsedPosting]:
    sources = session.exec(select(PostingSource).where(PostingSource.posting_id == posting_id)).all()
    return {str(s.lang): _reparse_stored(s) for s in sources}


def posting_sections(session: Session, actor: Actor, *, posting_id: int) -> dict[Lang, list[SectionInfo]]:
    require_posting_manager(session, actor, posting_id)
    rubric = current_rubric_row(session, posting_id)
    chosen = loads(rubric.source_sections_json, {}) if rubric else {}
    out: dict[Lang, list[SectionInfo]] = {}
    for lang, parsed in sorted(_parsed_sources(session, posting_id).items()):
        used_headings = {c.section for c in parsed.criteria}
        picked = set(chosen.get(lang) or [])
        out[Lang(lang)] = [
            SectionInfo(
                index=s.index, heading=s.heading, level=s.level, role=s.role,
                items=[item.text for item in s.items], line=s.line,
                used=(s.index in picked) if picked else (s.heading in used_headings),
            )
            for s in parsed.sections
        ]
    return out


def rebuild_rubric_from_sections(
    session: Session, actor: Actor, *, posting_id: int, en: list[int], fr: list[int]
) -> RubricView:
    """Where the parser picked the wrong section, rebuild the criteria from the ones the manager picks.

    The choice is remembered on the rubric so a later re-import rebuilds from the same sections.
    """
    require_posting_manager(session, actor, posting_id)
    parsed = _parsed_sources(session, posting_id)
    if not parsed:
        raise NotFoundError(N_("This posting has no source file stored; import it again."))
    chosen = {"en": sorted(set(en)), "fr": sorted(set(fr))}
    for lang, indices in chosen.items():
        if indices and lang not in parsed:
            raise ValidationError(_NO_SOURCE[lang])
        known = {s.index for s in parsed[lang].sections} if lang in parsed else set()
        unknown = [i for i in indices if i not in known]
        if unknown:
            raise ValidationError(
                N_("Sections {sections} do not exist in the {lang} file; reload the section list."),
                sections=str(unknown),
                lang=lang.upper(),
            )
    if not chosen["en"] and not chosen["fr"]:
        raise ValidationError(N_("Pick at least one section that holds the criteria."))
    rows, _sections, warnings = _criteria_rows({lang: p for lang, p in parsed.items() if chosen.get(lang)}, chosen)
    if not rows:
        raise ValidationError(N_("The chosen sections hold no list items to turn into criteria; pick other sections."))
    rubric = current_rubric_row(session, posting_id)
    assert rubric is not None
    previous = rubric_criteria(session, rubric.id or 0)
    before = {"rubric_id": rubric.id, "source_sections": loads(rubric.source_sections_json, {}), "criteria": len(previous)}
    rubric, is_new = write_rubric(
        session, rubric, rubric.version, criteria=carry_lineage(rows, previous),
        values={"source_sections_json": dumps(chosen), "warnings_json": dumps(warnings)},
    )
    action = "rubric.new_version" if is_new else "rubric.rebuild_from_sections"
    session.flush()
    session.expire_all()
    fresh = session.get(Rubric, rubric.id)
    assert fresh is not None
    view = rubric_view(session, fresh)
    record_event(
        session, actor, action=action, entity_type="rubric", entity_id=view.id, posting_id=posting_id,
        before=before, after={"rubric_id": view.id, "source_sections": chosen, "criteria": len(view.criteria)},
    )
    return view
