"""Curated text is escaped wherever our code puts it into Markdown or HTML, and the site's CSV copies are formula-safe.

Two kinds of test:

* helpers, one by one: a hostile cell goes in, the Markdown or HTML they build is rendered as the
  static site renders it (nbconvert's Markdown renderer, which passes raw HTML through, unlike
  JupyterLab's sanitiser) and must hold no element or link made from the cell;
* the whole path (the ``hostile`` fixtures below): a temporary copy of ``casedata/`` gets a script
  payload and a Markdown link appended to every free-text cell the loader accepts (and a formula
  put in front), every notebook is executed against that copy, the site is built from the result,
  no page may carry a live payload and no CSV copy of the site a formula. The fixtures take about
  20 s on 2 cores (all eight notebooks, two at a time, then the site).
"""

from __future__ import annotations

import csv
import doctest
import json
import os
import re
import shutil
import string
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import ipywidgets as widgets
import nbformat
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from nbclient import NotebookClient
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from delivery import safe_csv, site
from utils import casedata, course, grading, ihc_views, lab_charts, markup, summary
from utils.widgets import _markdown_to_html, explorer

IMG = "<img src=x onerror=alert(1)>"
LINK = "[click me](https://evil.invalid/x)"
PAYLOAD = f"{IMG} {LINK}"
SHOWN = PAYLOAD  # what a reader must see: the characters as written, not an image and a link
#: Formulas put in front of free-text cells of the copy, one per column in turn (OWASP's four characters).
FORMULAS = ('=HYPERLINK("https://evil.invalid/f","x") ', "+1+2 ", "-1+2 ", "@SUM(1) ")


# What counts as a live payload ---------------------------------------------------------------
class _Live(HTMLParser):
    """Elements and links that a payload turned into markup (script text and JSON are not markup)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.text: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        values = dict(attrs)
        if tag == "img" and values.get("src") == "x" or any("alert(" in (v or "") for v in values.values()):
            self.found.append(f"<{tag} {attrs}>")
        if tag == "a" and "evil.invalid" in (values.get("href") or ""):
            self.found.append(f"link to {values['href']}")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(html: str) -> _Live:
    parser = _Live()
    parser.feed(html)
    parser.close()
    return parser


def live_payloads(html: str) -> list[str]:
    """What of the payload became markup in ``html``: elements, event handlers, links to its host."""
    return parsed(html).found


def as_on_the_site(markdown: str) -> str:
    """Markdown as the static site renders a notebook's Markdown output (raw HTML passes through)."""
    return markdown2html_mistune(markdown)


def test_the_detector_sees_a_live_payload():
    assert live_payloads(as_on_the_site(f"- **A:** {PAYLOAD}")) == [
        "<img [('src', 'x'), ('onerror', 'alert(1)')]>", "link to https://evil.invalid/x"]
    assert live_payloads(as_on_the_site(f"- **A:** {markup.markdown_text(PAYLOAD)}")) == []


# utils.markup -------------------------------------------------------------------------------
def test_markup_examples():
    assert doctest.testmod(markup).failed == 0


RENDERERS = {
    "site (nbconvert)": markdown2html_mistune,
    "widget (mistune)": _markdown_to_html,
    "CommonMark (markdown-it-py)": MarkdownIt("commonmark").render,  # the specification's behaviour
}
CONTEXTS = ("{}", "- {}", "- **A:** {} (locator)", "**AK-01, {}**")
CONTEXT_TAGS = {"p", "ul", "li", "strong"}


def _shown(markdown: str, render) -> tuple[str, set[str]]:
    result = parsed(render(markdown))
    return " ".join("".join(result.text).split()), result.tags


def assert_renders_as_written(text: str) -> None:
    """``markdown_text(text)`` in every context and renderer shows ``text`` (blanks collapsed) and adds no element."""
    for context in CONTEXTS:
        expected, tags = _shown(context.format("QQ"), RENDERERS["widget (mistune)"])
        for name, render in RENDERERS.items():
            shown, used = _shown(context.format(markup.markdown_text(text)), render)
            assert shown == " ".join(expected.replace("QQ", text).split()), (name, context, text)
            assert used <= CONTEXT_TAGS and used == tags, (name, context, text, used)


@settings(max_examples=150, derandomize=True, deadline=None, database=None)
@given(st.text(alphabet="ab1 \t\n\r" + string.punctuation, max_size=30).filter(str.strip))
def test_escaped_text_renders_as_written_in_every_renderer(text):
    assert_renders_as_written(text)


@pytest.mark.parametrize("text", [
    PAYLOAD, "see https://evil.invalid/x or WWW.evil.invalid", "write to someone@evil.invalid", "$x$ and $$y$$",
    "&lt;b&gt; &amp; &#60;", "# heading", "1. one", "2) two", "- item", "+ item", "> quote", "    indented code",
    "| a | b |", "a\n\n<script>alert(1)</script>", "~~x~~", "`x`", "**x** __y__", "term\n: definition", "===",
    "[^1]", "![i](x.png)", "<https://evil.invalid>", "[x]: https://evil.invalid", "\\*not bold\\*", "\\"])
def test_hostile_text_renders_as_written(text):
    assert_renders_as_written(text)


@pytest.mark.parametrize("text", [
    "ER positive (95%), PR negative; HER2 2+ (ISH not done)", "Akagi 2021, Case Report para 2 ('Bone marrow')",
    "CTCAE v5.0 grade 4; 8.6 x 10^9/L", "day 0 = diagnosis of marrow metastasis", "50% - 60%, or more"])
def test_normal_text_comes_back_unchanged(text):
    assert markup.markdown_text(text) == text


# Helpers that build Markdown from curated cells ------------------------------------------------
@pytest.fixture(scope="module")
def data() -> casedata.CaseData:
    return casedata.load_all()


def test_discrepancy_markdown_escapes_every_field(data):
    table = data.discrepancies.copy()
    row = table["discrepancy_id"] == "AK-02"
    for column in ("topic", *summary.DISCREPANCY_FIELDS, "rationale"):
        table.loc[row, column] = f"-1+2 {table.loc[row, column].iloc[0]} {PAYLOAD}"
    markdown = summary.discrepancy_markdown(table, "AK-02", rationale=True)
    html = as_on_the_site(markdown)
    assert live_payloads(html) == []
    assert "".join(parsed(html).text).count(SHOWN) == 7  # topic, two statements, two locators, decision, reason


def test_event_markdown_escapes_description_and_locator(data):
    events = data.events.copy()
    row = events["event_id"] == "AK-E10"
    events.loc[row, "description"] = f"# {PAYLOAD}"
    events.loc[row, "source_locator"] = PAYLOAD
    html = as_on_the_site(summary.event_markdown(events, "AK-E10", "The marrow biopsy, as curated"))
    assert live_payloads(html) == [] and "".join(parsed(html).text).count(SHOWN) == 2
    assert "<h1" not in html


def test_event_markdown_names_a_missing_or_repeated_event(data):
    with pytest.raises(ValueError, match="event_id 'XX-E99' is not in the events table"):
        summary.event_markdown(data.events, "XX-E99", "Nothing")
    twice = pd.concat([data.events, data.events[data.events["event_id"] == "AK-E10"]])
    with pytest.raises(ValueError, match="event_id 'AK-E10' appears 2 times in the events table; expected it once"):
        summary.event_markdown(twice, "AK-E10", "Twice")


def test_coverage_summary_escapes_the_case(data):
    ihc = data.ihc.assign(case_id=data.ihc["case_id"].astype(str).replace("tnbc2025", PAYLOAD))
    assert live_payloads(as_on_the_site(ihc_views.coverage_summary(ihc))) == []


def test_lab_description_escapes_threshold_sources(data):
    thresholds = data.transfusion_thresholds.copy()
    guideline = thresholds["case_id"].isna()
    thresholds.loc[guideline, "source_id"] = PAYLOAD
    chosen = list(thresholds.loc[guideline & (thresholds["analyte"] == "platelets"), "threshold_id"])
    view = lab_charts.lab_view(data.labs, data.therapy_lines, thresholds, "akagi2021", ["platelets"], chosen, data.events)
    html = as_on_the_site(lab_charts.describe(view))
    assert live_payloads(html) == [] and SHOWN in "".join(parsed(html).text)


def test_lab_explorer_message_escapes_curated_text(data):
    thresholds = data.transfusion_thresholds.copy()
    own = thresholds["case_id"] == "tnbc2025"
    thresholds["case_id"] = thresholds["case_id"].astype(object)
    thresholds.loc[own, "case_id"] = PAYLOAD  # a threshold "stated in another report", chosen for akagi2021
    lln = grading.lower_limits(data.reference_ranges, "hoffbrand_eh")
    box = lab_charts.lab_explorer(data.labs, data.therapy_lines, thresholds, lln, "akagi2021", events=data.events)
    box.controls["show_thresholds"].value = (thresholds.loc[own, "threshold_id"].iloc[0],)
    assert "do not fit together" in box.readout.value
    assert live_payloads(box.readout.value) == [] and SHOWN in "".join(parsed(box.readout.value).text)


def test_panel_explorer_message_escapes_curated_text(data):
    reported = {**ihc_views.case_panel(data.ihc, "tnbc2025", "bone_marrow"), "BRCA1/2": PAYLOAD}
    box = ihc_views.panel_explorer(reported)
    assert "contradict" in box.readout.value
    assert live_payloads(box.readout.value) == [] and SHOWN in "".join(parsed(box.readout.value).text)


def test_explorer_title_is_text():
    box = explorer(PAYLOAD, {"n": widgets.IntSlider(value=1)}, render=lambda n: None)
    assert live_payloads(box.children[0].value) == [] and SHOWN in "".join(parsed(box.children[0].value).text)


# Formula injection in the site's CSV copies -------------------------------------------------------
@pytest.mark.parametrize("cell", ["=1+2", '=HYPERLINK("https://evil.invalid","x")', "+1+2", "-1+2", "@SUM(A1)",
                                  "\tx", "\rx", "-", "-2+3", "-inf", "-nan", "+", "- 5", "-1e5x", "=-1234"])
def test_cells_that_a_spreadsheet_would_run_get_a_quote(cell):
    assert safe_csv.neutralised(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-1234", "+5", "-0.5", "-.5", "1e-3", "-1E+3", "12", "0", "", "plain text",
                                  "day -30", "'=already quoted"])
def test_numbers_and_plain_text_stay_as_they_are(cell):
    assert safe_csv.neutralised(cell) == cell


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def _read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_a_file_without_risky_cells_is_copied_byte_for_byte(tmp_path):
    source = tmp_path / "labs.csv"
    _write_csv(source, [["case_id", "day", "note"], ["a1", "-1234", "about, 3 'months'"], ["a1", "+5", ""]])
    assert safe_csv.copy(source, tmp_path / "out.csv") is False
    assert (tmp_path / "out.csv").read_bytes() == source.read_bytes()


def test_a_file_with_risky_cells_gets_every_cell_quoted_and_formulas_prefixed(tmp_path):
    source = tmp_path / "events.csv"
    rows = [["case_id", "day", "description"], ["a1", "-1234", '=HYPERLINK("https://evil.invalid","x")'],
            ["a1", "-30", "@SUM(1), then\nmore"], ["a1", "4", "\t-1+2"]]
    _write_csv(source, rows)
    assert safe_csv.copy(source, tmp_path / "out.csv") is True
    written = (tmp_path / "out.csv").read_text(encoding="utf-8")
    assert written.startswith('"case_id","day","description"\n"a1","-1234","\'=HYPERLINK(""https://evil.invalid"",""x"")"\n')
    assert _read_csv(tmp_path / "out.csv") == [
        rows[0], ["a1", "-1234", "'" + rows[1][2]], ["a1", "-30", "'@SUM(1), then\nmore"], ["a1", "4", "'\t-1+2"]]


# The whole path: a hostile copy of casedata/, every notebook run on it, the site built from them --------
#: Free-text columns the code reads as values, not as text to show, so the payload would stop a notebook
#: with an error before anything is shown. Checking them at load time is issue 18, item 3; once the loader
#: refuses them, the fixture drops them by itself (it drops every column the loader names).
READ_AS_VALUES = {
    ("ihc.csv", "result"): "read by utils.ihc (positive, negative, a percentage or a score)",
    ("dose_references.csv", "agent"): "matched against the agents of doses.csv and therapy_lines.csv",
    ("dose_references.csv", "schedule"): "parsed by utils.dosing.parse_schedule",
    ("therapy_lines.csv", "agents"): "split into agents and matched against doses.csv (the loader checks it)",
    ("labs.csv", "unit"): "a unit converted by utils.units (the loader checks it)",
    ("sources.csv", "superseded_by"): "a source_id (the loader checks it)",
}


def free_text_columns(data_dir: Path) -> dict[str, list[str]]:
    """Per file, the string columns without vocabulary or pattern that are not keys, minus :data:`READ_AS_VALUES`."""
    descriptor = json.loads((data_dir / casedata.DESCRIPTOR).read_text(encoding="utf-8"))
    columns = {}
    for resource in descriptor["resources"]:
        schema = resource["schema"]
        keys = set(schema.get("primaryKey", []))
        for foreign in schema.get("foreignKeys", []):
            keys |= set([foreign["fields"]] if isinstance(foreign["fields"], str) else foreign["fields"])
        columns[resource["path"]] = [
            f["name"] for f in schema["fields"]
            if f["type"] == "string" and f["name"] not in keys and (resource["path"], f["name"]) not in READ_AS_VALUES
            and not {"enum", "pattern"} & set(f.get("constraints", {}))]
    return columns


def write_hostile_copy(target: Path, columns: dict[str, list[str]]) -> None:
    """``casedata/`` copied to ``target``; every non-empty cell of ``columns`` gets a formula before it and
    :data:`PAYLOAD` after it."""
    shutil.copytree(casedata.DATA_DIR, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
    for file, names in columns.items():
        rows = _read_csv(casedata.DATA_DIR / file)
        header = rows[0]
        for row in rows[1:]:
            for i, name in enumerate(names):
                column = header.index(name)
                if row[column]:
                    row[column] = f"{FORMULAS[i % len(FORMULAS)]}{row[column]} {PAYLOAD}"
        _write_csv(target / file, rows)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, dict[str, list[str]]]:
    """A copy of casedata/ with the payload in every free-text column the loader accepts (and which those are)."""
    work = tmp_path_factory.mktemp("hostile")
    folder, columns = work / "casedata", free_text_columns(casedata.DATA_DIR)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(casedata, "CACHE_DIR", work / "cache", raising=False)  # no verdict left in build/cache
        for _ in range(5):
            write_hostile_copy(folder, columns)
            try:
                casedata.load_all(folder)
                return folder, columns
            except casedata.CaseDataError as error:
                refused = {(Path(p.file).name, p.column) for p in error.problems}
                unexplained = [p for p in error.problems if p.column not in columns.get(Path(p.file).name, [])]
                assert not unexplained, f"the loader refuses the copy for a reason the test does not know: {unexplained[:3]}"
                columns = {file: [c for c in names if (file, c) not in refused] for file, names in columns.items()}
    pytest.fail("the loader kept refusing the hostile copy")


def run_on_copy(notebook: Path, folder: Path, out_dir: Path, cache: Path) -> Path:
    """Execute ``notebook`` against the data in ``folder`` (the kernel's loader reads it through BMM_CASEDATA); save
    it (outputs and widget state) in ``out_dir``."""
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(notebook.parent)}})
    client.execute(env={**os.environ, "BMM_CACHE_DIR": str(cache), "BMM_CASEDATA": str(folder)})
    target = out_dir / notebook.name
    nbformat.write(nb, target)
    return target


@pytest.fixture(scope="module")
def hostile_site(hostile, tmp_path_factory) -> Path:
    """Every notebook executed on the hostile copy (two at a time), and the site built from them and the copy."""
    folder, _ = hostile
    work = tmp_path_factory.mktemp("hostile-run")
    notebooks = [course.NOTEBOOK_DIR / course.INDEX_FILENAME, *(course.NOTEBOOK_DIR / l.filename for l in course.LESSONS)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda nb: run_on_copy(nb, folder, work, work / "cache"), notebooks))
    site_dir = work / "site"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(casedata, "CACHE_DIR", work / "cache", raising=False)
        site.build(site_dir, data_dir=folder, notebook_dir=work)
    return site_dir


def test_the_copy_carries_the_payload_in_the_text_a_tutor_writes(hostile):
    _, columns = hostile
    for file, column in [("discrepancies.csv", "statement_a"), ("events.csv", "description"), ("cases.csv", "histology"),
                         ("therapy_lines.csv", "regimen"), ("sources.csv", "citation"),
                         ("marker_patterns.csv", "teaching_point")]:
        assert column in columns[file], f"{file} {column} no longer carries the payload"


def _widget_html(page: str) -> list[str]:
    """The HTML values of the stored widgets of a page (static-widgets.js puts them in with innerHTML)."""
    match = re.search(r'<script type="application/vnd\.jupyter\.widget-state\+json">\s*(.*?)\s*</script>', page, re.DOTALL)
    if not match:
        return []
    models = json.loads(match.group(1))["state"].values()
    return [m["state"].get("value") or "" for m in models if m["model_name"] in ("HTMLModel", "HTMLMathModel")] + \
           [m["state"].get("description") or "" for m in models if m["state"].get("description_allow_html")]


def test_no_page_of_the_site_carries_a_live_payload(hostile_site):
    pages = sorted(hostile_site.rglob("*.html"))
    own = [p for p in pages if p.relative_to(hostile_site).parts[0] != "assets"]
    problems = []
    for path in own:
        page = path.read_text(encoding="utf-8")
        outside_json = re.sub(r'<script type="application/vnd\.jupyter\.widget-(?:state|view)\+json">.*?</script>', "",
                              page, flags=re.DOTALL)
        problems += [f"{path.name}: raw payload" for _ in range(outside_json.count(IMG))]
        problems += [f"{path.name}: {found}" for found in live_payloads(page)]
        problems += [f"{path.name} (stored widget): {found}" for html in _widget_html(page) for found in live_payloads(html)]
    assert problems == [], "\n".join(problems[:20])


def test_the_payload_is_shown_as_text_on_every_notebook_page(hostile_site):
    """The test above is not vacuous: the hostile cells reach every notebook page and the stored readings of 06, as text."""
    for lesson in course.LESSONS:
        page = (hostile_site / lesson.filename.replace(".ipynb", ".html")).read_text(encoding="utf-8")
        assert SHOWN in "".join(parsed(page).text), lesson.filename
    index = (hostile_site / "00_index.html").read_text(encoding="utf-8")  # pandas cuts its cells at 50 characters
    assert FORMULAS[0].strip() in "".join(parsed(index).text)
    explorers = (hostile_site / "06_alternative_timelines.html").read_text(encoding="utf-8")
    assert any(SHOWN in "".join(parsed(html).text) for html in _widget_html(explorers))
    page = (hostile_site / "02_ihc_interpretation.html").read_text(encoding="utf-8")
    markdown_output = r'<div class="[^"]*jp-OutputArea-output[^"]*" data-mime-type="text/markdown"[^>]*>(.*?)</div>'
    outputs = re.findall(markdown_output, page, re.DOTALL)
    assert sum(SHOWN in "".join(parsed(html).text) for html in outputs) >= 2  # among them the AK-02 and AK-E10 cell


def test_the_site_copies_of_the_csv_files_are_formula_safe(hostile, hostile_site):
    folder, _ = hostile
    prefixed = 0
    for source in sorted(folder.glob("*.csv")):
        copied, original = _read_csv(hostile_site / "casedata" / source.name), _read_csv(source)
        assert [len(row) for row in copied] == [len(row) for row in original], source.name
        for row, before in zip(copied, original):
            for cell, was in zip(row, before):
                assert cell in (was, "'" + was), (source.name, was)  # nothing lost: at most a quote in front
                runs = cell.startswith(("=", "+", "-", "@", "\t", "\r"))
                assert not runs or re.fullmatch(r"-?\d+(\.\d+)?", cell), (source.name, cell)  # a formula, or a number
                prefixed += cell != was
    assert prefixed > 100  # the formulas of the copy, now quoted
    days = _read_csv(hostile_site / "casedata" / "events.csv")
    assert days[0][2] == "day" and any(re.fullmatch(r"-\d+", row[2]) for row in days[1:])  # negative days stay numbers
    assert (hostile_site / "casedata" / casedata.DESCRIPTOR).read_bytes() == (folder / casedata.DESCRIPTOR).read_bytes()


def test_the_site_copies_of_the_curated_csv_files_are_unchanged(tmp_path):
    safe_csv.copy_folder(casedata.DATA_DIR, tmp_path / "casedata")
    for source in casedata.DATA_DIR.glob("*.csv"):
        assert (tmp_path / "casedata" / source.name).read_bytes() == source.read_bytes(), source.name
