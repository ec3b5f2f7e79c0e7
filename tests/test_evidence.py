"""Evidence currency: guidelines and trials carry a version and a check date, superseded sources are cited nowhere,
and the index, the site and the tutor guide state the same "evidence checked as of" date."""

import json
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from tests.test_casedata import csv_rows, edit, find_line, problems, set_cell
from utils import casedata, evidence

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "casedata"


@pytest.fixture(scope="module")
def sources():
    return casedata.load("sources")


@pytest.fixture
def copy(tmp_path):
    target = tmp_path / "casedata"
    shutil.copytree(DATA, target)
    return target


def test_every_guideline_and_trial_is_dated(sources):
    dated = evidence.dated_sources(sources)
    assert len(dated) >= 20
    assert dated["version"].notna().all() and dated["checked_on"].notna().all()


@pytest.mark.parametrize("column", ["version", "checked_on"])
def test_a_guideline_without_its_version_or_date_is_refused(copy, column):
    line = find_line(copy, "sources", source_id="carson2023_aabb")
    edit(copy, "sources", lambda rows: set_cell(rows, line, column, ""))
    assert f"sources.csv, line {line}, column '{column}': a guideline needs a {column}" in " ".join(problems(copy))


def test_a_superseded_source_still_cited_by_a_table_is_refused(copy):
    sources_line = find_line(copy, "sources", source_id="carson2023_aabb")

    def supersede(rows):
        set_cell(rows, sources_line, "status", "superseded")
        set_cell(rows, sources_line, "superseded_by", "ctcae_v5")
    edit(copy, "sources", supersede)
    citing = find_line(copy, "transfusion_thresholds", source_id="carson2023_aabb")
    found = " ".join(problems(copy))
    assert (f"transfusion_thresholds.csv, line {citing}, column 'source_id': 'carson2023_aabb' is superseded by"
            " 'ctcae_v5'; cite the current source") in found


@pytest.mark.parametrize(("status", "superseded_by", "message"), [
    ("superseded", "", "a superseded source must name the source that replaces it"),
    ("superseded", "no_such_source", "'no_such_source' is not a current source in sources.csv"),
    ("current", "ctcae_v5", "only a superseded source names a replacement"),
])
def test_superseded_rows_must_name_a_current_replacement(copy, status, superseded_by, message):
    line = find_line(copy, "sources", source_id="recist_1_1")

    def change(rows):
        set_cell(rows, line, "status", status)
        set_cell(rows, line, "superseded_by", superseded_by)
    edit(copy, "sources", change)
    assert f"sources.csv, line {line}, column 'superseded_by': {message}" in " ".join(problems(copy))


def test_checked_as_of_is_the_earliest_check_of_a_current_source():
    sources = pd.DataFrame({
        "source_id": ["a", "b", "c", "d"], "kind": ["guideline", "trial", "cohort", "guideline"],
        "version": ["1", "2", None, "0"], "status": ["current", "current", "current", "superseded"],
        "checked_on": pd.to_datetime(["2026-12-07", "2026-11-30", "2020-01-01", "2019-01-01"]),
        "superseded_by": [None, None, None, "a"],
    })
    assert evidence.checked_as_of(sources) == pd.Timestamp("2026-11-30")  # the cohort and the superseded row do not count
    assert evidence.checked_as_of_text(sources) == "Evidence checked as of 30 November 2026"
    with pytest.raises(ValueError, match="needs a checked_on date"):
        evidence.checked_as_of(sources.assign(checked_on=pd.NaT))


# Where the course states it and where it cites sources ------------------------------------------------
def course_texts():
    """What the course is read from: every notebook's cells (the text a tutor writes, not its stored outputs,
    which nbval keeps equal to a fresh run over the validated data), self-checks, guides and modules."""
    texts = {}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        texts[path.relative_to(ROOT).as_posix()] = "\n".join("".join(cell["source"]) for cell in cells)
    for path in [*sorted((ROOT / "notebooks" / "selfcheck").glob("*.json")), *sorted((ROOT / "docs").glob("*.md")),
                 ROOT / "README.md", *sorted((ROOT / "utils").glob("*.py"))]:
        texts[path.relative_to(ROOT).as_posix()] = path.read_text(encoding="utf-8")
    return texts


def test_no_superseded_source_is_cited_anywhere(sources):
    old = evidence.superseded(sources)
    texts = course_texts()
    cited = [(row.source_id, where) for row in old.itertuples() for where, text in texts.items()
             if re.search(rf"\b{re.escape(row.source_id)}\b", text)
             or (isinstance(row.doi, str) and row.doi.lower() in text.lower())]
    assert not cited, f"superseded sources still cited (by id or DOI): {cited}"


def test_the_index_the_site_the_guide_and_the_readme_state_the_same_date(sources):
    statement = evidence.checked_as_of_text(sources)
    index = (ROOT / "notebooks" / "00_index.ipynb").read_text(encoding="utf-8")
    assert statement in index, "re-run notebooks/00_index.ipynb: its stored evidence date is not the current one"
    assert statement in (ROOT / "docs" / "tutor-guide.md").read_text(encoding="utf-8")
    assert statement in (ROOT / "README.md").read_text(encoding="utf-8")
    from delivery import site
    _, page = site.index_page()
    assert statement in page


def test_an_unresolved_source_must_say_what_could_not_be_obtained(copy):
    line = find_line(copy, "sources", source_id="recist_1_1")

    def change(rows):
        set_cell(rows, line, "status", "unresolved")
    edit(copy, "sources", change)
    assert (f"sources.csv, line {line}, column 'note': an unresolved source must say what could not be obtained,"
            " after 'UNRESOLVED'") in " ".join(problems(copy))


def test_unresolved_sources_are_listed_with_what_is_missing(sources):
    listed = evidence.unresolved(sources)
    marked = sources.loc[sources["status"] == "unresolved", "source_id"]
    assert list(listed["source_id"]) == list(marked) and len(listed) >= 1
    assert listed["what could not be obtained"].str.len().gt(20).all()
    assert not listed["what could not be obtained"].str.contains("UNRESOLVED").any()


def test_the_index_lists_every_unresolved_source(sources):
    nb = nbformat.read(ROOT / "notebooks" / "00_index.ipynb", as_version=4)
    shown = "\n".join("".join(o.get("data", {}).get(kind, "")) + o.get("text", "")  # what the reader sees: outputs only
                      for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                      for kind in ("text/markdown", "text/html", "text/plain"))
    for source_id in evidence.unresolved(sources)["source_id"]:
        assert source_id in shown, f"re-run notebooks/00_index.ipynb: {source_id} is unresolved but not listed"
