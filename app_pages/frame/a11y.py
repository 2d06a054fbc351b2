"""Accessibility the frame adds to Streamlit's own markup (issue #14, docs/accessibility.md).

* **The menu.** Streamlit's sidebar navigation puts ``<div>`` elements straight inside its ``<ul>``
  (axe: ``list``/``listitem`` on every page), so the router registers the pages with
  ``st.navigation(position="hidden")`` and :func:`show_menu` draws the menu with ``st.page_link``
  (client-side page switches: the session, and so the sign-in, is kept). Each section's links sit
  in a keyed container that the page script below gives list semantics: ``role="navigation"`` with
  a name around the whole menu, ``role="list"`` per section (named after it), ``role="listitem"``
  per link, and ``aria-current="page"`` on the link of the page shown.
* **The page's language.** Streamlit always serves ``<html lang="en">``; :func:`page_script` sets
  ``document.documentElement.lang`` to the UI language on every run (WCAG 3.1.1), through
  ``st.html(..., unsafe_allow_javascript=True)``: our own fixed script, never text a user wrote.
* **Parts in the other language** (a criterion with no French text shown in the French UI):
  :func:`text_in_language` writes them in an element with its own ``lang`` (WCAG 3.1.2).

The script keeps these attributes in place with a ``MutationObserver``, because Streamlit redraws
its elements on reruns.
"""

from __future__ import annotations

import html
import json

import streamlit as st

from app_pages.frame.lang import current_lang, translator
from app_pages.frame.registry import Navigation
from tracker.i18n import LANGS, N_

MENU_KEY = "frame_menu"
MENU_SECTION_KEY = "frame_menu_section_{index}"
MENU_LABEL = N_("Main menu")

# Focus always visible (WCAG 2.4.7), whatever a widget's own style does (heading anchors included);
# the status widget's "Stop" button is drawn in faded text (3.4:1) while a page runs.
_STYLE = """<style>
:focus-visible { outline: 3px solid #26374a !important; outline-offset: 2px !important; }
/* Headings' "link to heading" anchors are transparent until hovered: show them when focused too. */
[data-testid="stHeaderActionElements"] a:focus-visible { opacity: 1 !important; transition: none !important; }
[data-testid="stStatusWidget"] button, [data-testid="stBaseButton-header"] { color: #111111 !important; }
[data-testid="stStatusWidget"], [data-testid="stStatusWidget"] * { opacity: 1 !important; animation: none !important; transition: none !important; }
</style>"""

_SCRIPT = """<script>
(() => {
  const config = %(config)s;
  window.__trackerA11yConfig = config;
  const apply = () => {
    const c = window.__trackerA11yConfig;
    const root = document.documentElement;
    if (root.getAttribute("lang") !== c.lang) root.setAttribute("lang", c.lang);
    const menu = document.querySelector(".st-key-" + c.menu);
    if (menu) {
      if (menu.getAttribute("role") !== "navigation") menu.setAttribute("role", "navigation");
      if (menu.getAttribute("aria-label") !== c.menuLabel) menu.setAttribute("aria-label", c.menuLabel);
      c.sections.forEach((label, index) => {
        const list = menu.querySelector(".st-key-" + c.section.replace("{index}", index));
        if (!list) return;
        if (list.getAttribute("role") !== "list") list.setAttribute("role", "list");
        if (list.getAttribute("aria-label") !== label) list.setAttribute("aria-label", label);
        for (const item of list.children) {
          if (item.getAttribute("role") !== "listitem") item.setAttribute("role", "listitem");
        }
      });
      // Streamlit writes each link's url_path as a relative href ("" for the home page).
      const here = location.pathname.split("/").filter(Boolean).pop() || "";
      const known = [...menu.querySelectorAll("a[href]")].some(a => a.getAttribute("href") === here);
      for (const link of menu.querySelectorAll("a[href]")) {
        if (link.getAttribute("href") === (known ? here : "")) {
          if (link.getAttribute("aria-current") !== "page") link.setAttribute("aria-current", "page");
        } else if (link.hasAttribute("aria-current")) {
          link.removeAttribute("aria-current");
        }
      }
    }
  };
  window.__trackerA11yApply = apply;
  apply();
  if (!window.__trackerA11yObserver) {
    let queued = false;
    window.__trackerA11yObserver = new MutationObserver(() => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => { queued = false; window.__trackerA11yApply(); });
    });
    window.__trackerA11yObserver.observe(document.body, {childList: true, subtree: true});
  }
})();
</script>"""


def page_script(sections: list[str]) -> None:
    """The page's language and the menu's list semantics (see the module docstring); once per run."""
    _ = translator()
    config = {
        "lang": current_lang(),
        "menu": MENU_KEY,
        "menuLabel": _(MENU_LABEL),
        "section": MENU_SECTION_KEY,
        "sections": sections,
    }
    # Catalog words only; "<" is escaped anyway so no text can close the script element.
    payload = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c")
    st.html(_STYLE + _SCRIPT % {"config": payload}, unsafe_allow_javascript=True)


def show_menu(navigation: Navigation) -> list[str]:
    """The menu as ``st.page_link`` lists, one per section; returns the section names (for the script)."""
    sections = list(navigation.sections)
    with st.container(key=MENU_KEY):
        for index, section in enumerate(sections):
            pages = [page for page in navigation.sections[section] if page.visibility == "visible"]
            if not pages:
                continue
            # markdown-safe: section names are catalog titles
            st.markdown(f"**{section}**")
            with st.container(key=MENU_SECTION_KEY.format(index=index), gap="small"):
                for page in pages:
                    st.page_link(page)
    return sections


def other_lang(lang: str | None = None) -> str:
    """The language a fallback text is in: the one that is not the UI's."""
    lang = lang or current_lang()
    return next(code for code in LANGS if code != lang)


def text_in_language(text: str, lang: str) -> None:
    """Untrusted ``text`` shown exactly as typed in an element declaring its own language (WCAG 3.1.2)."""
    escaped = html.escape(str(text).replace("\x00", "\ufffd")).replace("\n", "<br>")
    st.html(f'<p class="tracker-other-lang" lang="{html.escape(lang)}">{escaped}</p>')
