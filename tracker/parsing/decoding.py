"""Raw bytes to text, refusing what is not a text posting before any parsing work is spent on it.

Decisions (see docs/parsing.md): UTF-8 with or without a byte-order mark is the format; UTF-16 and
UTF-32 files *with* a byte-order mark are decoded too, because Windows editors save "Unicode" that
way and the mark makes the encoding unambiguous. Anything else that is not valid UTF-8 (Latin-1,
Windows-1252, binaries) is refused with the byte offset, so the user knows which file to re-save.
"""

from __future__ import annotations

import codecs

from tracker.i18n import N_
from tracker.i18n.message import Message, Number
from tracker.parsing.errors import PostingError

# Longest marks first: the UTF-32-LE mark starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def too_big(path: str, size: int, max_bytes: int) -> Message:
    return Message(
        N_("{path} is {size} bytes, over the {limit}-byte limit; split the file or raise the limit with --max-bytes."),
        path=path,
        size=Number(size),
        limit=Number(max_bytes),
    )


def check_size(data: bytes, *, path: str, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise PostingError(path, too_big(path, len(data), max_bytes))


def decode_posting(data: bytes, *, path: str, max_bytes: int) -> str:
    """Return the text of ``data`` (byte-order mark removed) or raise one clear PostingError."""
    check_size(data, path=path, max_bytes=max_bytes)
    encoding = "utf-8"
    body = data
    for bom, name in _BOMS:
        if data.startswith(bom):
            encoding, body = name, data[len(bom) :]
            break
    if encoding == "utf-8" and b"\x00" in body:
        raise PostingError(
            path, Message(N_("{path} looks like a binary file (it contains NUL bytes); give a UTF-8 Markdown file."), path=path)
        )
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        bad = body[exc.start : exc.start + 1].hex()
        offset = exc.start + len(data) - len(body)
        raise PostingError(
            path,
            Message(
                N_("{path} is not valid {encoding} text (byte 0x{byte} at offset {offset}); re-save it as UTF-8."),
                path=path,
                encoding=encoding.upper(),
                byte=bad,
                offset=offset,
            ),
        ) from None
    if "\x00" in text:
        raise PostingError(
            path,
            Message(N_("{path} looks like a binary file (it contains NUL characters); give a UTF-8 Markdown file."), path=path),
        )
    if not text.strip():
        raise PostingError(path, Message(N_("{path} is empty; a posting needs front matter and a Markdown body."), path=path))
    return text
