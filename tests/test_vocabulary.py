"""One vocabulary (issue #21 §1): a concept has the same word on the page, in the document and in the
export, and the forms the glossary rules out (../shared/guide/GLOSSARY.md) fail the build wherever
they appear: the catalogs, the document words and templates, the export words, the example postings.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app_pages._common import CANDIDATE_STATUS_LABELS, OUTCOME_LABELS
from tracker.exports import DECISION_PENDING, VALUES
from tracker.i18n import t
from tracker.i18n.catalog import load_catalog
from tracker.labels import label_text
from tracker.models import CandidateStatus, DecisionOutcome
from tracker.reports.strings import words
from tracker.results.charts import builtin_translator
from tracker.results.merit import NOT_ASSESSED

ROOT = Path(__file__).resolve().parents[1]


def _same_word(page: str, other: str) -> bool:
    """``other`` says what ``page`` says: the same word, or the same word with a complement
    (« Éliminée » / « Éliminée du processus »), case aside."""
    page, other = page.casefold().strip(), other.casefold().strip()
    return other == page or other.startswith(page + " ")


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("status", list(CandidateStatus))
def test_a_candidate_status_has_one_word(lang: str, status: CandidateStatus) -> None:
    page = t(CANDIDATE_STATUS_LABELS[status], lang)
    document = words(lang)[f"status_{status.value}"]
    export = VALUES[lang][status.value]
    assert _same_word(page, document) and _same_word(page, export), (page, document, export)


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("outcome", list(DecisionOutcome))
def test_a_decision_has_one_word(lang: str, outcome: DecisionOutcome) -> None:
    page = t(OUTCOME_LABELS[outcome], lang)
    document = words(lang)[f"decision_{outcome.value}"]
    export = DECISION_PENDING[lang] if outcome == DecisionOutcome.pending else VALUES[lang][outcome.value]
    # The export's one "withdrawn" column value serves the status and the decision.
    assert _same_word(page, document), (page, document)
    assert _same_word(page, export) or _same_word(export, page), (page, export)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_documents_not_assessed_and_the_label_have_one_name(lang: str) -> None:
    w = words(lang)
    assert t("Record of decision (HTML)", lang).startswith(w["record_title"] + " ")
    assert t("Feedback summary (HTML)", lang).startswith(w["feedback_title"] + " ")
    not_assessed = t("Not assessed", lang)
    for other in (w["not_assessed"], w["basis_not_assessed"], VALUES[lang][NOT_ASSESSED],
                  builtin_translator(lang)("not assessed")):  # fmt: skip
        assert _same_word(not_assessed, other), (not_assessed, other)
    # The label: one function for pages, documents and exports.
    assert label_text(7, lang) == t("Candidate {number}", lang, number="07")
    assert label_text(7, "fr") == "Candidature 07"


# Forms the glossary rules out, with the word to use instead (for the failure message).
RULED_OUT: dict[str, str] = {
    r"candidat\(e\)|candidat·e": "personne candidate, or « candidate ou candidat »",
    r"\(e\)|·e\b|·rice|·euse": "an épicène form or a full doublet",
    r"dossier de décision": "compte rendu de décision",
    r"notes sur les preuves": "notes d'observation",
    r"\brencontré": "satisfait (« satisfait au critère »)",
    r"sommaire de rétroaction|rencontre de rétroaction": "résumé pour la discussion informelle",
    r"qualification (non )?établie": "qualifiée / non qualifiée",
    r"offre faite": "offre présentée",
    r"date de fermeture": "date de clôture",
    r"qualification atout": "qualification constituant un atout",
    r"besoin opérationnel": "exigence opérationnelle",
    r"nombre minimal d'évaluateurs": "nombre minimal de cotes",
    r"oui, fortement|non, fortement": "recommande fortement / déconseille fortement",
    r"éliminée? à la présélection": "éliminée (du processus)",
    r"vue du mérite": "tableau du mérite",
    r"données personnelles": "renseignements personnels",
    r"\bintervieweur": "membre du comité",
}
_RULED_OUT = re.compile("|".join(f"(?:{p})" for p in RULED_OUT), re.IGNORECASE)


def _french_sources() -> dict[str, str]:
    """Every place French words for people are written: catalog msgstrs, document and export words,
    templates, the demo, and the example postings."""
    found: dict[str, str] = {}
    for message in load_catalog("fr"):
        if message.id:
            strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
            found[f"fr.po: {message.id!r}"] = " ".join(s for s in strings if s)
    files = [
        *sorted((ROOT / "tracker" / "reports").rglob("*.py")),
        *sorted((ROOT / "tracker" / "reports" / "templates").glob("*.j2")),
        ROOT / "tracker" / "exports.py",
        *sorted((ROOT / "tracker" / "results").glob("*.py")),
        ROOT / "tracker" / "demo.py",
        *sorted((ROOT / "examples").rglob("*.md")),
    ]
    for path in files:
        found[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8")
    return found


def test_no_ruled_out_form_appears_in_a_catalog_template_or_example() -> None:
    sources = _french_sources()
    assert len(sources) > 700 and any(name.startswith("examples/") for name in sources)
    hits = [(name, m.group(0)) for name, text in sources.items() for m in _RULED_OUT.finditer(text)]
    assert not hits, "\n".join(f"{name}: « {hit} »" for name, hit in hits[:30])


@pytest.mark.parametrize("text", ["chaque candidat(e)", "Concepteur·rice", "Dossier de décision", "critère rencontré"])
def test_the_ruled_out_list_catches_what_it_lists(text: str) -> None:
    assert _RULED_OUT.search(text)
