"""axe-core in the browser suite (issue #14): inject the pinned ``axe.min.js`` and report WCAG 2.1 AA violations.

axe-core is pinned in ``tests/browser/axe/package-lock.json`` and installed by ``make test`` with
``npm ci`` (``make axe``). The tags are the WCAG 2.0 and 2.1 levels A and AA the Standard on Web
Accessibility asks for; no rule is disabled (docs/accessibility.md lists what the sweep covers).
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

AXE_DIR = Path(__file__).resolve().parent / "axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

_RUN_AXE = """async (tags) => {
  const result = await window.axe.run(document, {
    runOnly: {type: 'tag', values: tags},
    resultTypes: ['violations'],
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 300),
                              summary: (n.failureSummary || '').slice(0, 400)})),
  }));
}"""


@lru_cache(maxsize=1)
def axe_source() -> str:
    if not AXE_JS.exists():
        message = f"axe-core is not installed ({AXE_JS} is missing): run `make axe` (npm ci in {AXE_DIR})"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return AXE_JS.read_text(encoding="utf-8")


def axe_version() -> str:
    lock = json.loads((AXE_DIR / "package-lock.json").read_text(encoding="utf-8"))
    return str(lock["packages"]["node_modules/axe-core"]["version"])


def audit(page: Any) -> list[dict[str, Any]]:
    """The WCAG 2.1 A/AA violations axe finds in ``page`` as it is now (injecting axe once per document)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    return list(page.evaluate(_RUN_AXE, list(WCAG_TAGS)))


def describe(violations: list[dict[str, Any]], limit: int = 3) -> str:
    """A readable account of ``violations``: rule, help, and the first few offending elements."""
    lines = []
    for v in violations:
        lines.append(f"  {v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} element(s)")
        for node in v["nodes"][:limit]:
            lines.append(f"      {node['target']}: {node['html'][:160]}")
            if node["summary"]:
                lines.append(f"        {node['summary'].splitlines()[-1][:200]}")
    return "\n".join(lines)
