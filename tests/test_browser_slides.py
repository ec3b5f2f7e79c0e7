"""Real-browser test of the live slides: notebook 06 as reveal.js slides in Voila, offline.

A temporary copy of notebook 06 gets the slide metadata of :mod:`delivery.slides` and is served
by Voila with the ``bmm-reveal`` template (prepared into a temporary ``JUPYTER_PATH`` folder),
on a free loopback port with a token. Playwright drives Debian's Chromium; every request to a
host other than 127.0.0.1 is recorded and aborted, as it would fail in a room without internet.

Checked: reveal.js lays the slides out (one section per slide and subslide the rules give) and
reports ready; the arrow keys move between slides; on its own slide, the survival explorer's
hazard-ratio slider changes both readout and picture (without turning the slide) and *Back to
as reported* restores both; no page error, no failed local request, and no external request.
Closing the tab (or reloading it) frees the page's kernel: after opening and closing the slides
several times the server runs as many kernels as before. Every test closes its tab as a person
does (:func:`servers.close_tab`). The time from the start of the page load to reveal.js's ready
state is printed.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest
import servers
from playwright.sync_api import Page, Route

from delivery import slides

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "06_alternative_timelines.ipynb"
LOAD_TIMEOUT_MS = 120_000
KERNEL_FREED_S = 15.0  # a closed page's kernel is gone within this (well before the idle culler, 60 s + 15 s)

#: [horizontal, vertical] index of the slide now shown (reveal.js marks it ``present``).
_CURRENT = """() => {
    const slides = [...document.querySelectorAll(".reveal .slides > section")];
    const h = slides.findIndex(s => s.classList.contains("present"));
    const v = h < 0 ? -1 : [...slides[h].querySelectorAll(":scope > section")].findIndex(s => s.classList.contains("present"));
    return [h, v];
}"""
#: [horizontal, vertical] index of the slide that holds ``element``.
_POSITION = """(element) => {
    const leaf = element.closest(".reveal .slides > section > section");
    const stack = leaf.parentElement;
    return [[...stack.parentElement.children].indexOf(stack), [...stack.children].indexOf(leaf)];
}"""


@dataclass
class Traffic:
    """What the page asked for outside 127.0.0.1, and what went wrong inside it."""

    external: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        """Let loopback (and data:/blob:) requests through; record and abort every other one."""
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != servers.LOOPBACK:
            self.external.append(url)
            route.abort()
        else:
            route.continue_()


@pytest.fixture(scope="module")
def notebook_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Notebook 06 alone in a temporary folder, with the rules' slide metadata (utils finds casedata itself)."""
    folder = tmp_path_factory.mktemp("slides-nb")
    copy = folder / NOTEBOOK
    shutil.copy(PROJECT_ROOT / "notebooks" / NOTEBOOK, copy)
    nb = nbformat.read(copy, as_version=4)
    slides.apply_slide_metadata(nb)
    nbformat.write(nb, copy)
    return copy


@pytest.fixture(scope="module")
def app(notebook_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.VoilaServer]:
    jupyter_path = slides.prepare_template(tmp_path_factory.mktemp("slides-jupyter"))
    with servers.voila(notebook_copy, template=slides.TEMPLATE_NAME, jupyter_path=jupyter_path) as server:
        yield server


@pytest.fixture
def traffic() -> Traffic:
    return Traffic()


def open_slides(page: Page, app: servers.VoilaServer, tmp_path: Path) -> tuple[float, float]:
    """Load the slides until reveal.js is ready and shown; fail with a screenshot and the log if they never are.

    Returns the seconds from the start of the load to reveal.js ready, and to the slides shown.
    """
    start = time.perf_counter()
    page.goto(app.url, wait_until="commit", timeout=LOAD_TIMEOUT_MS)
    try:
        page.wait_for_selector(".reveal.ready", state="attached", timeout=LOAD_TIMEOUT_MS)
        ready = time.perf_counter() - start
        page.wait_for_selector("#rendered_cells .reveal", state="visible", timeout=LOAD_TIMEOUT_MS)
        return ready, time.perf_counter() - start
    except Exception as error:  # noqa: BLE001 - any failure here needs the picture and the log
        shot = tmp_path / "slides.png"
        page.screenshot(path=shot)
        pytest.fail(f"reveal.js never got ready: {error}\nscreenshot: {shot}\nserver log (tail):\n{app.log()}", pytrace=False)


@pytest.fixture
def page(chromium_path: str, app: servers.VoilaServer, traffic: Traffic, tmp_path: Path) -> Iterator[Page]:
    """The slides, loaded until reveal.js is ready; the tab is closed afterwards as a person closes it."""
    with servers.chromium(chromium_path) as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.route("**/*", traffic.route)
        page.on("websocket", lambda ws: None if urlsplit(ws.url).hostname == servers.LOOPBACK else traffic.external.append(ws.url))
        page.on("pageerror", lambda error: traffic.errors.append(str(error)))
        page.on("response", lambda r: traffic.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        ready, shown = open_slides(page, app, tmp_path)
        print(f"\nslides of {NOTEBOOK}: page load to reveal.js ready {ready:.2f} s, to slides shown {shown:.2f} s")
        yield page
        page.unroute("**/*")  # a request held by the route handler would die with the tab: the kernel's shutdown
        servers.close_tab(page)


def go_to(page: Page, position: list[int]) -> None:
    """Show the slide at [horizontal, vertical] (through the URL, as a bookmark would)."""
    page.evaluate(f"location.hash = '#/{position[0]}/{position[1]}'")
    page.wait_for_function(f"({_CURRENT})().join() === '{position[0]},{position[1]}'", timeout=10_000)


def test_slides_require_the_token(app: servers.VoilaServer) -> None:
    response = servers._LOCAL_HTTP.get(app.base_url, timeout=10, allow_redirects=False)
    assert response.status_code in (302, 403), response.status_code
    assert "token" not in response.headers.get("Location", "")


def test_reveal_lays_out_the_slides_the_rules_give(page: Page, notebook_copy: Path, traffic: Traffic) -> None:
    kinds = slides.slide_types(nbformat.read(notebook_copy, as_version=4))
    stacks = page.locator(".reveal .slides > section")
    assert stacks.count() == kinds.count("slide")
    assert page.locator(".reveal .slides > section > section").count() == kinds.count("slide") + kinds.count("subslide")
    layout = page.evaluate("""() => {
        const slides = document.querySelector(".reveal .slides"), shown = document.querySelector(".reveal .slides section.present > section.present");
        const box = shown.getBoundingClientRect();
        return {transform: slides.style.transform, width: box.width, height: box.height, top: box.top,
                visible: getComputedStyle(shown).display !== "none" && getComputedStyle(document.querySelector("#rendered_cells")).display !== "none"};
    }""")
    assert "scale(" in layout["transform"], layout  # reveal.js scaled the 960 x 700 slide to the window
    assert layout["visible"] and layout["width"] > 800 and layout["height"] > 600 and layout["top"] >= 0, layout
    assert page.locator(".reveal .controls .navigate-right").is_visible()  # the arrow to the next slide
    assert page.evaluate(_CURRENT) == [0, 0]
    assert (traffic.external, traffic.errors, traffic.failed) == ([], [], [])


def test_arrow_keys_move_between_slides(page: Page, traffic: Traffic) -> None:
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"({_CURRENT})()[0] === 1", timeout=10_000)
    first_title = page.locator(".reveal .slides > section.present h2").first.text_content()
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"({_CURRENT})()[0] === 0", timeout=10_000)
    stacked = page.evaluate("""() => [...document.querySelectorAll(".reveal .slides > section")]
        .findIndex(s => s.querySelectorAll(":scope > section").length > 1)""")
    assert stacked > 0, "notebook 06 should have a slide with subslides"
    go_to(page, [stacked, 0])
    page.keyboard.press("ArrowDown")
    page.wait_for_function(f"({_CURRENT})().join() === '{stacked},1'", timeout=10_000)
    assert first_title and "Learning objectives" in first_title
    assert (traffic.external, traffic.errors, traffic.failed) == ([], [], [])


def test_explorer_on_its_slide_changes_readout_and_image_and_reset_restores_them(page: Page, app: servers.VoilaServer,
                                                                                   traffic: Traffic, tmp_path: Path) -> None:
    page.wait_for_selector(".explorer-survival img", state="attached", timeout=LOAD_TIMEOUT_MS)
    position = page.locator(".explorer-survival").evaluate(_POSITION)
    assert position[1] > 0, "the explorer should sit on a subslide of its section"
    go_to(page, position)
    try:
        box = servers.explorer_box(page, "survival", timeout_ms=30_000)
    except Exception as error:  # noqa: BLE001
        shot = tmp_path / "explorer.png"
        page.screenshot(path=shot)
        pytest.fail(f"explorer not shown on slide {position}: {error}\nscreenshot: {shot}\nlog:\n{app.log()}", pytrace=False)
    reported = servers.explorer_state(box)
    assert "hazard ratio 1.00" in reported["readout"]
    changed, elapsed_ms = servers.nudge_slider(page, box, "hazard ratio", "ArrowLeft")
    assert "hazard ratio 0.99" in changed["readout"]
    assert changed["sha"] != reported["sha"]  # a different picture, not only a new URL
    assert page.evaluate(_CURRENT) == position  # the arrow key moved the slider, not the slides
    restored = servers.reset_explorer(box, reported)
    assert (restored["readout"], restored["sha"]) == (reported["readout"], reported["sha"])
    print(f"slider move to new picture on the slide: {elapsed_ms:.0f} ms")
    assert (traffic.external, traffic.errors, traffic.failed) == ([], [], [])


def test_closing_or_reloading_the_slides_frees_their_kernels(chromium_path: str, app: servers.VoilaServer,
                                                              tmp_path: Path) -> None:
    """Open the slides and close the tab, twice, reloading it once in between: each time the server is
    back to the kernels it ran before within seconds (the page asks Voila to shut its kernel down)."""
    baseline = app.wait_for_kernels(0, KERNEL_FREED_S)  # the other tests' tabs are closed: their kernels go
    with servers.chromium(chromium_path) as browser:
        for reload in (True, False):
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            for _ in range(2 if reload else 1):  # a reload: the same tab loads the slides again
                open_slides(page, app, tmp_path)
                page.wait_for_selector(".explorer-survival img", state="attached", timeout=LOAD_TIMEOUT_MS)  # widgets up
                seen = app.wait_for_kernels(baseline + 1, KERNEL_FREED_S)
                assert seen == baseline + 1, f"{seen - baseline} kernels for one open page (a reload keeps the old one?)"
            closed = time.perf_counter()
            servers.close_tab(page)
            left = app.wait_for_kernels(baseline, KERNEL_FREED_S)
            assert left == baseline, (f"{left - baseline} kernel(s) still running {KERNEL_FREED_S:.0f} s after the tab "
                                      f"closed\nserver log (tail):\n{app.log()}")
            print(f"kernel freed {time.perf_counter() - closed:.1f} s after the tab closed")
