"""axe-core (WCAG 2.1 A and AA) on every page of the offline site except the static slides.

The pages are the built site's own (index, notebook and casebook pages, guides, data dictionary,
README, curation template), found by walking the built folder, so a new page is checked without
editing this file. One Chromium page visits them one after the other, each once its stored
explorers are drawn and the page script has run. The counts per page are printed (``pytest -s``,
or with a failure) and written to ``build/accessibility/site.txt``; any critical or serious
violation fails the test. The static slides (``slides/*.slides.html``) have their own check.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import servers
from accessibility import blocking, describe, summary, violations

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REPORT = PROJECT_ROOT / "build" / "accessibility" / "site.txt"
#: Pages every built site has (the walk below finds the others: casebook pages, curation template, ...).
EXPECTED = {"index.html", "00_index.html", "04_lab_recovery.html", "06_alternative_timelines.html", "tutor-guide.html",
            "self-study.html", "curation.html", "casedata/README.html", "README.html"}


def site_pages(site_dir: Path) -> list[str]:
    """Every HTML page of the built site, as site paths, except the third-party assets and the static slides."""
    return sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html")
                  if p.relative_to(site_dir).parts[0] not in ("assets", "slides"))


@pytest.fixture(scope="module")
def browser_page(chromium_path: str, axe_ready: None):
    with servers.chromium(chromium_path) as browser:
        yield browser.new_page(viewport={"width": 1280, "height": 720})


def test_every_site_page_has_no_critical_or_serious_axe_violation(built: Path, served: str, browser_page):
    pages = site_pages(built)
    assert EXPECTED <= set(pages), f"pages missing from the walk: {sorted(EXPECTED - set(pages))}"
    lines, failures = [], []
    for path in pages:
        browser_page.goto(served + path, wait_until="load")
        browser_page.wait_for_function("() => document.body.dataset.siteJs === 'ready' && (!document.querySelector("
                                       "'script[type=\"application/vnd.jupyter.widget-view+json\"]')"
                                       " || document.body.dataset.staticWidgets !== undefined)", timeout=15_000)
        found = violations(browser_page)
        line = summary(path, found)
        print(line)
        lines.append(line)
        if blocking(found):
            failures.append(f"{line}\n{describe(blocking(found))}")
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines + ["", *failures]) + "\n", encoding="utf-8")
    assert not failures, f"critical or serious axe violations (all counts in {REPORT}):\n" + "\n\n".join(failures)
