"""Blocks -> sections: every heading, or heading-like line, with the list items that follow it.

Heading-like lines, as real postings write them:

- a Markdown heading of any level (``#`` to ``######``, setext underlines, ``<h2>``);
- a paragraph entirely in bold (``**What we're looking for:**``);
- a paragraph ending with a colon ("An excellent candidate will be able to:"), however long: the role
  is read from its last sentence;
- a short paragraph right before a list whose wording is in the lexicon even without the colon
  ("We are looking for someone who will").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.parsing import lexicon
from tracker.parsing.markdown_tree import Block, Item

PSEUDO_LEVEL = 7
LEAD_IN_MAX_WORDS = 20
SUB_ITEM_SEPARATOR = "; "


@dataclass
class RawSection:
    """A section before roles are resolved; ``kind`` is heading | lead | preamble."""

    heading: str
    level: int
    line: int
    kind: str
    role: str | None
    items: list[Item] = field(default_factory=list)
    content_blocks: int = 0  # paragraphs and lists under the heading (for adjacency rules)
    label: bool = False  # a bold-only noun phrase ("**Leadership**"): a sub-heading, not a lead-in sentence


def build_sections(blocks: list[Block]) -> list[RawSection]:
    sections: list[RawSection] = []
    for position, block in enumerate(blocks):
        following = blocks[position + 1] if position + 1 < len(blocks) else None
        if block.kind == "heading":
            sections.append(RawSection(block.text, block.level, block.line, "heading", lexicon.classify(block.text)))
        elif block.kind == "paragraph" and _is_lead_in(block, following):
            label = block.bold_only and lexicon.is_label(block.text)
            role = lexicon.classify(block.text)
            sections.append(RawSection(block.text, PSEUDO_LEVEL, block.line, "lead", role, label=label))
        elif block.kind == "list":
            if not sections:
                sections.append(RawSection("", 0, block.line, "preamble", None))
            sections[-1].items.extend(block.items)
            sections[-1].content_blocks += 1
        elif sections:
            sections[-1].content_blocks += 1
    return sections


def _is_lead_in(block: Block, following: Block | None) -> bool:
    text = block.text.rstrip()
    if not text:
        return False
    if block.bold_only or text.endswith((":", "：")):
        return True
    if following is None or following.kind != "list":
        return False
    if len(text.split()) > LEAD_IN_MAX_WORDS:
        return False
    return lexicon.classify(text) not in (None, lexicon.OTHER)


def item_text(item: Item) -> str:
    """Criterion text: the item's own text with its sub-items appended, list punctuation trimmed."""
    text = _trim(item.text)
    children = [child_text for child in item.children if (child_text := item_text(child))]
    if not children:
        return text
    joined = SUB_ITEM_SEPARATOR.join(children)
    if not text:
        return joined
    glue = " " if text.endswith((":", "：", ";", ",", ".", "—", "-")) else ": "
    return f"{text}{glue}{joined}"


def _trim(text: str) -> str:
    return text.strip().rstrip(";,").rstrip()
