"""The offline site (delivery.site): its checks, and the built site in a real browser with the network cut.

The browser part builds the site into a temporary folder, serves it from a loopback HTTP
server and opens every page in Debian's Chromium with every request that does not go to
127.0.0.1 aborted and recorded. It checks that figures load, stored widgets and self-checks
render, MathJax typesets, the slides start, and that nothing was requested from elsewhere.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest
import servers

from delivery import site
from tests.fixture_data import PUBLISHED
from utils import course

PAGES = [course.INDEX_FILENAME.replace(".ipynb", ".html"), *(lesson.filename.replace(".ipynb", ".html") for lesson in course.LESSONS)]
SLIDES = [f"slides/{lesson.filename.replace('.ipynb', '.slides.html')}" for lesson in course.LESSONS]
OTHER = ["index.html", "tutor-guide.html", "self-study.html", "casedata/README.html", "README.html"]


# Checks on synthetic pages -------------------------------------------------------------------
@pytest.mark.parametrize(("repo_path", "expected"), [
    ("notebooks/03_treatment_lines.ipynb", "03_treatment_lines.html"),
    ("docs/tutor-guide.md", "tutor-guide.html"),
    ("casedata/README.md", "casedata/README.html"),
    ("casedata/labs.csv", "casedata/labs.csv"),
    ("README.md", "README.html"),
    ("utils/casedata.py", None),
    ("notebooks/selfcheck/01_presentation.json", None),
])
def test_site_path_maps_repository_files(repo_path, expected):
    assert site.site_path(repo_path) == expected


def test_links_are_rewritten_relative_to_each_page():
    page = ('<a href="03_treatment_lines.ipynb#Stop-and-think">x</a> <a href="../docs/self-study.md">y</a> '
            '<a href="https://doi.org/10.1/x">z</a> <a href="#top">t</a> <a href="../utils/x.py">u</a>')
    rewritten = site.rewrite_links(page, "notebooks", "slides/01_presentation.slides.html")
    assert 'href="../03_treatment_lines.html#Stop-and-think"' in rewritten
    assert 'href="../self-study.html"' in rewritten
    assert 'href="https://doi.org/10.1/x"' in rewritten and 'href="#top"' in rewritten
    assert 'href="../utils/x.py"' in rewritten  # no site copy: left alone, for broken_links to report


def test_external_references_finds_what_a_browser_would_fetch(tmp_path):
    (tmp_path / "a.html").write_text(
        '<script src="https://cdn.jsdelivr.net/npm/x.js"></script><link rel="stylesheet" href="//unpkg.com/y.css">'
        '<script src="assets/local.js"></script><a href="https://doi.org/10.1/x">a link is not fetched</a>'
        '<img src="data:image/png;base64,AAAA">', encoding="utf-8")
    (tmp_path / "b.css").write_text("@import url(https://fonts.googleapis.com/css?family=Lato);\n"
                                    "@font-face { src: url(fonts/local.woff); }", encoding="utf-8")
    (tmp_path / "c.js").write_text("import mermaid from 'https://cdn.jsdelivr.net/npm/mermaid.esm.min.mjs';", encoding="utf-8")
    found = site.external_references(tmp_path)
    assert found == ["a.html: https://cdn.jsdelivr.net/npm/x.js", "a.html: //unpkg.com/y.css",
                     "b.css: https://fonts.googleapis.com/css?family=Lato",
                     "c.js: https://cdn.jsdelivr.net/npm/mermaid.esm.min.mjs"]


def test_broken_links_names_page_and_target_and_ignores_script_text(tmp_path):
    (tmp_path / "there.html").write_text("ok", encoding="utf-8")
    (tmp_path / "page.html").write_text(
        '<a href="there.html#x">fine</a> <a href="missing.html">broken</a> <img src="img/none.png">'
        '<script>var s = \'<a href="http$1">\' + \'<a href="$2">\';</script>', encoding="utf-8")
    assert site.broken_links(tmp_path) == ["page.html: missing.html", "page.html: img/none.png"]


# The built site (fixtures built and served: tests/conftest.py) ----------------------------------------------
def test_site_has_every_page_and_nothing_from_outside(built: Path):
    for page in PAGES + SLIDES + OTHER:
        assert (built / page).is_file(), page
    assert site.external_references(built) == []
    assert site.broken_links(built) == []
    for asset in ("assets/reveal/js/reveal.js", "assets/reveal/css/reveal.css", "assets/mathjax/MathJax.js",
                  "assets/static-widgets.js", "assets/site.css", "assets/site.js", "assets/favicon.svg"):
        assert (built / asset).is_file(), asset


def test_pages_link_to_each_other_as_html(built: Path):
    index = (built / "03_treatment_lines.html").read_text(encoding="utf-8")
    assert 'href="04_lab_recovery.html"' in index and 'href="00_index.html"' in index
    assert ".ipynb\"" not in index.replace('href="https://', "")
    guide = (built / "tutor-guide.html").read_text(encoding="utf-8")
    assert 'href="06_alternative_timelines.html"' in guide


def _figures_and_captions(page: str) -> list[tuple[str, str, str]]:
    """``(alt, aria-describedby, text of the element it names)`` of every stored PNG figure of ``page``."""
    found = []
    for tag in re.findall(r"<img\b[^>]*>", page):
        if 'src="data:image/png' not in tag:
            continue
        alt = re.search(r'\balt="([^"]*)"', tag)
        described = re.search(r'\baria-describedby="([^"]*)"', tag)
        caption = ""
        if described:
            block = re.search(rf'<div class="figure-caption" id="{re.escape(described.group(1))}">(.*?)</div>', page, re.DOTALL)
            caption = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", block.group(1)))).strip() if block else ""
        found.append((html.unescape(alt.group(1)) if alt else "", described.group(1) if described else "", caption))
    return found


def test_every_stored_figure_has_a_short_alt_and_is_described_by_its_caption(built: Path):
    casebook = [f"casebook/{case_id}.html" for case_id in PUBLISHED]
    for path in PAGES + casebook:
        figures = _figures_and_captions((built / path).read_text(encoding="utf-8"))
        assert figures, path
        for alt, described, caption in figures:
            assert alt and len(alt) <= 120, f"{path}: alternative text missing or long: {alt!r}"
            assert described, f"{path}: {alt!r} is not tied to its caption (aria-describedby)"
            assert re.match(r"(Figure|What to see)", caption), f"{path}: {alt!r} is described by {caption[:60]!r}"
            assert alt not in caption and caption not in alt, f"{path}: the alternative text repeats the caption"


def _output(plain: str) -> dict:
    return {"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo=", "text/plain": plain}, "metadata": {}}


@pytest.mark.parametrize(("plain", "expected"), [
    ("<Figure size 864x432 with 2 Axes: Platelets of tnbc2025 by day, two stated counts>",
     "Platelets of tnbc2025 by day, two stated counts"),
    ("<Figure size 864x432 with 2 Axes: Ratio: a > b>", "Ratio: a > b"),  # up to the final ">"
    ("<Figure size 864x432 with 2 Axes>", "Figure 3"),  # the figures stored before their descriptions
    ("<IPython.core.display.Image object>", "Figure 3"),
    ("", "Figure 3"),
])
def test_figure_alt_is_the_figures_own_description_or_its_number(plain, expected):
    assert site.figure_alt(_output(plain), 3) == expected


def test_with_captions_ties_each_figure_to_the_first_paragraph_below():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("plot()", outputs=[nbformat.from_dict(_output("<Figure size 10x10 with 1 Axes>"))]),
        nbformat.v4.new_markdown_cell("*Figure: the `labs.csv` counts.*\n\nA second paragraph, not the caption."),
        nbformat.v4.new_code_cell("plot()", outputs=[nbformat.from_dict(_output("<Figure size 10x10 with 1 Axes: Counts>"))]),
        nbformat.v4.new_code_cell("x = 1"),
    ])
    original = nbformat.from_dict(nb)
    captioned = site.with_captions(nb)
    first, below, second, _ = captioned.cells
    assert [o.metadata["figure_alt"] for o in first.outputs + second.outputs] == ["Figure 1", "Counts"]
    caption_id = first.metadata["figure_caption_id"]
    assert first.metadata["figure_caption"] == "Figure: the labs.csv counts."
    assert below.source == (f'<div class="figure-caption" id="{caption_id}">\n\n*Figure: the `labs.csv` counts.*\n\n</div>'
                            "\n\nA second paragraph, not the caption.")
    assert "figure_caption_id" not in second.metadata  # followed by code: no caption
    assert nb == original  # the notebook itself is left alone


def test_tables_of_markdown_pages_scroll_in_a_labelled_focusable_box():
    page = ('<table><thead><tr><th>file</th><th>column</th></tr></thead><tbody><tr><td>a</td><td>b</td></tr></tbody></table>'
            '<table class="stacked"><tr><td>1</td></tr></table><table><tr><td>2</td></tr></table>')
    wrapped = site.scrolling_tables(page)
    boxes = re.findall(r'<div class="table-scroll" role="region" tabindex="0" aria-label="([^"]*)"><table>', wrapped)
    assert boxes == ["Table 1: file, column", "Table 2"]  # distinct names for distinct regions
    assert '<table class="stacked">' in wrapped and wrapped.count("</table></div>") == 2  # the index's own table stacks


def test_plain_text_drops_markdown_marks():
    assert site.plain_text("*Figure: the `labs.csv` [table](x.csv)\n of **both** cases.*") == "Figure: the labs.csv table of both cases."


def test_widget_state_is_embedded_for_notebooks_with_widgets(built: Path):
    for lesson in course.LESSONS:
        nb = nbformat.read(course.NOTEBOOK_DIR / lesson.filename, as_version=4)
        views = sum("application/vnd.jupyter.widget-view+json" in output.get("data", {})
                    for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs)
        page = (built / lesson.filename.replace(".ipynb", ".html")).read_text(encoding="utf-8")
        assert page.count('type="application/vnd.jupyter.widget-view+json"') == views
        assert ('type="application/vnd.jupyter.widget-state+json"' in page) == bool(views)


@pytest.fixture(scope="module")
def offline_page(chromium_path: str, served: str):
    """A Chromium page whose requests outside 127.0.0.1 are aborted; yields (page, external requests, page errors)."""
    external: list[str] = []
    errors: list[str] = []

    def only_loopback(route) -> None:
        if urlparse(route.request.url).hostname == servers.LOOPBACK:
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    with servers.chromium(chromium_path) as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.route("**/*", only_loopback)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("requestfailed", lambda request: _failed(request, errors))
        page.on("response", lambda response: errors.append(f"HTTP {response.status}: {response.url}") if response.status >= 400 else None)
        yield page, external, errors


def _failed(request, errors: list[str]) -> None:
    """Record a failed request, except MathJax 2's "about:blank" font probe (nothing is fetched) and
    loads cut short because the test moved to the next page (net::ERR_ABORTED)."""
    if request.url.startswith("about:") or "ERR_ABORTED" in (request.failure or ""):
        return
    errors.append(f"request failed: {request.url} ({request.failure})")


def fresh(offline_page):
    """The shared page, with the lists of external requests and errors emptied for this test."""
    page, external, errors = offline_page
    external.clear()
    errors.clear()
    return page, external, errors


def _open(page, served: str, path: str) -> dict:
    page.goto(served + path, wait_until="load")
    page.wait_for_function("() => !document.querySelector('script[type=\"application/vnd.jupyter.widget-view+json\"]')"
                           " || document.body.dataset.staticWidgets !== undefined", timeout=15_000)
    return page.evaluate("""() => ({
        images: document.images.length,
        unloaded: Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt || i.src.slice(0, 40)),
        views: document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length,
        widgets: document.querySelectorAll('.static-widget').length,
        widgetImages: document.querySelectorAll('.static-widget img').length,
        widgetText: Array.from(document.querySelectorAll('.static-widget .sw-html')).map(e => e.textContent).join('').length,
        disabledControls: document.querySelectorAll('.static-widget select:disabled, .static-widget input:disabled').length,
        quizzes: document.querySelectorAll('.Quiz').length,
    })""")


@pytest.mark.parametrize("path", PAGES)
def test_notebook_pages_render_offline(offline_page, served: str, path: str):
    page, external, errors = fresh(offline_page)
    shown = _open(page, served, path)
    assert shown["images"] >= 1 and shown["unloaded"] == [], shown
    assert shown["widgets"] == shown["views"], shown
    if shown["views"]:
        assert shown["disabledControls"] >= 1, shown  # the stored settings, greyed out
        assert shown["widgetImages"] >= 1 or shown["widgetText"] > 100, shown  # and the stored reading
    if path != PAGES[0]:
        assert shown["quizzes"] >= 3, shown
        quiz = page.locator(".Quiz").first
        quiz.locator(".MCButton").first.click()
        assert page.locator(".Quiz").first.locator("[class*=Feedback]").first.inner_text().strip(), "a self-check answer gives feedback"
    assert external == [], f"requests left the machine: {external}"
    assert errors == [], errors


def test_mathjax_typesets_offline(offline_page, served: str):
    page, external, errors = fresh(offline_page)
    page.goto(served + "05b_survival_comparison.html", wait_until="load")  # holds the formula of the constant-hazard model
    page.wait_for_function("() => window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0 && "
                           "document.querySelectorAll('.MathJax, .MathJax_CHTML, .MathJax_SVG').length > 0", timeout=30_000)
    assert external == [] and errors == []


@pytest.mark.parametrize("path", [SLIDES[0], SLIDES[-1]])
def test_static_slides_start_and_move_offline(offline_page, served: str, path: str):
    page, external, errors = fresh(offline_page)
    page.goto(served + path, wait_until="load")
    page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=15_000)
    total = page.evaluate("() => Reveal.getTotalSlides()")
    assert total > 1, "the notebook's slide metadata should give more than one slide"
    # laid out for the window, not shrunk to reveal.js's minimum scale (a container without height)
    assert page.evaluate("() => Reveal.getScale()") >= 0.5
    page.evaluate("() => { window.slideBefore = JSON.stringify(Reveal.getIndices()); }")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => JSON.stringify(Reveal.getIndices()) !== window.slideBefore", timeout=5_000)
    assert external == [] and errors == []


@pytest.mark.parametrize("path", OTHER)
def test_guide_pages_render_offline(offline_page, served: str, path: str):
    page, external, errors = fresh(offline_page)
    page.goto(served + path, wait_until="load")
    assert page.locator("nav.site-bar a").count() == 3
    assert page.locator("main h1, main h2").count() >= 1
    assert external == [] and errors == []


# The casebook pages on the site --------------------------------------------------------------------------------
def test_the_site_has_every_casebook_page_linked(built: Path):
    index = (built / "index.html").read_text(encoding="utf-8")
    for case_id in PUBLISHED:
        page = built / "casebook" / f"{case_id}.html"
        assert page.is_file() and f'href="casebook/{case_id}.html"' in index
        text = page.read_text(encoding="utf-8")
        assert 'href="../00_index.html"' in text and 'href="../index.html"' in text
        assert 'href="../01_presentation.html"' in text
    assert (built / "curation.html").is_file() and (built / "curation" / "template" / "README.html").is_file()
    broken = site.broken_links(built)
    assert [p for p in broken if "casebook/" in p or p.startswith("index.html") or "curation" in p] == []
    assert site.external_references(built) == []


def test_casebook_pages_render_offline_in_a_browser(offline_page, served: str):
    page, external, errors = fresh(offline_page)
    for case_id in PUBLISHED:
        page.goto(f"{served}casebook/{case_id}.html", wait_until="load")
        shown = page.evaluate("""() => ({
            images: document.images.length,
            unloaded: Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).length,
            captions: Array.from(document.images).filter(i => i.alt && (document.getElementById(
                i.getAttribute('aria-describedby')) || {textContent: ''}).textContent.trim().startsWith('Figure')).length,
            nav: document.querySelectorAll('nav.site-bar a').length})""")
        assert shown["images"] >= 3 and shown["unloaded"] == 0, (case_id, shown)
        assert shown["captions"] == shown["images"], (case_id, shown)
        assert shown["nav"] == 3, (case_id, shown)
    page.goto(served + "index.html", wait_until="load")
    page.click(f"text={PUBLISHED[0]}")
    assert page.url.endswith(f"casebook/{PUBLISHED[0]}.html")
    assert external == [] and errors == [], (external, errors)


# The finished look: one font, text like the index, figures at natural size, saved explorers explained first ---
EXPLORER_PAGES = ["02_ihc_interpretation.html", "04_lab_recovery.html", "06_alternative_timelines.html"]


@pytest.mark.parametrize("path", EXPLORER_PAGES)
def test_saved_explorers_are_explained_first_and_name_every_control(offline_page, served: str, path: str):
    page, external, errors = fresh(offline_page)
    _open(page, served, path)
    explorers = page.evaluate("""() => Array.from(document.querySelectorAll('.static-widget')).map(w => ({
        noteFirst: w.firstElementChild.classList.contains('static-widget-note'),
        controls: w.querySelectorAll('select, input').length,
        unnamed: Array.from(w.querySelectorAll('select, input')).filter(
            c => !(c.labels && c.labels.length && c.labels[0].textContent.trim()) && !c.getAttribute('aria-label')).length,
        titled: w.querySelectorAll('[title]').length,
        multiple: Array.from(w.querySelectorAll('select[multiple]')).map(s => [s.size, s.options.length]),
        images: Array.from(w.querySelectorAll('img')).map(i => ({alt: i.alt, shown: i.getBoundingClientRect().width,
                                                               natural: i.naturalWidth})),
        fonts: Array.from(w.querySelectorAll('select, input, button, label, .sw-html')).map(e => getComputedStyle(e).fontFamily),
    }))""")
    assert explorers, path
    body_font = page.evaluate("() => getComputedStyle(document.querySelector('.jp-RenderedMarkdown p')).fontFamily")
    for explorer in explorers:
        assert explorer["noteFirst"], "the 'saved copy' note sits above the controls it explains"
        assert explorer["controls"] and explorer["unnamed"] == 0, explorer
        assert explorer["titled"] == 0, "a title is no label (axe label-title-only)"
        assert all(size == count for size, count in explorer["multiple"]), explorer["multiple"]
        assert set(explorer["fonts"]) == {body_font}, explorer["fonts"]
        for image in explorer["images"]:
            assert image["alt"] and image["alt"] != "figure drawn by the explorer, as stored", image
            assert image["shown"] <= image["natural"], f"an explorer figure is stretched: {image}"
    alts = [image["alt"] for explorer in explorers for image in explorer["images"]]
    assert len(set(alts)) == len(alts), f"explorer figures share an alternative text: {alts}"
    assert external == [] and errors == []


def test_notebook_pages_read_like_the_index(offline_page, served: str):
    """One sans font for the navigation, the text and the code's surroundings; prose at 17 px in lines of
    60 to 80 characters; figures never shown larger than they were drawn."""
    page, external, errors = fresh(offline_page)
    page.goto(served + "index.html", wait_until="load")
    index = page.evaluate("() => [getComputedStyle(document.querySelector('main p')).fontFamily, "
                          "getComputedStyle(document.querySelector('main p')).fontSize]")
    _open(page, served, "04_lab_recovery.html")
    shown = page.evaluate("""() => {
        const prose = Array.from(document.querySelectorAll('.jp-RenderedMarkdown > p')).filter(p => p.textContent.length > 400);
        const ctx = document.createElement('canvas').getContext('2d');
        const perLine = prose.map(p => { const s = getComputedStyle(p); ctx.font = `${s.fontSize} ${s.fontFamily}`;
            const text = p.textContent.replace(/\\s+/g, ' ');
            return text.length * p.getBoundingClientRect().width / ctx.measureText(text).width; });
        return {
            fonts: [...new Set([document.querySelector('nav.site-bar a'), document.querySelector('h1'), prose[0],
                                document.querySelector('.static-widget label')].map(e => getComputedStyle(e).fontFamily))],
            size: getComputedStyle(prose[0]).fontSize,
            perLine: [Math.min(...perLine), Math.max(...perLine)],
            stretched: Array.from(document.images).filter(i => i.getBoundingClientRect().width > i.naturalWidth + 1).length,
            icon: document.querySelector('link[rel="icon"]').href,
        }; }""")
    assert shown["fonts"] == [index[0]] and "sans-serif" in index[0], (shown["fonts"], index)
    assert shown["size"] == index[1] == "17px"
    assert 60 <= shown["perLine"][0] and shown["perLine"][1] <= 80, f"characters per line: {shown['perLine']}"
    assert shown["stretched"] == 0
    assert shown["icon"].endswith("assets/favicon.svg")
    assert external == [] and errors == []


def test_an_explorer_picture_takes_the_alt_its_reading_stored():
    # explorers.show stores the reading's description in the output's metadata; without it the page says "Figure N"
    stored = {"data": {"image/png": "", "text/plain": "<IPython.core.display.Image object>"},
              "metadata": {"image/png": {"alt": "Treatment lanes of akagi2021 as reported"}}}
    assert site.figure_alt(stored, 3) == "Treatment lanes of akagi2021 as reported"
    assert site.figure_alt({"data": {"image/png": ""}}, 3) == "Figure 3"
    page = (Path(__file__).resolve().parent.parent / "notebooks" / "06_alternative_timelines.ipynb")
    nb = site.with_captions(nbformat.read(page, as_version=4))
    alts = [o.metadata["figure_alt"] for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
            if "image/png" in o.get("data", {})]
    assert alts and not any(re.fullmatch(r"Figure \d+", a) for a in alts), alts
