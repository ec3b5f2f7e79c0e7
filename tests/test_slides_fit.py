"""The static slides of the offline site (``slides/*.slides.html``) on a 1280x720 projector, in Chromium.

Every deck of the site (the session's ``served`` site) is opened once at 1280x720
(:data:`servers.PROJECTOR`) and checked:

* it is a 1280 x 720 deck shown at its own size (reveal.js scale 1, no margin), in reveal.js's
  "linear" navigation mode, with no code and no In/Out prompts, and every file it asks for loads;
* the right arrow key, pressed from the first slide, shows every slide once, in document order (the
  subslides below a slide, where the explorers are, included), and on each slide every figure is
  shown large enough that its smallest text is at least 14 px high (:func:`servers.small_figures`);
* on its own slide, every stored explorer has its controls, readout and figure inside the window,
  nothing past the right edge, control text of at least 14 px, the "more below" cue exactly when the
  slide goes on below the bottom edge, and nothing critical or serious under axe-core
  (:func:`servers.explorer_slide_problems`);
* axe-core (WCAG 2.1 A/AA, :mod:`accessibility`) finds nothing critical or serious on the deck as it
  opens, nor on every slide laid out at once (reveal.js hides all slides but one from axe-core:
  :func:`servers.unhide_slides`). The counts are printed and written to
  ``build/accessibility/slides-static-<deck>.txt`` (the explorers' slides: ``...-explorers.txt``).

The live slides (Voila) get the same checks in tests/test_browser_slides.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import servers
from playwright.sync_api import Browser, Page

from utils import course

#: The stored explorers of each deck (a deck not listed has none).
EXPLORERS = {"02_ihc_interpretation": 1, "04_lab_recovery": 1, "06_alternative_timelines": 3}
DECKS = [lesson.filename[: -len(".ipynb")] for lesson in course.LESSONS]
LOAD_TIMEOUT_MS = 60_000


@dataclass
class Deck:
    """One deck open in a tab, and what went wrong while it loaded."""

    name: str
    page: Page
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Browser]:
    with servers.chromium(chromium_path) as browser:
        yield browser


@pytest.fixture(scope="module", params=DECKS)
def deck(request: pytest.FixtureRequest, browser: Browser, served: str) -> Iterator[Deck]:
    """One deck of the site, open at 1280x720 until reveal.js is ready and the stored widgets are drawn."""
    page = browser.new_page(viewport=servers.PROJECTOR)
    deck = Deck(request.param, page)
    page.on("pageerror", lambda error: deck.errors.append(str(error)))
    page.on("requestfailed", lambda r: None if r.url.startswith(("about:", "data:")) else deck.failed.append(f"{r.failure} {r.url}"))
    page.on("response", lambda r: deck.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    start = time.perf_counter()
    page.goto(f"{served}slides/{deck.name}.slides.html", timeout=LOAD_TIMEOUT_MS)
    page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=LOAD_TIMEOUT_MS)
    if EXPLORERS.get(deck.name):
        page.wait_for_selector("body[data-static-widgets]", state="attached", timeout=LOAD_TIMEOUT_MS)
    print(f"\nstatic slides {deck.name}: ready in {time.perf_counter() - start:.2f} s")
    yield deck
    page.close()


def test_deck_is_1280_by_720_shown_at_its_own_size_without_code(deck: Deck) -> None:
    page = deck.page
    config = page.evaluate("""() => { const c = Reveal.getConfig();
        return {width: c.width, height: c.height, margin: c.margin, navigationMode: c.navigationMode, scale: Reveal.getScale()}; }""")
    assert config == {"width": 1280, "height": 720, "margin": 0, "navigationMode": "linear", "scale": 1}, config
    shown = page.locator(".jp-CodeCell .jp-InputArea, .jp-InputPrompt, .jp-OutputPrompt, .jp-InputArea-editor")
    assert shown.count() == 0, f"code or prompts on the slides: {shown.count()} elements, e.g. {shown.first.inner_text()[:80]!r}"
    assert page.locator(".jp-CodeCell").count() > 0  # the cells are there: only their code is left out
    linked = page.evaluate("() => [...document.styleSheets].some(s => (s.href || '').endsWith('/assets/slides.css'))")
    assert linked, "the deck does not link assets/slides.css"
    assert (deck.failed, deck.errors) == ([], []), (deck.failed, deck.errors)


def test_right_arrow_shows_every_slide_in_order_with_readable_figures(deck: Deck) -> None:
    problems = servers.arrow_walk_problems(deck.page, f"static slides {deck.name}")
    assert problems == [], "\n".join(problems)


def test_every_explorer_fits_its_slide(deck: Deck, axe_ready: None) -> None:
    from accessibility import describe

    boxes = deck.page.locator(".reveal .static-widget")
    assert boxes.count() == EXPLORERS.get(deck.name, 0)
    problems, lines, blocked, _ = servers.explorers_on_their_slides(deck.page, boxes, f"static slides {deck.name}")
    if lines:
        servers.write_report(f"slides-static-{deck.name}-explorers", lines)
    assert problems == [], "\n".join(problems)
    assert blocked == [], describe(blocked)


def test_deck_passes_axe(deck: Deck, axe_ready: None) -> None:
    """Last on each deck: once every slide is laid out at once, the deck cannot be presented."""
    from accessibility import describe

    blocked = servers.deck_axe_blocking(deck.page, f"static slides {deck.name}", f"slides-static-{deck.name}")
    assert blocked == [], describe(blocked)
