"""Showing untrusted text: posting text, candidate names, interviewers' notes (issue #4 §11, #6 §4).

Nothing here uses ``unsafe_allow_html``. Two ways, by what the text is:

* :func:`plain_text` for names, notes, e-mails and error messages: every character Markdown, HTML or
  Streamlit's own syntax (``:red[...]``, ``:emoji:``, ``$math$``) would interpret is escaped, so the
  text appears exactly as typed.
* :func:`untrusted_markdown` for posting bodies, which are Markdown on purpose: rendered by
  markdown-it with raw HTML disabled (``<script>`` comes out as the text ``<script>``), images
  and links disabled (no request leaves the viewer's browser for a URL a posting chose, and no
  link a posting wrote can pose as the app's own; both show as the text written), then inserted with ``st.html``, which sanitises once more with DOMPurify and never
  runs JavaScript.
"""

from __future__ import annotations

import re

import streamlit as st
from markdown_it import MarkdownIt

# ASCII punctuation CommonMark lets a backslash escape, plus what Streamlit's Markdown adds.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&\"'=^])")
_SAFE_LINK = re.compile(r"^(https?:|mailto:|#)", re.IGNORECASE)


# C0 and C1 control characters but tab and newline: a terminal escape, a bell or a backspace is never text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Bidirectional embeddings, overrides and isolates: kept (they are part of what was typed) but fenced in.
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# Streamlit's Markdown turns these into links or icons *after* CommonMark has removed the backslash
# escapes (GFM's literal autolinks: ``http://…``, ``www.…``, ``name@host``; ``:material/…:`` icons and
# ``:emoji:`` shortcodes), so escaping cannot stop them: an invisible WORD JOINER (U+2060) right after
# the ``:``, the ``@`` and the ``www`` breaks each pattern without changing what the reader sees.
_JOINER = "\u2060"
# Applied to the escaped text, where ``:`` has become ``\:`` and ``.`` ``\.``: a colon before ``//`` (a URL),
# before ``material/`` or a shortcode word and its closing colon; ``@`` before a word; ``www`` before a dot.
_AUTOLINK_BREAKS = re.compile(
    r"(\\:(?=//|material/|[a-z0-9_+-]+\\:)|@(?=[^\W_])|(?<![^\W_])www(?=\\?\.))", re.IGNORECASE
)


def escape_markdown(text: str) -> str:
    """THE helper for untrusted text in any element that renders Markdown (issue #17, item 1).

    ``text`` comes out inert and shown as typed: Markdown and HTML syntax escaped, Streamlit's
    directives (``:red[…]``, ``:material/…:``, ``:emoji:``, ``$math$``) and literal autolinks broken,
    control characters replaced by U+FFFD, a direction override fenced in an isolate so it cannot turn
    the page's own words around, line breaks kept. Use it for every string a person or a file wrote
    (names, e-mails, notes, rationales, posting and criterion text, descriptors, reasons, file names)
    that reaches ``st.markdown``, ``st.caption``, titles, alerts, and the labels, options, help texts and
    ``format_func`` results of widgets, expanders, tabs, metrics and page links.
    ``tests/test_untrusted_text_static.py`` fails when a page passes other text to such an element.
    """
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("\ufffd", text)
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    escaped = _AUTOLINK_BREAKS.sub(lambda m: m.group(1) + _JOINER, escaped)
    if _BIDI.search(escaped):
        escaped = "\u2068" + escaped + "\u2069"  # first-strong isolate ... pop directional isolate
    # A trailing backslash + newline is CommonMark's hard line break: keeps the author's lines.
    return escaped.replace("\n", "\\\n")


def plain_text(text: str, *, container: st.delta_generator.DeltaGenerator | None = None) -> None:
    """Show untrusted ``text`` (a note, a name) exactly as typed."""
    (container or st).markdown(escape_markdown(text))


def _markdown_renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    # No images (a request to a URL the posting chose) and, since issue #17, no links either: a link
    # written by a posting's author ("Session expired, sign in again") is a phishing lure inside the app.
    # Both stay visible as the text that was written.
    md.disable(["image", "link", "autolink"])
    md.validateLink = lambda url: bool(_SAFE_LINK.match(url.strip()))
    return md


_MD = _markdown_renderer()


def markdown_to_safe_html(text: str) -> str:
    """Posting Markdown as HTML in which raw HTML is escaped and only http(s)/mailto links remain."""
    return _MD.render(_CONTROL.sub("\ufffd", str(text)))


def untrusted_markdown(text: str, *, container: st.delta_generator.DeltaGenerator | None = None) -> None:
    """Render untrusted Markdown (a posting's text) without letting it inject HTML or script."""
    html = markdown_to_safe_html(text)
    if not html.strip():
        return
    (container or st).html(f'<div class="tracker-untrusted">{html}</div>')
