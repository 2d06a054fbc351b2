"""Markdown body -> a flat sequence of blocks (headings, paragraphs, lists) with source lines.

Structure comes from markdown-it-py's syntax tree, never from regexes over lines. The few things
the tree alone gets wrong for real postings are repaired here, on the tree:

- ``<p>...</p>`` blocks (pasted from a web editor) are HTML to Markdown: each element's inner source
  is parsed again as Markdown, so ``<p>## Heading</p>`` is a heading and links inside still work;
- paragraphs that start with a dash character that Markdown does not treat as a bullet
  (``&#8211;``, "–", "—", "•") are list items;
- a list indented under the list just before it (``1. item`` then ``  * sub-item``, which CommonMark
  reads as two sibling lists) is nested under that list's last item;
- block quotes are read through, as if their content were not quoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

_MD = MarkdownIt("commonmark")
MAX_HTML_DEPTH = 4
_DASH_ITEM = re.compile(r"^[\u2010-\u2015\u2212•·▪‣◦●○■□➢➤►✓✔]\s+")
_WHITESPACE = re.compile(r"\s+")
_BOLD_OPEN = re.compile(r"<(?:strong|b)(?:\s[^>]*)?>$", re.I)
_BOLD_CLOSE = re.compile(r"</(?:strong|b)\s*>$", re.I)
_BLOCK_TAGS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "td", "th", "blockquote", "div"}
_TEXT_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "td", "th"}


@dataclass
class Item:
    """A list item: its own text and its nested items."""

    text: str
    line: int
    children: list[Item] = field(default_factory=list)


@dataclass
class Block:
    """One top-level block. ``kind`` is heading | paragraph | list | other; lines are 1-based."""

    kind: str
    line: int
    text: str = ""
    level: int = 0
    bold_only: bool = False
    indent: int = 0
    items: list[Item] = field(default_factory=list)


def collapse(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def parse_blocks(body: str, *, first_line: int = 1, depth: int = 0) -> list[Block]:
    """Blocks of ``body``; ``first_line`` is the file line (1-based) where the body starts.

    ``depth`` counts HTML elements re-parsed as Markdown, bounded so nested markup cannot recurse.
    """
    lines = body.split("\n")
    tree = SyntaxTreeNode(_MD.parse(body))
    blocks: list[Block] = []
    _walk(tree.children, lines, first_line, blocks, depth)
    return _join_lists(blocks)


def _walk(nodes: list[SyntaxTreeNode], lines: list[str], first_line: int, out: list[Block], depth: int) -> None:
    for node in nodes:
        start = node.map[0] if node.map else 0
        line = first_line + start
        if node.type == "heading":
            out.append(Block("heading", line, text=inline_text(node), level=int(node.tag[1])))
        elif node.type == "paragraph":
            out.extend(_paragraph_blocks(node, line))
        elif node.type in ("bullet_list", "ordered_list"):
            indent = _indent(lines, start)
            out.append(Block("list", line, indent=indent, items=_list_items(node, lines, first_line, depth)))
        elif node.type == "blockquote":
            _walk(node.children, lines, first_line, out, depth)
        elif node.type == "html_block":
            out.extend(_html_blocks(node.content, line, depth))
        else:
            out.append(Block("other", line))


def _indent(lines: list[str], index: int) -> int:
    if 0 <= index < len(lines):
        text = lines[index].expandtabs(4)
        return len(text) - len(text.lstrip(" "))
    return 0


def _paragraph_blocks(node: SyntaxTreeNode, line: int) -> list[Block]:
    inline = node.children[0] if node.children else None
    segments = _line_segments(inline) if inline is not None else []
    text = collapse(" ".join(segment for segment in segments))
    if segments and _DASH_ITEM.match(segments[0].lstrip()):
        return [Block("list", line, items=_dash_items(segments, line))]
    return [Block("paragraph", line, text=text, bold_only=_is_bold_only(inline))]


def _dash_items(segments: list[str], line: int) -> list[Item]:
    """Split a paragraph of dash-led lines into items; lines without a dash continue the previous one."""
    items: list[Item] = []
    for offset, segment in enumerate(segments):
        stripped = segment.strip()
        if _DASH_ITEM.match(stripped) or not items:
            items.append(Item(collapse(_DASH_ITEM.sub("", stripped)), line + offset))
        else:
            items[-1].text = collapse(f"{items[-1].text} {stripped}")
    return [item for item in items if item.text]


def _list_items(node: SyntaxTreeNode, lines: list[str], first_line: int, depth: int) -> list[Item]:
    items: list[Item] = []
    for child in node.children:
        if child.type != "list_item":
            continue
        line = first_line + (child.map[0] if child.map else 0)
        texts: list[str] = []
        nested: list[Item] = []
        for part in child.children:
            if part.type in ("bullet_list", "ordered_list"):
                nested.extend(_list_items(part, lines, first_line, depth))
            elif part.type in ("paragraph", "heading"):
                texts.append(inline_text(part))
            elif part.type == "html_block":
                texts.extend(block.text for block in _html_blocks(part.content, line, depth) if block.text)
            elif part.type == "blockquote":
                texts.extend(inline_text(grand) for grand in part.children if grand.type == "paragraph")
        items.append(Item(collapse(" ".join(texts)), line, nested))
    return items


def _join_lists(blocks: list[Block]) -> list[Block]:
    """Nest a list under the previous list's last item when it is indented further than that list."""
    joined: list[Block] = []
    for block in blocks:
        previous = joined[-1] if joined else None
        if (
            block.kind == "list"
            and previous is not None
            and previous.kind == "list"
            and previous.items
            and block.indent > previous.indent
        ):
            previous.items[-1].children.extend(block.items)
            continue
        joined.append(block)
    return joined


def inline_text(node: SyntaxTreeNode) -> str:
    """Plain text of a heading or paragraph: Markdown removed, link text kept, whitespace collapsed."""
    inline = node.children[0] if node.children and node.children[0].type == "inline" else node
    return collapse(" ".join(_line_segments(inline)))


def _line_segments(inline: SyntaxTreeNode) -> list[str]:
    """The inline content split at its source line breaks, as plain text."""
    segments: list[str] = [""]
    stack: list[SyntaxTreeNode] = list(reversed(inline.children))
    while stack:
        node = stack.pop()
        if node.type == "text" or node.type == "code_inline":
            segments[-1] += node.content
        elif node.type in ("softbreak", "hardbreak"):
            segments.append("")
        elif node.type == "html_inline":
            if re.match(r"<br\s*/?>", node.content, re.I):
                segments[-1] += " "
        elif node.type == "image":
            segments[-1] += "".join(child.content for child in node.children if child.type == "text")
        else:
            stack.extend(reversed(node.children))
    return segments


def _is_bold_only(inline: SyntaxTreeNode | None) -> bool:
    """True for '**Heading:**' or '**Heading**:' — a whole paragraph in bold reads as a heading."""
    if inline is None:
        return False
    meaningful = [
        child
        for child in inline.children
        if not (child.type == "text" and child.content.strip(" \t:：") == "")
        and child.type not in ("softbreak", "hardbreak")
    ]
    if meaningful and all(child.type == "strong" for child in meaningful):
        return True
    # <p><strong>Heading</strong></p> from a web editor: the tags arrive as inline HTML.
    return (
        len(meaningful) >= 3
        and meaningful[0].type == "html_inline"
        and _BOLD_OPEN.match(meaningful[0].content) is not None
        and meaningful[-1].type == "html_inline"
        and _BOLD_CLOSE.match(meaningful[-1].content) is not None
    )


class _HTMLElements(HTMLParser):
    """Finds block elements in an HTML block and the raw source between their tags."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self.source = source
        self.line_starts = [0]
        for index, char in enumerate(source):
            if char == "\n":
                self.line_starts.append(index + 1)
        self.open: list[tuple[str, int, int]] = []  # (tag, inner start offset, line index)
        self.elements: list[tuple[str, int, str]] = []  # (tag, line index, inner source)
        self.seen_block = False

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[min(line - 1, len(self.line_starts) - 1)] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _BLOCK_TAGS:
            return
        self.seen_block = True
        start = self._offset()
        text = self.get_starttag_text() or ""
        # A new block element closes an open paragraph (HTML's implied </p>).
        if self.open and self.open[-1][0] == "p":
            self._close(start)
        if tag in _TEXT_BLOCKS and not any(open_tag in _TEXT_BLOCKS for open_tag, _, _ in self.open):
            self.open.append((tag, start + len(text), self.getpos()[0] - 1))
        else:
            self.open.append((tag, -1, -1))

    def handle_endtag(self, tag: str) -> None:
        if not any(open_tag == tag for open_tag, _, _ in self.open):
            return
        end = self._offset()
        while self.open:
            if self.open[-1][0] == tag:
                self._close(end)
                break
            self._close(end)

    def _close(self, end: int) -> None:
        tag, start, line = self.open.pop()
        if start >= 0:
            self.elements.append((tag, line, self.source[start:end]))

    def finish(self) -> None:
        self.close()
        end = len(self.source)
        while self.open:
            self._close(end)


def _html_blocks(source: str, line: int, depth: int) -> list[Block]:
    """Blocks from an HTML block: each text element's inner source, parsed again as Markdown."""
    if depth >= MAX_HTML_DEPTH:
        text = collapse(_strip_tags(source))
        return [Block("paragraph", line, text=text)] if text else [Block("other", line)]
    parser = _HTMLElements(source)
    try:
        parser.feed(source)
        parser.finish()
    except (AssertionError, ValueError):  # malformed markup: fall back to the text between tags
        parser.elements = []
    blocks: list[Block] = []
    if not parser.elements:
        text = collapse(_strip_tags(source))
        return [Block("paragraph", line, text=text)] if text else [Block("other", line)]
    for tag, line_index, inner in parser.elements:
        element_line = line + line_index
        if tag == "li":
            item_blocks = parse_blocks(inner, first_line=element_line, depth=depth + 1)
            text = collapse(" ".join(block.text for block in item_blocks if block.text))
            children = [item for block in item_blocks if block.kind == "list" for item in block.items]
            blocks.append(Block("list", element_line, items=[Item(text, element_line, children)], indent=0))
        elif tag.startswith("h") and len(tag) == 2:
            inner_blocks = parse_blocks(inner, first_line=element_line, depth=depth + 1)
            text = collapse(" ".join(block.text for block in inner_blocks))
            blocks.append(Block("heading", element_line, text=text, level=int(tag[1])))
        else:
            blocks.extend(parse_blocks(inner, first_line=element_line, depth=depth + 1))
    return _merge_adjacent_item_lists(blocks)


def _merge_adjacent_item_lists(blocks: list[Block]) -> list[Block]:
    merged: list[Block] = []
    for block in blocks:
        if block.kind == "list" and merged and merged[-1].kind == "list":
            merged[-1].items.extend(block.items)
        else:
            merged.append(block)
    return merged


def _strip_tags(source: str) -> str:
    class _Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []

        def handle_data(self, data: str) -> None:
            self.parts.append(data)

    parser = _Text()
    try:
        parser.feed(source)
        parser.close()
    except (AssertionError, ValueError):
        return ""
    return " ".join(parser.parts)
