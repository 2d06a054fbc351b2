"""Every table of the tracker, in one place so the schema can be read top to bottom.

The shape serves the later issues as much as the first: rubric *versions* exist so that scores
keep pointing at the criteria they were given for (#3), ``Criterion.lineage`` lets the merit view
match a criterion across versions and mark older scores (#5), and every mutable row carries a
``version`` column so services can refuse a stale write instead of silently overwriting it (#3).

Personal information about candidates lives only in ``Candidate`` and in rows that cascade from it
(scorecards, scores, consensus, decisions, declarations, ``AuditPersonalData``), so deleting a
candidate removes all of it while the append-only ``AuditEvent`` rows stay untouched.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import AutoString, Field, SQLModel

from tracker.email_address import MAX_EMAIL_LENGTH


def utcnow() -> datetime:
    """Timestamps are timezone-aware UTC (sqlmodel refuses naive ones); pages convert for display."""
    return datetime.now(UTC)


class Role(enum.StrEnum):
    admin = "admin"
    manager = "manager"
    interviewer = "interviewer"


class Lang(enum.StrEnum):
    en = "en"
    fr = "fr"


class CriterionKind(enum.StrEnum):
    essential = "essential"
    asset = "asset"


class RubricStatus(enum.StrEnum):
    draft = "draft"
    locked = "locked"


class CandidateStatus(enum.StrEnum):
    active = "active"
    screened_out = "screened_out"
    withdrawn = "withdrawn"


class ScorecardStatus(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"


class Recommendation(enum.StrEnum):
    strong_yes = "strong_yes"
    yes = "yes"
    no = "no"
    strong_no = "strong_no"
    no_decision = "no_decision"


class Justification(enum.StrEnum):
    """Why an essential criterion is not met: the fixed list a board chooses from (issue #10), words apart.

    Stored as plain text (validated by the consensus service) rather than a database enum, so a new
    entry never needs a PostgreSQL ``ALTER TYPE``.
    """

    insufficiently_demonstrated = "insufficiently_demonstrated"
    not_enough_information = "not_enough_information"
    not_assessed = "not_assessed"
    did_not_attend = "did_not_attend"
    not_relevant = "not_relevant"
    other = "other"


class DecisionOutcome(enum.StrEnum):
    pending = "pending"
    qualified = "qualified"
    not_qualified = "not_qualified"
    offered = "offered"
    withdrawn = "withdrawn"


# Lengths of people's names, checked by the services and the pages' text boxes with these same names.
MAX_DISPLAY_NAME = 200  # a staff account's name
MAX_PERSON_NAME = 300  # a candidate's name


def _fk(target: str, *, ondelete: str | None = None, nullable: bool = False, index: bool = True) -> Column:
    """A foreign-key column with an explicit ON DELETE, which SQLModel's Field cannot express."""
    return Column(Integer, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=index)


# A person who signs in. Interviewers, managers and admins are staff, not candidates.
class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True, unique=True, max_length=MAX_EMAIL_LENGTH)
    display_name: str = Field(max_length=MAX_DISPLAY_NAME)
    role: Role
    # Null for accounts that only sign in through single sign-on (OIDC).
    password_hash: str | None = None
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = None
    must_change_password: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None
    version: int = 1


# A single-sign-on identity linked to an account (issue #24): the provider's stable issuer + subject,
# never its e-mail claim, which a person may change at the provider. One link per account and provider.
class UserIdentity(SQLModel, table=True):
    __tablename__ = "user_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject"), UniqueConstraint("user_id", "issuer"))
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_fk("user.id", ondelete="CASCADE"))
    issuer: str = Field(max_length=500)
    subject: str = Field(max_length=255)
    linked_at: datetime = Field(default_factory=utcnow)


# The bilingual unit: one translationKey, up to one source file per language.
class Posting(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    translation_key: str = Field(index=True, unique=True, max_length=300)
    title_en: str | None = None
    title_fr: str | None = None
    description_en: str | None = None
    description_fr: str | None = None
    lever_id: str | None = None
    archived: bool = False
    owner_id: int | None = Field(default=None, sa_column=_fk("user.id", ondelete="SET NULL", nullable=True))
    opened_on: date | None = None
    closed_on: date | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


# One language's source file of a posting, kept whole so the rubric can be rebuilt from other sections.
class PostingSource(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("posting_id", "lang"),)
    id: int | None = Field(default=None, primary_key=True)
    posting_id: int = Field(sa_column=_fk("posting.id", ondelete="CASCADE"))
    lang: Lang
    path: str
    content_hash: str = Field(index=True, max_length=64)
    content: str
    metadata_json: str = "{}"
    warnings_json: str = "[]"
    imported_at: datetime = Field(default_factory=utcnow)


# A version of a posting's rubric. Only the highest version is current; locked versions never change.
class Rubric(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("posting_id", "version_number"),)
    id: int | None = Field(default=None, primary_key=True)
    posting_id: int = Field(sa_column=_fk("posting.id", ondelete="CASCADE"))
    version_number: int = 1
    status: RubricStatus = RubricStatus.draft
    # Which posting sections the criteria came from, as JSON {"en": [...], "fr": [...]}.
    source_sections_json: str = "{}"
    warnings_json: str = "[]"
    created_at: datetime = Field(default_factory=utcnow)
    locked_at: datetime | None = None
    version: int = 1


# One level of a rubric's rating scale (default 1-5), with its label and descriptor in both languages.
class RatingLevel(SQLModel, table=True):
    __tablename__ = "rating_level"
    __table_args__ = (UniqueConstraint("rubric_id", "value"),)
    id: int | None = Field(default=None, primary_key=True)
    rubric_id: int = Field(sa_column=_fk("rubric.id", ondelete="CASCADE"))
    value: int
    label_en: str
    label_fr: str
    descriptor_en: str = ""
    descriptor_fr: str = ""


# Limits of a criterion, used by its fields below, by the services' checks and by the rubric editor.
MAX_CRITERION_TEXT = 4_000
MAX_WEIGHT = 100.0
MAX_MIN_RATERS = 20


# What a manager sets on a criterion, each field and its limits written once (the SQLModel "model family"):
# the table, the public view (``services.rubrics.CriterionPublic``) and the edit (``CriterionEdit``, every
# field optional: a field left out keeps its value) all derive from it, so a field added here is stored,
# shown, edited, carried into new rubric versions and kept by a re-import without another list to update.
# The text columns stay unbounded VARCHAR (``sa_type``): the limit is the services' check, not the schema's.
class CriterionBase(SQLModel):
    kind: CriterionKind = CriterionKind.essential
    text_en: str = Field(default="", max_length=MAX_CRITERION_TEXT, sa_type=AutoString)
    text_fr: str = Field(default="", max_length=MAX_CRITERION_TEXT, sa_type=AutoString)
    weight: float = Field(default=1.0, gt=0, le=MAX_WEIGHT)
    # A level of the rubric's scale; 3 on the default 1-5 scale.
    pass_mark: int = 3
    min_raters: int = Field(default=2, ge=1, le=MAX_MIN_RATERS)


# Where the import found a criterion (read-only in the editor; a manually added criterion has none).
class CriterionFields(CriterionBase):
    section_en: str | None = None
    section_fr: str | None = None
    line_en: int | None = None
    line_fr: int | None = None


# A criterion of one rubric version. ``lineage`` is shared by the same criterion across versions.
class Criterion(CriterionFields, table=True):
    __table_args__ = (UniqueConstraint("rubric_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    rubric_id: int = Field(sa_column=_fk("rubric.id", ondelete="CASCADE"))
    lineage: str = Field(max_length=36, index=True)
    number: int
    # The rating guide: {"1": {"en": "...", "fr": "..."}, ...}; empty when the panel has none.
    descriptors_json: str = "{}"
    version: int = 1


# The columns that hold a criterion's content, as opposed to its place (id, rubric, number) and its
# version: what a new rubric version copies and what a re-import keeps. Derived, never listed by hand.
CRITERION_CONTENT: tuple[str, ...] = (
    "lineage",
    *CriterionFields.model_fields,
    "descriptors_json",
)
# What a manager edits (plus the rating guide, stored as ``descriptors_json``).
CRITERION_SETTINGS: tuple[str, ...] = tuple(CriterionBase.model_fields)


# A user assigned to a posting's assessment board; exactly one member should be chair.
class PanelMember(SQLModel, table=True):
    __tablename__ = "panel_member"
    __table_args__ = (UniqueConstraint("posting_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    posting_id: int = Field(sa_column=_fk("posting.id", ondelete="CASCADE"))
    user_id: int = Field(sa_column=_fk("user.id", ondelete="CASCADE"))
    is_chair: bool = False
    added_at: datetime = Field(default_factory=utcnow)


# A person applying to one posting. ``label`` ("Candidate 07") is stable and is all that anonymised views show.
class Candidate(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("posting_id", "email"),
        UniqueConstraint("posting_id", "label_number"),
    )
    id: int | None = Field(default=None, primary_key=True)
    posting_id: int = Field(sa_column=_fk("posting.id", ondelete="CASCADE"))
    label_number: int
    label: str = Field(max_length=40)
    name: str = Field(max_length=MAX_PERSON_NAME)
    email: str = Field(max_length=MAX_EMAIL_LENGTH)
    # The official language the candidate chose for assessment.
    language: Lang = Lang.en
    status: CandidateStatus = CandidateStatus.active
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


# A panel member's declaration before scoring a candidate: conflict of interest and assessment language.
class Declaration(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("candidate_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(sa_column=_fk("candidate.id", ondelete="CASCADE"))
    user_id: int = Field(sa_column=_fk("user.id", ondelete="CASCADE"))
    has_conflict: bool = False
    conflict_note: str = ""
    language: Lang = Lang.en
    declared_at: datetime = Field(default_factory=utcnow)


# One interviewer's assessment of one candidate, under the rubric version current when it was started.
class Scorecard(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("candidate_id", "interviewer_id"),
        Index("ix_scorecard_interviewer_status", "interviewer_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(sa_column=_fk("candidate.id", ondelete="CASCADE"))
    interviewer_id: int = Field(sa_column=_fk("user.id", ondelete="RESTRICT"))
    rubric_id: int = Field(sa_column=_fk("rubric.id", ondelete="RESTRICT"))
    status: ScorecardStatus = ScorecardStatus.draft
    recommendation: Recommendation | None = None
    overall_notes: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    submitted_at: datetime | None = None
    reopened_at: datetime | None = None
    reopen_reason: str | None = None
    # Set (and never cleared) when the chair or manager reopens the card after its author could read
    # colleagues' cards (issue #17): the consensus board and the record of decision say so.
    reopened_after_peek: bool = False
    version: int = 1


# The rating and evidence notes for one criterion on one scorecard (``rating`` null = not yet rated).
class Score(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("scorecard_id", "criterion_id"),)
    id: int | None = Field(default=None, primary_key=True)
    scorecard_id: int = Field(sa_column=_fk("scorecard.id", ondelete="CASCADE"))
    criterion_id: int = Field(sa_column=_fk("criterion.id", ondelete="RESTRICT"))
    rating: int | None = None
    not_assessed: bool = False
    notes: str = ""
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


# The board's agreed rating for one criterion of one candidate; individual scores are kept beside it.
# One per (candidate, criterion *lineage*) whatever the rubric version (issue #10); ``criterion_id`` is
# the version it was last recorded under.
class Consensus(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("candidate_id", "lineage"),)
    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(sa_column=_fk("candidate.id", ondelete="CASCADE"))
    criterion_id: int = Field(sa_column=_fk("criterion.id", ondelete="RESTRICT"))
    lineage: str = Field(max_length=36)
    rating: int | None = None
    not_assessed: bool = False
    rationale: str = ""
    # A ``Justification`` value when the consensus leaves an essential criterion unmet, else None.
    justification: str | None = Field(default=None, max_length=40)
    # Why the board agreed although fewer members than the criterion's ``min_raters`` rated it.
    below_min_reason: str = ""
    decided_by_id: int | None = Field(default=None, sa_column=_fk("user.id", ondelete="SET NULL", nullable=True))
    decided_at: datetime = Field(default_factory=utcnow)
    version: int = 1


# The manager's decision for a candidate.
class Decision(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(sa_column=Column(Integer, ForeignKey("candidate.id", ondelete="CASCADE"), unique=True))
    outcome: DecisionOutcome = DecisionOutcome.pending
    rationale: str = ""
    # Not empty when the manager decided against the essentials verdict (issue #10): the written reason.
    override_reason: str = ""
    decided_by_id: int | None = Field(default=None, sa_column=_fk("user.id", ondelete="SET NULL", nullable=True))
    decided_at: datetime = Field(default_factory=utcnow)
    version: int = 1


# How many committed writes changed a posting's data (scores, consensus, panel members' names…): the
# results cache key, moved in each write's own transaction (issue #22). A table of its own, without a
# foreign key, so that bumping it never waits on the posting row's locks (imports, adding candidates),
# and not ``Posting.version``, which a saved score must not make stale for the manager's posting form.
class PostingRevision(SQLModel, table=True):
    __tablename__ = "posting_revision"
    posting_id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    revision: int = 0


# Append-only record of every write made through a service. Never updated, never deleted.
class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_posting_at", "posting_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    # Kept as plain values (no FK) so the trail outlives the accounts and postings it mentions.
    actor_id: int | None = None
    actor_email: str | None = None
    action: str = Field(index=True, max_length=80)
    entity_type: str = Field(max_length=40)
    entity_id: int | None = None
    posting_id: int | None = None
    # Only the anonymised label ever identifies a candidate here.
    candidate_label: str | None = None
    reason: str | None = None
    # Before/after of non-personal entities (rubrics, postings, panels, accounts).
    before_json: str | None = None
    after_json: str | None = None


# Before/after of an audit event that holds a candidate's personal information (names, notes, ratings).
# It goes with the candidate when their personal information is deleted; the event itself stays.
class AuditPersonalData(SQLModel, table=True):
    __tablename__ = "audit_personal_data"
    audit_event_id: int = Field(sa_column=Column(Integer, ForeignKey("audit_event.id"), primary_key=True))
    candidate_id: int = Field(sa_column=_fk("candidate.id", ondelete="CASCADE"))
    before_json: str | None = None
    after_json: str | None = None


# A "stay signed in" session (issue #18): the cookie holds a random token, this row only its SHA-256.
# ``handoff_hash`` is the one-use code the page hands to the cookie route, which swaps it for the token
# (the token itself is never on the page, in a URL or in a log). ``role`` and ``password_stamp`` are the
# account's at sign-in: a role or password change, like a deactivation, ends the session everywhere.
class SignInSession(SQLModel, table=True):
    __tablename__ = "sign_in_session"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_fk("user.id", ondelete="CASCADE"))
    token_hash: str | None = Field(default=None, unique=True, max_length=64)
    handoff_hash: str | None = Field(default=None, unique=True, max_length=64)
    handoff_expires_at: datetime | None = None
    role: str = Field(max_length=20)  # a Role value; plain text so this table adds no database enum type
    password_stamp: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: str | None = Field(default=None, max_length=40)
