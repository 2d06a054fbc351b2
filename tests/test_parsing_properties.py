"""Property tests: no input makes the parser crash, and criteria only ever come from the posting.

Budget: ``TRACKER_FUZZ_EXAMPLES`` examples per property (default 200); ``make fuzz`` raises it.
"""

from __future__ import annotations

import html
import os
import re
from urllib.parse import unquote

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.parsing import ParsedPosting, PostingError, parse_bytes

EXAMPLES = int(os.environ.get("TRACKER_FUZZ_EXAMPLES", "200"))

# Part of `make fuzz` (longer budget through TRACKER_FUZZ_EXAMPLES) as well as `make test`.
pytestmark = pytest.mark.fuzz

FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WORD = re.compile(r"[^\W_]+")

HEADINGS = [
    "We’ll evaluate you based on your:",
    "Vous serez évalué(e) en fonction de ce qui suit :",
    "What we're looking for",
    "Ce que nous recherchons&nbsp;:",
    "You’ll fit right in if",
    "Assets",
    "Atouts",
    "What you’ll be doing",
    "Nous sommes à la recherche d’une personne qui :",
    "You will be able to:",
    "Developers",
    "About us",
]

words = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N")), min_size=1, max_size=8)
phrase = st.lists(words, min_size=1, max_size=6).map(" ".join)
inline = st.one_of(
    phrase,
    phrase.map(lambda t: f"**{t}**"),
    phrase.map(lambda t: f"*{t}*"),
    phrase.map(lambda t: f"[{t}](https://example.org/{len(t)})"),
    phrase.map(lambda t: f"`{t}`"),
    phrase.map(lambda t: f"{t} &amp; {t}&nbsp;&#8211;"),
    st.sampled_from(["&quot;", "&#x27;", "&bogus;", "\\*", "<br>", "<b>x</b>", "~~", "_", "#"]),
)
line_text = st.lists(inline, min_size=1, max_size=4).map(" ".join)
heading_text = st.one_of(st.sampled_from(HEADINGS), line_text)


@st.composite
def block(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["heading", "bold", "colon", "para", "list", "html", "dash", "quote", "code"]))
    if kind == "heading":
        return "#" * draw(st.integers(1, 7)) + " " + draw(heading_text)
    if kind == "bold":
        return f"**{draw(heading_text)}**"
    if kind == "colon":
        return draw(heading_text) + draw(st.sampled_from([":", " :", "&nbsp;:", ""]))
    if kind == "para":
        return "\n".join(draw(st.lists(line_text, min_size=1, max_size=3)))
    if kind == "list":
        items = []
        for _ in range(draw(st.integers(1, 5))):
            indent = " " * draw(st.sampled_from([0, 0, 0, 2, 3, 4, 8]))
            marker = draw(st.sampled_from(["-", "*", "+", "1.", "2)", "10."]))
            items.append(f"{indent}{marker} {draw(line_text)}")
            if draw(st.booleans()):
                items.append(draw(st.sampled_from(["", "  ", "   "])) + draw(line_text))
        return "\n".join(items)
    if kind == "html":
        tag = draw(st.sampled_from(["p", "li", "h2", "div", "ul", "span"]))
        inner = draw(
            st.one_of(heading_text.map(lambda t: "## " + t), line_text.map(lambda t: "&#8211; " + t), line_text)
        )
        close = draw(st.sampled_from([f"</{tag}>", ""]))
        return f"<{tag}>{inner}{close}"
    if kind == "dash":
        return draw(st.sampled_from(["–", "—", "•"])) + " " + draw(line_text)
    if kind == "quote":
        return "> " + draw(st.sampled_from(["- ", "## ", ""])) + draw(line_text)
    return "```\n" + draw(line_text) + "\n```"


yaml_scalars = st.one_of(st.none(), st.booleans(), st.integers(), phrase)
front_values = st.recursive(
    yaml_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(words, inner, max_size=3), max_leaves=8
)


@st.composite
def markdown_posting(draw: st.DrawFn) -> str:
    blocks = draw(st.lists(block(), min_size=0, max_size=14))
    separator = draw(st.sampled_from(["\n\n", "\n", "\r\n\r\n"]))
    body = separator.join(blocks) + "\n"
    if draw(st.booleans()):
        metadata = draw(
            st.dictionaries(
                st.sampled_from(["title", "translationKey", "lang", "archived", "leverId", "x"]), front_values
            )
        )
        body = "---\n" + yaml.safe_dump(metadata, allow_unicode=True) + "---\n" + body
    return body


def parse_or_refuse(data: bytes) -> ParsedPosting | None:
    try:
        return parse_bytes(data, path="fuzz.md")
    except PostingError as error:
        assert str(error).startswith("fuzz.md ")
        return None


def assert_well_formed(posting: ParsedPosting) -> None:
    assert posting.lang in ("en", "fr")
    assert isinstance(posting.title, str) and posting.title
    assert [c.number for c in posting.criteria] == list(range(1, len(posting.criteria) + 1))
    line_count = posting.text.replace("\r\n", "\n").count("\n") + 1
    for criterion in posting.criteria:
        assert criterion.kind in ("essential", "asset")
        assert criterion.text and criterion.text == criterion.text.strip()
        assert 1 <= criterion.line <= line_count
    assert [s.index for s in posting.sections] == list(range(len(posting.sections)))
    assert all(s.role in (None, "assessment", "qualifications", "assets", "duties") for s in posting.sections)
    items = {item.text for s in posting.sections for item in s.items}
    assert all(c.text in items for c in posting.criteria)


def body_words(posting: ParsedPosting) -> set[str]:
    source = posting.text
    variants = (source, html.unescape(source), unquote(source), unquote(html.unescape(source)))
    return {word for variant in variants for word in WORD.findall(variant.casefold())}


@FUZZ
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise_anything_but_posting_error(data: bytes) -> None:
    posting = parse_or_refuse(data)
    if posting is not None:
        assert_well_formed(posting)


@FUZZ
@given(st.text(max_size=2000))
def test_arbitrary_text_never_raises_anything_but_posting_error(text: str) -> None:
    posting = parse_or_refuse(text.encode("utf-8", "surrogatepass"))
    if posting is not None:
        assert_well_formed(posting)


@FUZZ
@given(markdown_posting())
def test_arbitrary_markdown_parses_and_criteria_come_from_the_body(source: str) -> None:
    posting = parse_or_refuse(source.encode("utf-8"))
    if posting is None:
        return
    assert_well_formed(posting)
    known = body_words(posting)
    for criterion in posting.criteria:
        missing = [w for w in WORD.findall(criterion.text.casefold()) if w not in known]
        assert not missing, (criterion.text, missing)
