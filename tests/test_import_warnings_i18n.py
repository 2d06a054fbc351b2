"""Parser and import warnings are stored as message ids with parameters and shown in the reader's
language (issue #11 §2, issue #21): a French manager reads them in French, the CLI in English."""

from __future__ import annotations

import pytest
from app_helpers import assert_no_exception, signed_in, visible
from factories import World, build_world
from sqlalchemy.engine import Engine

from tracker.db import read_session
from tracker.i18n.message import Join, Message, Number, from_data, messages_from_json, messages_to_json, to_data
from tracker.parsing import parse_bytes
from tracker.services.actor import Actor
from tracker.services.postings import import_postings
from tracker.services.rubrics import current_rubric

pytest_plugins = ["app_helpers"]

# No front matter, no criteria lists: three warnings (title, language guess, no criteria).
BARE = b"Just a paragraph of text with no headings and no lists.\n"


def test_messages_survive_the_database_round_trip() -> None:
    warning = Message(
        "{path}: {warning}",
        path="a.md",
        warning=Message("Criterion {number} is {kind_en} in English but {kind_fr} in French; kept {kind}.",
                        number=3, kind_en=Message("essential"), kind_fr=Message("asset"), kind=Message("essential")),
    )  # fmt: skip
    back = messages_from_json(messages_to_json([warning, "an older warning stored as text"]))
    assert back[0] == warning and isinstance(back[0], Message)
    assert back[0].translate("fr") == (
        "a.md\u00a0: Le critère 3 est essentiel en anglais, mais atout en français; type retenu\u00a0: essentiel."
    )
    assert back[1] == "an older warning stored as text" and not isinstance(back[1], Message)
    assert from_data(to_data(Join.of([Number(10001), "x"]))).render("fr") == "10\u202f001, x"
    assert messages_from_json("not json") == []


def test_parser_warnings_are_messages_in_both_languages() -> None:
    parsed = parse_bytes(BARE, path="bare.md")
    assert parsed.warnings and all(isinstance(w, Message) for w in parsed.warnings)
    english = [str(w) for w in parsed.warnings]
    french = [w.translate("fr") for w in parsed.warnings]
    assert any("No YAML front matter" in w for w in english)
    assert any("Aucun en-tête YAML" in w for w in french)
    assert not any(e == f for e, f in zip(english, french, strict=True))


@pytest.fixture
def world(app_engine: Engine) -> World:
    return build_world(app_engine)


def test_stored_import_warnings_are_shown_in_french(app_engine: Engine, world: World) -> None:
    report = import_postings(app_engine, Actor.from_user(world.manager), files=[("bare.md", BARE)])
    [item] = report.items
    assert item.warnings and all(isinstance(w, Message) for w in item.warnings)
    with read_session(app_engine) as session:
        view = current_rubric(session, Actor.from_user(world.manager), posting_id=item.posting_id)
    assert view.warnings and all(isinstance(w, Message) for w in view.warnings)  # read back from warnings_json
    at = signed_in(world.manager.id, lang="fr", page="rubric")
    at.selectbox(key="rubric_posting").set_value(item.posting_id).run()
    assert_no_exception(at)
    shown = [visible(w.value) for w in at.warning]
    assert any("Aucun en-tête YAML" in w for w in shown), shown
    assert not any("No YAML front matter" in w or "was found" in w for w in shown), shown
