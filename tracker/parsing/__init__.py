"""Posting parsing: a job posting (Markdown + YAML front matter) in, bilingual rubric criteria out.

The public API other modules rely on (see docs/parsing.md for the rules behind it):

- ``parse_bytes`` / ``parse_file``: one posting -> ``ParsedPosting``, or ``PostingError``;
- ``collect_paths`` / ``parse_paths``: files and folders -> ``ParseRun`` (postings, pairs, errors);
- ``pair_postings``: English and French versions sharing a ``translationKey``;
- ``criteria_from_sections``: rebuild the criteria from sections a person picked.
"""

from __future__ import annotations

from tracker.parsing.batch import parse_paths
from tracker.parsing.errors import PostingError
from tracker.parsing.model import (
    DEFAULT_MAX_BYTES,
    ParsedCriterion,
    ParsedPosting,
    ParseRun,
    PostingPair,
    Section,
    SectionItem,
)
from tracker.parsing.pairing import pair_postings
from tracker.parsing.paths import collect_paths
from tracker.parsing.posting import criteria_from_sections, parse_bytes, parse_file

__all__ = [
    "DEFAULT_MAX_BYTES",
    "ParseRun",
    "ParsedCriterion",
    "ParsedPosting",
    "PostingError",
    "PostingPair",
    "Section",
    "SectionItem",
    "collect_paths",
    "criteria_from_sections",
    "pair_postings",
    "parse_bytes",
    "parse_file",
    "parse_paths",
]
