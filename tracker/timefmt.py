"""Dates and times as people read them: one time zone, named, in the reader's language (issue #21 §4).

Why one zone and not the browser's: a board reads the same record on different machines, and a
printed record must say the same hour to everyone. Pages and documents show the organisation's zone
(``TRACKER_TIMEZONE``, an IANA name, default ``America/Toronto``), always named; UTC stays in machine
exports only. Sentences write « le 7 décembre 2026 à 6 h 27 (heure de l'Est) » / "December 7, 2026,
at 6:27 a.m. (Eastern Time)"; tables write ISO order, « 2026-12-07 06:27 HNE ».
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time, get_timezone_name

from tracker.i18n import normalise_lang

TIMEZONE_ENV = "TRACKER_TIMEZONE"
DEFAULT_TIMEZONE = "America/Toronto"
_LOCALES = {"en": "en_CA", "fr": "fr_CA"}


@cache
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def org_zone() -> ZoneInfo:
    """The organisation's time zone (``TRACKER_TIMEZONE``; an unknown name falls back to the default)."""
    return _zone(os.environ.get(TIMEZONE_ENV, "").strip() or DEFAULT_TIMEZONE)


def local(moment: datetime) -> datetime:
    """``moment`` in the organisation's zone (a naive value is UTC: that is how they are stored)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(org_zone())


def _locale(lang: str) -> str:
    return _LOCALES[normalise_lang(lang)]


def zone_name(moment: datetime, lang: str, *, short: bool = False) -> str:
    """« heure de l'Est » / "Eastern Time" (``short``: « HNE » / "EST", with daylight saving)."""
    at = local(moment)
    if short:
        return get_timezone_name(at, width="short", locale=_locale(lang))
    name = get_timezone_name(org_zone(), width="long", zone_variant="generic", locale=_locale(lang))
    return name.replace("’", "'")  # the catalog's apostrophe


def clock(moment: datetime, lang: str) -> str:
    """A time of day in running text: « 6 h 27 », "6:27 a.m."."""
    at = local(moment)
    if normalise_lang(lang) == "fr":
        return f"{at.hour} h {at.minute:02d}"
    return format_time(at, "h:mm a", locale=_locale(lang))


def in_sentence(moment: datetime | None, lang: str) -> str:
    """A date and time inside a sentence, zone named: « 7 décembre 2026 à 6 h 27 (heure de l'Est) ».

    No article: the catalog sentence says « le {moment} », « jusqu'au {moment} », "since {moment}".
    """
    if moment is None:
        return "—"
    at = local(moment)
    if normalise_lang(lang) == "fr":
        day = format_date(at, "d MMMM y", locale=_locale(lang))
        return f"{day} à {clock(at, lang)} ({zone_name(at, lang)})"
    day = format_date(at, "MMMM d, y", locale=_locale(lang))
    return f"{day}, at {clock(at, lang)} ({zone_name(at, lang)})"


def in_table(moment: datetime | None, lang: str) -> str:
    """A date and time in a table cell: ISO order, the zone's short name (« 2026-12-07 06:27 HNE »)."""
    if moment is None:
        return "—"
    at = local(moment)
    return f"{at:%Y-%m-%d %H:%M} {zone_name(at, lang, short=True)}"
