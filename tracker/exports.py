"""CSV and XLSX exports of the merit view and of the raw scores (issue #5).

Two safety rules apply to every file, whatever its content:

* **Formula injection**: a spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@`` (and,
  in some, a tab or carriage return, or any of those behind leading spaces or invisible characters:
  tracker.formula) as a formula, so a candidate named ``=HYPERLINK(…)`` could act on a manager's
  machine. In **CSV**, every such string cell, headers and names included, is prefixed with an
  apostrophe, as OWASP's "CSV Injection" guidance recommends. In **XLSX** (XlsxWriter) every string is
  written with ``write_string``, so it is stored as text and never as a formula, and a formula-looking
  one gets the quote-prefix cell format: Excel keeps it text even when someone edits the cell, and no
  apostrophe shows in the data. Numbers and dates are typed cells.
* **Encoding**: CSV is UTF-8 with a byte-order mark, without which Excel reads "Critère" as "CritÃ¨re".

XlsxWriter in constant-memory mode streams each row to a temporary file: a 48,000-score export keeps
one row in memory, and it was about twice as fast as openpyxl's write-only mode (bench/exports.py).

The export frames are plain tables (one header row) in the language asked for; the XLSX file adds a
sheet that says the ordering is an aid, not a decision.

**The CSV is technical in both languages** (issue #21 §4, decided): comma separator, decimal point, ISO
dates in UTC, UTF-8 with a byte-order mark; only the headers and words are French. A CSV is for other
programs (R, pandas, a records system), which read one format whatever the reader's language; a French
(Canada) Excel that expects ``;`` and a decimal comma should open the **XLSX**, whose numbers and dates
are typed cells that Excel displays in the reader's own locale. docs/user-guide.md says so.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import xlsxwriter
from sqlalchemy.engine import Engine

from tracker.db import read_session
from tracker.formula import FORMULA_PREFIXES, looks_like_formula, neutralise_text
from tracker.labels import label_text
from tracker.reports.strings import words as document_words
from tracker.results.data import PostingFrames, load_posting_frames
from tracker.results.merit import CONSENSUS, MEAN, NOT_ASSESSED, ORDERING_NOTE, MeritView
from tracker.services.actor import Actor

FORMULA_TRIGGERS = FORMULA_PREFIXES  # the one list (tracker.formula); this name is kept for callers
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
        "not_assessed": "Non évalué", "notes": "Notes d'observation", "submitted": "Soumise (UTC)",
    },
}  # fmt: skip
VALUES = {
    "en": {
        "met": "met", "not_met": "not met", "pending": "no verdict yet", CONSENSUS: "consensus",
        MEAN: "mean of {n}", NOT_ASSESSED: "not assessed", "none": "no ratings", "older": "older rubric version",
        "essential": "essential", "asset": "asset", "yes": "yes", "no": "no",
        "active": "in the process", "screened_out": "screened out", "withdrawn": "withdrawn",
        "qualified": "qualified", "not_qualified": "not qualified", "offered": "offer made",
    },
    "fr": {
        "met": "satisfait", "not_met": "non satisfait", "pending": "pas encore de verdict", CONSENSUS: "consensus",
        MEAN: "moyenne de {n}", NOT_ASSESSED: "non évalué", "none": "aucune cote",
        "older": "version antérieure de la grille", "essential": "essentiel", "asset": "atout", "yes": "oui",
        "no": "non", "active": "dans le processus", "screened_out": "éliminée",
        "withdrawn": "retrait du processus", "qualified": "qualifiée", "not_qualified": "non qualifiée",
        "offered": "offre présentée",
    },
}  # fmt: skip
DECISION_PENDING = {"en": "pending", "fr": "en attente"}


def neutralise(value: Any) -> Any:
    """A string a spreadsheet would run as a formula gets a leading apostrophe; anything else is unchanged."""
    return neutralise_text(value) if isinstance(value, str) else value


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
    out = pd.DataFrame({h["label"]: [label_text(int(n), lang) for n in data["label_number"]]})
    if not anonymised:
        out[h["name"]] = data["name"].to_numpy()
    out[h["interviewer"]] = data["interviewer"].to_numpy()
    # Column-wise lookups: a per-row ``.loc`` cost seconds on a 2,000-candidate posting.
    criterion_ids = data["criterion_id"]
    out[h["number"]] = criterion_ids.map(crit["number"]).astype(int).to_numpy()
    kind_words = {kind: _word(v, kind) for kind in crit["kind"].unique()}
    out[h["kind"]] = criterion_ids.map(crit["kind"]).map(kind_words).to_numpy()
    # The other language's text when this one is empty, both ways, marked as the documents mark it (#21 §5).
    other_column = "text_en" if lang == "fr" else "text_fr"
    own, other = crit[text_column].fillna("").astype(str), crit[other_column].fillna("").astype(str)
    marked = other.where(other == "", other + " " + document_words(lang)["fallback"])
    texts = own.where(own != "", marked)
    out[h["criterion"]] = criterion_ids.map(texts).to_numpy()
    out[h["version"]] = data["rubric_version"].astype(int).to_numpy()
    out[h["rating"]] = [None if pd.isna(r) else int(r) for r in data["rating"]]
    out[h["not_assessed"]] = [v["yes"] if na else v["no"] for na in data["not_assessed"]]
    out[h["notes"]] = data["notes"].to_numpy()
    submitted = cards["submitted_at"] if not cards.empty else pd.Series(dtype="datetime64[us, UTC]")
    # A typed date-time (UTC, to the minute; the header says UTC): a date cell in XLSX, text in CSV.
    stamps = pd.to_datetime(submitted, utc=True).dt.tz_localize(None).dt.floor("min")
    out[h["submitted"]] = pd.to_datetime(data["scorecard_id"].map(stamps)).to_numpy()
    return out.reset_index(drop=True)


CSV_DATE_FORMAT = "%Y-%m-%d %H:%M"
XLSX_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
XLSX_DATE_FORMAT = "yyyy-mm-dd"


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark, every string neutralised."""
    buffer = io.StringIO()
    neutralise_frame(frame).to_csv(buffer, index=False, lineterminator="\r\n", date_format=CSV_DATE_FORMAT)
    return buffer.getvalue().encode(CSV_ENCODING)


_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class _Formats:
    """The few cell formats a workbook needs, made once per workbook."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.quoted = workbook.add_format({"quote_prefix": True})
        self.datetime = workbook.add_format({"num_format": XLSX_DATETIME_FORMAT})
        self.date = workbook.add_format({"num_format": XLSX_DATE_FORMAT})


def _write_cell(sheet: Any, row: int, col: int, value: Any, formats: _Formats) -> None:
    """One typed cell: text through ``write_string`` (never a formula), numbers, booleans, dates.

    NaN, NA and NaT stay empty. Checks go from the most common type to the rarest: this runs for every
    cell of a 48,000-row export.
    """
    kind = type(value)
    if kind is str:
        # XML 1.0 cannot hold most control characters (found by the hostile-text sweep, #17): shown as
        # U+FFFD, as on the dashboard.
        formula = looks_like_formula(value)  # before the control characters are replaced: "\x1b=" is one
        value = _XML_ILLEGAL.sub("\ufffd", value)
        if formula:
            sheet.write_string(row, col, value, formats.quoted)
        elif value:
            sheet.write_string(row, col, value)
        return
    if value is None or value is pd.NA or value is pd.NaT:
        return
    if kind is bool:
        sheet.write_boolean(row, col, value)
    elif kind is int or kind is float:
        if math.isfinite(value):
            sheet.write_number(row, col, value)
    elif isinstance(value, datetime):  # pd.Timestamp included
        if value.tzinfo is not None:  # Excel has no time zones; the header says UTC
            value = value.astimezone(UTC).replace(tzinfo=None)
        sheet.write_datetime(row, col, value, formats.datetime)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, value, formats.date)
    elif hasattr(value, "item"):  # numpy scalars
        _write_cell(sheet, row, col, value.item(), formats)
    else:
        _write_cell(sheet, row, col, str(value), formats)


def to_xlsx_bytes(sheets: Mapping[str, pd.DataFrame], *, about: tuple[str, Sequence[str]] | None = None) -> bytes:
    """An XLSX workbook with one sheet per frame: typed numbers and dates, strings never formulas.

    ``about`` = (sheet title, paragraphs) adds a last sheet of explanations (the ordering-aid note).
    """
    buffer = io.BytesIO()
    options = {
        "constant_memory": True,  # rows are streamed to a temporary file, not kept
        "strings_to_formulas": False,  # belt and braces: write_string is used for text anyway
        "strings_to_numbers": False,
        "strings_to_urls": False,
    }
    workbook = xlsxwriter.Workbook(buffer, options)
    formats = _Formats(workbook)
    for title, frame in sheets.items():
        sheet = workbook.add_worksheet(_sheet_title(title))
        for index, column in enumerate(frame.columns):
            width = max([len(str(column)), *(len(str(v)) for v in frame[column].head(200))], default=8)
            sheet.set_column(index, index, min(60, max(8, width + 2)))
        sheet.freeze_panes(1, 0)
        for col, header in enumerate(frame.columns):
            _write_cell(sheet, 0, col, str(header), formats)
        # Column-wise to Python objects once (numpy scalars become int/float, datetime64 Timestamp).
        columns = [frame[c].astype(object).tolist() for c in frame.columns]
        for row_index, row in enumerate(zip(*columns, strict=True), start=1):
            for col, value in enumerate(row):
                _write_cell(sheet, row_index, col, value, formats)
    if about is not None:
        title, paragraphs = about
        sheet = workbook.add_worksheet(_sheet_title(title))
        sheet.set_column(0, 0, 110)
        for row_index, text in enumerate(paragraphs):
            _write_cell(sheet, row_index, 0, text, formats)
    workbook.close()
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = "".join("_" if ch in '[]:*?/\\' else ch for ch in title).strip("'")
    return (cleaned or "Sheet")[:31]


SHEET_NAMES = {
    "en": {"merit": "Merit view", "scores": "Scores", "about": "About"},
    "fr": {"merit": "Tableau du mérite", "scores": "Cotes", "about": "À propos"},
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
