"""axe-core in Chromium: the accessibility check shared by the site, slide and phone tests.

axe-core (Deque's rule engine, npm, pinned by ``tests/axe/package-lock.json`` and installed by
``make test`` with ``npm ci``) is injected into a Playwright page and run with the WCAG 2.1 A and
AA rules. :func:`violations` returns what it finds; :func:`blocking` keeps the critical and
serious ones, which fail the tests; :func:`summary` is the one line per page the tests print.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

AXE_DIR = Path(__file__).resolve().parent / "axe"
AXE_SCRIPT = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
#: The rule sets of WCAG 2.0 and 2.1, levels A and AA (axe-core's tags).
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
#: Impacts that fail a test; "moderate" and "minor" are printed only.
BLOCKING = ("critical", "serious")


def violations(page, context: object = None) -> list[dict]:
    """axe-core's violations of the WCAG 2.1 A/AA rules on ``page`` as it is now (or within ``context``, a selector).

    Each violation is axe's own record: ``id``, ``impact``, ``help``, ``helpUrl`` and ``nodes``
    (each node with its ``target`` selector and ``failureSummary``)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    options = {"runOnly": {"type": "tag", "values": list(WCAG_TAGS)}, "resultTypes": ["violations"]}
    return page.evaluate("([context, options]) => axe.run(context || document, options).then(r => r.violations)",
                         [context, options])


def blocking(found: list[dict]) -> list[dict]:
    """The critical and serious violations of ``found``."""
    return [v for v in found if v.get("impact") in BLOCKING]


def summary(name: str, found: list[dict]) -> str:
    """One line: the page, its violation counts by impact (nodes in brackets), and the rules broken."""
    impacts = Counter(v.get("impact") or "unknown" for v in found)
    nodes = Counter()
    for v in found:
        nodes[v.get("impact") or "unknown"] += len(v.get("nodes", []))
    counts = ", ".join(f"{impact} {impacts[impact]} ({nodes[impact]})"
                       for impact in ("critical", "serious", "moderate", "minor", "unknown") if impacts[impact])
    rules = ", ".join(sorted({f"{v['id']}/{v.get('impact')}" for v in found}))
    return f"axe {name}: {counts or 'no violations'}" + (f" [{rules}]" if rules else "")


def describe(found: list[dict], limit: int = 3) -> str:
    """The violations as readable lines: rule, impact, help text and the first few offending elements."""
    lines = []
    for v in found:
        targets = "; ".join(" ".join(map(str, n.get("target", []))) for n in v.get("nodes", [])[:limit])
        more = len(v.get("nodes", [])) - limit
        lines.append(f"{v['id']} ({v.get('impact')}): {v.get('help')} -- {targets}" + (f" (+{more} more)" if more > 0 else ""))
    return "\n".join(lines)
