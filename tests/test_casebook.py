"""The casebook: one page per case, rendered with papermill from delivery/casebook_template.py (make casebook).

Pages are rendered into temporary folders (never into notebooks/): for the published cases, prepared but not run
(to check that the stored pages in notebooks/casebook hold exactly the cells the template gives today), and for a
sparse case (a copy of casedata/ with every row of tnbc2025 removed except her case row and her events), run,
whose page must say what is missing and go on.

The published cases' stored pages are not run again here: nbval runs each of them in a fresh kernel and compares
every output (the README's test command), so a stored page whose cells are current shows what a fresh render
shows. Their content is checked on the stored pages.
The helpers of utils.casebook, the site's casebook pages and the index list are checked without a kernel.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from delivery import casebook as render_casebook
from delivery import navigation, site
from utils import casebook, casedata, course, dosing

STORED = course.NOTEBOOK_DIR / "casebook"
SPARSE_CASE = "tnbc2025"
#: The tables a sparse case may lack (only events are required), and how the page says each is missing.
SPARSE_TABLES = ("labs", "ihc", "therapy_lines", "doses", "discrepancies", "observations")
SAID_MISSING = ("`casedata/labs.csv` has no rows", "`casedata/ihc.csv` has no rows",
                "`casedata/therapy_lines.csv` has no rows", "`casedata/doses.csv` has no rows",
                "`casedata/discrepancies.csv` has no rows")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def published_ids() -> list[str]:
    return casebook.case_ids(casedata.load("cases"))


def drop_case_rows(data_dir: Path, table: str, case_id: str) -> int:
    """Remove the rows of ``case_id`` from ``data_dir/<table>.csv``, cell text untouched; return how many went."""
    path = data_dir / f"{table}.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    column = rows[0].index("case_id")
    kept = [rows[0]] + [r for r in rows[1:] if r[column] != case_id]
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(kept)
    path.write_text(out.getvalue(), encoding="utf-8")
    return len(rows) - len(kept)


def shown_text(nb) -> str:
    """The text a reader sees in a page's outputs (plain, HTML, Markdown, stream)."""
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            for kind in ("text/plain", "text/html", "text/markdown"):
                parts.append(output.get("data", {}).get(kind, ""))
    return "\n".join("".join(p) if isinstance(p, list) else p for p in parts)


def errors_of(nb) -> list[str]:
    return [f"{o.get('ename')}: {o.get('evalue')}" for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]


# Rendered pages (papermill) ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> dict[str, Path]:
    """Every published case's page rendered afresh into a temporary folder, parameters injected, no cell run."""
    out = tmp_path_factory.mktemp("casebook")
    return {path.stem: path for path in render_casebook.render(out_dir=out, execute=False)}


@pytest.fixture(scope="module")
def published() -> dict[str, Path]:
    """The stored page of every published case (current: test_the_stored_pages_are_current; reproducible: nbval)."""
    return {case_id: STORED / f"{case_id}.ipynb" for case_id in published_ids()}


@pytest.fixture(scope="module")
def sparse(tmp_path_factory) -> Path:
    """The page of tnbc2025 rendered from a copy of casedata/ that keeps only her case row and events.

    The output folder holds a page of a case that is not in the data, which the render must remove."""
    data = tmp_path_factory.mktemp("sparse") / "casedata"
    shutil.copytree(casedata.DATA_DIR, data)
    for table in SPARSE_TABLES:
        drop_case_rows(data, table, SPARSE_CASE)
    casedata.validate(data)  # still a valid data folder: only events are required per case
    out = tmp_path_factory.mktemp("sparse-pages")
    (out / "retired2001.ipynb").write_text("{}", encoding="utf-8")
    written = render_casebook.render([SPARSE_CASE], data_dir=data, out_dir=out)
    assert written == [out / f"{SPARSE_CASE}.ipynb"]
    assert not (out / "retired2001.ipynb").exists(), "a page of a case no longer in the data is removed"
    return written[0]


def test_every_published_page_has_no_error_and_shows_its_case(published):
    assert sorted(published) == sorted(published_ids())
    for case_id, path in published.items():
        nb = nbformat.read(path, as_version=4)
        assert errors_of(nb) == [], case_id
        text = shown_text(nb)
        assert f"## Case {case_id}" in text
        case = casedata.load("cases").set_index("case_id").loc[case_id]
        assert str(case["subtype"]) in text, "the presentation shows the curated subtype"
        assert "Not in the data" not in text, f"{case_id}: a published case lacks a table"
        assert nb.metadata["papermill"] == {"parameters": {"case_id": case_id}}


def test_a_published_page_shows_the_cases_own_facts(published):
    data = casedata.load_all()
    for case_id, path in published.items():
        text = shown_text(nbformat.read(path, as_version=4))
        for discrepancy in data.discrepancies.loc[data.discrepancies["case_id"] == case_id, "discrepancy_id"]:
            assert discrepancy in text, f"{case_id}: discrepancy {discrepancy} is not on the page"
        for agent in data.doses.loc[data.doses["case_id"] == case_id, "agent"]:
            assert agent in text, f"{case_id}: the dose of {agent} is not on the page"
        other = [c for c in published if c != case_id]
        for discrepancy in data.discrepancies.loc[data.discrepancies["case_id"].isin(other), "discrepancy_id"]:
            assert f"**{discrepancy}," not in text, f"{case_id}'s page shows another case's discrepancy {discrepancy}"


def test_a_sparse_case_page_says_what_is_missing_and_goes_on(sparse):
    nb = nbformat.read(sparse, as_version=4)
    assert errors_of(nb) == []
    text = shown_text(nb)
    for said in SAID_MISSING:
        assert f"{said} for {SPARSE_CASE}" in text, f"the sparse page does not say: {said}"
    assert "no weight is stated" not in text  # no dose rows: the body measures are not discussed
    # the sections that need only the case row and its events still show
    assert "Follow-up:" in text and "MODEL P(surviving at least" in text
    assert any("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", [])), "the forest plot is drawn"


def test_the_stored_pages_are_current(prepared):
    stored = sorted(p.stem for p in STORED.glob("*.ipynb"))
    assert stored == sorted(published_ids()), "one stored page per case of cases.csv; run `make casebook`"
    assert sorted(prepared) == stored
    for case_id, fresh_path in prepared.items():
        fresh = nbformat.read(fresh_path, as_version=4)
        kept = nbformat.read(STORED / f"{case_id}.ipynb", as_version=4)
        assert [(c.get("id"), c.cell_type, c.source) for c in kept.cells] == \
               [(c.get("id"), c.cell_type, c.source) for c in fresh.cells], f"{case_id}.ipynb is stale; run `make casebook`"
        assert not any(c.get("outputs") for c in fresh.cells), "a prepared page runs no cell"
        # language_info is written by the kernel that runs the page; everything else comes from the template
        assert {k: v for k, v in kept.metadata.items() if k != "language_info"} == fresh.metadata
        assert kept.metadata["language_info"]["name"] == "python"


@pytest.mark.parametrize("case_id", published_ids())
def test_a_stored_page_is_one_clean_deterministic_run(case_id):
    path = STORED / f"{case_id}.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert set(nb["metadata"].get("papermill", {})) <= {"parameters"}
    for cell in nb["cells"]:
        assert not {"execution", "papermill"} & set(cell.get("metadata", {})), f"{case_id}: volatile metadata in a cell"
        assert cell.get("id"), f"{case_id}: every cell has a fixed id"
    injected = [c for c in nb["cells"] if "injected-parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(injected) == 1 and injected[0]["id"] == "injected-parameters"
    assert f'case_id = "{case_id}"' in "".join(injected[0]["source"])
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown":
            for target in navigation.links("".join(cell["source"])):
                assert navigation.link_problem(target, path.parent) is None, f"{case_id}, cell {index}: {target}"


def test_every_figure_of_the_template_has_a_caption_below():
    nb = render_casebook.read_template()
    figure_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and re.search(
        r"_figure\(|lab_chart\(|forest_plot\(", c.source)]
    assert figure_cells
    for i in figure_cells:
        below = nb.cells[i + 1]
        assert below.cell_type == "markdown" and below.source.startswith("*Figure"), nb.cells[i].source[:60]


def test_the_template_is_text_with_fixed_ids_and_a_parameters_cell():
    nb = render_casebook.read_template()
    assert render_casebook.TEMPLATE.suffix == ".py"
    ids = [c["id"] for c in nb.cells]
    assert len(set(ids)) == len(ids) and "parameters" in ids and not any(c.metadata.get("cell_id") for c in nb.cells)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    parameters = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1 and re.search(r"^case_id = ", parameters[0].source, re.MULTILINE)
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
    assert "For education only" in nb.cells[0].source


# delivery.casebook without a kernel ---------------------------------------------------------------------------
def test_render_refuses_a_case_the_data_do_not_hold(tmp_path):
    with pytest.raises(render_casebook.CasebookError, match=r"no case 'nobody2000' in cases.csv; cases: akagi2021"):
        render_casebook.render(["nobody2000"], out_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("bad", ["../escape", "a b", "", ".hidden", "x/y"])
def test_a_case_id_that_cannot_name_a_file_is_refused(bad, tmp_path):
    with pytest.raises(render_casebook.CasebookError, match="cannot name a casebook page"):
        render_casebook.page_path(bad, tmp_path)


def test_clean_drops_timings_and_keeps_the_parameters():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("case_id = 'a'")])
    nb.metadata["papermill"] = {"parameters": {"case_id": "a"}, "start_time": "2026-01-01T00:00:00", "duration": 1.5,
                                "input_path": "/somewhere/template.ipynb"}
    nb.cells[0].metadata.update({"papermill": {"duration": 0.1, "status": "completed"},
                                 "execution": {"iopub.status.busy": "2026-01-01T00:00:00"}})
    nb.cells[1].metadata["tags"] = ["injected-parameters"]
    render_casebook.clean(nb)
    assert nb.metadata["papermill"] == {"parameters": {"case_id": "a"}}
    assert "papermill" not in nb.cells[0].metadata and "execution" not in nb.cells[0].metadata
    assert nb.cells[1]["id"] == "injected-parameters"


# utils.casebook ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def data() -> casedata.CaseData:
    return casedata.load_all()


def test_case_data_keeps_only_the_cases_rows_and_the_shared_tables(data):
    own = casebook.case_data(data, "akagi2021")
    for table in ("cases", "labs", "ihc", "therapy_lines", "doses", "events", "observations", "discrepancies"):
        frame = getattr(own, table)
        assert len(frame) == int((getattr(data, table)["case_id"] == "akagi2021").sum()) and len(frame)
        assert set(frame["case_id"]) == {"akagi2021"}
    assert own.literature_survival.equals(data.literature_survival) and own.sources.equals(data.sources)
    thresholds = own.transfusion_thresholds
    assert set(thresholds["case_id"].dropna()) <= {"akagi2021"} and thresholds["case_id"].isna().any()
    with pytest.raises(ValueError, match=r"case_id 'nobody' is not in cases.csv; expected one of: akagi2021"):
        casebook.case_data(data, "nobody")


def test_coverage_counts_the_rows_of_the_case(data):
    table = casebook.coverage(casebook.case_data(data, "tnbc2025")).set_index("table")["rows for this case"]
    assert table["labs.csv"] == int((data.labs["case_id"] == "tnbc2025").sum())
    assert table["events.csv"] == int((data.events["case_id"] == "tnbc2025").sum())


def test_missing_markdown_names_table_case_and_consequence():
    said = casebook.missing_markdown("ihc", "new_2026", "no panel")
    assert said.startswith("**Not in the data:** `casedata/ihc.csv` has no rows for new\\_2026, so no panel.")
    with pytest.raises(ValueError, match="unknown case table 'cases'"):
        casebook.missing_markdown("cases", "x", "y")


def _labs(rows):
    return pd.DataFrame(rows, columns=["case_id", "day", "analyte", "printed", "value_std", "unit_std", "source_locator"])


def test_first_counts_prefer_values_before_treatment_and_fall_back_to_the_first_day(data):
    ranges = data.reference_ranges
    mixed = _labs([("x", -2, "platelets", "90", 90.0, "10^9/L", "s"), ("x", 5, "platelets", "40", 40.0, "10^9/L", "s")])
    counts, said = casebook.first_counts(mixed, ranges, "x")
    assert list(counts["day"]) == [-2] and "before treatment of the marrow metastasis" in said
    # a table without precisions never reads as exact
    assert list(counts["day_precision"]) == ["not stated"] and "1 of them on a day not given as exact" in said
    counts, said = casebook.first_counts(mixed.assign(day_precision="exact", timing_basis="dated"), ranges, "x")
    assert said == "Every value stated on or before day 0, before treatment of the marrow metastasis."
    later = _labs([("x", 30, "platelets", "40", 40.0, "10^9/L", "s"), ("x", 60, "platelets", "90", 90.0, "10^9/L", "s")])
    counts, said = casebook.first_counts(later.assign(day_precision="exact", timing_basis="dated"), ranges, "x")
    assert list(counts["day"]) == [30] and "first stated values, on day 30 (after treatment" in said
    rough = later.assign(day_precision="approximate", timing_basis="about a month after day 0")
    counts, said = casebook.first_counts(rough, ranges, "x")
    assert "on day 30 (approximate: about a month after day 0)" in said and list(counts["day_precision"]) == ["approximate"]
    before = mixed.assign(day_precision=["approximate", "exact"], timing_basis=["some days before", "dated"])
    counts, said = casebook.first_counts(before, ranges, "x")
    assert "1 of them on a day not given as exact" in said and list(counts["day_precision"]) == ["approximate"]
    counts, said = casebook.first_counts(later, ranges, "y")
    assert counts.empty and "no values for y" in said


def test_cytopenia_sentence_names_the_label_or_the_missing_lineages(data):
    ranges = data.reference_ranges
    lln = ranges.query("source_id == @casebook.REFERENCE_SOURCE").set_index("analyte")["lower"]
    low = {a: float(lln[a]) * 0.5 for a in ("hemoglobin", "platelets", "wbc")}  # synthetic, below every LLN
    three = _labs([("x", 0, a, "v", v, "u", "s") for a, v in low.items()])
    assert "pancytopenia" in casebook.cytopenia_sentence(casebook.first_counts(three, ranges, "x")[0])
    one = _labs([("x", 0, "platelets", "v", low["platelets"], "u", "s")])
    said = casebook.cytopenia_sentence(casebook.first_counts(one, ranges, "x")[0])
    assert said.startswith("**Cytopenia:** cannot be named") and "haemoglobin" in said and "white cells" in said
    assert casebook.cytopenia_sentence(pd.DataFrame()) == "No counts, so no cytopenia can be named."


def test_chart_analytes_follow_the_course_order(data):
    assert casebook.chart_analytes(data.labs, "tnbc2025") == tuple(
        a for a in ("hemoglobin", "platelets", "wbc", "cea", "ca15_3", "ca125")
        if a in set(data.labs.loc[data.labs["case_id"] == "tnbc2025", "analyte"]))
    assert casebook.chart_analytes(data.labs, "nobody") == ()


def test_survival_position_names_both_clocks(data):
    own = casebook.case_data(data, "akagi2021")
    followup, table = casebook.survival_position(own)
    assert list(followup["case_id"]) == ["akagi2021"] and followup["origin"].iloc[0] == "bmm_diagnosis"
    cohorts = data.literature_survival.query("design == 'cohort'")
    subtype = own.cases["subtype"].iloc[0]
    fitting = cohorts[cohorts["subgroup"].map(lambda g: casebook.subgroup_fit(g, subtype) is not None)]
    assert len(table) == len(fitting) and list(table.columns) == list(casebook.POSITION_COLUMNS)
    assert table["series time origin"].notna().all() and table["subgroup fits the case"].notna().all()
    assert table["MODEL P(surviving at least the case's follow-up)"].between(0, 1).all()


@pytest.mark.parametrize(("subgroup", "subtype", "expected"), [
    ("all", "triple-negative", "yes: the whole series"),
    ("HR+/HER2- endocrine therapy", "HR+/HER2-", "same subtype (HR+/HER2-); fits only if the case was treated with endocrine therapy"),
    ("HR+/HER2- endocrine therapy", "triple-negative", None),
    ("HR+/HER2-", "HR-/HER2+", None),
    ("HR+/HER2- chemotherapy", float("nan"), None),
    ("endocrine therapy", "triple-negative", "a treatment subgroup: fits only if the case was treated with endocrine therapy"),
])
def test_subgroup_fit(subgroup, subtype, expected):
    assert casebook.subgroup_fit(subgroup, subtype) == expected


def test_a_case_is_not_given_a_model_probability_from_a_subgroup_of_another_subtype(data):
    series = pd.DataFrame([
        {"study_id": "s1", "subgroup": "all", "design": "cohort", "n": 10, "median_os_months": 12.0, "ci_low": None,
         "ci_high": None, "range_low": None, "range_high": None, "time_origin": "BMM diagnosis", "population": "p"},
        {"study_id": "s1", "subgroup": "HR+/HER2- endocrine therapy", "design": "cohort", "n": None,
         "median_os_months": 30.0, "ci_low": None, "ci_high": None, "range_low": None, "range_high": None,
         "time_origin": "BMM diagnosis", "population": "p"}])
    own = casebook.case_data(data, "tnbc2025")
    assert own.cases["subtype"].iloc[0] == "triple-negative"
    own = own.__class__(**{**own.__dict__, "literature_survival": series})
    _, table = casebook.survival_position(own)
    assert list(table["series"]) == ["s1"]
    said = casebook.subgroups_left_out(own)
    assert "1 subgroup(s) of another receptor subtype" in said and "s1: HR+/HER2- endocrine therapy" in said
    hr_positive = own.__class__(**{**own.__dict__, "cases": own.cases.assign(subtype="HR+/HER2-")})
    assert len(casebook.survival_position(hr_positive)[1]) == 2 and casebook.subgroups_left_out(hr_positive) == ""


def test_presentation_markdown_never_shows_an_approximate_day_as_exact(data):
    case = data.cases.iloc[0].copy()
    events = pd.DataFrame([
        {"case_id": case["case_id"], "day": -213, "day_precision": "approximate", "timing_basis": "about seven months before",
         "milestone": "primary_diagnosis"},
        {"case_id": case["case_id"], "day": -20, "day_precision": "exact", "timing_basis": "dated",
         "milestone": "first_distant_metastasis"}])
    text = casebook.presentation_markdown(case, events)
    assert "primary diagnosis on day -213 (about 7 months before day 0; approximate: about seven months before)" in text
    assert "first distant metastasis on day -20 (under a month before day 0)\n" in text
    assert "dated" not in text  # an exact day carries no note
    for value, words in (("relapsed", "in recurrent disease (not at first diagnosis)"), ("de_novo", "de novo (at first diagnosis)")):
        assert f"**Marrow metastasis:** {words};" in casebook.presentation_markdown(case.copy().replace(
            case["bmm_presentation"], value), events)


def test_references_list_the_cases_report_and_refuse_unknown_sources(data):
    own = casebook.case_data(data, "akagi2021")
    ids = casebook.page_sources(own)
    assert ids[0] == "akagi2021" and "ctcae_v5" in ids
    drawn = own.transfusion_thresholds[own.transfusion_thresholds["analyte"].isin(set(own.labs["analyte"]))]
    assert set(drawn["source_id"]) <= set(ids) and "metcalf2025_aabb_ictmg" in ids  # whose rule each threshold line is
    text = casebook.references_markdown(data.sources, ids)
    assert text.startswith("1. `akagi2021`: ") and "https://doi.org/" in text
    with pytest.raises(ValueError, match="source id\\(s\\) nowhere not in sources.csv"):
        casebook.references_markdown(data.sources, ["akagi2021", "nowhere"])


def test_body_markdown_names_the_stated_measures_or_what_is_missing():
    obs = pd.DataFrame({"case_id": ["a", "a"], "day": [0, 0], "day_precision": ["exact", "approximate"],
                        "quantity": ["body_weight", "body_height"], "value": [60.0, 160.0], "unit": ["kg", "cm"],
                        "source_locator": ["report, para 1", "report, para 2"]})
    said = casebook.body_markdown(dosing.body_weight(obs, "a"), dosing.body_height(obs, "a"))
    assert "weight 60 kg, stated for day 0 (exact) (report, para 1)" in said
    assert "height 160 cm, stated for day 0 (approximate) (report, para 2)" in said
    said = casebook.body_markdown(None, None)
    assert "no weight is stated" in said and "no height is stated" in said and "No measure is assumed" in said


def test_the_index_lists_every_case_with_its_page_or_what_to_run(data, tmp_path):
    (tmp_path / "casebook").mkdir()
    first, *others = published_ids()
    (tmp_path / "casebook" / f"{first}.ipynb").write_text("{}", encoding="utf-8")
    lines = casebook.index_markdown(data.cases, tmp_path).splitlines()
    assert len(lines) == len(data.cases)
    assert lines[0].startswith(f"- [{first}](casebook/{first}.ipynb): ")
    assert all("marrow metastasis in recurrent disease (not at first diagnosis)" in line or "marrow metastasis de novo (at first diagnosis)" in line
               for line in lines) and "relapsed" not in "".join(lines)
    for line, case_id in zip(lines[1:], others):
        assert line.startswith(f"- {case_id}: ") and line.endswith("no page yet (run `make casebook`)")


def test_the_stored_index_notebook_links_every_stored_page():
    nb = nbformat.read(course.NOTEBOOK_DIR / course.INDEX_FILENAME, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "casebook.index_markdown" in c.source)
    shown = "".join(o["data"]["text/markdown"] for o in cell.outputs if "text/markdown" in o.get("data", {}))
    for case_id in published_ids():
        assert f"](casebook/{case_id}.ipynb)" in shown


# The site -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("repo_path", "expected"), [
    ("notebooks/casebook/akagi2021.ipynb", "casebook/akagi2021.html"),
    ("notebooks/casebook/deeper/x.ipynb", None),
    ("docs/curation.md", "curation.html"),
    ("curation/template", "curation/template/README.html"),
    ("curation/template/labs.csv", "curation/template/labs.csv"),
])
def test_site_paths_of_casebook_pages_and_the_curation_guide(repo_path, expected):
    assert site.site_path(repo_path) == expected


def test_the_site_index_lists_every_case(tmp_path):
    (tmp_path / "casebook").mkdir()
    first, *others = published_ids()
    shutil.copy(STORED / f"{first}.ipynb", tmp_path / "casebook")
    _, page = site.index_page(notebook_dir=tmp_path)
    assert f'<a href="casebook/{first}.html">{first}</a>' in page
    for case_id in others:
        assert f"<li>{case_id}: no page yet (run <code>make casebook</code>)</li>" in page
    assert 'href="curation.html"' in page




def test_dated_lines_leave_out_and_name_rows_without_a_start_day():
    lines = pd.DataFrame({"therapy_id": ["X-T01", "X-T02", "X-T03"], "start_day": [0, None, 5]})
    drawn, said = casebook.dated_lines(lines)
    assert list(drawn["therapy_id"]) == ["X-T01", "X-T03"]
    assert said == "Not drawn: 1 treatment row(s) without a start day in `casedata/therapy_lines.csv` (X-T02)."
    assert casebook.dated_lines(lines.dropna())[1] == ""


def test_a_template_cell_without_its_id_is_refused(tmp_path):
    text = render_casebook.TEMPLATE.read_text(encoding="utf-8").replace(' cell_id="setup"', "", 1)
    broken = tmp_path / "template.py"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(render_casebook.CasebookError, match=r"cell 4 has no cell_id="):
        render_casebook.read_template(broken)
