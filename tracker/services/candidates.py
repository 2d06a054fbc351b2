"""Candidates of a posting: add, edit, CSV import (all or nothing), with stable anonymised labels.

Labels ("Candidate 07") are numbered per posting and never reused, not even after a candidate's data
is deleted: the audit trail names candidates only by label, so a reused label would merge two people.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tracker.email_address import MAX_EMAIL_LENGTH, canonical_email
from tracker.i18n import N_
from tracker.i18n.message import Join, Message, Number, as_message
from tracker.models import MAX_PERSON_NAME, AuditEvent, Candidate, CandidateStatus, Declaration, Lang, Posting, utcnow
from tracker.services.actor import Actor
from tracker.services.audit import record_event
from tracker.services.common import bump_version, clean_text, looks_like_formula
from tracker.services.errors import ConflictError, PermissionDeniedError, ValidationError
from tracker.services.permissions import (
    get_candidate_or_404,
    is_posting_manager,
    panel_membership,
    require_posting_manager,
    require_view_posting,
)

_UNSET: Any = object()

MAX_CSV_BYTES = 2 * 1024 * 1024
MAX_CSV_ROWS = 5_000
MAX_NAME = MAX_PERSON_NAME  # the column lengths (tracker.models)
MAX_EMAIL = MAX_EMAIL_LENGTH
REQUIRED_COLUMNS = ("name", "email")
OPTIONAL_COLUMNS = ("language",)
# Headers people write in French or with capitals all mean the same columns.
_COLUMN_ALIASES = {
    "name": "name", "nom": "name", "full name": "name", "nom complet": "name",
    "email": "email", "e-mail": "email", "courriel": "email", "adresse courriel": "email",
    "language": "language", "langue": "language", "lang": "language",
}
_LANGUAGES = {
    "": Lang.en, "en": Lang.en, "eng": Lang.en, "english": Lang.en, "anglais": Lang.en,
    "fr": Lang.fr, "fra": Lang.fr, "fre": Lang.fr, "french": Lang.fr, "français": Lang.fr, "francais": Lang.fr,
}
_LABEL_RE = re.compile(r"(\d+)\s*$")


# A candidate as pages show it. ``label`` ("Candidate 07") never changes and is never reused.
@dataclass(frozen=True)
class CandidatePublic:
    id: int
    posting_id: int
    label_number: int
    label: str
    name: str
    email: str
    language: Lang
    status: CandidateStatus
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, c: Candidate, *, with_email: bool = True) -> CandidatePublic:
        return cls(
            id=c.id or 0, posting_id=c.posting_id, label_number=c.label_number, label=c.label, name=c.name,
            email=c.email if with_email else "", language=Lang(c.language), status=CandidateStatus(c.status),
            created_at=c.created_at, updated_at=c.updated_at, version=c.version,
        )


# One valid row of an uploaded CSV (``line`` counts the header as line 1).
@dataclass(frozen=True)
class CsvRow:
    line: int
    name: str
    email: str
    language: Lang


@dataclass(frozen=True)
class RowError:
    """One problem of an uploaded file; ``message`` is a translatable :class:`Message` (a ``str``)."""

    line: int
    message: str

    def as_message(self) -> Message:
        problem = as_message(self.message)
        return Message(N_("Line {line}: {problem}"), line=self.line, problem=problem) if self.line else problem

    def __str__(self) -> str:
        return str(self.as_message())


@dataclass(frozen=True)
class CsvPreview:
    rows: list[CsvRow]
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors


def label_for(number: int) -> str:
    return f"Candidate {number:02d}"


def _snapshot(c: Candidate) -> dict[str, Any]:
    return {"label": c.label, "name": c.name, "email": c.email, "language": c.language, "status": c.status}


def _next_label_number(session: Session, posting_id: int) -> int:
    """One more than any label ever used on the posting, deleted candidates included (via the audit trail)."""
    # Lock the posting row (PostgreSQL) so two managers adding at once do not pick the same number;
    # SQLite's BEGIN IMMEDIATE already serialises writers.
    session.exec(select(Posting.id).where(Posting.id == posting_id).with_for_update()).first()
    live = session.exec(select(func.max(Candidate.label_number)).where(Candidate.posting_id == posting_id)).one() or 0
    labels = session.exec(
        select(AuditEvent.candidate_label)
        .where(
            AuditEvent.posting_id == posting_id,
            col(AuditEvent.action).in_(("candidate.create", "candidate.delete", "candidate.purge")),
        )
        .distinct()
    ).all()
    used = [int(m.group(1)) for label in labels if label and (m := _LABEL_RE.search(label))]
    return max([live, *used]) + 1


def check_name(name: str) -> str:
    text = clean_text(name, what=N_("candidate's name"), max_length=MAX_NAME, required=True)
    if looks_like_formula(text):
        raise ValidationError(
            N_("The name “{name}” starts with “{char}”, which a spreadsheet would run as a formula; remove that character."),
            name=text[:40],
            char=text[0],
        )
    return text


def _email_taken(label: str, email: str) -> Message:
    return Message(N_("{candidate} already uses the e-mail {email} on this posting."), candidate=label, email=email)


def check_candidate_email(email: str) -> str:
    """The stored form of a candidate's e-mail (one check with accounts': tracker.email_address)."""
    text = clean_text(email, what=N_("candidate's e-mail"), max_length=MAX_EMAIL, required=True).lower()
    canonical = canonical_email(text)
    if canonical is None:
        raise ValidationError(N_("“{email}” is not an e-mail address; write it as name@example.ca."), email=text[:60])
    return canonical


def check_language(language: Lang | str | None) -> Lang:
    key = (str(language.value) if isinstance(language, Lang) else str(language or "")).strip().lower()
    if key not in _LANGUAGES:
        raise ValidationError(N_("Language “{language}” is not an official language; write en or fr."), language=language)
    return _LANGUAGES[key]


def _existing_emails(session: Session, posting_id: int) -> dict[str, str]:
    return {
        email.lower(): label
        for email, label in session.exec(select(Candidate.email, Candidate.label).where(Candidate.posting_id == posting_id)).all()
    }


def add_candidate(
    session: Session, actor: Actor, *, posting_id: int, name: str, email: str, language: Lang | str = Lang.en
) -> CandidatePublic:
    require_posting_manager(session, actor, posting_id)
    problems: list[Message] = []
    checked: dict[str, Any] = {}
    for key, check, value in (("name", check_name, name), ("email", check_candidate_email, email), ("language", check_language, language)):
        try:
            checked[key] = check(value)
        except ValidationError as exc:
            problems.extend(exc.problems)
    if "email" in checked:
        clash = _existing_emails(session, posting_id).get(checked["email"])
        if clash:
            problems.append(_email_taken(clash, checked["email"]))
    if problems:
        raise ValidationError.listing(problems)
    return _insert_candidates(session, actor, posting_id, [checked])[0]


def _insert_candidates(session: Session, actor: Actor, posting_id: int, rows: list[dict[str, Any]]) -> list[CandidatePublic]:
    first = _next_label_number(session, posting_id)
    now = utcnow()
    values = [
        {
            "posting_id": posting_id, "label_number": first + i, "label": label_for(first + i),
            "name": row["name"], "email": row["email"], "language": row["language"],
            "status": CandidateStatus.active, "created_at": now, "updated_at": now, "version": 1,
        }
        for i, row in enumerate(rows)
    ]
    try:
        with session.begin_nested():
            ids = session.execute(insert(Candidate).returning(Candidate.id, sort_by_parameter_order=True), values).scalars().all()
    except IntegrityError as exc:
        # The e-mail check ran before the posting lock: someone added one of these e-mails in between
        # (issue #22). Name the candidate who has it now, as the check would have.
        existing = _existing_emails(session, posting_id)
        clash = next((row["email"] for row in rows if row["email"] in existing), None)
        if clash is None:
            raise
        raise ConflictError(_email_taken(existing[clash], clash)) from exc
    out = []
    for candidate_id, value in zip(ids, values, strict=True):
        candidate = Candidate(id=candidate_id, **value)
        record_event(
            session, actor, action="candidate.create", entity_type="candidate", entity_id=candidate_id,
            posting_id=posting_id, candidate=candidate, after=_snapshot(candidate),
        )
        out.append(CandidatePublic.of(candidate))
    return out


def update_candidate(
    session: Session,
    actor: Actor,
    *,
    candidate_id: int,
    expected_version: int,
    name: str = _UNSET,
    email: str = _UNSET,
    language: Lang | str = _UNSET,
    status: CandidateStatus | str = _UNSET,
) -> CandidatePublic:
    candidate = get_candidate_or_404(session, candidate_id)
    require_posting_manager(session, actor, candidate.posting_id)
    values: dict[str, Any] = {}
    if name is not _UNSET:
        values["name"] = check_name(name)
    if email is not _UNSET:
        values["email"] = check_candidate_email(email)
        clash = _existing_emails(session, candidate.posting_id).get(values["email"])
        if clash and clash != candidate.label:
            raise ValidationError(_email_taken(clash, values["email"]))
    if language is not _UNSET:
        values["language"] = check_language(language)
    if status is not _UNSET:
        try:
            values["status"] = CandidateStatus(status)
        except ValueError as exc:
            raise ValidationError(N_("Status must be one of {statuses}."), statuses=[s.value for s in CandidateStatus]) from exc
    before = _snapshot(candidate)
    bump_version(session, Candidate, candidate_id, expected_version, {**values, "updated_at": utcnow()}, N_("this candidate"))
    session.expire_all()
    fresh = get_candidate_or_404(session, candidate_id)
    record_event(
        session, actor, action="candidate.update", entity_type="candidate", entity_id=candidate_id,
        posting_id=fresh.posting_id, candidate=fresh, before=before, after=_snapshot(fresh),
    )
    return CandidatePublic.of(fresh)


def get_candidate(session: Session, actor: Actor, *, candidate_id: int) -> CandidatePublic:
    candidate = get_candidate_or_404(session, candidate_id)
    posting = require_view_posting(session, actor, candidate.posting_id)
    manager = is_posting_manager(actor, posting)
    if not manager and _has_conflict(session, actor, candidate_id):
        raise PermissionDeniedError(
            N_("You declared a conflict of interest with {candidate}, so you are off their panel."), candidate=candidate.label
        )
    return CandidatePublic.of(candidate, with_email=manager)


def _has_conflict(session: Session, actor: Actor, candidate_id: int) -> bool:
    return (
        session.exec(
            select(Declaration.id).where(
                Declaration.candidate_id == candidate_id, Declaration.user_id == actor.id, col(Declaration.has_conflict).is_(True)
            )
        ).first()
        is not None
    )


def list_candidates(session: Session, actor: Actor, *, posting_id: int) -> list[CandidatePublic]:
    """Managers see everyone with e-mails; panel members see whom they may score (no e-mails)."""
    posting = require_view_posting(session, actor, posting_id)
    candidates = session.exec(select(Candidate).where(Candidate.posting_id == posting_id).order_by(Candidate.label_number)).all()
    if is_posting_manager(actor, posting):
        return [CandidatePublic.of(c) for c in candidates]
    assert panel_membership(session, actor, posting_id) is not None
    conflicted = set(
        session.exec(
            select(Declaration.candidate_id).where(Declaration.user_id == actor.id, col(Declaration.has_conflict).is_(True))
        ).all()
    )
    return [CandidatePublic.of(c, with_email=False) for c in candidates if c.id not in conflicted]


# --- CSV import ----------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str | None, RowError | None]:
    if len(data) > MAX_CSV_BYTES:
        return None, RowError(
            0,
            Message(
                N_("The file is {size} bytes; split it into files under {limit} MB."),
                size=Number(len(data)),
                limit=MAX_CSV_BYTES // 1024 // 1024,
            ),
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, RowError(0, Message(N_("The file is saved as UTF-16; save it again as “CSV UTF-8” and upload that.")))
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return None, RowError(
            line, Message(N_("The file contains NUL bytes, so it is not a text CSV; save it again as “CSV UTF-8”."))
        )
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, RowError(
            line,
            Message(
                N_("The file is not UTF-8 (an accented letter could not be read); save it again as “CSV UTF-8” and upload that.")
            ),
        )


def parse_candidates_csv(data: bytes, existing: dict[str, str] | None = None) -> CsvPreview:
    """Check every row and report every problem by line; formula payloads are refused, not rewritten.

    Refusing (rather than quietly prefixing a quote) keeps stored names exactly as typed, and the
    manager learns that the file they were sent carries something a spreadsheet would execute.
    """
    text, error = _decode(data)
    if error is not None or text is None:
        return CsvPreview([], [error or RowError(0, Message(N_("The file is empty.")))])
    if not text.strip():
        return CsvPreview(
            [],
            [RowError(0, Message(N_("The file is empty; give a header line name,email[,language] and one line per candidate.")))],
        )
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    errors: list[RowError] = []
    rows: list[CsvRow] = []
    try:
        header = next(reader)
    except csv.Error as exc:
        return CsvPreview([], [RowError(1, Message(N_("The header line cannot be read as CSV ({error})."), error=str(exc)))])
    columns = [_COLUMN_ALIASES.get(h.strip().lower(), h.strip()) for h in header]
    unknown = [h for h, c in zip(header, columns, strict=True) if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if missing:
        errors.append(
            RowError(
                1,
                Message(
                    N_("The header lacks the column(s) {columns}; the first line must read name,email (and optionally language)."),
                    columns=missing,
                ),
            )
        )
    if unknown:
        errors.append(
            RowError(
                1,
                Message(
                    N_("Unknown column(s) {columns}: the file may only have name, email and language; remove the others."),
                    columns=[repr(u) for u in unknown],
                ),
            )
        )
    if repeated:
        errors.append(
            RowError(1, Message(N_("The column(s) {columns} appear twice in the header; keep one of each."), columns=repeated))
        )
    if errors:
        return CsvPreview([], errors)
    index = {c: i for i, c in enumerate(columns)}
    seen: dict[str, int] = {}
    existing = existing or {}
    count = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(
                RowError(reader.line_num, Message(N_("This line cannot be read as CSV ({error}); check its quotes."), error=str(exc)))
            )
            break
        line = reader.line_num
        if not any(field.strip() for field in record):
            continue
        count += 1
        if count > MAX_CSV_ROWS:
            errors.append(
                RowError(line, Message(N_("The file has more than {limit} candidates; split it."), limit=Number(MAX_CSV_ROWS)))
            )
            break
        if len(record) != len(columns):
            errors.append(
                RowError(
                    line,
                    Message(
                        N_("This line has {fields} fields but the header has {columns}; check for a stray {delimiter}."),
                        fields=len(record),
                        columns=len(columns),
                        delimiter=repr(delimiter),
                    ),
                )
            )
            continue
        row_problems: list[Message] = []
        try:
            name = check_name(record[index["name"]])
        except ValidationError as exc:
            row_problems.extend(exc.problems)
            name = ""
        try:
            email = check_candidate_email(record[index["email"]])
        except ValidationError as exc:
            row_problems.extend(exc.problems)
            email = ""
        try:
            language = check_language(record[index["language"]]) if "language" in index else Lang.en
        except ValidationError as exc:
            row_problems.extend(exc.problems)
            language = Lang.en
        if email:
            if email in seen:
                row_problems.append(
                    Message(
                        N_("The e-mail {email} is already on line {line}; each candidate appears once."),
                        email=email,
                        line=seen[email],
                    )
                )
            elif email in existing:
                row_problems.append(_email_taken(existing[email], email))
            else:
                seen[email] = line
        if row_problems:
            errors.extend(RowError(line, p) for p in row_problems)
        else:
            rows.append(CsvRow(line=line, name=name, email=email, language=language))
    if not rows and not errors:
        errors.append(RowError(0, Message(N_("The file has a header but no candidates."))))
    return CsvPreview(rows, errors)


def preview_candidates_csv(session: Session, actor: Actor, *, posting_id: int, data: bytes) -> CsvPreview:
    require_posting_manager(session, actor, posting_id)
    return parse_candidates_csv(data, _existing_emails(session, posting_id))


def import_candidates_csv(session: Session, actor: Actor, *, posting_id: int, data: bytes) -> list[CandidatePublic]:
    """All or nothing: any bad row refuses the whole file, with every problem listed by line."""
    preview = preview_candidates_csv(session, actor, posting_id=posting_id, data=data)
    if preview.errors:
        problems = [e.as_message() for e in preview.errors]
        raise ValidationError(
            N_("Nothing was imported: {count} problem(s) in the file. {details}"),
            problems,
            count=len(problems),
            details=Join.of(problems, " ", limit=3),
        )
    return _insert_candidates(
        session, actor, posting_id, [{"name": r.name, "email": r.email, "language": r.language} for r in preview.rows]
    )


def delete_candidate(session: Session, actor: Actor, *, candidate_id: int) -> None:
    """Privacy deletion; see ``tracker.services.privacy``."""
    from tracker.services.privacy import delete_candidate as _delete

    _delete(session, actor, candidate_id=candidate_id)


__all__ = [
    "CandidatePublic", "CsvPreview", "CsvRow", "RowError", "add_candidate", "delete_candidate", "get_candidate",
    "import_candidates_csv", "list_candidates", "parse_candidates_csv", "preview_candidates_csv", "update_candidate",
]
