"""One time regime (issue #21 §4): the organisation's zone, named, « le 7 décembre 2026 à 6 h 27 »."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tracker import timefmt

WINTER = datetime(2026, 12, 7, 11, 27, tzinfo=UTC)
SUMMER = datetime(2026, 7, 7, 11, 27, tzinfo=UTC)


def test_sentences_write_the_date_the_hour_and_the_zone_as_each_language_does() -> None:
    assert timefmt.in_sentence(WINTER, "fr") == "7 décembre 2026 à 6 h 27 (heure de l'Est)"
    assert timefmt.in_sentence(SUMMER, "fr") == "7 juillet 2026 à 7 h 27 (heure de l'Est)"
    english = timefmt.in_sentence(WINTER, "en")
    assert english.startswith("December 7, 2026, at 6:27") and english.endswith("(Eastern Time)")
    assert timefmt.clock(datetime(2026, 12, 7, 14, 5, tzinfo=UTC), "fr") == "9 h 05"


def test_tables_use_iso_order_and_the_zones_short_name_never_utc() -> None:
    assert timefmt.in_table(WINTER, "fr") == "2026-12-07 06:27 HNE"
    assert timefmt.in_table(SUMMER, "fr") == "2026-07-07 07:27 HAE"
    assert timefmt.in_table(WINTER, "en") == "2026-12-07 06:27 EST"
    assert timefmt.in_table(None, "fr") == "—"
    assert "UTC" not in timefmt.in_table(WINTER.replace(tzinfo=None), "fr")  # stored naive = UTC


def test_the_zone_is_configurable_and_an_unknown_one_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(timefmt.TIMEZONE_ENV, "America/Vancouver")
    assert timefmt.in_table(WINTER, "fr").startswith("2026-12-07 03:27")
    assert "Pacifique" in timefmt.in_sentence(WINTER, "fr")
    monkeypatch.setenv(timefmt.TIMEZONE_ENV, "Mars/Olympus")
    assert timefmt.in_table(WINTER, "en") == "2026-12-07 06:27 EST"
