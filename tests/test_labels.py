"""The candidate's label is a number rendered per language (issue #21 §2): one function formats it,
every lookup accepts both forms, and no label text is stored."""

from __future__ import annotations

from typing import Any

import pytest
from factories import build_world
from sqlalchemy import inspect

from tracker.db import read_session, write_session
from tracker.i18n.message import Message
from tracker.labels import candidate_label, label_text, parse_label
from tracker.results.lookup import resolve_candidate
from tracker.services import candidates
from tracker.services.errors import NotFoundError


def test_the_label_is_written_in_the_readers_language() -> None:
    label = candidate_label(7)
    assert str(label) == "Candidate 07"
    assert label.translate("en") == "Candidate 07"
    assert label.translate("fr") == "Candidature 07"
    assert candidate_label(123).translate("fr") == "Candidature 123"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Candidate 07", 7), ("candidate 7", 7), ("Candidature 07", 7), ("CANDIDATURE7", 7), ("  #12 ", 12),
        ("Candidate 7x", None), ("Daniel Osei", None), ("07", None), ("", None), (None, None),
    ],
)  # fmt: skip
def test_parse_label_accepts_both_languages_and_nothing_else(text: object, number: int | None) -> None:
    assert parse_label(text) == number


def test_label_text_re_renders_any_form_and_leaves_other_text_alone() -> None:
    assert label_text(3, "fr") == "Candidature 03"
    assert label_text("Candidate 03", "fr") == "Candidature 03"
    assert label_text("Candidature 03", "en") == "Candidate 03"
    assert label_text(candidate_label(3), "fr") == "Candidature 03"
    assert label_text("Daniel Osei", "fr") == "Daniel Osei"
    assert label_text(None, "fr") == ""


def test_service_messages_name_the_candidate_in_the_readers_language(engine: Any) -> None:
    world = build_world(engine, candidates=0)
    with write_session(engine) as s:
        added = candidates.add_candidate(
            s, world.actor("manager"), posting_id=world.posting.id, name="Daniel Osei", email="d@mail.example"
        )
    assert isinstance(added.label, Message)
    assert added.label.translate("fr") == "Candidature 01"
    clash = candidates._email_taken(added.label, "d@mail.example")
    assert "Candidature 01" in clash.translate("fr") and "Candidate" not in clash.translate("fr")


def test_no_label_text_is_stored(engine: Any) -> None:
    assert "label" not in {c["name"] for c in inspect(engine).get_columns("candidate")}
    assert "label_number" in {c["name"] for c in inspect(engine).get_columns("candidate")}


def test_lookup_accepts_the_label_in_either_language_and_the_id(engine: Any) -> None:
    world = build_world(engine, candidates=2)
    second = world.candidates[1]
    with read_session(engine) as s:
        assert resolve_candidate(s, world.posting.id, "Candidate 02") == second.id
        assert resolve_candidate(s, world.posting.id, "candidature 2") == second.id
        assert resolve_candidate(s, world.posting.id, "Candidature 02") == second.id
        assert resolve_candidate(s, world.posting.id, str(second.id)) == second.id
        with pytest.raises(NotFoundError):
            resolve_candidate(s, world.posting.id, "Candidature 99")


def test_relabel_writes_every_label_inside_a_stored_text_in_the_readers_language() -> None:
    from tracker.labels import relabel

    assert relabel("first scorecard opened (Candidate 01)", "fr") == "first scorecard opened (Candidature 01)"
    assert (
        relabel('{"label": "Candidature 12", "x": "Candidate 3"}', "en")
        == '{"label": "Candidate 12", "x": "Candidate 3"}'
    )
