"""Words and formats the panel pages share (scoring, consensus, outstanding work, home).

Labels come from the rubric in the session's language; times are shown in the organisation's time zone,
named (``tracker.timefmt``: one regime for pages and documents, issue #21).
Statuses and recommendations are enums in the services: their display names live here, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import streamlit as st

from app_pages import frame
from app_pages.frame.a11y import other_lang, text_in_language
from tracker import timefmt
from tracker.i18n import N_
from tracker.models import CriterionKind, Recommendation, utcnow
from tracker.services.rubrics import CriterionPublic, LevelPublic

# The rating control's value for "not assessed" (ratings themselves are the scale's integers).
NOT_ASSESSED = "na"
RatingChoice = int | str | None

RECOMMENDATION_LABELS: dict[Recommendation, str] = {
    Recommendation.strong_yes: N_("Strongly recommend"),
    Recommendation.yes: N_("Recommend"),
    Recommendation.no: N_("Do not recommend"),
    Recommendation.strong_no: N_("Strongly advise against"),
    Recommendation.no_decision: N_("No recommendation"),
}
KIND_LABELS: dict[CriterionKind, str] = {
    CriterionKind.essential: N_("Essential"),
    CriterionKind.asset: N_("Asset"),
}
OWED_STATUS_LABELS: dict[str, str] = {"missing": N_("Not started"), "draft": N_("Draft")}


def choice_of(rating: int | None, not_assessed: bool) -> RatingChoice:
    """The rating control's value for a stored score."""
    if not_assessed:
        return NOT_ASSESSED
    return rating


def split_choice(choice: RatingChoice) -> tuple[int | None, bool]:
    """``(rating, not_assessed)`` for the services from the rating control's value."""
    if choice == NOT_ASSESSED:
        return None, True
    return (int(choice), False) if choice is not None else (None, False)


def _marked(text: str, note: str | None) -> str:
    """A short bilingual text (level label, descriptor, rating guide) with its fallback marked, never silent."""
    if not note or not text:
        return text
    _ = frame.translator()
    if frame.current_lang() == "fr":
        return _("{text} [English text only]", text=text)
    return _("{text} [French text only]", text=text)


def level_label(level: LevelPublic) -> str:
    return _marked(*frame.localized_text(level.label_en, level.label_fr))


def level_descriptor(level: LevelPublic, criterion: CriterionPublic | None = None) -> str:
    """The criterion's own rating guide for this level when it has one, else the scale's descriptor."""
    if criterion is not None:
        guide = criterion.descriptors.get(str(level.value)) or {}
        text, note = frame.localized_text(guide.get("en"), guide.get("fr"))
        if text:
            return _marked(text, note)
    return _marked(*frame.localized_text(level.descriptor_en, level.descriptor_fr))


def rating_text(rating: int | None, not_assessed: bool, levels: Sequence[LevelPublic]) -> str:
    """``"4 · Strong"``, ``"Not assessed"`` or ``"Not rated"`` in the session's language."""
    _ = frame.translator()
    if not_assessed:
        return _("Not assessed")
    if rating is None:
        return _("Not rated")
    for level in levels:
        if level.value == rating:
            return f"{rating} · {level_label(level)}"
    return str(rating)


def recommendation_text(value: Recommendation | None) -> str:
    _ = frame.translator()
    return _(RECOMMENDATION_LABELS[value]) if value else _("Not chosen yet")


def kind_text(kind: CriterionKind) -> str:
    _ = frame.translator()
    return _(KIND_LABELS[CriterionKind(kind)])


def criterion_heading(criterion: CriterionPublic) -> str:
    _ = frame.translator()
    return _("Criterion {number} · {kind}", number=criterion.number, kind=kind_text(criterion.kind))


def show_criterion_text(criterion: CriterionPublic) -> None:
    """The criterion in the session's language, marked when it fell back to the other one."""
    text, note = frame.localized_text(criterion.text_en, criterion.text_fr)
    if note:
        text_in_language(text, other_lang())  # the fallback declares its own language (WCAG 3.1.2)
    else:
        frame.plain_text(text)
    if note:
        # markdown-safe: localized_text() notes are catalog sentences
        st.caption(note)


def posting_title(title_en: str | None, title_fr: str | None) -> str:
    text, note = frame.localized_text(title_en, title_fr)
    return f"{text} ({note})" if note else text


# One time regime (issue #21 §4): the organisation's zone, named, not the browser's (tracker.timefmt).
def local_time(moment: datetime) -> str:
    """A clock reading in a status line ("Saved at 06:27:26"), in the organisation's zone."""
    return timefmt.local(moment).strftime("%H:%M:%S")


def local_datetime(moment: datetime) -> str:
    """A timestamp in a table cell: ISO order, the zone named (« 2026-12-07 06:27 HNE »)."""
    return timefmt.in_table(moment, frame.current_lang())


def moment_text(moment: datetime) -> str:
    """A timestamp inside a sentence: « 7 décembre 2026 à 6 h 27 (heure de l'Est) »."""
    return timefmt.in_sentence(moment, frame.current_lang())


def age_text(since: datetime, now: datetime | None = None) -> str:
    """How long something has been waiting: "3 days", "5 hours", "less than an hour"."""
    _ = frame.translator()
    seconds = ((now or utcnow()) - since).total_seconds()
    days = int(seconds // 86_400)
    if days >= 1:
        return _.ngettext("{n} day", "{n} days", days)
    hours = int(seconds // 3_600)
    if hours >= 1:
        return _.ngettext("{n} hour", "{n} hours", hours)
    return _("less than an hour")
