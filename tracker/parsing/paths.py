"""Command-line paths -> the Markdown files to parse, and one clear error per unusable path."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tracker.i18n import N_
from tracker.i18n.message import Message

MARKDOWN_SUFFIXES = (".md", ".markdown")


def collect_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files named directly are kept whatever their suffix; folders are searched recursively for .md.

    Duplicates (the same file reached twice) are kept once, in first-seen order.
    """
    files: list[Path] = []
    errors: list[tuple[str, str]] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            files.append(path)

    for raw in paths:
        path = Path(raw)
        try:
            if path.is_dir():
                found = sorted(p for p in path.rglob("*") if p.suffix.casefold() in MARKDOWN_SUFFIXES and p.is_file())
                if not found:
                    errors.append(
                        (str(path), Message(N_("{path} is a folder with no .md files; point at a folder of postings."), path=str(path)))
                    )
                for file in found:
                    add(file)
            elif path.is_file():
                add(path)
            elif path.exists():
                errors.append((str(path), Message(N_("{path} is not a regular file; give a .md file or a folder."), path=str(path))))
            else:
                errors.append((str(path), Message(N_("{path} does not exist; check the path."), path=str(path))))
        except OSError as exc:
            errors.append(
                (
                    str(path),
                    Message(N_("{path} cannot be read ({error}); check its permissions."), path=str(path), error=exc.strerror or exc),
                )
            )
    return files, errors
