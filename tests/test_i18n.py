"""Both catalogs hold every UI string the code uses, and nothing else (issue #4 §3)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tracker.i18n import LANGS, localized, normalise_lang, t, tn, translations, translator
from tracker.i18n.catalog import check_catalogs, extract_msgids, source_files


def test_every_msgid_in_the_code_is_in_both_catalogs_translated() -> None:
    report = check_catalogs()
    assert not report.missing, report.problems
    assert not report.untranslated, report.problems
    assert not report.fuzzy, report.problems
    assert not report.placeholders, report.problems


def test_catalogs_have_no_entry_the_code_does_not_use() -> None:
    report = check_catalogs()
    assert not report.unused, "Remove these from the .po files (or use them): " + "; ".join(report.problems)


def test_extraction_finds_every_call_form_of_the_convention(tmp_path: Path) -> None:
    (tmp_path / "app_pages").mkdir()
    (tmp_path / "app_pages" / "page.py").write_text(
        "_ = translator(lang)\n"
        "_('Save')\n"
        "t('Cancel', lang)\n"
        "N_('Later')\n"
        "tn('{n} file', '{n} files', n, lang)\n"
        "_.ngettext('{n} note', '{n} notes', n)\n"
        "_(variable)\n",
        encoding="utf-8",
    )
    assert set(extract_msgids(tmp_path)) == {
        "Save",
        "Cancel",
        "Later",
        ("{n} file", "{n} files"),
        ("{n} note", "{n} notes"),
    }


def _translator_call_results(tree: ast.AST) -> list[int]:
    """Lines calling a translator's result directly, ``translator()("…")``: invisible to the extractor."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Call)
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ]


def test_no_string_is_translated_in_a_way_the_extractor_cannot_see() -> None:
    offenders = [
        f"{path.name}:{line}"
        for path in source_files()
        for line in _translator_call_results(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not offenders, "Write `_ = translator()` then `_(\"…\")` instead: " + ", ".join(offenders)


@pytest.mark.parametrize(
    ("msgid", "lang", "kwargs", "expected"),
    [
        ("Sign out", "en", {}, "Sign out"),
        ("Sign out", "fr", {}, "Se déconnecter"),
        ("Continue as {email}", "fr", {"email": "ivy@northwind.example"}, "Continuer en tant que ivy@northwind.example"),
        ("A message nobody translated", "fr", {}, "A message nobody translated"),
    ],
)
def test_t_translates_and_fills_placeholders(msgid: str, lang: str, kwargs: dict, expected: str) -> None:
    assert t(msgid, lang, **kwargs) == expected
    assert translator(lang)(msgid, **kwargs) == expected


@pytest.mark.parametrize(("lang", "n", "form"), [("en", 0, 1), ("en", 1, 0), ("en", 2, 1), ("fr", 0, 0), ("fr", 1, 0), ("fr", 2, 1)])
def test_plural_rules_follow_each_language(lang: str, n: int, form: int) -> None:
    # French counts 0 as singular ("0 candidat"), English as plural ("0 candidates").
    assert translations(lang).plural(n) == form


def test_tn_fills_n() -> None:
    assert tn("{n} candidate", "{n} candidates", 3, "en") == "3 candidates"
    assert tn("{n} candidate", "{n} candidates", 1, "en") == "1 candidate"


@pytest.mark.parametrize(
    ("text_en", "text_fr", "lang", "expected"),
    [
        ("Leadership", "Leadership (FR)", "en", ("Leadership", False)),
        ("Leadership", "Direction", "fr", ("Direction", False)),
        ("Leadership", "", "fr", ("Leadership", True)),
        ("Leadership", "   ", "fr", ("Leadership", True)),
        (None, "Direction", "en", ("Direction", True)),
        ("", None, "en", ("", False)),
        ("Leadership", "Direction", "FR-ca", ("Direction", False)),
    ],
)
def test_localized_falls_back_to_the_other_language_and_says_so(
    text_en: str | None, text_fr: str | None, lang: str, expected: tuple[str, bool]
) -> None:
    assert localized(text_en, text_fr, lang) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("fr", "fr"), ("FR", "fr"), ("fr-CA", "fr"), ("fr_CA", "fr"), (["en", "fr"], "fr"), ("de", "en"), (None, "en"), ("", "en")],
)
def test_normalise_lang_accepts_what_browsers_and_urls_send(value: object, expected: str) -> None:
    assert normalise_lang(value) == expected


def test_every_language_has_a_catalog() -> None:
    assert set(LANGS) == {"en", "fr"}
    for lang in LANGS:
        assert translations(lang).info()["language"] == lang
