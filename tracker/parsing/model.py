"""Plain dataclasses returned by the parser (the public shapes other modules rely on)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFAULT_MAX_BYTES = 1 << 20

ROLES = ("assessment", "qualifications", "assets", "duties")
KINDS = ("essential", "asset")


@dataclass
class ParsedCriterion:
    """One rubric line: what the panel scores, traced back to where the posting says it."""

    number: int
    kind: str  # "essential" | "asset"
    text: str
    section: str
    line: int


@dataclass
class SectionItem:
    """One list item under a heading, with its sub-items already appended to its text."""

    text: str
    line: int


@dataclass
class Section:
    """A heading (or heading-like line) and the list items under it.

    ``level`` is 1-6 for Markdown headings, 7 for heading-like paragraphs (bold-only lines and lines
    ending with a colon) and 0 for the items before any heading.
    """

    index: int
    heading: str
    level: int
    role: str | None  # "assessment" | "qualifications" | "assets" | "duties" | None
    line: int
    items: list[SectionItem] = field(default_factory=list)


@dataclass
class ParsedPosting:
    path: str
    lang: str  # "en" | "fr"
    title: str
    description: str | None
    translation_key: str | None
    lever_id: str | None
    archived: bool
    metadata: dict[str, Any]
    criteria: list[ParsedCriterion]
    sections: list[Section]
    warnings: list[str]
    content_hash: str  # sha256 hex of the raw bytes
    text: str  # the decoded source


@dataclass
class PostingPair:
    """Postings sharing a translationKey: one bilingual rubric when both sides line up."""

    translation_key: str
    en: str | None
    fr: str | None
    paired: bool
    warnings: list[str] = field(default_factory=list)


@dataclass
class ParseRun:
    postings: list[ParsedPosting]
    pairs: list[PostingPair]
    errors: list[tuple[str, str]]  # (path, one clear sentence)
