"""Keyboard-only driving for the browser journeys (issue #14): Tab, Shift+Tab, Enter, Space, arrows and typing.

:func:`tab_to` presses Tab until the focused element is the one wanted, checking at **every** stop that
focus is visible (an outline on the element, or on its label when the element is a visually hidden
input such as a radio button) and recording the order of the stops, so a test can assert it is logical.
Nothing here clicks: a journey that needs the mouse fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_FOCUSED = """() => {
  // Focus inside a same-origin iframe (the autosaved notes boxes are Streamlit v1 components): the
  // parent's activeElement is the iframe; the element that has focus is its document's activeElement.
  let el = document.activeElement;
  let offset = 0, frame = '';
  while (el && el.tagName === 'IFRAME') {
    let inner = null;
    try { inner = el.contentDocument && el.contentDocument.activeElement; } catch (e) { inner = null; }
    if (!inner || inner === el.contentDocument.body) break;
    offset += el.getBoundingClientRect().top;
    frame = el.getAttribute('title') || 'iframe';
    el = inner;
  }
  if (!el || el === document.body || el === document.documentElement) return null;
  const view = el.ownerDocument.defaultView;
  const labelText = (node) => (node && (node.innerText || node.textContent) || '').trim().replace(/\\s+/g, ' ');
  let name = el.getAttribute('aria-label') || '';
  if (!name && el.labels && el.labels.length) name = labelText(el.labels[0]);
  if (!name && el.getAttribute('aria-labelledby')) {
    name = el.getAttribute('aria-labelledby').split(/\\s+/).map(id => labelText(el.ownerDocument.getElementById(id))).join(' ');
  }
  if (!name) name = labelText(el);
  const rect = el.getBoundingClientRect();
  const style = view.getComputedStyle(el);
  const hidden = rect.width <= 2 || rect.height <= 2 || parseFloat(style.opacity) === 0;
  const ringOf = (node) => {
    if (!node) return false;
    const s = view.getComputedStyle(node);
    return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1;
  };
  const shownBy = hidden ? el.closest('label') : el;
  return {
    tag: el.tagName.toLowerCase(), role: el.getAttribute('role') || '', type: el.getAttribute('type') || '',
    name: name.slice(0, 200), checked: !!el.checked || el.getAttribute('aria-checked') === 'true',
    visible: ringOf(shownBy), top: Math.round(rect.top + offset + window.scrollY), frame: frame,
  };
}"""


@dataclass(frozen=True)
class Focus:
    tag: str
    role: str
    type: str
    name: str
    checked: bool
    visible: bool
    top: int
    frame: str = ""  # the iframe's title when focus is inside one (an autosaved notes box), else ""


def focused(page: Any) -> Focus | None:
    info = page.evaluate(_FOCUSED)
    return Focus(**info) if info else None


class Keyboard:
    """One person's keyboard: every Tab stop is checked for a visible focus indicator and remembered."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.stops: list[Focus] = []

    def press(self, key: str) -> Focus | None:
        self.page.keyboard.press(key)
        return focused(self.page)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def tab_to(self, wanted: Callable[[Focus], bool], what: str, *, limit: int = 120, backwards: bool = False) -> Focus:
        """Press Tab (Shift+Tab) until ``wanted(focus)``; fail if focus is ever invisible or it never comes."""
        seen: list[str] = []
        for _ in range(limit):
            focus = self.press("Shift+Tab" if backwards else "Tab")
            if focus is None:
                seen.append("(nothing)")
                continue
            assert focus.visible, f"focus is not visible on {focus} (after {seen[-5:]})"
            self.stops.append(focus)
            seen.append(f"{focus.tag}[{focus.role or focus.type}] {focus.name[:40]!r}")
            if wanted(focus):
                return focus
        raise AssertionError(f"{what}: not reached in {limit} Tab presses; stops: {seen[-25:]}")


def named(name: str, *, tag: str | None = None, exact: bool = True) -> Callable[[Focus], bool]:
    """A predicate on the focused element's accessible name (and tag)."""

    def match(focus: Focus) -> bool:
        ok = focus.name == name if exact else name in focus.name
        return ok and (tag is None or focus.tag == tag)

    return match


_ACTIVE_OPTION = """() => {
  const box = document.activeElement;
  const id = box && box.getAttribute('aria-activedescendant');
  const option = id && document.getElementById(id);
  return option ? (option.innerText || '').trim() : null;
}"""

_SHOWN_VALUE = """() => {
  const box = document.activeElement;
  return box && box.getAttribute('aria-expanded') !== 'true' ? box.value : null;
}"""


def choose_option(kb: Keyboard, option: str, *, limit: int = 30) -> None:
    """In the focused Streamlit selectbox: ArrowDown opens the list and moves the highlight (the input's
    ``aria-activedescendant``, which a screen reader announces) until ``option``; Enter takes it, and the
    closed box must then show it."""
    seen: list[str | None] = []
    for _ in range(limit):
        kb.press("ArrowDown")
        highlighted = kb.page.evaluate(_ACTIVE_OPTION)
        seen.append(highlighted)
        if highlighted == option:
            kb.press("Enter")
            kb.page.wait_for_function(f"() => ({_SHOWN_VALUE})() === {option!r}")
            return
    raise AssertionError(f"option {option!r} never highlighted; highlighted in turn: {seen}")


_FRAMED_BOX = """(label) => [...document.querySelectorAll('iframe')].some(frame => {
  let doc = null;
  try { doc = frame.contentDocument; } catch (e) { return false; }
  const box = doc && doc.querySelector('textarea');
  return !!box && !box.disabled && box.labels.length > 0 && box.labels[0].textContent.trim() === label;
})"""


def wait_for_framed_box(page: Any, label: str) -> None:
    """Wait until an autosaved notes box (a component frame, drawn after the page's run) shows ``label``:
    a Tab pressed before it is drawn passes it."""
    page.wait_for_function(_FRAMED_BOX, arg=label)
