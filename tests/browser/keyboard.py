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
  let el = document.activeElement;
  // Into a component's frame (the autosaved text boxes, same origin): the element focused in there.
  while (el && el.tagName === 'IFRAME' && el.contentDocument && el.contentDocument.activeElement
         && el.contentDocument.activeElement !== el.contentDocument.body) el = el.contentDocument.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const getComputedStyle = (node) => node.ownerDocument.defaultView.getComputedStyle(node);
  const labelText = (node) => (node && (node.innerText || node.textContent) || '').trim().replace(/\\s+/g, ' ');
  let name = el.getAttribute('aria-label') || '';
  if (!name && el.labels && el.labels.length) name = labelText(el.labels[0]);
  if (!name && el.getAttribute('aria-labelledby')) {
    name = el.getAttribute('aria-labelledby').split(/\\s+/).map(id => labelText(el.ownerDocument.getElementById(id))).join(' ');
  }
  if (!name) name = labelText(el);
  const rect = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  const hidden = rect.width <= 2 || rect.height <= 2 || parseFloat(style.opacity) === 0;
  const ringOf = (node) => {
    if (!node) return false;
    const s = getComputedStyle(node);
    return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1;
  };
  const shownBy = hidden ? el.closest('label') : el;
  return {
    tag: el.tagName.toLowerCase(), role: el.getAttribute('role') || '', type: el.getAttribute('type') || '',
    name: name.slice(0, 200), checked: !!el.checked || el.getAttribute('aria-checked') === 'true',
    visible: ringOf(shownBy), top: Math.round(rect.top + window.scrollY),
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
