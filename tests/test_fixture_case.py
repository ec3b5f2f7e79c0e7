"""A case added as CSV rows reaches every notebook: the fictional fixture case, end to end.

The fixture (tests/fixtures/fictional_case, case ``fictional2099``) is merged into a temporary copy of casedata/,
never into casedata/ itself. Every course notebook and the casebook are run on that copy in fresh kernels (the
loader reads the copy through ``BMM_CASEDATA``); none may fail, and the case must show in the case-level tables,
figures and explorers. Figures are checked through their artists by tests/test_any_case_a.py and
tests/test_any_case_b.py; here the executed notebooks are read: text and HTML outputs, figure alt text and the
stored state of every explorer control (a case dropdown must offer the new case).

The same single run carries the figure probe of tests/test_figures_fit.py (the first cell of every notebook run
here): every figure a notebook draws, inline or in an explorer, must fit its canvas, keep its text readable when
projected, and never tell two series apart by colour alone. The notebooks are not run a second time for that.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.fixture_data import FIXTURE_CASE, FIXTURE_DIR, merged_copy
from tests.test_figures_fit import probe_count, probe_reports, shown_figures, with_probe
from utils import course, curation, plots

NOTEBOOK_DIR = course.NOTEBOOK_DIR
NOTEBOOKS = sorted(p.name for p in NOTEBOOK_DIR.glob("[0-9][0-9]*_*.ipynb"))
#: Notebooks with case-level tables, figures or explorers over "the cases": the new case must appear in them.
#: (05a teaches methods on published series only and says so.)
CASE_LEVEL = ("00_index.ipynb", "01_presentation.ipynb", "02_ihc_interpretation.ipynb", "03_treatment_lines.ipynb",
              "04_lab_recovery.ipynb", "05b_survival_comparison.ipynb", "06_alternative_timelines.ipynb")
#: Notebooks whose explorers choose a case: their stored widget state must offer the new case.
CASE_CONTROLS = ("02_ihc_interpretation.ipynb", "04_lab_recovery.ipynb",
                 "06_alternative_timelines.ipynb")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def merged(tmp_path_factory) -> Path:
    return merged_copy(tmp_path_factory.mktemp("fixture") / "casedata")


def run(path: Path, data_dir: Path, cache: Path) -> nbformat.NotebookNode:
    """Execute ``path`` (from its own folder, as nbval does) in a fresh kernel that reads ``data_dir`` and keeps its
    loader cache in ``cache``, with the figure probe as its first cell and its count as its last; the course file is
    never written."""
    notebook = with_probe(nbformat.read(path, as_version=4))
    client = NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                            store_widget_state=True, record_timing=False)
    client.execute(env={**os.environ, "BMM_CASEDATA": str(data_dir), "BMM_CACHE_DIR": str(cache)})
    return notebook


def shown_text(notebook: nbformat.NotebookNode) -> str:
    """Everything a reader sees as text: plain, HTML and Markdown outputs, and stored widget state."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            for kind in ("text/plain", "text/html", "text/markdown"):
                value = output.get("data", {}).get(kind, "")
                parts.append("".join(value) if isinstance(value, list) else value)
    return "\n".join(parts)


def widget_options(notebook: nbformat.NotebookNode) -> list[list[str]]:
    """The option labels of every selection control in the notebook's stored widget state."""
    state = notebook.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    return [list(model["state"].get("_options_labels", [])) for model in state.values()
            if "_options_labels" in model.get("state", {})]


@pytest.fixture(scope="module")
def executed(merged, tmp_path_factory) -> dict[str, nbformat.NotebookNode]:
    """Every course notebook run on the merged copy, once (a failing cell fails here, naming the notebook)."""
    cache = tmp_path_factory.mktemp("cache")
    with ThreadPoolExecutor(max_workers=2) as pool:  # two kernels at a time, one per core
        return dict(zip(NOTEBOOKS, pool.map(lambda name: run(NOTEBOOK_DIR / name, merged, cache), NOTEBOOKS)))


def test_the_fixture_passes_the_curation_check():
    assert curation.check(FIXTURE_DIR) == [FIXTURE_CASE]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_notebook_runs_on_a_third_case(executed, name):
    errors = [output for cell in executed[name].cells for output in cell.get("outputs", []) if output.get("output_type") == "error"]
    assert not errors, f"{name}: {errors[0]['ename']}: {errors[0]['evalue']}" if errors else ""


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_no_figure_content_outside_its_canvas(executed, name):
    reports = probe_reports(executed[name], "OUTSIDE")
    assert not reports, f"{name}: figure content outside the canvas (it would be cut off):\n" + "\n".join(reports)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_figure_text_is_large_enough_to_project(executed, name):
    reports = probe_reports(executed[name], "SMALL")
    assert not reports, f"{name}: text smaller than {plots.MIN_FONT_PT} pt cannot be read when projected:\n" + "\n".join(reports)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_colour_is_never_the_only_cue(executed, name):
    """Series that carry meaning differ by dash, marker, hatch or a direct label as well as by colour
    (what counts is defined in utils.plots.colour_only_pairs)."""
    reports = probe_reports(executed[name], "COLOUR")
    assert not reports, f"{name}: series told apart by colour alone:\n" + "\n".join(reports)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_probe_saw_every_figure_on_the_merged_copy(executed, merged, name):
    """The probe measured at least as many figures as the run shows, and as the stored notebook shows (the merged
    copy holds every case of the course, so it draws at least as many); the kernel read the merged copy."""
    measured, data_dir = probe_count(executed[name])
    stored = shown_figures(nbformat.read(NOTEBOOK_DIR / name, as_version=4))
    shown = shown_figures(executed[name])
    assert data_dir == str(merged), "the kernel did not read the merged copy"
    assert shown >= stored, f"{name}: the run on the merged copy shows {shown} figures, the stored notebook {stored}"
    assert measured >= shown, f"the probe saw {measured} figures, the notebook shows {shown}: the probe is not measuring"


@pytest.mark.parametrize("name", CASE_LEVEL)
def test_the_third_case_shows_in_case_level_outputs(executed, name):
    assert FIXTURE_CASE in shown_text(executed[name]), f"{name} never shows {FIXTURE_CASE}"


@pytest.mark.parametrize("name", CASE_CONTROLS)
def test_case_controls_offer_the_third_case(executed, name):
    options = widget_options(executed[name])
    assert any(FIXTURE_CASE in " ".join(labels) for labels in options), f"{name}: no control offers {FIXTURE_CASE}: {options}"


def test_no_course_file_took_in_the_fixture():
    for path in [*NOTEBOOK_DIR.rglob("*.ipynb"), *(NOTEBOOK_DIR.parent / "casedata").glob("*.csv")]:
        assert FIXTURE_CASE not in path.read_text(encoding="utf-8"), f"{path} holds the fictional fixture case"


def test_the_casebook_renders_the_new_case_from_the_merged_copy(merged, tmp_path):
    # only the new case's page: the published cases' stored pages are checked by tests/test_casebook.py and run by
    # nbval (rendering all three here took another 10-25 s)
    from delivery import casebook

    written = casebook.render([FIXTURE_CASE], data_dir=merged, out_dir=tmp_path)
    assert [Path(p).stem for p in written] == [FIXTURE_CASE]
    page = nbformat.read(tmp_path / f"{FIXTURE_CASE}.ipynb", as_version=4)
    text = shown_text(page)
    errors = [o for c in page.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    for fact in ("HR-/HER2+", "trastuzumab deruxtecan", "GATA3", "FX-01"):
        assert fact in text, f"the casebook page of {FIXTURE_CASE} never shows {fact!r}"
    assert json.dumps(page.metadata.get("papermill", {}).get("parameters", {})) == json.dumps({"case_id": FIXTURE_CASE})
