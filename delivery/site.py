"""The offline self-study site: ``make site`` writes ``site/``, to open with any browser, no Python.

What it holds:

* ``index.html``: the course map (from :mod:`utils.course`), with links to every notebook,
  its slides, the casebook, the tutor guide, the self-study guide, the curation guide and the
  data dictionary;
* ``NN_slug.html``: every notebook as saved (outputs and widget state from its last clean
  run, nothing re-executed), in JupyterLab's look; stored widgets are drawn by
  ``assets/static-widgets.js`` and the self-checks run as they do in JupyterLab;
* ``casebook/<case_id>.html``: the casebook page of every case of ``cases.csv`` that has one
  (``notebooks/casebook/``, written by ``make casebook``, :mod:`delivery.casebook`), as saved;
  the index lists every case, and says "run make casebook" for a case without a page;
* ``slides/NN_slug.slides.html``: the same notebooks as reveal.js slides, for projection
  without a kernel (the live slides with working widgets are ``make slides``);
* ``tutor-guide.html``, ``self-study.html``, ``curation.html``, ``casedata/README.html`` and the curated CSV files,
  and the curation template (``curation/template/``: its README as a page, its empty CSV tables as files),
  copied by :mod:`delivery.safe_csv` so that no cell runs as a spreadsheet formula;
* ``assets/``: reveal.js and MathJax (from PyPI wheels, see :mod:`delivery.assets`), and
  everything in ``delivery/static/``: the widget renderer, the site's style sheet and page
  script (``site.js``: a figure opens at its natural size on a tap; wide tables and code scroll
  in their own box on a phone), the slides' style sheet and the icon.

Accessibility: every figure has a short alternative text and is described by its caption
(:func:`with_captions`); tests/test_site_accessibility.py runs axe-core on every page but the
static slides, and tests/test_phone.py checks every page at 390 px.

Every script, style sheet and font is served from ``site/`` itself: :func:`external_references`
lists anything that would be fetched from elsewhere, and the build fails if it finds one.
Links between pages are rewritten from repository paths (``03_x.ipynb``, ``../docs/x.md``)
to site paths; :func:`broken_links` lists any that point at nothing.

Usage: ``python -m delivery.site [site folder]`` (default ``site/``).
"""

from __future__ import annotations

import html
import posixpath
import re
import shutil
import sys
from pathlib import Path

import mistune
import nbformat
from nbconvert import HTMLExporter, SlidesExporter

from delivery import PROJECT_ROOT, assets, safe_csv
from delivery.navigation import EXTERNAL
from utils import casedata, course, evidence

TEMPLATES = PROJECT_ROOT / "delivery" / "templates"
STATIC = PROJECT_ROOT / "delivery" / "static"
DOCS = {"tutor-guide": "Tutor guide", "self-study": "Self-study guide", "curation": "Curation guide"}
#: Folder of the casebook pages, under the notebooks folder and in the site.
CASEBOOK = "casebook"
_CASEBOOK_PAGE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*\.ipynb$")
#: The empty tables a curator copies to start a case (docs/curation.md links the folder).
CURATION_TEMPLATE = "curation/template"
SITE_DIR = PROJECT_ROOT / "site"

_HREF = re.compile(r'(\s(?:href|src)=")([^"]*)(")')
_NETWORK = re.compile(r"^(?:https?:|ftp:|wss?:|//)", re.IGNORECASE)  # fetched over the network
_SCRIPT_BODY = re.compile(r"(<script\b[^>]*>).*?(</script>)", re.IGNORECASE | re.DOTALL)


# Where each repository file goes in the site ------------------------------------------------
def site_path(repo_path: str) -> str | None:
    """The site path of a repository file (``notebooks/03_x.ipynb`` -> ``03_x.html``), or None if the site has no copy."""
    parts = repo_path.split("/")
    if len(parts) == 2 and parts[0] == "notebooks" and course.NOTEBOOK_NAME.match(parts[1]):
        return parts[1][: -len(".ipynb")] + ".html"
    if len(parts) == 3 and parts[:2] == ["notebooks", CASEBOOK] and _CASEBOOK_PAGE.match(parts[2]):
        return f"{CASEBOOK}/{parts[2][: -len('.ipynb')]}.html"
    if len(parts) == 2 and parts[0] == "docs" and parts[1].endswith(".md") and parts[1][:-3] in DOCS:
        return parts[1][:-3] + ".html"
    if repo_path == "casedata/README.md":
        return "casedata/README.html"
    if repo_path in (CURATION_TEMPLATE, f"{CURATION_TEMPLATE}/README.md"):
        return f"{CURATION_TEMPLATE}/README.html"
    if repo_path.startswith(f"{CURATION_TEMPLATE}/") and repo_path.count("/") == 2 and repo_path.endswith(".csv"):
        return repo_path
    if len(parts) == 2 and parts[0] == "casedata" and parts[1].endswith((".csv", ".json")):
        return repo_path
    if repo_path == "README.md":
        return "README.html"
    return None


def rewrite_links(page: str, source_dir: str, page_path: str) -> str:
    """Point every relative ``href``/``src`` of ``page`` (written for a file in repository folder
    ``source_dir``) at the site copy of its target, relative to the page's own site path.
    Targets without a site copy are left as they are (:func:`broken_links` reports them)."""
    page_dir = posixpath.dirname(page_path)

    def rewrite(match: re.Match) -> str:
        target = html.unescape(match.group(2))
        if not target or target.startswith("#") or EXTERNAL.match(target):
            return match.group(0)
        file_part, hash_sign, anchor = target.partition("#")
        repo_path = posixpath.normpath(posixpath.join(source_dir, file_part))
        mapped = site_path(repo_path)
        if mapped is None:
            return match.group(0)
        relative = posixpath.relpath(mapped, page_dir or ".")
        return f"{match.group(1)}{html.escape(relative + hash_sign + anchor, quote=True)}{match.group(3)}"

    return _HREF.sub(rewrite, page)


def _prefix(page_path: str) -> str:
    """``../`` repeated to climb from a page back to the site root."""
    return "../" * page_path.count("/")


# Pages ------------------------------------------------------------------------------------
def plain_text(markdown: str) -> str:
    """The words of a Markdown paragraph, without emphasis, code marks or link targets."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    return re.sub(r"\s+", " ", re.sub(r"[*_`]", "", text)).strip()


#: How a Matplotlib figure prints itself; after the colon, when present, the short description the
#: course's figures carry (their own titles), which becomes the image's alternative text.
_FIGURE_REPR = re.compile(r"^<Figure size [^:>]*(?:: (?P<alt>.*))?>$", re.DOTALL)


def figure_alt(output, number: int) -> str:
    """Short alternative text of a stored PNG figure: the description after the colon of its
    ``text/plain`` (``<Figure size 864x432 with 2 Axes: Platelets of tnbc2025 by day>``), or the ``alt``
    an explorer's reading stores in the output's metadata, else ``Figure <number>``. Never the caption: that is tied to the image with ``aria-describedby``."""
    stored = output.get("metadata", {}).get("image/png", {})
    if isinstance(stored, dict) and str(stored.get("alt", "")).strip():  # an explorer's reading (utils.explorers.show)
        return re.sub(r"\s+", " ", str(stored["alt"])).strip()
    plain = output.get("data", {}).get("text/plain", "")
    if isinstance(plain, list):
        plain = "".join(plain)
    match = _FIGURE_REPR.match(plain.strip())
    alt = re.sub(r"\s+", " ", match.group("alt") or "").strip() if match else ""
    return alt or f"Figure {number}"


def with_captions(nb):
    """A copy of ``nb`` in which every PNG output carries a short alternative text (``figure_alt`` in
    the output's metadata, :func:`figure_alt`), and a figure cell followed by a Markdown cell carries
    its caption (the first paragraph of that cell) as ``figure_caption`` and the id of that paragraph
    as ``figure_caption_id``. The caption paragraph is wrapped in ``<div class="figure-caption"
    id=...>`` (blank lines around it, so that it stays Markdown) for the image's ``aria-describedby``.

    Only the in-memory copy changes; the templates (``bmm_common.html.j2``) read these keys."""
    nb = nbformat.from_dict(nb)
    number = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        figures = [output for output in cell.get("outputs", []) if "image/png" in output.get("data", {})]
        for output in figures:
            number += 1
            output.setdefault("metadata", {})["figure_alt"] = figure_alt(output, number)
        below = nb.cells[index + 1] if index + 1 < len(nb.cells) else None
        if not figures or below is None or below.cell_type != "markdown" or not below.source.strip():
            continue
        first, blank, rest = below.source.strip("\n").partition("\n\n")
        if first.lstrip().startswith("<") or "```" in first or "~~~" in first:
            continue  # raw HTML or a code fence: wrapping it could break the cell's Markdown
        caption_id = f"figure-caption-{below.get('id') or index + 1}"
        cell.metadata["figure_caption"] = plain_text(first)
        cell.metadata["figure_caption_id"] = caption_id
        below.source = f'<div class="figure-caption" id="{caption_id}">\n\n{first}\n\n</div>' + (blank + rest if rest else "")
    return nb


def page_title(nb, fallback: str) -> str:
    """A page's title: the text of the notebook's first heading (``# 04 · Lab recovery ...``), else ``fallback``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#{1,2}\s+(.+?)\s*#*$", cell.source, re.MULTILINE)
            if match:
                return plain_text(match.group(1))
    return fallback


def _exporter(kind: type, template: str, page_path: str):
    exporter = kind(template_name=template, extra_template_basedirs=[str(TEMPLATES)], extra_template_paths=[str(TEMPLATES)])
    exporter.mathjax_url = assets.mathjax_url(_prefix(page_path) + "assets/")
    return exporter


def notebook_page(path: Path, folder: str = "notebooks") -> tuple[str, str]:
    """``(site path, HTML)`` of a saved notebook, as stored (not re-executed).

    ``folder`` is the notebook's folder in the repository: ``notebooks`` for the course,
    ``notebooks/casebook`` for a casebook page (which has no slides)."""
    page_path = site_path(f"{folder}/{path.name}")
    if page_path is None:
        raise ValueError(f"{folder}/{path.name} has no place in the site (see delivery.site.site_path)")
    nb = with_captions(nbformat.read(path, as_version=4))
    nb.metadata["title"] = page_title(nb, path.stem)
    slides = f"slides/{path.stem}.slides.html" if folder == "notebooks" and path.name != course.INDEX_FILENAME else ""
    body, _ = _exporter(HTMLExporter, "bmm-site", page_path).from_notebook_node(
        nb, resources={"site_prefix": _prefix(page_path), "slides_href": slides, "head_links": head_links(_prefix(page_path))})
    return page_path, rewrite_links(body, folder, page_path)


def casebook_pages(notebook_dir: Path, data_dir: Path) -> list[tuple[str, Path | None]]:
    """``(case_id, stored page or None)`` for every case of ``cases.csv`` in ``data_dir``, in file order."""
    cases = casedata.load("cases", data_dir)
    folder = notebook_dir / CASEBOOK
    pages = []
    for case_id in map(str, cases["case_id"]):
        path = folder / f"{case_id}.ipynb"
        pages.append((case_id, path if _CASEBOOK_PAGE.match(path.name) and path.is_file() else None))
    return pages


def casebook_list_html(pages: list[tuple[str, Path | None]]) -> str:
    """The index's list of casebook pages: a link per case with a page, "run make casebook" for the others."""
    items = []
    for case_id, path in pages:
        if path is None:
            items.append(f"<li>{html.escape(case_id)}: no page yet (run <code>make casebook</code>)</li>")
        else:
            items.append(f"<li><a href=\"{CASEBOOK}/{html.escape(path.stem, quote=True)}.html\">{html.escape(case_id)}</a></li>")
    return "<ul class=\"casebook\">\n" + "\n".join(items) + "\n</ul>"


def slides_page(path: Path) -> tuple[str, str]:
    """``(site path, HTML)`` of a notebook as static reveal.js slides (reveal.js 3 from the site's assets)."""
    page_path = f"slides/{path.stem}.slides.html"
    exporter = _exporter(SlidesExporter, "bmm-slides", page_path)
    exporter.reveal_url_prefix = _prefix(page_path) + "assets/reveal"
    exporter.reveal_theme = "simple"
    nb = with_captions(nbformat.read(path, as_version=4))
    body, _ = exporter.from_notebook_node(nb, resources={"site_prefix": _prefix(page_path)})
    # nbconvert's reveal template names reveal.js 4's file layout; the site ships reveal.js 3.
    for old, new in (("/dist/reveal.css", "/css/reveal.css"), ("/dist/theme/", "/css/theme/")):
        if old not in body:
            raise RuntimeError(f"nbconvert's reveal template no longer links {old!r}; update delivery/site.py")
        body = body.replace(old, new)
    return page_path, rewrite_links(body, "notebooks", page_path)


#: A table of a Markdown page, in a box that scrolls sideways on a narrow screen (a phone) instead of
#: the whole page; the box is focusable so that a keyboard can scroll it too. The index's table of
#: notebooks (class "stacked") is instead laid out as one block per notebook on a narrow screen (site.css).
_TABLE = re.compile(r"<table\b(?![^>]*\bclass=\"stacked\").*?</table>", re.DOTALL | re.IGNORECASE)


def scrolling_tables(body_html: str) -> str:
    """``body_html`` with every table in a labelled, focusable box that scrolls sideways when the table
    is wider than the screen (the label numbers the table and names its first header cells)."""
    count = 0

    def wrap(match: re.Match) -> str:
        nonlocal count
        count += 1
        headers = [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", h))).strip()
                   for h in re.findall(r"<th\b[^>]*>(.*?)</th>", match.group(0), re.DOTALL | re.IGNORECASE)]
        label = f"Table {count}" + (": " + ", ".join(h for h in headers[:3] if h) if any(headers) else "")
        return (f'<div class="table-scroll" role="region" tabindex="0" aria-label="{html.escape(label, quote=True)}">'
                f"{match.group(0)}</div>")
    return _TABLE.sub(wrap, body_html)


def head_links(prefix: str) -> str:
    """The site's style sheet, page script and icon, for a page ``prefix`` below the site root."""
    return (f'<link rel="icon" href="{prefix}assets/favicon.svg" type="image/svg+xml">\n'
            f'<link rel="stylesheet" href="{prefix}assets/site.css">\n'
            f'<script src="{prefix}assets/site.js" defer></script>')


def _page(title: str, page_path: str, body_html: str) -> str:
    prefix = _prefix(page_path)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(title)}</title>
{head_links(prefix)}
</head>
<body class="bmm-site">
<nav class="site-bar" aria-label="course">
  <a href="{prefix}index.html">Course index</a>
  <a href="{prefix}tutor-guide.html">Tutor guide</a>
  <a href="{prefix}self-study.html">Self-study</a>
</nav>
<main class="page">
{scrolling_tables(body_html)}
</main>
</body>
</html>
"""


def markdown_page(source: Path, title: str) -> tuple[str, str]:
    """``(site path, HTML)`` of a Markdown file of the repository (docs, README, data dictionary)."""
    repo_path = source.relative_to(PROJECT_ROOT).as_posix()
    page_path = site_path(repo_path)
    if page_path is None:
        raise ValueError(f"{repo_path} has no place in the site (see delivery.site.site_path)")
    body = mistune.create_markdown(plugins=["table", "strikethrough"], escape=False)(source.read_text(encoding="utf-8"))
    return page_path, rewrite_links(_page(title, page_path, body), posixpath.dirname(repo_path), page_path)


def index_page(data_dir: Path | None = None, notebook_dir: Path | None = None) -> tuple[str, str]:
    """``(site path, HTML)`` of the landing page: the course map with notebook and slide links, and the casebook.

    The evidence date and the list of cases come from ``data_dir`` (default: the curated ``casedata/``);
    the casebook pages from ``notebook_dir`` (default: the repository's ``notebooks/``)."""
    data_dir = data_dir or casedata.DATA_DIR
    checked = evidence.checked_as_of_text(casedata.load("sources", data_dir))
    casebook = casebook_list_html(casebook_pages(notebook_dir or course.NOTEBOOK_DIR, data_dir))
    rows = []
    for lesson in course.LESSONS:
        stem = lesson.filename[: -len(".ipynb")]
        before = ", ".join(lesson.prerequisites) or "none"
        rows.append(
            f"<tr role=\"row\"><td role=\"cell\">{lesson.code}</td>"
            f"<td role=\"cell\"><a href=\"{stem}.html\">{html.escape(lesson.title)}</a></td>"
            f"<td role=\"cell\" data-label=\"you will learn to\">{html.escape(lesson.teaches)}</td>"
            f"<td role=\"cell\" data-label=\"time\">{lesson.reading_minutes} + {lesson.exercise_minutes} min</td>"
            f"<td role=\"cell\" data-label=\"before this\">{before}</td>"
            f"<td role=\"cell\" data-label=\"projection\"><a href=\"slides/{stem}.slides.html\">slides</a></td></tr>")
    body = f"""<h1>Bone marrow metastasis of breast cancer: two cases, from presentation to survival</h1>
<p><strong>For education only.</strong> These pages teach clinical reasoning on two published case reports.
Nothing here is advice about any patient.</p>
<p>Start with the <a href="00_index.html">course introduction</a>. Tutors: the <a href="tutor-guide.html">tutor guide</a>.
Studying alone: the <a href="self-study.html">self-study guide</a>. Where every number comes from:
the <a href="casedata/README.html">data dictionary</a>; how a case is curated into it: the
<a href="curation.html">curation guide</a>.</p>
<p><strong>{html.escape(checked)}</strong>: every guideline and trial
the course cites was looked up on that day (versions and dates: <code>casedata/sources.csv</code>); the
<a href="00_index.html">course introduction</a> lists the few whose newest version could not be obtained.</p>
<p>This site works offline: figures, stored explorer readings and self-checks need no Python.
To change the explorers' settings, run the notebooks (<code>make lab</code>) or the live slides (<code>make slides</code>).</p>
<table class="stacked" role="table" aria-label="The notebooks of the course">
<thead role="rowgroup"><tr role="row"><th role="columnheader">#</th><th role="columnheader">notebook</th>
<th role="columnheader">you will learn to</th><th role="columnheader">time (reading + exercises)</th>
<th role="columnheader">before this</th><th role="columnheader">projection</th></tr></thead>
<tbody role="rowgroup">
{chr(10).join(rows)}
</tbody>
</table>
<h2>Casebook: one page per case</h2>
<p>Each case of the data, end to end on one reference page: presentation and first counts, marker panel,
treatment and doses, lab course, survival against the published series, and the case's discrepancies.</p>
{casebook}"""
    return "index.html", _page("Course index", "index.html", body)


# Build and checks ---------------------------------------------------------------------------
def build(site_dir: Path = SITE_DIR, with_slides: bool = True, data_dir: Path | None = None,
          notebook_dir: Path | None = None) -> list[Path]:
    """Write the whole site into ``site_dir`` (emptied first); return the pages written.

    ``data_dir`` and ``notebook_dir`` (default: the repository's ``casedata/`` and ``notebooks/``)
    let a test build the site from a copy of the data and notebooks executed on it."""
    data_dir = data_dir or casedata.DATA_DIR
    notebook_dir = notebook_dir or course.NOTEBOOK_DIR
    if site_dir.exists():
        shutil.rmtree(site_dir)
    (site_dir / "assets").mkdir(parents=True)
    assets.install_all(site_dir / "assets")
    for path in sorted(STATIC.iterdir()):  # site.css, site.js, static-widgets.js, favicon.svg
        if path.is_file():
            shutil.copy(path, site_dir / "assets" / path.name)
    safe_csv.copy_folder(data_dir, site_dir / "casedata")
    pages = [index_page(data_dir, notebook_dir)]
    for path in (notebook_dir / course.INDEX_FILENAME, *(notebook_dir / lesson.filename for lesson in course.LESSONS)):
        pages.append(notebook_page(path))
        if with_slides and path.name != course.INDEX_FILENAME:
            pages.append(slides_page(path))
    for _, path in casebook_pages(notebook_dir, data_dir):
        if path is not None:
            pages.append(notebook_page(path, f"notebooks/{CASEBOOK}"))
    for stem, title in DOCS.items():
        pages.append(markdown_page(PROJECT_ROOT / "docs" / f"{stem}.md", title))
    pages.append(markdown_page(PROJECT_ROOT / "casedata" / "README.md", "Data dictionary"))
    template = PROJECT_ROOT / CURATION_TEMPLATE
    if template.is_dir():
        pages.append(markdown_page(template / "README.md", "Curation template"))
        (site_dir / CURATION_TEMPLATE).mkdir(parents=True, exist_ok=True)
        for table in sorted(template.glob("*.csv")):
            safe_csv.copy(table, site_dir / CURATION_TEMPLATE / table.name)
    pages.append(markdown_page(PROJECT_ROOT / "README.md", "About the collection"))
    written = []
    for page_path, body in pages:
        target = site_dir / page_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
        written.append(target)
    return written


#: What a browser would fetch by itself from a page or style sheet (links a reader clicks are not fetched).
_FETCHED = (
    re.compile(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", re.IGNORECASE),
    re.compile(r"<link\b[^>]*\bhref=\"([^\"]+)\"", re.IGNORECASE),
    re.compile(r"<(?:img|iframe|source|video|audio|embed)\b[^>]*\bsrc=\"([^\"]+)\"", re.IGNORECASE),
    re.compile(r"url\(\s*['\"]?([^)'\"]+)", re.IGNORECASE),
    re.compile(r"@import\s+['\"]([^'\"]+)", re.IGNORECASE),
    re.compile(r"\bimport\s+[\w{}\s,*]*\s+from\s+['\"]([^'\"]+)", re.IGNORECASE),
)


def external_references(site_dir: Path = SITE_DIR) -> list[str]:
    """Every script, style sheet, font or image a page of ``site_dir`` would load from outside the site."""
    found = []
    for path in sorted(site_dir.rglob("*")):
        if path.suffix not in {".html", ".css", ".js"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for pattern in _FETCHED:
            for match in pattern.finditer(text):
                target = match.group(1).strip()
                if _NETWORK.match(target):
                    found.append(f"{path.relative_to(site_dir)}: {target}")
    return found


def broken_links(site_dir: Path = SITE_DIR) -> list[str]:
    """Relative links and sources of the site's own pages that point at no file of the site.

    Text inside inline scripts is not markup (a self-check's code holds link patterns), and the
    third-party files under ``assets/`` are not checked."""
    problems = []
    for page in sorted(site_dir.rglob("*.html")):
        if page.relative_to(site_dir).parts[0] == "assets":
            continue
        markup = _SCRIPT_BODY.sub(r"\1\2", page.read_text(encoding="utf-8"))
        for match in _HREF.finditer(markup):
            target = html.unescape(match.group(2)).partition("#")[0].partition("?")[0]
            if not target or EXTERNAL.match(target):
                continue
            if not (page.parent / target).resolve().is_file():
                problems.append(f"{page.relative_to(site_dir)}: {match.group(2)}")
    return problems


def main(argv: list[str]) -> int:
    site_dir = Path(argv[0]) if argv else SITE_DIR
    pages = build(site_dir)
    problems = [f"fetched from outside the site: {x}" for x in external_references(site_dir)]
    problems += [f"broken link: {x}" for x in broken_links(site_dir)]
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(f"wrote {len(pages)} pages to {site_dir}; open {site_dir / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
