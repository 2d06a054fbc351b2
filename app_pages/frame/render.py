"""Showing untrusted text: posting text, candidate names, interviewers' notes (issue #4 §11, #6 §4).

Nothing here uses ``unsafe_allow_html``. Two ways, by what the text is:

* :func:`plain_text` for names, notes, e-mails and error messages: every character Markdown, HTML or
  Streamlit's own syntax (``:red[...]``, ``:emoji:``, ``$math$``) would interpret is escaped, so the
  text appears exactly as typed.
* :func:`untrusted_markdown` for posting bodies, which are Markdown on purpose: rendered by
  markdown-it with raw HTML disabled (``<script>`` comes out as the text ``<script>``), images
  disabled (no request leaves the viewer's browser for a URL a posting chose), links limited to
  http(s)/mailto, then inserted with ``st.html``, which sanitises once more with DOMPurify and never
  runs JavaScript.
"""

from __future__ import annotations

import re

import streamlit as st
from markdown_it import MarkdownIt

# ASCII punctuation CommonMark lets a backslash escape, plus what Streamlit's Markdown adds.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&\"'=^])")
_SAFE_LINK = re.compile(r"^(https?:|mailto:|#)", re.IGNORECASE)


def escape_markdown(text: str) -> str:
    """``text`` as literal Markdown: shown as typed, line breaks kept, nothing interpreted."""
    text = str(text).replace("\x00", "\ufffd").replace("\r\n", "\n").replace("\r", "\n")
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    # A trailing backslash + newline is CommonMark's hard line break: keeps the author's lines.
    return escaped.replace("\n", "\\\n")


def plain_text(text: str, *, container: st.delta_generator.DeltaGenerator | None = None) -> None:
    """Show untrusted ``text`` (a note, a name) exactly as typed."""
    (container or st).markdown(escape_markdown(text))


def _markdown_renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable("image")
    md.validateLink = lambda url: bool(_SAFE_LINK.match(url.strip()))
    return md


_MD = _markdown_renderer()


def markdown_to_safe_html(text: str) -> str:
    """Posting Markdown as HTML in which raw HTML is escaped and only http(s)/mailto links remain."""
    return _MD.render(str(text).replace("\x00", "\ufffd"))


def untrusted_markdown(text: str, *, container: st.delta_generator.DeltaGenerator | None = None) -> None:
    """Render untrusted Markdown (a posting's text) without letting it inject HTML or script."""
    html = markdown_to_safe_html(text)
    if not html.strip():
        return
    (container or st).html(f'<div class="tracker-untrusted">{html}</div>')
