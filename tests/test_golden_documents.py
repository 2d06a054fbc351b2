"""The French record of decision and feedback summary of two demo candidates, as golden files (issue #21).

Amélie Côté chose French (the whole board submitted, consensus recorded, a decision); Daniel Osei chose
English (two scorecards submitted, one draft). Their French documents are in ``tests/golden/`` to be
reviewed by reading them, as a francophone GC manager would. The demo's timestamps are the moment it
was loaded, so the test replaces each date-time with « ‹date et heure› » (the form around it is kept
and checked: « le ‹…› » in sentences, ISO + zone in tables); opening and closing dates and the
document's own date are fixed. ``TRACKER_UPDATE_GOLDEN=1`` rewrites the files.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from tracker.db import read_session
from tracker.demo import load_demo
from tracker.models import Candidate, Posting, User
from tracker.reports.documents import render_feedback, render_record
from tracker.results.data import load_posting_frames
from tracker.services.actor import Actor

GOLDEN = Path(__file__).parent / "golden"
TODAY = date(2026, 12, 7)
NOW = datetime(2026, 12, 7, 18, 30, tzinfo=UTC)
IN_TABLE = re.compile(r"\b\d{4}-\d{2}-\d{2} \d{2}:\d{2} (HNE|HAE)\b")
IN_SENTENCE = re.compile(r"\b\d{1,2}(er)? [a-zéû]+ \d{4} à \d{1,2} h \d{2} \(heure de l(&#39;|')Est\)")
PEOPLE = {"amelie": "Amélie Côté", "daniel": "Daniel Osei"}


FOOTER = "Document produit le 7 décembre 2026 à 13 h 30 (heure de l&#39;Est)."


def _normalised(html: str) -> str:
    body, _, footer = html.rpartition(FOOTER)
    body = IN_SENTENCE.sub("‹date et heure› (heure de l&#39;Est)", IN_TABLE.sub("‹date et heure› HNE", body))
    return body + FOOTER + footer


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    from tracker.db import get_engine
    from tracker.migrations import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('golden') / 'demo.sqlite3'}"
    upgrade(url)
    engine: Engine = get_engine(url)
    os.environ.pop("TRACKER_TIMEZONE", None)
    load_demo(engine, today=TODAY)
    out: dict[str, str] = {}
    with read_session(engine) as session:
        manager = Actor.from_user(session.exec(select(User).where(User.email == "manager@northwind.example")).one())
        for key, name in PEOPLE.items():
            candidate = session.exec(select(Candidate).where(Candidate.name == name)).one()
            posting = session.get(Posting, candidate.posting_id)
            assert posting is not None
            frames = load_posting_frames(
                session, manager, posting_id=posting.id or 0, candidate_ids=[candidate.id or 0], notes=True
            )
            out[f"{key}-record-fr.html"] = render_record(frames, candidate.id or 0, lang="fr", now=NOW)
            out[f"{key}-feedback-fr.html"] = render_feedback(frames, candidate.id or 0, lang="fr", now=NOW)
    return out


@pytest.mark.parametrize(
    "name", ["amelie-record-fr.html", "amelie-feedback-fr.html", "daniel-record-fr.html", "daniel-feedback-fr.html"]
)
def test_the_french_documents_match_their_golden_file(documents: dict[str, str], name: str) -> None:
    html = documents[name]
    text = unescape(html)
    assert "UTC" not in text and "Candidate 0" not in text and "n/a" not in text
    assert "Document produit le 7 décembre 2026 à 13 h 30 (heure de l'Est)." in text
    normalised = _normalised(html)
    path = GOLDEN / name
    if os.environ.get("TRACKER_UPDATE_GOLDEN") == "1":
        path.write_text(normalised, encoding="utf-8")
    assert normalised == path.read_text(encoding="utf-8"), f"{name} changed: read it, then TRACKER_UPDATE_GOLDEN=1"


def test_the_golden_record_reads_as_a_french_staffing_document(documents: dict[str, str]) -> None:
    record = unescape(documents["amelie-record-fr.html"])
    for expected in (
        '<html lang="fr">', "Compte rendu de décision", "Offre d'emploi", "Date de clôture",
        "21 décembre 2026", "Personne candidate", "Candidature 01", "Langue d'évaluation",
        "Jonah Whitfield, président", "Fiches d'évaluation", "Qualifiée", "Consigné par",
    ):  # fmt: skip
        assert expected in record, expected
    daniel = unescape(documents["daniel-feedback-fr.html"])
    assert "Résumé pour la discussion informelle" in daniel and "Candidature 02" in daniel
    assert "anglais" in daniel  # the language he chose, named in the French summary
