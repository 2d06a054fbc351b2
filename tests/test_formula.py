"""Formula injection (issue #17, item 8): whitespace and control characters before a trigger.

OWASP's CSV-injection list (``=``, ``+``, ``-``, ``@``, tab, carriage return) plus what spreadsheets skip
before reading a formula: spaces (including no-break and ideographic ones), line breaks, other control
characters, and invisible format characters (zero-width space, byte-order mark, bidi marks). Each is
tried before each trigger, in the neutraliser, in a CSV export and in the candidate checks.
"""

from __future__ import annotations

import io
import itertools

import pandas as pd
import pytest

from tracker.exports import neutralise, to_csv_bytes
from tracker.formula import FORMULA_PREFIXES, looks_like_formula
from tracker.services import ValidationError
from tracker.services.candidates import check_name

TRIGGERS = ["=", "+", "-", "@"]
LEADING = {
    "space": " ", "two spaces": "  ", "tab": "\t", "carriage return": "\r", "line feed": "\n", "CRLF": "\r\n",
    "vertical tab": "\x0b", "form feed": "\x0c", "no-break space": "\u00a0", "ideographic space": "\u3000",
    "en quad": "\u2000", "line separator": "\u2028", "zero-width space": "\u200b", "byte-order mark": "\ufeff",
    "left-to-right mark": "\u200e", "right-to-left override": "\u202e", "NUL": "\x00", "escape": "\x1b",
    "unit separator": "\x1f", "DEL": "\x7f", "next line": "\x85", "mixed": " \t\u200b\u00a0",
}  # fmt: skip
CASES = [pytest.param(lead + trigger + "HYPERLINK(\"http://evil.example\")", id=f"{name}-{trigger}")
         for (name, lead), trigger in itertools.product(LEADING.items(), TRIGGERS)]  # fmt: skip


@pytest.mark.parametrize("payload", CASES)
def test_whitespace_or_control_characters_before_a_trigger_are_neutralised(payload: str) -> None:
    assert looks_like_formula(payload)
    assert neutralise(payload) == "'" + payload


@pytest.mark.parametrize("payload", CASES)
def test_the_csv_export_keeps_the_apostrophe_before_them(payload: str) -> None:
    data = to_csv_bytes(pd.DataFrame({"Notes": [payload], "n": [1]}))
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)
    assert back["Notes"].tolist() == ["'" + payload]


@pytest.mark.parametrize(
    "value",
    ["plain", "Zoë", " leading space then text", "\u200bword", "a=b", "1-2", "", " ", "\u00a0\u00a0", "'=already", "x@example.ca",
     " 3 - 2", "\tindented?"],
)  # fmt: skip
def test_text_that_is_no_formula_is_left_alone(value: str) -> None:
    expected = value.startswith(("\t", "\r"))  # a bare tab or CR start is on OWASP's list by itself
    assert looks_like_formula(value) is expected
    assert neutralise(value) == ("'" + value if expected else value)


def test_every_owasp_trigger_is_in_the_one_list() -> None:
    assert set(FORMULA_PREFIXES) == {"=", "+", "-", "@", "\t", "\r"}
    assert all(looks_like_formula(p + "x") for p in FORMULA_PREFIXES)


@pytest.mark.parametrize("lead", ["\u200b", "\ufeff", "\u200e"])
def test_a_candidate_name_hiding_a_formula_behind_an_invisible_character_is_refused(lead: str) -> None:
    with pytest.raises(ValidationError, match="formula"):
        check_name(lead + "=HYPERLINK(1)")
