"""Many paths -> one ParseRun: every file parsed independently, errors collected, never raised."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tracker.i18n import N_
from tracker.i18n.message import Message
from tracker.parsing.errors import PostingError
from tracker.parsing.model import DEFAULT_MAX_BYTES, ParsedPosting, ParseRun
from tracker.parsing.pairing import pair_postings
from tracker.parsing.paths import collect_paths
from tracker.parsing.posting import parse_file


def parse_paths(paths: Iterable[str | Path], *, max_bytes: int = DEFAULT_MAX_BYTES) -> ParseRun:
    """Parse every Markdown file under ``paths``; one bad file never hides the others' results."""
    files, errors = collect_paths(paths)
    postings: list[ParsedPosting] = []
    for file in files:
        try:
            postings.append(parse_file(file, max_bytes=max_bytes))
        except PostingError as exc:
            errors.append((exc.path, exc.message))
        except Exception as exc:
            errors.append(
                (
                    str(file),
                    Message(
                        N_("{path} could not be parsed because of an internal error ({error}); please report it."),
                        path=str(file),
                        error=type(exc).__name__,
                    ),
                )
            )
    return ParseRun(postings=postings, pairs=pair_postings(postings), errors=errors)
