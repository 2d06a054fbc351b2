"""Exports: written with XlsxWriter, opened back with pandas and openpyxl and compared; formula payloads inert;
BOM present."""

from __future__ import annotations

import dataclasses
import io
import re

import openpyxl
import pandas as pd
import pytest
from test_results_frames import NA, crit, make_frames

from tracker.exports import (
    export_merit,
    export_scores,
    merit_export_frame,
    neutralise,
    neutralise_frame,
    scores_export_frame,
    to_csv_bytes,
    to_xlsx_bytes,
)
from tracker.formula import looks_like_formula
from tracker.results.merit import merit_view

PAYLOADS = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+1",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def frames_with(names: list[str], *, notes: str = "Plain notes", criterion: str = "Analyse données") -> object:
    candidates = [
        {"candidate_id": i, "label": f"Candidate {i:02d}", "label_number": i, "name": name, "language": "fr",
         "status": "active", "decision": None}
        for i, name in enumerate(names, start=1)
    ]  # fmt: skip
    ratings = {}
    for i in range(1, len(names) + 1):
        ratings[(i, 1)] = {11: 3 + i % 3, 12: NA}
        ratings[(i, 2)] = {11: 4, 12: 2}
    all_notes = {(i, p, c): notes for (i, p), cells in ratings.items() for c in cells}
    return make_frames(
        [crit(11, 1, text_en=criterion, text_fr=criterion), crit(12, 2, "asset", text_en="Critère atout")],
        candidates, ratings, [(1, 11, 4, "Consensus après discussion")], notes=all_notes,
    )  # fmt: skip


@pytest.mark.parametrize("payload", [*PAYLOADS, "plain", "Zoë", "a=b", "", "'already quoted"])
def test_neutralise_prefixes_exactly_the_formula_triggers(payload: str) -> None:
    expected = "'" + payload if payload[:1] in {"=", "+", "-", "@", "\t", "\r"} else payload
    assert neutralise(payload) == expected


@pytest.mark.parametrize("value", [-1.5, 3, None, 0.0])
def test_numbers_are_left_alone(value) -> None:
    assert neutralise(value) == value


def test_neutralise_frame_covers_headers_and_every_string_column() -> None:
    frame = pd.DataFrame({"=bad": ["=1+1", "ok"], "n": [-1, 2]})
    out = neutralise_frame(frame)
    assert list(out.columns) == ["'=bad", "n"]
    assert out["'=bad"].tolist() == ["'=1+1", "ok"] and out["n"].tolist() == [-1, 2]


def test_merit_csv_has_a_bom_and_reads_back_equal() -> None:
    frames = frames_with(["Zoë Côté", "André Lévesque"])
    view = merit_view(frames)
    data = export_merit(view, fmt="csv", lang="fr")
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False, na_values=[""])
    expected = merit_export_frame(view, lang="fr")
    assert list(back.columns) == list(expected.columns)
    assert "Étiquette" in back.columns and "Critères essentiels" in back.columns
    assert back["Nom"].tolist() == expected["Nom"].tolist()
    assert back["C1"].tolist() == pytest.approx(expected["C1"].tolist())
    assert back["Total pondéré"].tolist() == pytest.approx(expected["Total pondéré"].tolist())
    assert back["Ordre (aide)"].astype(str).tolist() == expected["Ordre (aide)"].tolist()


def test_merit_export_values_are_the_merit_view() -> None:
    frames = frames_with(["A", "B"])
    table = merit_export_frame(merit_view(frames), lang="en").set_index("Label")
    # Candidate 01: C1 consensus 4 (ratings 4, 4); candidate 02: mean of 5 and 4 = 4.5.
    assert table.loc["Candidate 01", "C1"] == 4.0 and table.loc["Candidate 01", "C1 basis"] == "consensus"
    assert table.loc["Candidate 02", "C1"] == 4.5 and table.loc["Candidate 02", "C1 basis"] == "mean of 2"
    assert table.loc["Candidate 02", "C1 verdict"] == "met"
    assert table.loc["Candidate 01", "C2 basis"] == "mean of 1" and "C2 verdict" not in table.columns
    assert table.loc["Candidate 01", "Decision"] == "pending"


def test_anonymised_merit_export_has_no_names() -> None:
    frames = frames_with(["Zoë Côté", "André Lévesque"])
    data = export_merit(merit_view(frames, anonymised=True), fmt="csv").decode("utf-8-sig")
    assert "Zoë" not in data and "André" not in data and "Candidate 01" in data


def test_merit_xlsx_reads_back_equal_with_an_about_sheet() -> None:
    frames = frames_with(["Zoë Côté", "André Lévesque"])
    view = merit_view(frames)
    workbook = openpyxl.load_workbook(io.BytesIO(export_merit(view, fmt="xlsx", lang="fr")))
    assert workbook.sheetnames == ["Tableau du mérite", "À propos"]
    back = pd.read_excel(io.BytesIO(export_merit(view, fmt="xlsx", lang="fr")), sheet_name="Tableau du mérite")
    expected = merit_export_frame(view, lang="fr")
    assert list(back.columns) == list(expected.columns)
    assert back["Nom"].tolist() == expected["Nom"].tolist()
    assert back["C1"].tolist() == pytest.approx(expected["C1"].tolist())
    about = [c.value for row in workbook["À propos"].iter_rows() for c in row if c.value]
    assert any("aide" in str(text) for text in about)


def all_cells(data: bytes) -> list[openpyxl.cell.cell.Cell]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None]


def excel_text(value: str) -> str:
    """The text Excel shows: XLSX stores control characters as ``_xHHHH_``, which openpyxl leaves as is."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), value)


def test_formula_payloads_come_out_inert_in_csv_and_xlsx() -> None:
    frames = frames_with(PAYLOADS, notes="=1+1 said the candidate", criterion="=cmd|' /C calc'!A0")
    view = merit_view(frames)
    for data in (export_merit(view, fmt="xlsx"), export_scores(frames, fmt="xlsx")):
        cells = all_cells(data)
        assert not [c for c in cells if c.data_type == "f"]
        strings = [c for c in cells if isinstance(c.value, str)]
        # Text cells keep the value as typed; a formula-looking one carries the quote-prefix format
        # (text even when edited in Excel), and no apostrophe shows in the data.
        formula_like = [c for c in strings if looks_like_formula(excel_text(c.value))]
        assert len(formula_like) >= len(PAYLOADS) and all(c.quotePrefix and c.data_type == "s" for c in formula_like)
        assert not [c for c in strings if c.quotePrefix and not looks_like_formula(excel_text(c.value))]
        assert set(PAYLOADS) <= {excel_text(c.value) for c in strings}
        assert not [c.value for c in strings if c.value.startswith("'")]
    for data in (export_merit(view, fmt="csv"), export_scores(frames, fmt="csv")):
        back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
        values = [*back.columns, *back.to_numpy().ravel().tolist()]
        assert not [v for v in values if v[:1] in {"=", "+", "-", "@", "\t", "\r"}]
        assert "'" + PAYLOADS[1] in values


def test_headers_are_neutralised_too() -> None:
    data = to_xlsx_bytes({"Sheet": pd.DataFrame({"=SUM(A1)": [1]})})
    header = openpyxl.load_workbook(io.BytesIO(data))["Sheet"]["A1"]
    assert header.value == "=SUM(A1)" and header.data_type == "s" and header.quotePrefix
    assert to_csv_bytes(pd.DataFrame({"@x": [1]})).decode("utf-8-sig").splitlines()[0] == "'@x"


def test_raw_scores_export_reads_back_equal() -> None:
    frames = frames_with(["Zoë Côté", "Bob"], notes="Exemple précis, « bien structuré »")
    expected = scores_export_frame(frames, lang="fr")
    assert len(expected) == 8  # 2 candidates x 2 interviewers x 2 criteria
    back = pd.read_excel(io.BytesIO(export_scores(frames, fmt="xlsx", lang="fr")), sheet_name="Cotes")
    assert list(back.columns) == list(expected.columns)
    assert back["Notes d'observation"].tolist() == expected["Notes d'observation"].tolist()
    assert back["Cote"].fillna(-1).tolist() == expected["Cote"].fillna(-1).tolist()
    assert set(back["Non évalué"]) == {"oui", "non"}
    csv = pd.read_csv(io.BytesIO(export_scores(frames, fmt="csv", lang="fr")), encoding="utf-8-sig")
    assert csv["Nom"].tolist() == expected["Nom"].tolist() and "Zoë Côté" in csv["Nom"].tolist()
    assert csv["Soumise (UTC)"].iloc[0] == "2026-03-02 10:00"


def test_anonymised_scores_export_has_labels_only() -> None:
    frames = frames_with(["Zoë Côté", "Bob"])
    frame = scores_export_frame(frames, anonymised=True)
    assert "Name" not in frame.columns and set(frame["Label"]) == {"Candidate 01", "Candidate 02"}


def test_raw_scores_export_needs_the_notes() -> None:
    frames = frames_with(["A"])
    without = dataclasses.replace(frames, scores=frames.scores.drop(columns="notes"))
    with pytest.raises(ValueError, match="notes=True"):
        scores_export_frame(without)


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="csv or xlsx"):
        export_merit(merit_view(frames_with(["A"])), fmt="ods")


def test_xlsx_cells_are_typed_numbers_dates_and_text() -> None:
    from datetime import UTC, date, datetime

    import numpy as np

    frame = pd.DataFrame({
        "int": [3, 4], "float": [1.5, float("nan")], "numpy": np.array([7, 8], dtype="int64"),
        "bool": [True, False], "when": [datetime(2026, 3, 2, 10, 0, tzinfo=UTC), None],
        "day": [date(2026, 3, 2), None], "naive": pd.to_datetime(["2026-03-02 11:30", None]),
        "text": ["- a note that starts with a dash", "1234"], "control": ["\x1b=evil", "tab\tinside"],
    })  # fmt: skip
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes({"Typed": frame})))["Typed"]
    row2 = {sheet.cell(1, c).value: sheet.cell(2, c) for c in range(1, len(frame.columns) + 1)}
    row3 = {sheet.cell(1, c).value: sheet.cell(3, c) for c in range(1, len(frame.columns) + 1)}
    assert (row2["int"].value, row2["int"].data_type) == (3, "n")
    assert (row2["float"].value, row3["float"].value) == (1.5, None)
    assert (row2["numpy"].value, row2["numpy"].data_type) == (7, "n")
    assert row2["bool"].value is True and row2["bool"].data_type == "b"
    assert row2["when"].value == datetime(2026, 3, 2, 10, 0) and row2["when"].is_date and row3["when"].value is None
    assert row2["day"].value == datetime(2026, 3, 2) and row2["day"].number_format == "yyyy-mm-dd"
    assert row2["naive"].value == datetime(2026, 3, 2, 11, 30) and row2["naive"].number_format == "yyyy-mm-dd hh:mm"
    # Text stays text: a dash note shows no apostrophe, a string of digits is not turned into a number.
    assert (row2["text"].value, row2["text"].quotePrefix) == ("- a note that starts with a dash", True)
    assert (row3["text"].value, row3["text"].data_type, row3["text"].quotePrefix) == ("1234", "s", False)
    assert row2["control"].quotePrefix and row3["control"].value == "tab\tinside"
    assert sheet.freeze_panes == "A2"


def test_the_scores_export_types_the_submission_time() -> None:
    from datetime import datetime

    frames = frames_with(["Zoë Côté"])
    sheet = openpyxl.load_workbook(io.BytesIO(export_scores(frames, fmt="xlsx")))["Scores"]
    headers = [c.value for c in sheet[1]]
    cell = sheet.cell(2, headers.index("Submitted (UTC)") + 1)
    assert cell.is_date and cell.value == datetime(2026, 3, 2, 10, 0)
    rating = sheet.cell(2, headers.index("Rating") + 1)
    assert rating.data_type == "n"


def test_the_scores_export_falls_back_both_ways_and_says_so() -> None:
    """Issue #21 §5: an English export of a French-only criterion is not empty, nor silent (and vice versa)."""
    frames = make_frames(
        [crit(11, 1, text_en="Analyses data", text_fr=""), crit(12, 2, text_en="", text_fr="Rédige des rapports")],
        1, {(1, 1): {11: 4, 12: 3}},
    )  # fmt: skip
    criteria = frames.criteria
    criteria.loc[criteria["criterion_id"] == 11, "text_fr"] = None  # (crit() fills an empty text)
    criteria.loc[criteria["criterion_id"] == 12, "text_en"] = ""
    english = scores_export_frame(frames, lang="en").set_index("Criterion number")["Criterion"]
    assert english[1] == "Analyses data"
    assert english[2] == "Rédige des rapports [French text only]"
    french = scores_export_frame(frames, lang="fr").set_index("Numéro du critère")["Critère"]
    assert french[2] == "Rédige des rapports"
    assert french[1] == "Analyses data [texte anglais seulement]"


def test_the_french_csv_is_technical_and_the_xlsx_keeps_typed_numbers() -> None:
    """The decision (tracker/exports.py, docs/user-guide.md): French words, but ``,`` and a decimal point."""
    frames = frames_with(["Zoë Côté", "Bob"])
    view = merit_view(frames)
    csv = export_merit(view, fmt="csv", lang="fr").decode("utf-8-sig")
    header, first = csv.splitlines()[:2]
    assert header.startswith("Ordre (aide),Étiquette,Nom,")
    assert re.search(r",\d+\.\d+,", first) and not re.search(r"\d,\d{2}\b;", first)
    back = pd.read_csv(io.BytesIO(csv.encode("utf-8-sig")), encoding="utf-8-sig")
    assert back["Total pondéré"].dtype.kind == "f"
    sheet = openpyxl.load_workbook(io.BytesIO(export_merit(view, fmt="xlsx", lang="fr")))["Tableau du mérite"]
    totals = [row[list(back.columns).index("Total pondéré")] for row in sheet.iter_rows(min_row=2)]
    assert totals and all(cell.data_type == "n" and isinstance(cell.value, float | int) for cell in totals)
