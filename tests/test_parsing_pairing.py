"""English and French postings sharing a translationKey become one bilingual rubric."""

from __future__ import annotations

from pathlib import Path

from tracker.parsing import ParsedPosting, pair_postings, parse_bytes, parse_paths

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "postings"


def posting(path: str, key: str | None, items: int, *, lang: str | None = None, extra: str = "") -> ParsedPosting:
    lines = [f"- criterion {n}" for n in range(1, items + 1)]
    front = f"title: {path}\n" + (f"translationKey: {key}\n" if key else "") + (f"lang: {lang}\n" if lang else "")
    text = f"---\n{front}---\n## What we’re looking for\n\n" + "\n".join(lines) + "\n" + extra
    return parse_bytes(text.encode(), path=path)


def test_same_key_and_same_count_is_paired() -> None:
    pairs = pair_postings([posting("en/a.md", "k", 3), posting("fr/a.md", "k", 3)])
    assert [(p.translation_key, p.en, p.fr, p.paired, p.warnings) for p in pairs] == [
        ("k", "en/a.md", "fr/a.md", True, [])
    ]


def test_different_counts_are_not_paired_and_say_so() -> None:
    (pair,) = pair_postings([posting("en/a.md", "k", 3), posting("fr/a.md", "k", 2)])
    assert not pair.paired
    assert pair.warnings == [
        "English has 3 criteria and French has 2; each side keeps its own criteria: pair them by hand."
    ]


def test_missing_side_is_reported() -> None:
    (pair,) = pair_postings([posting("en/a.md", "k", 3)])
    assert (pair.en, pair.fr, pair.paired) == ("en/a.md", None, False)
    assert "No French version" in pair.warnings[0]


def test_no_criteria_on_either_side_is_not_a_pair() -> None:
    (pair,) = pair_postings([posting("en/a.md", "k", 0), posting("fr/a.md", "k", 0)])
    assert not pair.paired
    assert pair.warnings == ["Neither version has criteria to pair."]


def test_postings_without_key_are_not_paired_and_keys_keep_first_seen_order() -> None:
    pairs = pair_postings(
        [
            posting("en/b.md", "b", 1),
            posting("en/none.md", None, 1),
            posting("en/a.md", "a", 1),
            posting("fr/b.md", "b", 1),
        ]
    )
    assert [p.translation_key for p in pairs] == ["b", "a"]


def test_duplicate_language_prefers_the_copy_whose_count_matches() -> None:
    pairs = pair_postings([posting("en/a.md", "k", 2), posting("fr/long.md", "k", 3), posting("fr/short.md", "k", 2)])
    (pair,) = pairs
    assert (pair.fr, pair.paired) == ("fr/short.md", True)
    assert "2 French postings share translationKey 'k' (different contents)" in pair.warnings[0]


def test_examples_folder_gives_two_paired_rubrics() -> None:
    run = parse_paths([EXAMPLES])
    assert run.errors == []
    assert sorted((p.translation_key, p.paired) for p in run.pairs) == [
        ("northwind-data-engineer", True),
        ("northwind-senior-service-designer", True),
    ]
