"""One front-matter split (issue #24): the page shows the body the parser found, never the YAML.

A posting that opens with a blank line or uses ``----`` fences imports fine; the postings' source
view used to show its YAML as body text because it had a splitter of its own.
"""

from __future__ import annotations

import pytest
from app_helpers import page_html, signed_in
from factories import World, build_world
from sqlalchemy.engine import Engine

from app_pages._common import without_front_matter
from tracker.parsing.frontmatter_safe import posting_body, split_front_matter
from tracker.services.actor import Actor
from tracker.services.postings import import_postings

pytest_plugins = ["app_helpers"]

BODY = "\n## We will assess you on:\n\n- Experience writing for the web\n- Knowledge of plain-language principles\n"
FRONT = "title: 'Content Designer'\ntranslationKey: northwind-{key}\n"
FILES = {
    "plain": "---\n" + FRONT + "---\n" + BODY,
    "leading-blank-line": "\n---\n" + FRONT + "---\n" + BODY,
    "leading-blank-lines-and-bom": "\ufeff\n \n---\n" + FRONT + "---\n" + BODY,
    "four-dash-fences": "----\n" + FRONT + "----\n" + BODY,
    "mixed-fences-and-crlf": ("-----\r\n" + FRONT + "---\r\n" + BODY).replace("\n", "\r\n").replace("\r\r", "\r"),
    "trailing-spaces": "---  \n" + FRONT + "---\t\n" + BODY,
}


@pytest.mark.parametrize("name", list(FILES))
def test_the_page_split_is_the_parsers(name: str) -> None:
    text = FILES[name].format(key=name)
    parsed = split_front_matter(text, path=f"{name}.md")
    assert parsed.present and parsed.metadata["translationKey"] == f"northwind-{name}"
    assert posting_body(text) == parsed.body == without_front_matter(text)
    assert "translationKey" not in posting_body(text) and "We will assess you on:" in posting_body(text)


@pytest.mark.parametrize(
    "text",
    [
        "No front matter at all.\n\n----\n\nA rule above.",
        "",
        "---\ntitle: never closed\n",
        "Body\n---\nnot: yaml\n---\n",
    ],
)
def test_text_without_closed_front_matter_is_shown_whole(text: str) -> None:
    assert posting_body(text) == text


@pytest.fixture
def world(app_engine: Engine) -> World:
    return build_world(app_engine)


@pytest.mark.parametrize("name", ["leading-blank-line", "four-dash-fences"])
def test_the_rubric_page_shows_no_yaml_for_postings_the_parser_accepts(
    app_engine: Engine, world: World, name: str
) -> None:
    data = FILES[name].format(key=name).encode()
    report = import_postings(app_engine, Actor.from_user(world.manager), files=[(f"{name}.md", data)])
    [item] = report.items
    assert item.action == "created", item
    at = signed_in(world.manager.id, page="rubric")
    at.selectbox(key="rubric_posting").set_value(item.posting_id).run()
    [rendered] = [h.proto.body for h in page_html(at)]
    assert "translationKey" not in rendered and "Content Designer" not in rendered
    assert "We will assess you on:" in rendered
