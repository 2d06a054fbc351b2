"""Service messages shown in tables (a CSV file's problems, an import report's errors) are translated
when shown, so they are in the session's language and follow the EN | FR switch (issue #4 §9)."""

from __future__ import annotations

import pandas as pd
import pytest
from app_helpers import assert_no_exception, click, set_language, signed_in
from factories import World, build_world
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from tracker.i18n import t

pytest_plugins = ["app_helpers"]

BAD_EMAIL_CSV = b"name,email\nLi Wei,not-an-email\n"
BINARY_POSTING = b"---\ntitle: Northwind\n---\n\x00\x01\x02 binary\n"
BINARY_NAME = "northwind-binary.md"
# The English and French sentences (written here, not read from the catalog under test).
EMAIL = {"en": "is not an e-mail address", "fr": "n'est pas une adresse courriel"}
BINARY = {"en": "looks like a binary file", "fr": "semble être un fichier binaire"}


@pytest.fixture
def world(app_engine: Engine) -> World:
    return build_world(app_engine)


def table_holding(at: AppTest, text: str) -> pd.DataFrame:
    """The dataframe with a cell containing ``text`` (column names are translated, so not used)."""
    for frame in at.dataframe:
        if frame.value.astype(str).apply(lambda column: column.str.contains(text, regex=False)).any().any():
            return frame.value
    raise AssertionError(f"no table shows {text!r}")


def cells(table: pd.DataFrame) -> str:
    return " ".join(table.astype(str).to_numpy().ravel())


def upload_posting(at: AppTest, lang: str) -> AppTest:
    at.file_uploader[0].set_value([(BINARY_NAME, BINARY_POSTING, "text/markdown")]).run()
    return click(at, t("Import the uploaded files", lang))


@pytest.mark.parametrize(("lang", "other"), [("fr", "en"), ("en", "fr")])
def test_a_csv_files_problems_are_in_the_sessions_language(world: World, lang: str, other: str) -> None:
    at = signed_in(world.manager.id, lang=lang, page="candidates")
    at.file_uploader(key="candidates_csv_0").set_value(("candidats.csv", BAD_EMAIL_CSV, "text/csv")).run()
    assert_no_exception(at)
    problems = cells(table_holding(at, "not-an-email"))
    assert EMAIL[lang] in problems and EMAIL[other] not in problems


@pytest.mark.parametrize(("lang", "other"), [("fr", "en"), ("en", "fr")])
def test_a_posting_import_error_is_in_the_sessions_language(world: World, lang: str, other: str) -> None:
    at = upload_posting(signed_in(world.manager.id, lang=lang, page="postings"), lang)
    assert_no_exception(at)
    report = cells(table_holding(at, BINARY_NAME))
    assert BINARY[lang] in report and BINARY[other] not in report


def test_the_import_report_follows_a_language_switch_after_the_import(world: World) -> None:
    at = upload_posting(signed_in(world.manager.id, lang="en", page="postings"), "en")
    assert BINARY["en"] in cells(table_holding(at, BINARY_NAME))
    at = set_language(at, "fr")
    assert_no_exception(at)
    report = cells(table_holding(at, BINARY_NAME))
    assert BINARY["fr"] in report and BINARY["en"] not in report
