"""One posting file: bytes -> ParsedPosting (front matter, language, sections, criteria)."""

from __future__ import annotations

import hashlib
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from tracker.i18n import N_
from tracker.i18n.message import Message
from tracker.parsing.decoding import decode_posting, too_big
from tracker.parsing.errors import PostingError
from tracker.parsing.frontmatter_safe import split_front_matter
from tracker.parsing.language import detect_language
from tracker.parsing.markdown_tree import collapse, parse_blocks
from tracker.parsing.model import DEFAULT_MAX_BYTES, ParsedCriterion, ParsedPosting, Section
from tracker.parsing.sections import build_sections
from tracker.parsing.selection import build_criteria, choose_rubric, resolve_sections

_TRUE = {"true", "yes", "on", "1", "oui", "vrai"}
_FALSE = {"false", "no", "off", "0", "non", "faux", ""}


def parse_bytes(data: bytes, *, path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedPosting:
    """Parse one posting; raises PostingError (one clear sentence) for input that cannot be used."""
    text = decode_posting(data, path=path, max_bytes=max_bytes)
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    front = split_front_matter(normalized, path=path)
    metadata = front.metadata
    warnings: list[str] = []

    blocks = parse_blocks(front.body, first_line=front.body_line + 1)
    sections = resolve_sections(build_sections(blocks))
    criteria, selection_warnings = choose_rubric(sections)

    lang, lang_warnings = detect_language(metadata, path, front.body)
    title = _text_value(metadata.get("title"))
    if not title:
        first_h1 = next((b.text for b in blocks if b.kind == "heading" and b.level == 1 and b.text), None)
        title = first_h1 or Path(path).stem or path
        if front.present and first_h1:
            warnings.append(Message(N_("The front matter has no title; the title was taken from its first heading.")))
        elif front.present:
            warnings.append(Message(N_("The front matter has no title; the title was taken from the file name.")))
        elif first_h1:
            warnings.append(Message(N_("No YAML front matter (---) was found; the title was taken from its first heading.")))
        else:
            warnings.append(Message(N_("No YAML front matter (---) was found; the title was taken from the file name.")))
    archived, archived_warning = _archived(metadata.get("archived"))
    if archived_warning:
        warnings.append(archived_warning)
    warnings.extend(lang_warnings)
    warnings.extend(selection_warnings)

    return ParsedPosting(
        path=path,
        lang=lang,
        title=title,
        description=_plain(_text_value(metadata.get("description"))) or None,
        translation_key=_text_value(metadata.get("translationKey")) or None,
        lever_id=_text_value(metadata.get("leverId")) or None,
        archived=archived,
        metadata=metadata,
        criteria=criteria,
        sections=sections,
        warnings=warnings,
        content_hash=hashlib.sha256(data).hexdigest(),
        text=text,
    )


def parse_file(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedPosting:
    """Read and parse one file, refusing an oversized file before reading all of it."""
    name = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except IsADirectoryError:
        raise PostingError(name, Message(N_("{path} is a folder, not a posting file; give a .md file."), path=name)) from None
    except OSError as exc:
        raise PostingError(
            name,
            Message(
                N_("{path} cannot be read ({error}); check the path and permissions."), path=name, error=exc.strerror or exc
            ),
        ) from None
    if len(data) > max_bytes:
        try:
            size = Path(path).stat().st_size
        except OSError:
            size = len(data)
        raise PostingError(name, too_big(name, size, max_bytes))
    return parse_bytes(data, path=name, max_bytes=max_bytes)


def criteria_from_sections(posting: ParsedPosting, section_indices: list[int]) -> list[ParsedCriterion]:
    """Rebuild the criteria from the sections a person chose, in the order given, numbered 1..n."""
    by_index: dict[int, Section] = {section.index: section for section in posting.sections}
    chosen: list[Section] = []
    for index in section_indices:
        if index not in by_index:
            raise ValueError(
                f"{posting.path} has no section {index}; choose among sections 0 to {len(posting.sections) - 1}."
            )
        if by_index[index] not in chosen:
            chosen.append(by_index[index])
    return build_criteria(chosen)


def _text_value(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    return collapse(str(value))


def _archived(value: Any) -> tuple[bool, str | None]:
    if value is None or isinstance(value, bool):
        return bool(value), None
    folded = str(value).strip().casefold()
    if folded in _TRUE:
        return True, None
    if folded in _FALSE:
        return False, None
    return False, Message(N_("Front matter archived: {value} is not true or false; treated as false."), value=repr(value))


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _plain(value: str) -> str:
    """Descriptions sometimes hold HTML (<p>...&#8211;...</p>): keep the text only."""
    if "<" not in value and "&" not in value:
        return value
    parser = _TextOnly()
    try:
        parser.feed(value)
        parser.close()
    except (AssertionError, ValueError):
        return value
    return collapse(" ".join(parser.parts))
