"""The offline site on a phone (390 x 844 CSS pixels, touch): nothing scrolls sideways, figures open full size.

Every page of the built site, the static slides included, is opened at 390 px: the page itself must not
be wider than the screen, and (slides aside, which reveal.js scales as a whole) nothing may reach past
the right edge unless it sits in a box that scrolls sideways on its own (a wide table, code, an output).
A tapped figure opens in a dialog at its natural size, where it scrolls, and closes again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import servers

PHONE = {"width": 390, "height": 844}

#: Elements that end past the right edge of the screen without a box that scrolls them sideways
#: (the page itself does not count: it must not scroll sideways).
PAST_THE_EDGE = """() => {
    const edge = innerWidth + 1, found = [];
    for (const e of document.querySelectorAll('body *')) {
        const box = e.getBoundingClientRect();
        if (box.width === 0 || box.right <= edge) continue;
        let up = e.parentElement, inScroller = false;
        while (up && up !== document.body) {
            const overflow = getComputedStyle(up).overflowX;
            if (overflow === 'auto' || overflow === 'scroll') { inScroller = true; break; }
            up = up.parentElement;
        }
        const name = `${e.tagName.toLowerCase()}.${e.getAttribute('class') || ''}`;
        if (!inScroller) found.push(`${name} ends at ${Math.round(box.right)} px`);
    }
    return found.slice(0, 5);
}"""


def all_pages(site_dir: Path) -> list[str]:
    return sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html")
                  if p.relative_to(site_dir).parts[0] != "assets")


@pytest.fixture(scope="module")
def phone(chromium_path: str):
    with servers.chromium(chromium_path) as browser:
        yield browser.new_page(viewport=PHONE, has_touch=True)


def test_no_page_scrolls_sideways_on_a_phone(built: Path, served: str, phone):
    pages = all_pages(built)
    assert "index.html" in pages and any(p.startswith("slides/") for p in pages) and len(pages) > 20
    problems = []
    for path in pages:
        phone.goto(served + path, wait_until="load")
        if not path.startswith("slides/"):
            phone.wait_for_function("() => document.body.dataset.siteJs === 'ready'", timeout=15_000)
        widths = phone.evaluate("() => [innerWidth, document.documentElement.scrollWidth, document.body.scrollWidth]")
        if max(widths[1:]) > widths[0]:
            problems.append(f"{path}: the page is {max(widths[1:])} px wide on a {widths[0]} px screen")
        if not path.startswith("slides/"):
            problems += [f"{path}: {e}" for e in phone.evaluate(PAST_THE_EDGE)]
    assert problems == [], "\n".join(problems)


def test_a_tapped_figure_opens_at_natural_size_and_closes(served: str, phone):
    phone.goto(served + "04_lab_recovery.html", wait_until="load")
    phone.wait_for_function("() => document.body.dataset.siteJs === 'ready'", timeout=15_000)
    opener = phone.locator(".jp-RenderedImage .figure-open").first
    opener.scroll_into_view_if_needed()
    described = opener.get_attribute("aria-describedby")
    assert described and phone.locator(f"[id='{described}']").inner_text().startswith("Figure"), "the caption stays tied"
    opener.tap()
    dialog = phone.locator("dialog.figure-dialog[open]")
    dialog.wait_for(timeout=5_000)
    shown = phone.evaluate("""() => { const img = document.querySelector('dialog[open] img'),
                                         body = document.querySelector('dialog[open] .figure-dialog-body');
        return {width: img.getBoundingClientRect().width, natural: img.naturalWidth, alt: img.alt,
                scrolls: body.scrollWidth > body.clientWidth, focused: document.activeElement.textContent}; }""")
    assert shown["natural"] > PHONE["width"] and abs(shown["width"] - shown["natural"]) <= 1, shown
    assert shown["scrolls"] and shown["alt"] and shown["focused"] == "Close", shown
    phone.keyboard.press("Escape")
    dialog.wait_for(state="detached", timeout=5_000)
    assert phone.evaluate("() => document.activeElement.classList.contains('figure-open')"), "focus returns to the figure"
    phone.keyboard.press("Enter")  # the figure is a button: the keyboard opens it too
    dialog.wait_for(timeout=5_000)
    phone.locator("dialog[open] .figure-dialog-body img").tap()  # a tap on the open figure closes it
    dialog.wait_for(state="detached", timeout=5_000)
