"""Bad and unusual input: each is refused with one clear sentence, or read the way the docs say."""

from __future__ import annotations

import codecs
import time
from pathlib import Path

import pytest

from tracker.parsing import DEFAULT_MAX_BYTES, PostingError, collect_paths, parse_bytes, parse_file
from tracker.parsing.language import detect_language

BODY = "## What we’re looking for\n\n- You write clearly.\n"
POSTING = "---\ntitle: Writer\ntranslationKey: writer\n---\n" + BODY

ALIAS_BOMB = (
    "---\n"
    "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
    "f: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
    "---\n" + BODY
)


def refusal(data: bytes, **kwargs: int) -> str:
    with pytest.raises(PostingError) as caught:
        parse_bytes(data, path="bad.md", **kwargs)
    message = str(caught.value)
    assert caught.value.path == "bad.md"
    assert message.startswith("bad.md ")
    assert "\n" not in message and "Traceback" not in message
    return message


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "is empty"),
        (b" \n\t\n", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (POSTING.encode() + b"\x00", "binary"),
        ("---\ntitle: Café\n---\nbody\n".encode("latin-1"), "not valid UTF-8"),
        (b"---\ntitle: [unclosed\n---\nbody\n", "not valid YAML"),
        (b"---\ntitle: ok\nkey: value: other\n---\nbody\n", "not valid YAML"),
        (b"---\nx: !!python/object/apply:os.system ['echo hi']\n---\nbody\n", "plain YAML cannot hold"),
        (ALIAS_BOMB.encode(), "alias bomb"),
        (("---\ntitle: " + "[" * 5000 + "]" * 5000 + "\n---\nbody\n").encode(), "nested deeper than"),
        (("---\n" + "".join(" " * i + "k:\n" for i in range(100)) + "---\nbody\n").encode(), "nested deeper than"),
        (b"---\na: &a [1, *a]\n---\nbody\n", "recursive"),
        (b"---\n- title\n- list\n---\nbody\n", "is a list, not a mapping"),
        (b"---\njust a sentence\n---\nbody\n", "is a string, not a mapping"),
        (b"---\ntitle: never closed\n\nbody\n", "never closes"),
    ],
)
def test_bad_input_is_refused_with_one_clear_sentence(data: bytes, expected: str) -> None:
    assert expected in refusal(data)


def test_alias_bomb_and_deep_nesting_fail_fast() -> None:
    deep = ("---\ntitle: " + "[" * 200_000 + "]" * 200_000 + "\n---\n").encode()
    started = time.perf_counter()
    refusal(ALIAS_BOMB.encode())
    refusal(deep)
    assert time.perf_counter() - started < 5  # seconds: generous bound, the point is "not minutes"


def test_a_few_benign_aliases_are_allowed() -> None:
    posting = parse_bytes(b"---\ntitle: T\nbase: &b {team: design}\ncopy: *b\n---\n" + BODY.encode(), path="ok.md")
    assert posting.metadata["copy"] == {"team": "design"}


def test_size_limit_is_checked_before_parsing_and_configurable() -> None:
    data = POSTING.encode()
    assert "over the 10-byte limit" in refusal(data, max_bytes=10)
    assert parse_bytes(data, path="ok.md", max_bytes=len(data)).title == "Writer"
    assert DEFAULT_MAX_BYTES == 1 << 20
    assert "over the 1,048,576-byte limit" in refusal(b"a" * (DEFAULT_MAX_BYTES + 1))


def test_parse_file_refuses_large_file_without_reading_it_all(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    big.write_bytes(b"x" * 5000)
    with pytest.raises(PostingError, match="5,000 bytes, over the 100-byte limit"):
        parse_file(big, max_bytes=100)


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF8 + POSTING.encode("utf-8"),
        POSTING.replace("\n", "\r\n").encode("utf-8"),
        codecs.BOM_UTF16_LE + POSTING.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + POSTING.encode("utf-16-be"),
    ],
    ids=["utf8-bom", "crlf", "utf16-le-bom", "utf16-be-bom"],
)
def test_byte_order_marks_and_crlf_are_read(data: bytes) -> None:
    posting = parse_bytes(data, path="ok.md")
    assert posting.title == "Writer"
    assert [(c.text, c.line) for c in posting.criteria] == [("You write clearly.", 7)]


def test_utf16_without_byte_order_mark_is_refused() -> None:
    assert "binary" in refusal(POSTING.encode("utf-16-le"))


def test_text_keeps_the_decoded_source_and_hash_covers_raw_bytes() -> None:
    import hashlib

    data = codecs.BOM_UTF8 + POSTING.encode()
    posting = parse_bytes(data, path="ok.md")
    assert posting.text == POSTING
    assert posting.content_hash == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("source", "title", "warning"),
    [
        ("# Data Analyst\n\n" + BODY, "Data Analyst", "No YAML front matter"),
        (BODY, "data-analyst", "file name"),
        ("---\ndescription: no title here\n---\n# From The Heading\n", "From The Heading", "front matter has no title"),
        ("---\ntitle: 2024\n---\n" + BODY, "2024", None),
        ("---\ntitle: '  Spaced   Title  '\n---\n" + BODY, "Spaced Title", None),
    ],
)
def test_title_comes_from_front_matter_else_first_h1_else_file_name(
    source: str, title: str, warning: str | None
) -> None:
    posting = parse_bytes(source.encode(), path="postings/data-analyst.md")
    assert posting.title == title
    if warning:
        assert any(warning in w for w in posting.warnings)
    else:
        assert not any("title" in w for w in posting.warnings)


@pytest.mark.parametrize(
    ("value", "archived", "warns"),
    [
        ("true", True, False),
        ("false", False, False),
        ("'yes'", True, False),
        ("'no'", False, False),
        ("maybe", False, True),
    ],
)
def test_archived_accepts_booleans_and_yes_no(value: str, archived: bool, warns: bool) -> None:
    posting = parse_bytes(f"---\ntitle: T\narchived: {value}\n---\n{BODY}".encode(), path="a.md")
    assert posting.archived is archived
    assert any("archived" in w for w in posting.warnings) is warns


def test_keys_and_values_are_read_as_text_and_others_kept_as_metadata() -> None:
    posting = parse_bytes(
        b"---\ntitle: T\ntranslationKey: key-1\nleverId: 11111111\nlayout: job-posting\n---\n" + BODY.encode(),
        path="a.md",
    )
    assert (posting.translation_key, posting.lever_id) == ("key-1", "11111111")
    assert posting.metadata["layout"] == "job-posting"
    assert posting.description is None


ENGLISH = "We are looking for someone who will help the team and work with our partners."
FRENCH = "Nous sommes à la recherche d’une personne qui aidera l’équipe et travaillera avec nos partenaires."


@pytest.mark.parametrize(
    ("metadata", "path", "body", "lang"),
    [
        ({"lang": "fr"}, "postings/en/x.md", ENGLISH, "fr"),
        ({"language": "en-CA"}, "postings/fr/x.md", FRENCH, "en"),
        ({"lang": "Français"}, "x.md", ENGLISH, "fr"),
        ({}, "content/fr/careers/x.md", ENGLISH, "fr"),
        ({}, "content/EN/x.md", FRENCH, "en"),
        ({}, "content/careers/x.fr.md", ENGLISH, "fr"),
        ({}, "x.md", FRENCH, "fr"),
        ({}, "x.md", ENGLISH, "en"),
        ({"lang": "de"}, "x.md", FRENCH, "fr"),
    ],
)
def test_language_from_front_matter_then_path_then_vote(metadata: dict, path: str, body: str, lang: str) -> None:
    assert detect_language(metadata, path, body)[0] == lang


def test_language_guess_on_no_evidence_is_english_with_a_warning() -> None:
    lang, warnings = detect_language({}, "x.md", "12345")
    assert lang == "en"
    assert warnings and "assumed English" in warnings[0]


def test_collect_paths_reports_missing_paths_and_folders_without_markdown(tmp_path: Path) -> None:
    (tmp_path / "postings" / "en").mkdir(parents=True)
    (tmp_path / "postings" / "en" / "b.md").write_text(POSTING)
    (tmp_path / "postings" / "a.md").write_text(POSTING)
    (tmp_path / "postings" / "notes.txt").write_text("not markdown")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("nothing")
    files, errors = collect_paths(
        [tmp_path / "postings", tmp_path / "empty", tmp_path / "missing.md", tmp_path / "postings" / "a.md"]
    )
    assert [f.relative_to(tmp_path).as_posix() for f in files] == ["postings/a.md", "postings/en/b.md"]
    assert [(Path(p).name, "no .md files" in e or "does not exist" in e) for p, e in errors] == [
        ("empty", True),
        ("missing.md", True),
    ]
