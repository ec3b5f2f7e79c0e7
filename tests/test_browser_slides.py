"""Real-browser test of the live slides: every course notebook as reveal.js slides in Voila, offline,
on a 1280x720 projector.

Temporary copies of the course notebooks get the slide metadata of :mod:`delivery.slides` and are
served by one Voila with the ``bmm-reveal`` template (prepared into a temporary ``JUPYTER_PATH``
folder), on a free loopback port with a token. Playwright drives Debian's Chromium, one browser
for the module; every request to a host other than 127.0.0.1 is recorded and aborted, as it would
fail in a room without internet.

Each notebook's slides are opened once (Voila runs the notebook in a new kernel; the time from the
start of the page load to reveal.js's ready state is printed) at 1280x720 (:data:`servers.PROJECTOR`),
and checked:

* reveal.js lays the slides out as the rules give (one section per slide and subslide), as a 1280 x 720
  deck at its own size, in "linear" navigation mode; no page error, no failed local request, no
  external request;
* the right arrow key, pressed from the first slide, shows every slide once in document order (the
  explorers' subslides included), every figure large enough for 14 px text (:func:`servers.small_figures`);
* on its own slide, every explorer's controls, readout and figure are inside the window, nothing is past
  the right edge, the "more below" cue shows exactly when the slide goes on below, axe-core finds
  nothing critical or serious (:func:`servers.explorer_slide_problems`); an arrow key in its first menu
  changes the reading without turning the slide, and *Back to as reported* restores it exactly (text and
  picture bytes); on the survival explorer, ArrowLeft on the hazard-ratio slider moves the ratio from
  1.00 to 0.99 and redraws the picture, without turning the slide, and the button brings both back;
* axe-core (WCAG 2.1 A/AA) finds nothing critical or serious on the slides as they open, nor on every
  slide laid out at once (:func:`servers.unhide_slides`); the counts are printed and written to
  ``build/accessibility/slides-live-<notebook>.txt`` (the explorers' slides: ``...-explorers.txt``).

While one notebook's slides are tested, the next one's load in a second tab. Closing the tab (or
reloading it) frees the page's kernel: after opening and closing the slides several times the server
runs as many kernels as before. Every tab is closed as a person closes it
(:func:`servers.close_tab`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest
import servers
from playwright.sync_api import Browser, Page, Route

from delivery import slides

NOTEBOOKS = [path.name for path in slides.course_notebooks()]
#: The live explorers of each notebook (one not listed has none).
EXPLORERS = {"02_ihc_interpretation.ipynb": 1, "04_lab_recovery.ipynb": 1, "06_alternative_timelines.ipynb": 3}
#: Explorers also driven through a named slider, with the readout before and after one key press:
#: (slider, key, readout as reported, readout after the key).
SLIDER_CHECKS = {"explorer-survival": ("hazard ratio", "ArrowLeft", "hazard ratio 1.00", "hazard ratio 0.99")}
#: The notebook the kernel test opens and closes: the quickest to run (the mechanism does not depend on it).
KERNELS_NOTEBOOK = "00_index.ipynb"
LOAD_TIMEOUT_MS = 120_000
KERNEL_FREED_S = 15.0  # a closed page's kernel is gone within this (well before the idle culler, 60 s + 15 s)


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

    def watch(self, page: Page) -> None:
        page.route("**/*", self.route)
        page.on("websocket", lambda ws: None if urlsplit(ws.url).hostname == servers.LOOPBACK else self.external.append(ws.url))
        page.on("pageerror", lambda error: self.errors.append(f"{error}\n{error.stack}"))
        page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)


@dataclass
class Deck:
    """One notebook's live slides, open in a tab."""

    name: str
    page: Page
    traffic: Traffic


@pytest.fixture(scope="module")
def notebook_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The course notebooks alone in a temporary folder, with the rules' slide metadata (utils finds casedata itself)."""
    folder = tmp_path_factory.mktemp("slides-nb")
    for path in slides.course_notebooks():
        nb = nbformat.read(path, as_version=4)
        slides.apply_slide_metadata(nb)
        nbformat.write(nb, folder / path.name)
    return folder


@pytest.fixture(scope="module")
def app(notebook_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.VoilaServer]:
    jupyter_path = slides.prepare_template(tmp_path_factory.mktemp("slides-jupyter"))
    with servers.voila(notebook_folder, template=slides.TEMPLATE_NAME, jupyter_path=jupyter_path) as server:
        yield server
        server.wait_for_kernels(0, KERNEL_FREED_S)  # the last tab's kernel ends before Voila and its folder go


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Browser]:
    with servers.chromium(chromium_path) as browser:
        yield browser


def open_slides(page: Page, url: str, app: servers.VoilaServer, shot: Path) -> tuple[float, float]:
    """Load the slides until reveal.js is ready and shown; fail with a screenshot and the log if they never are.

    Returns the seconds from the start of the load to reveal.js ready, and to the slides shown.
    """
    start = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=LOAD_TIMEOUT_MS)
    try:
        page.wait_for_selector(".reveal.ready", state="attached", timeout=LOAD_TIMEOUT_MS)
        ready = time.perf_counter() - start
        page.wait_for_selector("#rendered_cells .reveal", state="visible", timeout=LOAD_TIMEOUT_MS)
        return ready, time.perf_counter() - start
    except Exception as error:  # noqa: BLE001 - any failure here needs the picture and the log
        page.screenshot(path=shot)
        pytest.fail(f"reveal.js never got ready: {error}\nscreenshot: {shot}\nserver log (tail):\n{app.log()}", pytrace=False)


class Tabs:
    """The tabs of the notebooks' slides. While one notebook's slides are tested, the next notebook's load in
    a second tab (Voila runs it meanwhile), so that the tests wait less; :meth:`close_all` closes what is left."""

    def __init__(self, browser: Browser, app: servers.VoilaServer) -> None:
        self.browser, self.app, self.loading = browser, app, {}

    def start(self, name: str) -> None:
        """Start loading ``name``'s slides in a new tab (returns once the server answers)."""
        if name not in self.loading:
            page, traffic = self.browser.new_page(viewport=servers.PROJECTOR), Traffic()
            traffic.watch(page)
            start = time.perf_counter()
            page.goto(self.app.url_for(name), wait_until="commit", timeout=LOAD_TIMEOUT_MS)
            self.loading[name] = (page, traffic, start)

    def take(self, name: str) -> tuple[Page, Traffic, float]:
        """The tab of ``name``'s slides (loading, or started now), and when its load started."""
        self.start(name)
        return self.loading.pop(name)

    def close_all(self) -> None:
        for page, _, _ in self.loading.values():
            close(page)
        self.loading.clear()


def close(page: Page) -> None:
    """Close a slides tab as a person does (its kernel is shut down)."""
    page.unroute("**/*")  # a request held by the route handler would die with the tab: the kernel's shutdown
    servers.close_tab(page)


@pytest.fixture(scope="module")
def tabs(browser: Browser, app: servers.VoilaServer) -> Iterator[Tabs]:
    tabs = Tabs(browser, app)
    yield tabs
    tabs.close_all()


@pytest.fixture(scope="module", params=NOTEBOOKS)
def deck(request: pytest.FixtureRequest, tabs: Tabs, app: servers.VoilaServer,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deck]:
    """One notebook's slides at 1280x720, loaded until reveal.js is ready and every explorer has drawn its
    first reading (the next notebook's slides start loading meanwhile); the tab is closed afterwards as a
    person closes it."""
    page, traffic, start = tabs.take(request.param)
    following = NOTEBOOKS.index(request.param) + 1
    if following < len(NOTEBOOKS):
        tabs.start(NOTEBOOKS[following])
    try:
        page.wait_for_selector(".reveal.ready", state="attached", timeout=LOAD_TIMEOUT_MS)
        ready = time.perf_counter() - start
        page.wait_for_selector("#rendered_cells .reveal", state="visible", timeout=LOAD_TIMEOUT_MS)
        page.wait_for_function("(n) => document.querySelectorAll('.explorer .explorer-reading').length >= n",
                               arg=EXPLORERS.get(request.param, 0), timeout=LOAD_TIMEOUT_MS)
    except Exception as error:  # noqa: BLE001 - any failure here needs the picture and the log
        shot = tmp_path_factory.mktemp("slides-shot") / "slides.png"
        page.screenshot(path=shot)
        close(page)
        pytest.fail(f"the slides of {request.param} never got ready: {error}\nscreenshot: {shot}\n"
                    f"server log (tail):\n{app.log()}", pytrace=False)
    print(f"\nlive slides of {request.param}: page load to reveal.js ready {ready:.2f} s, to explorers drawn "
          f"{time.perf_counter() - start:.2f} s (from the start of the load, partly while the previous slides were tested)")
    yield Deck(request.param, page, traffic)
    close(page)


def test_slides_require_the_token(app: servers.VoilaServer) -> None:
    response = servers._LOCAL_HTTP.get(app.base_url, timeout=10, allow_redirects=False)
    assert response.status_code in (302, 403), response.status_code
    assert "token" not in response.headers.get("Location", "")


def test_reveal_lays_out_the_slides_the_rules_give_at_1280_by_720(deck: Deck, notebook_folder: Path) -> None:
    page = deck.page
    kinds = slides.slide_types(nbformat.read(notebook_folder / deck.name, as_version=4))
    assert page.locator(".reveal .slides > section").count() == kinds.count("slide")
    assert page.locator(".reveal .slides > section > section").count() == kinds.count("slide") + kinds.count("subslide")
    layout = page.evaluate("""() => {
        const slides = document.querySelector(".reveal .slides"), box = slides.getBoundingClientRect();
        const shown = document.querySelector(".reveal .slides section.present > section.present").getBoundingClientRect();
        return {slides: [box.left, box.top, box.width, box.height], shown: [shown.width, shown.height],
                transform: slides.style.transform, zoom: slides.style.zoom,
                navigation: document.querySelector(".reveal").dataset.navigationMode};
    }""")
    # a 1280 x 720 deck filling the 1280 x 720 window, neither scaled nor shifted; the right arrow walks every slide
    assert layout == {"slides": [0, 0, 1280, 720], "shown": [1280, 720], "transform": "", "zoom": "",
                      "navigation": "linear"}, layout
    assert page.locator(".reveal .controls .navigate-right").is_visible()  # the arrow to the next slide
    assert servers.current_slide(page) == (0, 0)
    assert (deck.traffic.external, deck.traffic.errors, deck.traffic.failed) == ([], [], [])


def test_right_arrow_shows_every_slide_in_order_with_readable_figures(deck: Deck) -> None:
    problems = servers.arrow_walk_problems(deck.page, f"live slides of {deck.name}")
    assert problems == [], "\n".join(problems)


def test_every_explorer_fits_its_slide_and_answers_the_keyboard(deck: Deck, axe_ready: None) -> None:
    from accessibility import describe

    boxes = deck.page.locator(".reveal .explorer")
    assert boxes.count() == EXPLORERS.get(deck.name, 0)
    problems, lines, blocked, checked = servers.explorers_on_their_slides(deck.page, boxes, f"live slides of {deck.name}")
    for box, where in checked:
        servers.show_slide(deck.page, servers.slide_of(box))
        position, reported = servers.current_slide(deck.page), servers.explorer_reading(box)
        start = time.perf_counter()
        pressed = servers.press_in_first_control(box)
        changed = servers.wait_for_reading(box, lambda reading: reading != reported)
        elapsed = time.perf_counter() - start
        assert changed != reported, f"{where}: {pressed} did not change the reading"
        assert servers.current_slide(deck.page) == position, f"{where}: {pressed} turned the slide"
        box.get_by_role("button", name="Back to as reported").click()
        restored = servers.wait_for_reading(box, lambda reading: reading == reported)
        assert restored == reported, f"{where}: Back to as reported left {restored['text'][:200]!r}"
        print(f"{where}: {pressed}: new reading in {elapsed:.2f} s")
        for name, (slider, key, before, after) in SLIDER_CHECKS.items():
            if name in (box.get_attribute("class") or "").split():
                state = servers.explorer_state(box)
                assert before in state["readout"], state
                moved, elapsed_ms = servers.nudge_slider(deck.page, box, slider, key)
                assert after in moved["readout"] and moved["sha"] != state["sha"], moved  # a new picture, not only a new URL
                assert servers.current_slide(deck.page) == position, f"{where}: {key} on {slider!r} turned the slide"
                back = servers.reset_explorer(box, state)
                assert (back["readout"], back["sha"]) == (state["readout"], state["sha"])
                print(f"{where}: {key} on {slider!r}: new picture in {elapsed_ms:.0f} ms")
    if lines:
        servers.write_report(f"slides-live-{deck.name.removesuffix('.ipynb')}-explorers", lines)
    assert problems == [], "\n".join(problems)
    assert blocked == [], describe(blocked)
    assert (deck.traffic.external, deck.traffic.errors, deck.traffic.failed) == ([], [], [])


def test_slides_pass_axe(deck: Deck, axe_ready: None) -> None:
    """Last on each notebook: once every slide is laid out at once, the slides cannot be presented."""
    from accessibility import describe

    blocked = servers.deck_axe_blocking(deck.page, f"live slides of {deck.name}", f"slides-live-{deck.name.removesuffix('.ipynb')}")
    assert blocked == [], describe(blocked)


def test_closing_or_reloading_the_slides_frees_their_kernels(browser: Browser, app: servers.VoilaServer,
                                                              tmp_path: Path) -> None:
    """Open the slides and close the tab, twice, reloading it once in between: each time the server is
    back to the kernels it ran before within seconds (the page asks Voila to shut its kernel down)."""
    baseline = app.settled_kernels()  # the tabs other tests closed have let their kernels go (one may stay open)
    for reload in (True, False):
        page = browser.new_page(viewport=servers.PROJECTOR)
        for _ in range(2 if reload else 1):  # a reload: the same tab loads the slides again
            open_slides(page, app.url_for(KERNELS_NOTEBOOK), app, tmp_path / "slides.png")
            seen = app.wait_for_kernels(baseline + 1, KERNEL_FREED_S)
            assert seen == baseline + 1, f"{seen - baseline} kernels for one open page (a reload keeps the old one?)"
        closed = time.perf_counter()
        servers.close_tab(page)
        left = app.wait_for_kernels(baseline, KERNEL_FREED_S)
        assert left == baseline, (f"{left - baseline} kernel(s) still running {KERNEL_FREED_S:.0f} s after the tab "
                                  f"closed\nserver log (tail):\n{app.log()}")
        print(f"kernel freed {time.perf_counter() - closed:.1f} s after the tab closed")
