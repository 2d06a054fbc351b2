"""CSV and XLSX exports of the merit view and of the raw scores (issue #5).

Two safety rules apply to every file, whatever its content:

* **Formula injection**: a spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@`` (and,
  in some, a tab or carriage return) as a formula, so a candidate named ``=HYPERLINK(…)`` could act on
  a manager's machine. Every string cell, headers and names included, that starts with one of those
  is prefixed with an apostrophe, as OWASP's "CSV Injection" guidance recommends. Numbers stay numbers.
* **Encoding**: CSV is UTF-8 with a byte-order mark, without which Excel reads "Critère" as "CritÃ¨re".

The export frames are plain tables (one header row) in the language asked for; the XLSX file adds a
sheet that says the ordering is an aid, not a decision.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from sqlalchemy.engine import Engine

from tracker.db import read_session
from tracker.results.data import PostingFrames, load_posting_frames
from tracker.results.merit import CONSENSUS, MEAN, NOT_ASSESSED, ORDERING_NOTE, MeritView
from tracker.services.actor import Actor

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_ENCODING = "utf-8-sig"  # UTF-8 with a byte-order mark

HEADERS = {
    "en": {
        "order": "Order (aid)", "label": "Label", "name": "Name", "status": "Status", "decision": "Decision",
        "essentials": "Essential criteria", "total": "Weighted total", "complete": "Every criterion has a value",
        "basis": "basis", "verdict": "verdict", "interviewer": "Interviewer", "criterion": "Criterion",
        "number": "Criterion number", "kind": "Kind", "version": "Rubric version", "rating": "Rating",
        "not_assessed": "Not assessed", "notes": "Evidence notes", "submitted": "Submitted (UTC)",
    },
    "fr": {
        "order": "Ordre (aide)", "label": "Étiquette", "name": "Nom", "status": "Statut", "decision": "Décision",
        "essentials": "Critères essentiels", "total": "Total pondéré", "complete": "Tous les critères ont une valeur",
        "basis": "fondement", "verdict": "verdict", "interviewer": "Membre du comité", "criterion": "Critère",
        "number": "Numéro du critère", "kind": "Type", "version": "Version de la grille", "rating": "Cote",
        "not_assessed": "Non évalué", "notes": "Notes sur les preuves", "submitted": "Soumise (UTC)",
    },
}  # fmt: skip
VALUES = {
    "en": {
        "met": "met", "not_met": "not met", "pending": "no verdict yet", CONSENSUS: "consensus",
        MEAN: "mean of {n}", NOT_ASSESSED: "not assessed", "none": "no ratings", "older": "older rubric version",
        "essential": "essential", "asset": "asset", "yes": "yes", "no": "no",
        "active": "in the process", "screened_out": "screened out", "withdrawn": "withdrew",
        "qualified": "qualified", "not_qualified": "not qualified", "offered": "offer made",
    },
    "fr": {
        "met": "satisfait", "not_met": "non satisfait", "pending": "pas encore de verdict", CONSENSUS: "consensus",
        MEAN: "moyenne de {n}", NOT_ASSESSED: "non évalué", "none": "aucune cote",
        "older": "version antérieure de la grille", "essential": "essentiel", "asset": "atout", "yes": "oui",
        "no": "non", "active": "dans le processus", "screened_out": "éliminé à la présélection",
        "withdrawn": "retrait", "qualified": "qualification établie", "not_qualified": "qualification non établie",
        "offered": "offre présentée",
    },
}  # fmt: skip
DECISION_PENDING = {"en": "pending", "fr": "en attente"}


def neutralise(value: Any) -> Any:
    """A string a spreadsheet would run as a formula gets a leading apostrophe; anything else is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Neutralise every string cell and every header of ``frame``."""
    out = frame.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
            out[column] = out[column].astype(object).map(neutralise)
    return out


def _word(table: Mapping[str, str], key: Any) -> Any:
    return table.get(key, key) if isinstance(key, str) else key


def merit_export_frame(view: MeritView, *, lang: str = "en") -> pd.DataFrame:
    """The merit view as one table: per criterion its value, basis and (essentials) verdict, then totals.

    Anonymised views export labels only; the ordering column is headed as an aid.
    """
    h, v = HEADERS.get(lang, HEADERS["en"]), VALUES.get(lang, VALUES["en"])
    table = view.table
    cells = view.cells.set_index(["candidate_id", "criterion_id"])
    out = pd.DataFrame({h["order"]: table["order_label"], h["label"]: table["label"]})
    if not view.anonymised:
        out[h["name"]] = table["name"]
    out[h["status"]] = [_word(v, s) for s in table["status"]]
    out[h["decision"]] = [DECISION_PENDING.get(lang, "pending") if d == "pending" else _word(v, d)
                          for d in table["decision"]]  # fmt: skip
    out[h["essentials"]] = [_word(v, s) for s in table["essentials_verdict"]]
    for crit in view.criteria.to_dict("records"):
        column = crit["column"]
        keys = list(zip(table["candidate_id"], [crit["criterion_id"]] * len(table), strict=True))
        rows = cells.loc[keys] if keys else cells.iloc[0:0]
        out[column] = [None if pd.isna(x) else round(float(x), 2) for x in rows["value"]]
        out[f"{column} {h['basis']}"] = [
            _basis_words(s, int(n), bool(o), v) for s, n, o in zip(rows["source"], rows["n_ratings"],
                                                                   rows["older_version"], strict=True)
        ]  # fmt: skip
        if crit["kind"] == "essential":
            out[f"{column} {h['verdict']}"] = [_word(v, x) for x in rows["verdict"]]
    out[h["total"]] = [None if pd.isna(x) else round(float(x), 2) for x in table["weighted_total"]]
    out[h["complete"]] = [v["yes"] if c else v["no"] for c in table["total_complete"]]
    return out.reset_index(drop=True)


def _basis_words(source: str, n: int, older: bool, v: Mapping[str, str]) -> str:
    text = v[source].format(n=n) if source in v else source
    return f"{text}; {v['older']}" if older else text


def scores_export_frame(frames: PostingFrames, *, lang: str = "en", anonymised: bool = False) -> pd.DataFrame:
    """Every submitted individual score: candidate, board member, criterion, version, rating, notes, time."""
    h, v = HEADERS.get(lang, HEADERS["en"]), VALUES.get(lang, VALUES["en"])
    scores = frames.need("scores")
    if "notes" not in scores.columns:
        raise ValueError("The raw-score export includes the notes: load the posting with notes=True.")
    crit = frames.criteria.set_index("criterion_id")
    cand = frames.candidates.set_index("candidate_id")
    cards = frames.need("scorecards").dropna(subset=["scorecard_id"]).set_index("scorecard_id")
    data = scores.merge(cand[["label", "label_number", "name"]], left_on="candidate_id", right_index=True, how="left")
    data = data.sort_values(["label_number", "interviewer", "rubric_version", "criterion_id"], kind="stable")
    text_column = "text_fr" if lang == "fr" else "text_en"
    out = pd.DataFrame({h["label"]: data["label"].to_numpy()})
    if not anonymised:
        out[h["name"]] = data["name"].to_numpy()
    out[h["interviewer"]] = data["interviewer"].to_numpy()
    # Column-wise lookups: a per-row ``.loc`` cost seconds on a 2,000-candidate posting.
    criterion_ids = data["criterion_id"]
    out[h["number"]] = criterion_ids.map(crit["number"]).astype(int).to_numpy()
    kind_words = {kind: _word(v, kind) for kind in crit["kind"].unique()}
    out[h["kind"]] = criterion_ids.map(crit["kind"]).map(kind_words).to_numpy()
    texts = crit[text_column].where(crit[text_column].fillna("") != "", crit["text_en"])
    out[h["criterion"]] = criterion_ids.map(texts).to_numpy()
    out[h["version"]] = data["rubric_version"].astype(int).to_numpy()
    out[h["rating"]] = [None if pd.isna(r) else int(r) for r in data["rating"]]
    out[h["not_assessed"]] = [v["yes"] if na else v["no"] for na in data["not_assessed"]]
    out[h["notes"]] = data["notes"].to_numpy()
    submitted = cards["submitted_at"] if not cards.empty else pd.Series(dtype="datetime64[us, UTC]")
    stamps = {sc: _utc_text(at) for sc, at in submitted.items()}
    out[h["submitted"]] = data["scorecard_id"].map(stamps).to_numpy()
    return out.reset_index(drop=True)


def _utc_text(value: Any) -> str | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).tz_convert("UTC").strftime("%Y-%m-%d %H:%M")


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark, every string neutralised."""
    buffer = io.StringIO()
    neutralise_frame(frame).to_csv(buffer, index=False, lineterminator="\r\n")
    return buffer.getvalue().encode(CSV_ENCODING)


_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _cell(value: Any) -> Any:
    """A value openpyxl writes as data: NaN and NA become empty, datetimes lose their (UTC) zone."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)  # Excel has no time zones; the header says UTC
    if isinstance(value, date | int | float | bool):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    # XML 1.0 cannot hold most control characters: openpyxl refused the whole export for one name with
    # an ESC in it (found by the hostile-text sweep, #17). Shown as U+FFFD, as on the dashboard.
    return neutralise(_XML_ILLEGAL.sub("\ufffd", str(value)))


def to_xlsx_bytes(sheets: Mapping[str, pd.DataFrame], *, about: tuple[str, Sequence[str]] | None = None) -> bytes:
    """An XLSX workbook with one sheet per frame (strings neutralised, written as text, never formulas).

    ``about`` = (sheet title, paragraphs) adds a last sheet of explanations (the ordering-aid note).
    """
    # Write-only mode streams rows to the file: the normal mode took ~30 s for 48,000 scores.
    workbook = Workbook(write_only=True)
    for title, frame in sheets.items():
        sheet = workbook.create_sheet(_sheet_title(title))
        # Widths and frozen header must be set before the first row is written.
        for index, column in enumerate(frame.columns, start=1):
            width = max([len(str(column)), *(len(str(v)) for v in frame[column].head(200))], default=8)
            sheet.column_dimensions[get_column_letter(index)].width = min(60, max(8, width + 2))
        sheet.freeze_panes = "A2"
        sheet.append([_text_cell(sheet, neutralise(str(c))) for c in frame.columns])
        for row in frame.itertuples(index=False):
            sheet.append([_xlsx_value(sheet, v) for v in row])
    if about is not None:
        title, paragraphs = about
        sheet = workbook.create_sheet(_sheet_title(title))
        sheet.column_dimensions["A"].width = 110
        for text in paragraphs:
            sheet.append([_text_cell(sheet, neutralise(text))])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text_cell(sheet: Any, text: str) -> WriteOnlyCell:
    """A string cell typed as text, so it is never stored as a formula (belt and braces after neutralise)."""
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell


def _xlsx_value(sheet: Any, value: Any) -> Any:
    value = _cell(value)
    return _text_cell(sheet, value) if isinstance(value, str) else value


def _sheet_title(title: str) -> str:
    cleaned = "".join("_" if ch in '[]:*?/\\' else ch for ch in title).strip("'")
    return (cleaned or "Sheet")[:31]


SHEET_NAMES = {
    "en": {"merit": "Merit view", "scores": "Scores", "about": "About"},
    "fr": {"merit": "Vue du mérite", "scores": "Cotes", "about": "À propos"},
}


def export_merit(view: MeritView, *, fmt: str, lang: str = "en") -> bytes:
    """The merit view as ``csv`` or ``xlsx`` bytes."""
    frame = merit_export_frame(view, lang=lang)
    if fmt == "csv":
        return to_csv_bytes(frame)
    if fmt == "xlsx":
        names = SHEET_NAMES.get(lang, SHEET_NAMES["en"])
        note = ORDERING_NOTE.get(lang, ORDERING_NOTE["en"])
        return to_xlsx_bytes({names["merit"]: frame}, about=(names["about"], [note]))
    raise ValueError(f"Unknown export format {fmt!r}: choose csv or xlsx.")


def export_scores(frames: PostingFrames, *, fmt: str, lang: str = "en", anonymised: bool = False) -> bytes:
    """Every submitted individual score as ``csv`` or ``xlsx`` bytes."""
    frame = scores_export_frame(frames, lang=lang, anonymised=anonymised)
    if fmt == "csv":
        return to_csv_bytes(frame)
    if fmt == "xlsx":
        return to_xlsx_bytes({SHEET_NAMES.get(lang, SHEET_NAMES["en"])["scores"]: frame})
    raise ValueError(f"Unknown export format {fmt!r}: choose csv or xlsx.")


def posting_scores_file(
    engine: Engine, actor: Actor, *, posting_id: int, fmt: str, lang: str = "en", anonymised: bool = False
) -> bytes:
    """Read a posting's submitted scores with their notes (access checked) and return them as a file.

    For callers that run outside a request's transaction: the dashboard builds this file only when its
    download button is clicked, on a thread of its own, so the load opens its own read transaction.
    """
    with read_session(engine) as session:
        frames = load_posting_frames(session, actor, posting_id=posting_id, notes=True)
    data = export_scores(frames, fmt=fmt, lang=lang, anonymised=anonymised)
    log_access(engine, actor, action="export.scores", frames=frames, what={"format": fmt, "lang": lang, "anonymised": anonymised})
    return data


def log_access(engine: Engine, actor: Actor, *, action: str, frames: PostingFrames, what: dict[str, Any]) -> None:
    """Record that ``actor`` read these candidates' personal information (issue #10), in its own transaction."""
    from tracker.db import write_session
    from tracker.services.audit import record_access

    with write_session(engine) as session:
        record_access(
            session, actor, action=action, posting_id=frames.posting.posting_id,
            candidate_labels=frames.candidates["label"].astype(str).tolist(), what=what,
        )  # fmt: skip
