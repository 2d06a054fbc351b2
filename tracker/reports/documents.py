"""The record of decision and the feedback summary of one candidate, as printable HTML.

Both are pure functions of a posting's frames (:mod:`tracker.results.data`, loaded with ``notes=True``
for the record) and reuse the merit view's verdicts, so the printed page can never disagree with the
results page. Every value from the database (names, notes, rationales, criterion texts) reaches the
page through Jinja2 with autoescaping on: a note containing ``<script>`` prints as text.

The feedback summary is for the candidate: it names no board member and shows nothing about other
candidates, only this candidate's verdict per criterion and the board's consensus rationale; for every
unmet essential criterion it always states the justification (or that none is recorded yet) and the
board's reasons, and it flags a decision that overrides the essentials verdict (issue #10).
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from typing import Any

import pandas as pd
from babel.dates import format_date
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from tracker import timefmt
from tracker.labels import label_text
from tracker.models import utcnow
from tracker.reports.strings import words
from tracker.results.data import PostingFrames
from tracker.results.merit import CONSENSUS, MEAN, MET, NOT_ASSESSED, NOT_MET, PENDING, merit_view

KINDS = ("record", "feedback")


class ReportError(ValueError):
    """The report cannot be produced from these frames; the message says what to change."""


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("tracker.reports", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _moment(value: Any) -> datetime | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    # Aware already: model columns are UTCDateTime, and the results loader parses with utc=True.
    return pd.Timestamp(value).to_pydatetime()


def _when(value: Any, lang: str) -> str:
    """A table cell: ``2026-03-02 04:00 HNE`` in the organisation's zone, named; empty when missing (#21 §4)."""
    moment = _moment(value)
    return "" if moment is None else timefmt.in_table(moment, lang)


def _said(value: Any, lang: str) -> str:
    """Inside a sentence: « 2 mars 2026 à 4 h 00 (heure de l'Est) », "March 2, 2026, at 4:00 a.m. (Eastern Time)"."""
    return timefmt.in_sentence(_moment(value), lang)


def _day(value: Any, lang: str) -> str:
    """A date in the header block, as a sentence writes it: « 21 décembre 2026 », "December 21, 2026"."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    pattern = "d MMMM y" if lang == "fr" else "MMMM d, y"
    return format_date(pd.Timestamp(value).date(), pattern, locale="fr_CA" if lang == "fr" else "en_CA")


def _text(value: Any) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _number(value: float, lang: str = "en") -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang == "fr" else text


def _criterion_text(row: Any, lang: str) -> str:
    first, second = (row["text_fr"], row["text_en"]) if lang == "fr" else (row["text_en"], row["text_fr"])
    return _text(first) or _text(second)


def _criterion_lang(row: Any, lang: str) -> str:
    """The language the criterion's text is in: ``lang``, or the other one when it fell back (WCAG 3.1.2)."""
    if _text(row["text_fr"] if lang == "fr" else row["text_en"]):
        return lang
    return _other(lang)


def _candidate_row(frames: PostingFrames, candidate_id: int) -> pd.Series:
    rows = frames.candidates[frames.candidates["candidate_id"] == candidate_id]
    if rows.empty:
        raise ReportError(f"Candidate {candidate_id} is not in posting {frames.posting.translation_key}.")
    return rows.iloc[0]


def _verdict(cell: Any, w: dict[str, str]) -> tuple[str, str, str]:
    """(css class, verdict words, why) for one merit cell."""
    if cell["kind"] != "essential":
        return "asset", w["verdict_asset"], ""
    verdict = cell["verdict"]
    why = ""
    if verdict == PENDING:
        reason = cell["verdict_reason"]
        why = w.get(f"reason_{reason}", "").format(n=int(cell["min_raters"]))
    css = {MET: "met", NOT_MET: "not-met"}.get(verdict, "pending")
    return css, w[f"verdict_{verdict}"], why


def _basis(cell: Any, w: dict[str, str], lang: str) -> tuple[str, str]:
    """(value, basis words) of a merit cell."""
    source = cell["source"]
    if source == CONSENSUS:
        return _number(cell["value"], lang), w["basis_consensus"]
    if source == MEAN:
        n = int(cell["n_ratings"])
        return _number(cell["value"], lang), w["basis_mean_one" if n == 1 else "basis_mean"].format(n=n)
    if source == NOT_ASSESSED:
        return "—", w["basis_not_assessed"]
    return "—", w["basis_none"]


def _common(frames: PostingFrames, candidate_id: int, lang: str, now: datetime | None) -> dict[str, Any]:
    w = words(lang)
    cand = _candidate_row(frames, candidate_id)
    info = frames.posting
    language = _text(cand["language"])
    own_title = info.title_fr if lang == "fr" else info.title_en
    return {
        "lang": lang if lang in ("en", "fr") else "en",
        "w": w,
        "posting": {
            "title": info.title(lang),
            # The other language's title, marked (issue #21 §5): never a silent fallback in a document.
            "title_lang": lang if own_title or not (info.title_en or info.title_fr) else _other(lang),
            "key": info.translation_key,
            "rubric_version": info.rubric_version,
            "opened": _day(info.opened_on, lang),
            "closed": _day(info.closed_on, lang),
        },
        "candidate": {
            "name": _text(cand["name"]),
            "label": label_text(int(cand["label_number"]), lang),
            "status": w.get(f"status_{cand['status']}", _text(cand["status"])),
            "language": w.get(f"lang_{language}", language),
        },
        "generated": w["generated"].format(date=_said(now or utcnow(), lang)),
    }


def _other(lang: str) -> str:
    return "en" if lang == "fr" else "fr"


def _criterion_blocks(frames: PostingFrames, candidate_id: int, lang: str) -> tuple[list[dict[str, Any]], Any]:
    """One block per current criterion (essentials first): merit cell, verdict and consensus."""
    w = words(lang)
    view = merit_view(_only(frames, candidate_id))
    cells = view.cells.set_index("criterion_id")
    consensus = frames.consensus[frames.consensus["candidate_id"] == candidate_id]
    blocks = []
    for crit in view.criteria.to_dict("records"):
        cell = cells.loc[crit["criterion_id"]]
        value, basis = _basis(cell, w, lang)
        css, verdict, why = _verdict(cell, w)
        agreed = consensus[consensus["lineage"] == crit["lineage"]].sort_values("rubric_version")
        agreed_row = agreed.iloc[-1] if not agreed.empty else None
        blocks.append(
            {
                "number": int(crit["number"]),
                "lineage": crit["lineage"],
                "kind": w["essential"] if crit["kind"] == "essential" else w["asset"],
                "is_essential": crit["kind"] == "essential",
                "text": _criterion_text(crit, lang),
                "text_lang": _criterion_lang(crit, lang),
                "pass_mark": int(crit["pass_mark"]),
                "weight": _number(float(crit["weight"]), lang),
                "min_raters": int(crit["min_raters"]),
                "value": value,
                "basis": basis,
                "older": bool(cell["older_version"]),
                "verdict_class": css,
                "verdict": verdict,
                "why": why,
                "consensus": None if agreed_row is None else _consensus(agreed_row, w, lang),
            }
        )
    summary = view.table.iloc[0] if not view.table.empty else None
    return blocks, summary


def _consensus(row: Any, w: dict[str, str], lang: str) -> dict[str, Any]:
    rating = w["not_assessed"] if bool(row["not_assessed"]) or pd.isna(row["rating"]) else str(int(row["rating"]))
    code = _text(row.get("justification"))
    return {
        "rating": rating,
        "justification": w.get(f"j_{code}", code) if code else "",
        "below_min_reason": _text(row.get("below_min_reason")),
        "rationale": _text(row["rationale"]),
        "by": w["decided_by"].format(name=_text(row["decided_by"]) or "—", date=_said(row["decided_at"], lang)),
    }


def _only(frames: PostingFrames, candidate_id: int) -> PostingFrames:
    """The frames narrowed to one candidate, so nothing about others can reach a page."""

    def keep(frame: pd.DataFrame | None) -> pd.DataFrame | None:
        return None if frame is None else frame[frame["candidate_id"] == candidate_id].reset_index(drop=True)

    return PostingFrames(
        posting=frames.posting,
        candidates=keep(frames.candidates),
        criteria=frames.criteria,
        consensus=keep(frames.consensus),
        scores=keep(frames.scores),
        scorecards=keep(frames.scorecards),
        declarations=keep(frames.declarations),
        panel=frames.panel,
        levels=frames.levels,
        ratings=keep(frames.ratings),
    )


def _essentials_words(summary: Any, w: dict[str, str]) -> tuple[str, str]:
    if summary is None:
        return "pending", w["essentials_pending"]
    verdict = summary["essentials_verdict"]
    css = {MET: "met", NOT_MET: "not-met"}.get(verdict, "pending")
    return css, w[f"essentials_{verdict}"]


def record_context(
    frames: PostingFrames, candidate_id: int, *, lang: str = "en", now: datetime | None = None
) -> dict[str, Any]:
    """Everything the record of decision prints, as plain values."""
    scores = frames.need("scores")
    if "notes" not in scores.columns:
        raise ReportError(
            "The record of decision prints every evidence note: load the posting with "
            "load_posting_frames(..., notes=True)."
        )
    w = words(lang)
    context = _common(frames, candidate_id, lang, now)
    blocks, summary = _criterion_blocks(frames, candidate_id, lang)
    mine = scores[scores["candidate_id"] == candidate_id]
    by_lineage = {b["lineage"]: b for b in blocks}
    criteria = frames.criteria.set_index("criterion_id")
    cards = frames.need("scorecards")
    cards = cards[cards["candidate_id"] == candidate_id]
    on_panel = dict(zip(cards["interviewer_id"], cards["on_panel"], strict=True))
    removed: list[dict[str, Any]] = []
    for block in blocks:
        block["ratings"] = []
    current_version = frames.posting.rubric_version
    for score in mine.sort_values(["interviewer", "rubric_version"], kind="stable").to_dict("records"):
        crit = criteria.loc[score["criterion_id"]]
        line = {
            "interviewer": _text(score["interviewer"]),
            "former": not bool(on_panel.get(score["interviewer_id"], True)),
            "rating": w["not_assessed"] if bool(score["not_assessed"]) or pd.isna(score["rating"])
            else str(int(score["rating"])),
            "notes": _text(score["notes"]),
            "older": (
                w["older_version"].format(version=int(score["rubric_version"]))
                if current_version is not None and int(score["rubric_version"]) < current_version
                else ""
            ),
        }  # fmt: skip
        block = by_lineage.get(score["lineage"])
        if block is not None:
            block["ratings"].append(line)
        else:
            removed.append({**line, "criterion": f"{int(crit['number'])}. {_criterion_text(crit, lang)}"})

    declarations = frames.need("declarations")
    declared = declarations[declarations["candidate_id"] == candidate_id].set_index("user_id")
    panel = []
    for member in frames.panel.to_dict("records"):
        row = declared.loc[member["user_id"]] if member["user_id"] in declared.index else None
        panel.append(
            {
                "name": _text(member["display_name"]),
                "chair": bool(member["is_chair"]),
                "declared": row is not None,
                "conflict": None if row is None else (w["yes"] if bool(row["has_conflict"]) else w["no"]),
                "conflict_note": "" if row is None else _text(row["conflict_note"]),
                "language": "" if row is None else w.get(f"lang_{row['language']}", _text(row["language"])),
                "declared_at": "" if row is None else _when(row["declared_at"], lang),
            }
        )
    scorecards = [
        {
            "interviewer": _text(card["interviewer"]),
            "former": not bool(card["on_panel"]),
            "status": w.get(f"card_{card['status']}", _text(card["status"])),
            "recommendation": w.get(f"rec_{card['recommendation']}", "") if _text(card["recommendation"]) else "",
            "overall_notes": _text(card["overall_notes"]),
            "started": _when(card["created_at"], lang),
            "submitted": _when(card["submitted_at"], lang),
            "reopened": _said(card["reopened_at"], lang) if _moment(card["reopened_at"]) else "",
            "reopen_reason": _text(card["reopen_reason"]),
            "after_peek": bool(card.get("reopened_after_peek", False)),
        }
        for card in cards.sort_values("interviewer", kind="stable").to_dict("records")
    ]
    cand = _candidate_row(frames, candidate_id)
    decision = _text(cand["decision"])
    css, essentials = _essentials_words(summary, w)
    total = None if summary is None or pd.isna(summary["weighted_total"]) else _number(summary["weighted_total"], lang)
    context.update(
        {
            "title": w["record_title"],
            "panel": panel,
            "scorecards": scorecards,
            "criteria": blocks,
            "removed": removed,
            "essentials_class": css,
            "essentials": essentials,
            "weighted_total": total,
            "decision": None if not decision else {
                "outcome": w.get(f"decision_{decision}", decision),
                "override_reason": _text(cand.get("decision_override_reason")),
                "rationale": _text(cand["decision_rationale"]),
                "by": w["decided_by"].format(
                    name=_text(cand["decided_by"]) or "—", date=_said(cand["decided_at"], lang)
                ),
            },
        }  # fmt: skip
    )
    return context


def feedback_context(
    frames: PostingFrames, candidate_id: int, *, lang: str = "en", now: datetime | None = None
) -> dict[str, Any]:
    """What the feedback summary prints: verdicts and the board's rationale, no names, no other candidate."""
    w = words(lang)
    context = _common(frames, candidate_id, lang, now)
    blocks, summary = _criterion_blocks(frames, candidate_id, lang)
    css, essentials = _essentials_words(summary, w)
    cand = _candidate_row(frames, candidate_id)
    decision = _text(cand.get("decision"))
    override = _text(cand.get("decision_override_reason"))
    # Issue #10: for every unmet essential, the justification from the fixed list and the board's words.
    unmet = [
        {
            "number": b["number"], "text": b["text"],
            "justification": (b["consensus"] or {}).get("justification") or w["justification_missing"],
            "reasons": (b["consensus"] or {}).get("rationale", ""),
        }
        for b in blocks
        if b["is_essential"] and b["verdict_class"] == "not-met"
    ]  # fmt: skip
    context.update(
        {
            "unmet": unmet,
            "override": None if not (decision and override) else {
                "outcome": w.get(f"decision_{decision}", decision), "reason": override,
            },
            "title": w["feedback_title"],
            "criteria": [
                {
                    "number": b["number"], "kind": b["kind"], "is_essential": b["is_essential"], "text": b["text"],
                    "text_lang": b["text_lang"],
                    "verdict_class": b["verdict_class"], "verdict": b["verdict"], "why": b["why"],
                    "rationale": b["consensus"]["rationale"] if b["consensus"] else "",
                    "justification": b["consensus"]["justification"] if b["consensus"] else "",
                }  # fmt: skip
                for b in blocks
            ],
            "essentials_class": css,
            "essentials": essentials,
        }
    )
    return context


def render_record(frames: PostingFrames, candidate_id: int, *, lang: str = "en", now: datetime | None = None) -> str:
    """The printable record of decision of one candidate (HTML)."""
    return _environment().get_template("record.html.j2").render(record_context(frames, candidate_id, lang=lang, now=now))


def render_feedback(frames: PostingFrames, candidate_id: int, *, lang: str = "en", now: datetime | None = None) -> str:
    """The printable feedback summary of one candidate (HTML)."""
    context = feedback_context(frames, candidate_id, lang=lang, now=now)
    return _environment().get_template("feedback.html.j2").render(context)


def render(
    frames: PostingFrames, candidate_id: int, *, kind: str = "record", lang: str = "en", now: datetime | None = None
) -> str:
    if kind not in KINDS:
        raise ReportError(f"Unknown report kind {kind!r}: choose one of {', '.join(KINDS)}.")
    renderer = render_record if kind == "record" else render_feedback
    return renderer(frames, candidate_id, lang=lang, now=now)


def report_filename(frames: PostingFrames, candidate_id: int, *, kind: str, lang: str) -> str:
    """A file name without personal information: posting key, anonymised label, kind and language."""
    label = label_text(int(_candidate_row(frames, candidate_id)["label_number"]), lang)
    slug = re.sub(r"[^a-z0-9]+", "-", f"{frames.posting.translation_key}-{label}".lower()).strip("-")
    return f"{slug}-{kind}-{lang}.html"
